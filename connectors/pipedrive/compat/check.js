// Pipedrive's official Node SDK (npm `pipedrive`, its v2 API) against the
// ledgerbridge Pipedrive simulator, unmodified and pointed at it by basePath:
// list every deal with the cursor, read persons and organizations, update a
// deal and read it back, and get a 404 for an unknown deal.
// Usage: PIPEDRIVE_SIM=http://127.0.0.1:9105 PIPEDRIVE_TOKEN=t node check.js
const { Configuration, DealsApi, PersonsApi, OrganizationsApi } = require('pipedrive/v2');

const base = process.env.PIPEDRIVE_SIM || 'http://127.0.0.1:9105';
const token = process.env.PIPEDRIVE_TOKEN || 't';

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

async function main() {
  const config = new Configuration({ apiKey: token, basePath: `${base}/api/v2` });
  const deals = new DealsApi(config);
  const persons = new PersonsApi(config);
  const organizations = new OrganizationsApi(config);

  // what the simulator holds, to compare the SDK's view with
  const exported = await (await fetch(`${base}/_sim/export`)).json();
  const listed = exported.deals.filter((d) => !d.is_deleted && !d.is_archived);

  // 1. every deal, page by page, following additional_data.next_cursor
  const seen = new Set();
  let cursor;
  let pages = 0;
  do {
    const page = await deals.getDeals({ limit: 100, cursor, sort_by: 'update_time' });
    pages += 1;
    if (page.success !== true) throw new Error('a page without success: true');
    for (const d of page.data) {
      if (seen.has(d.id)) throw new Error(`deal ${d.id} listed twice`);
      if (typeof d.title !== 'string' || typeof d.value !== 'number') throw new Error(`deal ${d.id}: title or value mistyped`);
      seen.add(d.id);
    }
    cursor = page.additional_data && page.additional_data.next_cursor ? page.additional_data.next_cursor : undefined;
  } while (cursor);
  check(seen.size === listed.length && pages === Math.ceil(listed.length / 100),
    `getDeals paged through ${seen.size} deals in ${pages} pages`);

  // 2. persons and organizations
  const withBoth = listed.find((d) => d.person_id && d.org_id);
  const person = await persons.getPerson({ id: withBoth.person_id });
  check(person.data.id === withBoth.person_id && typeof person.data.name === 'string', `getPerson read ${person.data.name}`);
  const org = await organizations.getOrganization({ id: withBoth.org_id });
  check(org.data.id === withBoth.org_id && typeof org.data.name === 'string', `getOrganization read ${org.data.name}`);
  const somePersons = await persons.getPersons({ limit: 10 });
  check(somePersons.data.length === 10 && typeof somePersons.additional_data.next_cursor === 'string', 'getPersons pages too');

  // 3. update a deal, then read it back
  const title = `Updated by the SDK ${Date.now()}`;
  const updated = await deals.updateDeal({ id: withBoth.id, UpdateDealRequest: { title, value: 1234.5, status: 'won' } });
  check(updated.data.title === title && updated.data.value === 1234.5 && updated.data.status === 'won', 'updateDeal changed title, value and status');
  const again = await deals.getDeal({ id: withBoth.id });
  check(again.data.title === title && typeof again.data.won_time === 'string', 'getDeal reads the update back');

  // 4. an unknown deal: the SDK rejects with Pipedrive's error body; the status is 404
  const missing = 987654321;
  try {
    await deals.getDeal({ id: missing });
    throw new Error('reading a missing deal succeeded');
  } catch (e) {
    check(e && e.success === false && typeof e.error === 'string', `a missing deal is rejected with "${e.error}"`);
  }
  const raw = await fetch(`${base}/api/v2/deals/${missing}`, { headers: { 'x-api-token': token } });
  check(raw.status === 404, `the same call answers ${raw.status}`);

  console.log(`pipedrive SDK OK against ${base}: listed ${seen.size} deals, updated deal ${withBoth.id}`);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : JSON.stringify(e));
  process.exit(1);
});
