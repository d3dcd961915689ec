document.querySelectorAll('input.filter').forEach(function(inp){
  inp.addEventListener('input',function(){
    var q=inp.value.trim().toLowerCase(),box=inp.closest('details'),n=0;
    box.querySelectorAll('tbody tr').forEach(function(tr){
      var ok=!q||tr.textContent.toLowerCase().indexOf(q)>=0;tr.hidden=!ok;if(ok)n++;});
    box.querySelector('.shown').textContent=n;
  });
});
document.body.setAttribute('data-ready','1');
