// jsforce, unmodified, against the ledgerbridge Salesforce simulator: pointed
// at it by its ordinary settings (instanceUrl, accessToken; the simulator's
// certificate authority through NODE_EXTRA_CA_CERTS), it runs a paged SOQL
// query, reads an opportunity with its line items through a subquery,
// describes an object, updates records through sObject Collections and gets
// per-record errors, and is refused a malformed query.
// Usage: SF_SIM=https://127.0.0.1:9104 SF_TOKEN=t SF_DEALS=2500 node check.js
const jsforce = require('jsforce');

const base = process.env.SF_SIM;
const token = process.env.SF_TOKEN || 't';
const deals = Number(process.env.SF_DEALS || 2500);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

async function main() {
  const conn = new jsforce.Connection({ instanceUrl: base, accessToken: token, version: '66.0' });

  // 1. a paged query, page by page and with jsforce's own autoFetch
  const first = await conn.query('SELECT Id, Name, Amount FROM Opportunity ORDER BY Name');
  check(first.totalSize === deals && !first.done && first.records.length === 2000, 'first page holds 2,000 of all rows');
  const second = await conn.queryMore(first.nextRecordsUrl);
  check(second.done && second.records.length === deals - 2000, 'queryMore brought the rest');
  const all = await conn.query('SELECT Id FROM Opportunity').run({ autoFetch: true, maxFetch: 100000 });
  check(all.records.length === deals, `autoFetch returned ${all.records.length} rows`);

  // 2. an opportunity with its line items through a subquery
  const rows = (await conn.query(
    'SELECT Id, Name, Amount, Account.Name, ' +
    '(SELECT Id, Quantity, UnitPrice, TotalPrice FROM OpportunityLineItems ORDER BY SortOrder) ' +
    'FROM Opportunity WHERE Amount > 0 ORDER BY CreatedDate LIMIT 50')).records;
  const opp = rows.find((r) => r.OpportunityLineItems);
  check(opp !== undefined, 'some opportunities have line items');
  const lines = opp.OpportunityLineItems.records;
  const total = lines.reduce((s, l) => s + l.TotalPrice, 0);
  check(Math.abs(total - opp.Amount) < 0.005, `${opp.Name}: Amount is the sum of ${lines.length} line items`);

  // 3. describe
  const d = await conn.sobject('Opportunity').describe();
  const custom = d.fields.filter((f) => f.custom).map((f) => f.name);
  check(custom.includes('Payment_Status__c'), `describe lists custom fields (${custom.join(', ')})`);

  // 4. update through sObject Collections: one good record, one that fails
  const [good, bad] = [first.records[0].Id, first.records[1].Id];
  const results = await conn.sobject('Opportunity').update(
    [{ Id: good, Description: 'updated by jsforce' }, { Id: bad, StageName: 'No such stage' }],
    { allOrNone: false });
  check(results[0].success && results[0].id === good, 'the good record was updated');
  check(!results[1].success && results[1].errors[0].statusCode === 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    'the bad one reports its own error');
  const back = await conn.sobject('Opportunity').retrieve(good);
  check(back.Description === 'updated by jsforce', 'the update is visible');

  // 5. a malformed query is refused with MALFORMED_QUERY
  let refused = null;
  try {
    await conn.query('SELECT Id FRM Opportunity');
  } catch (e) {
    refused = e;
  }
  check(refused && refused.errorCode === 'MALFORMED_QUERY', 'malformed query refused with MALFORMED_QUERY');
  console.log('jsforce: all checks passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
