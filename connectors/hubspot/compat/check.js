// The official HubSpot Node SDK (@hubspot/api-client) against the ledgerbridge
// HubSpot simulator: list deals page by page, list them all with the SDK's own
// pager, search, create a deal (201) with an association, read it back by id,
// update it, batch-read it, and see a missing id come back as a 404.
// Usage: HUBSPOT_SIM=http://127.0.0.1:9101 HUBSPOT_TOKEN=t HUBSPOT_DEALS=300 node check.js
const hubspot = require('@hubspot/api-client');

const base = process.env.HUBSPOT_SIM || 'http://127.0.0.1:9101';
const token = process.env.HUBSPOT_TOKEN || 't';
const seeded = Number(process.env.HUBSPOT_DEALS || 300);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

async function main() {
  // retries off: a retried call would hide a wrong status
  const client = new hubspot.Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 0 });
  const deals = client.crm.deals;

  // 1. list with paging: every page's `after` leads to the next, no repeats
  const seen = new Set();
  let after;
  let pages = 0;
  do {
    const page = await deals.basicApi.getPage(100, after, ['dealname', 'amount', 'deal_currency_code'], undefined, ['companies'], false);
    pages += 1;
    for (const d of page.results) {
      if (seen.has(d.id)) throw new Error(`deal ${d.id} listed twice`);
      seen.add(d.id);
      if (typeof d.properties.dealname !== 'string') throw new Error(`deal ${d.id}: dealname is not a string`);
      if (!(d.createdAt instanceof Date) || Number.isNaN(d.createdAt.getTime())) throw new Error(`deal ${d.id}: createdAt not parsed`);
    }
    after = page.paging && page.paging.next ? page.paging.next.after : undefined;
  } while (after);
  check(seen.size === seeded && pages === Math.ceil(seeded / 100), `getPage paged through ${seen.size} deals in ${pages} pages`);

  // the SDK's own pager (getAll follows paging.next.after)
  const all = await deals.getAll(50, undefined, ['dealname']);
  check(all.length === seeded, `getAll returned ${all.length} deals`);

  // 2. create a deal with a company association: 201 and the written properties
  const companies = await client.crm.companies.basicApi.getPage(1);
  const companyId = companies.results[0].id;
  const name = `SDK deal ${Date.now()}`;
  const created = await deals.basicApi.createWithHttpInfo({
    properties: { dealname: name, amount: '1234.5', deal_currency_code: 'EUR', pipeline: 'default', dealstage: 'qualifiedtobuy' },
    associations: [{ to: { id: companyId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }] }],
  });
  check(created.httpStatusCode === 201, `create answered ${created.httpStatusCode}`);
  const id = created.data.id;
  check(typeof id === 'string' && created.data.properties.dealname === name, `created deal ${id}`);

  // 3. read it back by id, with its association
  const got = await deals.basicApi.getById(id, ['dealname', 'amount', 'dealstage'], undefined, ['companies']);
  check(got.id === id && got.properties.dealname === name && got.properties.amount === '1234.5', 'getById returns the written properties');
  const assoc = got.associations && got.associations.companies ? got.associations.companies.results : [];
  check(assoc.some((a) => a.id === companyId), 'getById returns the company association');

  // 4. update, batch read, search
  const updated = await deals.basicApi.update(id, { properties: { dealstage: 'closedwon' } });
  check(updated.properties.dealstage === 'closedwon', 'update changes the stage');
  const batch = await deals.batchApi.read({ inputs: [{ id }], properties: ['dealstage'], propertiesWithHistory: [] });
  check(batch.results.length === 1 && batch.results[0].properties.dealstage === 'closedwon', 'batch read returns it');
  const found = await deals.searchApi.doSearch({
    filterGroups: [{ filters: [{ propertyName: 'dealname', operator: 'EQ', value: name }] }],
    properties: ['dealname'],
    limit: 10,
  });
  check(found.total === 1 && found.results[0].id === id, 'search finds it by name');

  // 5. an unknown id is the SDK's ApiException with code 404
  try {
    await deals.basicApi.getById('1');
    throw new Error('reading a missing deal succeeded');
  } catch (e) {
    check(e.code === 404, `a missing deal is a 404 (${e.code})`);
  }
  console.log(`@hubspot/api-client OK against ${base}: listed ${seen.size}, created and read deal ${id}`);
}

main().catch((e) => {
  const body = e && e.body ? JSON.stringify(e.body) : '';
  console.error('@hubspot/api-client check FAILED:', e && e.code ? `${e.code} ${body}` : e);
  process.exit(1);
});
