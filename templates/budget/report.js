document.getElementById('filter').addEventListener('input',function(e){
  var q=e.target.value.toLowerCase();
  document.querySelectorAll('#lines tbody tr').forEach(function(tr){
    tr.style.display=tr.textContent.toLowerCase().indexOf(q)>=0?'':'none';
  });
  document.getElementById('shown').textContent=
    document.querySelectorAll('#lines tbody tr:not([style*="none"])').length;
});
