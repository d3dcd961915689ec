// The official Xero SDK (xero-node) against the ledgerbridge simulator:
// create a contact, create an invoice for it, list invoices.
// Usage: XERO_SIM=http://127.0.0.1:9102 XERO_TOKEN=t node check.js
const { XeroClient, Invoice } = require('xero-node');

const base = process.env.XERO_SIM || 'http://127.0.0.1:9102';
const token = process.env.XERO_TOKEN || 't';

async function main() {
  const xero = new XeroClient({ clientId: 'sim', clientSecret: 'sim', redirectUris: [`${base}/cb`], scopes: ['offline_access'] });
  xero.setTokenSet({ access_token: token, token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 1800 });
  xero.accountingApi.basePath = `${base}/api.xro/2.0`;
  // the SDK's updateTenants() calls api.xero.com itself; ask the simulator's /connections instead
  const conns = await (await fetch(`${base}/connections`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const tenant = conns[0].tenantId;

  const name = `SDK Contact ${Date.now()}`;
  const c = await xero.accountingApi.createContacts(tenant, { contacts: [{ name, emailAddress: 'sdk@example.com' }] });
  const contactID = c.body.contacts[0].contactID;
  if (!contactID) throw new Error('no ContactID returned');

  const inv = await xero.accountingApi.createInvoices(tenant, {
    invoices: [{
      type: Invoice.TypeEnum.ACCREC,
      contact: { contactID },
      reference: 'SDK-1',
      date: '2025-06-01',
      dueDate: '2025-07-01',
      status: Invoice.StatusEnum.AUTHORISED,
      lineItems: [{ description: 'Widget', quantity: 2, unitAmount: 50.25, accountCode: '200', taxType: 'OUTPUT' }],
    }],
  });
  const created = inv.body.invoices[0];
  if (!created.invoiceID || created.total !== 115.58) throw new Error(`unexpected invoice ${JSON.stringify(created)}`);

  const list = await xero.accountingApi.getInvoices(tenant, undefined, 'Reference=="SDK-1"', undefined, undefined, undefined, undefined, undefined, 1);
  const found = list.body.invoices.filter((i) => i.invoiceID === created.invoiceID);
  if (found.length !== 1) throw new Error('the invoice is not listed');
  if (!(found[0].date instanceof Date) && typeof found[0].date !== 'string') throw new Error('date not parsed');
  console.log(`xero-node OK: contact ${contactID}, invoice ${created.invoiceNumber} total ${created.total}, listed ${list.body.invoices.length}`);
}

main().catch((e) => {
  console.error('xero-node check FAILED:', e && e.response ? `${e.response.statusCode} ${JSON.stringify(e.body)}` : e);
  process.exit(1);
});
