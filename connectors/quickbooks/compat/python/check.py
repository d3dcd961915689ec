"""python-quickbooks (with Intuit's intuit-oauth) against the ledgerbridge
QuickBooks Online simulator, unmodified and pointed at it by its ordinary
settings: AuthClient's `environment` is the discovery document URL, and the
client's `api_url_v3` is the simulator's `/v3`.

Connects through the OAuth flow (authorize -> code + realmId -> token, then a
refresh that rotates the refresh token), creates a customer and a two-line
invoice, queries invoices by DocNumber, runs a batch, is refused an update with
a stale SyncToken, and reads change data capture. Exits non-zero on any failure.
"""
import datetime
import os
import sys
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

BASE = os.environ["QBO_SIM"].rstrip("/")
RUN = uuid.uuid4().hex[:8]


def check(cond, what):
    if not cond:
        print(f"FAIL python-quickbooks: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   python-quickbooks: {what}")


def ref(value):
    r = Ref()
    r.value = value
    return r


def line(item, qty, price):
    l = SalesItemLine()
    l.Amount = Decimal(qty) * Decimal(price)
    l.SalesItemLineDetail = SalesItemLineDetail()
    l.SalesItemLineDetail.ItemRef = ref(item)
    l.SalesItemLineDetail.Qty = qty
    l.SalesItemLineDetail.UnitPrice = Decimal(price)
    return l


def main():
    auth = AuthClient(
        client_id="compat-client",
        client_secret="compat-secret",
        redirect_uri="http://127.0.0.1:1/callback",
        environment=f"{BASE}/.well-known/openid_configuration",
    )
    check(auth.token_endpoint.startswith(BASE), "the discovery document points at the simulator")
    consent = requests.get(auth.get_authorization_url([Scopes.ACCOUNTING]), allow_redirects=False)
    callback = parse_qs(urlparse(consent.headers["Location"]).query)
    realm = callback["realmId"][0]
    auth.get_bearer_token(callback["code"][0], realm_id=realm)
    first_refresh = auth.refresh_token
    auth.refresh()
    check(auth.refresh_token != first_refresh, "a refresh rotates the refresh token")

    QuickBooks.api_url_v3 = f"{BASE}/v3"
    qb = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=realm, minorversion=75)
    since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S-00:00")

    customer = Customer()
    customer.DisplayName = f"Compat Python {RUN}"
    customer = customer.save(qb=qb)
    check(customer.Id and customer.SyncToken == "0", f"created customer {customer.Id}")

    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.DocNumber = f"PY-{RUN}"
    invoice.Line = [line("1", 2, "100.00"), line("5", 3, "19.99")]
    invoice = invoice.save(qb=qb)
    check(Decimal(str(invoice.TotalAmt)) == Decimal("259.97"), f"two-line invoice {invoice.Id} totals 259.97")

    found = Invoice.filter(DocNumber=f"PY-{RUN}", qb=qb)
    check(len(found) == 1 and found[0].Id == invoice.Id, "query invoices by DocNumber")

    a, b = Customer(), Customer()
    a.DisplayName = f"Compat Python batch {RUN}"
    b.DisplayName = customer.DisplayName
    result = batch_create([a, b], qb=qb)
    check(len(result.successes) == 1 and len(result.faults) == 1, "batch: one created, one per-item fault")
    check(result.faults[0].Error[0].code == "6240", "batch fault is Duplicate Name 6240")

    stale = Customer.get(customer.Id, qb=qb)
    fresh = Customer.get(customer.Id, qb=qb)
    fresh.CompanyName = "Fresh Co"
    fresh.save(qb=qb)
    stale.CompanyName = "Stale Co"
    try:
        stale.save(qb=qb)
        check(False, "a stale SyncToken is refused")
    except QuickbooksException as e:
        check(e.error_code == 5010, f"a stale SyncToken is refused with 5010 ({e.message})")

    cdc = change_data_capture([Invoice, Customer], since, qb=qb)
    invoices = [i.Id for i in cdc.Invoice]
    customers = [c.Id for c in cdc.Customer]
    check(invoice.Id in invoices and customer.Id in customers, "change data capture lists the new invoice and customer")


if __name__ == "__main__":
    main()
