// node-quickbooks against the ledgerbridge QuickBooks Online simulator,
// unmodified and pointed at it by its ordinary settings: the endpoints from
// the simulator's OpenID discovery document go into QuickBooks.TOKEN_URL and
// QuickBooks.REVOKE_URL, the API base into QuickBooks.V3_ENDPOINT_BASE_URL.
// Exits non-zero on any failure.
'use strict';
const QuickBooks = require('node-quickbooks');

const BASE = process.env.QBO_SIM.replace(/\/$/, '');
const RUN = Math.random().toString(16).slice(2, 10);
const CLIENT_ID = 'compat-client';
const CLIENT_SECRET = 'compat-secret';
const REDIRECT = 'http://127.0.0.1:1/callback';

function check(cond, what) {
  if (!cond) {
    console.error(`FAIL node-quickbooks: ${what}`);
    process.exit(1);
  }
  console.log(`ok   node-quickbooks: ${what}`);
}

// node-quickbooks methods take (err, body) callbacks
function call(qbo, method, ...args) {
  return new Promise((resolve) => qbo[method](...args, (err, body) => resolve({ err, body })));
}

async function connect() {
  const discovery = await (await fetch(`${BASE}/.well-known/openid_configuration`)).json();
  check(discovery.token_endpoint.startsWith(BASE), 'the discovery document points at the simulator');
  QuickBooks.TOKEN_URL = discovery.token_endpoint;
  QuickBooks.REVOKE_URL = discovery.revocation_endpoint;
  QuickBooks.V3_ENDPOINT_BASE_URL = `${BASE}/v3/company/`;

  const authorize = new URL(discovery.authorization_endpoint);
  for (const [k, v] of Object.entries({ client_id: CLIENT_ID, response_type: 'code', scope: 'com.intuit.quickbooks.accounting', redirect_uri: REDIRECT, state: RUN })) {
    authorize.searchParams.set(k, v);
  }
  const consent = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location'));
  const realmId = callback.searchParams.get('realmId');
  const tokens = await (await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'),
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: REDIRECT }),
  })).json();
  const qbo = new QuickBooks(CLIENT_ID, CLIENT_SECRET, tokens.access_token, false, realmId, false, false, 75, '2.0', tokens.refresh_token);
  const refreshed = await call(qbo, 'refreshAccessToken');
  check(!refreshed.err && qbo.refreshToken !== tokens.refresh_token, 'refreshAccessToken rotates the refresh token');
  return qbo;
}

async function main() {
  const qbo = await connect();
  const since = new Date(Date.now() - 2000);

  const created = await call(qbo, 'createCustomer', { DisplayName: `Compat Node ${RUN}` });
  check(!created.err && created.body.Id, `created customer ${created.body && created.body.Id}`);
  const customer = created.body;

  const line = (item, qty, price) => ({
    DetailType: 'SalesItemLineDetail',
    Amount: Math.round(qty * price * 100) / 100,
    SalesItemLineDetail: { ItemRef: { value: item }, Qty: qty, UnitPrice: price },
  });
  const inv = await call(qbo, 'createInvoice', {
    CustomerRef: { value: customer.Id },
    DocNumber: `NODE-${RUN}`,
    Line: [line('1', 2, 100), line('5', 3, 19.99)],
  });
  check(!inv.err && inv.body.TotalAmt === 259.97, `two-line invoice ${inv.body && inv.body.Id} totals 259.97`);

  const found = await call(qbo, 'findInvoices', [{ field: 'DocNumber', value: `NODE-${RUN}`, operator: '=' }]);
  const list = (found.body && found.body.QueryResponse && found.body.QueryResponse.Invoice) || [];
  check(!found.err && list.length === 1 && list[0].Id === inv.body.Id, 'query invoices by DocNumber');

  const batch = await call(qbo, 'batch', [
    { bId: '1', operation: 'create', Customer: { DisplayName: `Compat Node batch ${RUN}` } },
    { bId: '2', operation: 'create', Customer: { DisplayName: customer.DisplayName } },
  ]);
  const items = (batch.body && batch.body.BatchItemResponse) || [];
  check(!batch.err && items.length === 2 && items[0].Customer && items[1].Fault, 'batch: one created, one per-item fault');
  check(items[1].Fault.Error[0].code === '6240', 'batch fault is Duplicate Name 6240');

  const first = await call(qbo, 'updateCustomer', { Id: customer.Id, SyncToken: customer.SyncToken, CompanyName: 'Fresh Co' });
  check(!first.err && first.body.SyncToken === '1', 'a sparse update with the current SyncToken');
  const stale = await call(qbo, 'updateCustomer', { Id: customer.Id, SyncToken: customer.SyncToken, CompanyName: 'Stale Co' });
  // a 400 reaches the callback as the HTTP error, the Fault in its response body
  const fault = stale.err && (stale.err.Fault || (stale.err.response && stale.err.response.data.Fault));
  check(fault && fault.Error[0].code === '5010', `a stale SyncToken is refused with 5010 (${fault && fault.Error[0].Message})`);

  const cdc = await call(qbo, 'changeDataCapture', ['Invoice', 'Customer'], since);
  const responses = (cdc.body && cdc.body.CDCResponse && cdc.body.CDCResponse[0].QueryResponse) || [];
  const ids = (name) => responses.flatMap((r) => (r[name] || []).map((o) => o.Id));
  check(!cdc.err && ids('Invoice').includes(inv.body.Id) && ids('Customer').includes(customer.Id),
    'change data capture lists the new invoice and customer');
}

main().catch((e) => {
  console.error('FAIL node-quickbooks:', e);
  process.exit(1);
});
