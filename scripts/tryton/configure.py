"""Configures a freshly created Tryton database over JSON-RPC, the way any
outside client would, so that ledgerbridge can invoice, take payments and
cancel customer invoices in it.

Run by scripts/tryton.sh with the server already up. Standard library only.
Writes the ids it created as JSON to stdout; progress goes to stderr.

What it sets up, and why each piece is needed:
- currencies (none are preloaded) with rates, the company's first;
- the company, with `cancel_invoice_out` on: without it a posted customer
  invoice cannot be cancelled, only credited;
- the Universal chart of accounts, with the receivable and payable accounts
  named explicitly (the chart has several of each, so Tryton proposes none);
- fiscal years for last, this and next year, each with strict sequences and
  monthly periods (posting needs an open period for the invoice date);
- the exchange-difference account (6.2.1), without which an invoice in a
  foreign currency cannot be posted;
- a few percentage taxes;
- an invoice payment method on the cash journal (the pay wizard needs one);
- a dedicated integration user with its own password (not the admin).
"""

import base64
import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from decimal import Decimal

URL = os.environ["TRYTON_RPC_URL"]
ADMIN_PASSWORD = open(os.environ["TRYTON_ADMIN_PASSFILE"]).read().splitlines()[0]
USER_LOGIN = os.environ["TRYTON_USER_LOGIN"]
USER_PASSWORD = open(os.environ["TRYTON_USER_PASSFILE"]).read().splitlines()[0]
COMPANY_NAME = os.environ.get("TRYTON_COMPANY_NAME", "Ledgerbridge Demo Ltd")
COMPANY_CURRENCY = os.environ.get("TRYTON_CURRENCY", "USD")
WITH_BUDGET = os.environ.get("TRYTON_BUDGET", "0") == "1"

# code, name, symbol, ISO numeric, digits, units of the company currency per unit
# (rates are indicative; tests read them back, they never assert market values)
CURRENCIES = {
    "USD": ("US Dollar", "$", "840", 2, Decimal("1")),
    "EUR": ("Euro", "€", "978", 2, Decimal("0.92")),
    "GBP": ("Pound Sterling", "£", "826", 2, Decimal("0.79")),
    "JPY": ("Yen", "¥", "392", 0, Decimal("150")),
    "BHD": ("Bahraini Dinar", "BD", "048", 3, Decimal("0.376")),
}
TAXES = [("VAT 20%", Decimal("0.20")), ("GST 10%", Decimal("0.10")), ("Exempt 0%", Decimal("0"))]

_auth = None
_seq = 0


def log(msg):
    print(f"[configure] {msg}", file=sys.stderr)


def encode(o):
    if isinstance(o, Decimal):
        return {"__class__": "Decimal", "decimal": str(o)}
    if isinstance(o, dt.date):
        return {"__class__": "date", "year": o.year, "month": o.month, "day": o.day}
    raise TypeError(f"cannot encode {o!r}")


def rpc(method, *params):
    global _seq
    _seq += 1
    body = json.dumps({"id": _seq, "method": method, "params": list(params)}, default=encode)
    headers = {"Content-Type": "application/json"}
    if _auth:
        headers["Authorization"] = _auth
    request = urllib.request.Request(URL, body.encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as e:
        sys.exit(f"[configure] {method}: HTTP {e.code} {e.reason}")
    if "error" in answer:
        sys.exit(f"[configure] {method}: Tryton refused: {answer['error']}")
    return answer["result"]


def model(name, method, *args, ctx=None):
    return rpc(f"model.{name}.{method}", *args, ctx or {})


def login(user, password):
    global _auth
    uid, key, _ = rpc("common.db.login", user, {"password": password}, "en")
    _auth = "Session " + base64.b64encode(f"{user}:{uid}:{key}".encode()).decode()
    return uid


def xml_id(module, fs_id):
    return model("ir.model.data", "get_id", module, fs_id)


def create_currencies():
    ids = {}
    for code, (name, symbol, numeric, digits, _) in CURRENCIES.items():
        (ids[code],) = model("currency.currency", "create", [{
            "name": name, "code": code, "symbol": symbol, "numeric_code": numeric,
            "digits": digits, "rounding": Decimal(1).scaleb(-digits)}])
    return ids


def create_rates(currencies, since):
    base = CURRENCIES[COMPANY_CURRENCY][4]
    model("currency.currency.rate", "create", [
        {"currency": currencies[code], "date": since, "rate": (per_usd / base).quantize(Decimal("0.000001"))}
        for code, (_, _, _, _, per_usd) in CURRENCIES.items()])


def create_chart(company, ctx):
    template = xml_id("account", "account_template_root_en")
    sid, _, _ = rpc("wizard.account.create_chart.create", ctx)
    try:
        rpc("wizard.account.create_chart.execute", sid,
            {"account": {"company": company, "account_template": template}}, "create_account", ctx)
        accounts = {a["code"]: a["id"] for a in model(
            "account.account", "search_read", [["type", "!=", None]], 0, None, None, ["code"], ctx=ctx)}
        rpc("wizard.account.create_chart.execute", sid,
            {"properties": {"company": company, "account_receivable": accounts["1.2.1"],
                            "account_payable": accounts["2.1.1"]}}, "create_properties", ctx)
    finally:
        rpc("wizard.account.create_chart.delete", sid, ctx)
    return accounts


def create_fiscal_year(year, company, ctx):
    move_type = xml_id("account", "sequence_type_account_move")
    invoice_type = xml_id("account_invoice", "sequence_type_account_invoice")
    moves, invoices, credits, supplier = model("ir.sequence.strict", "create", [
        {"name": f"Moves {year}", "sequence_type": move_type, "company": company},
        {"name": f"Customer invoices {year}", "sequence_type": invoice_type, "company": company,
         "prefix": f"INV/{year}/", "padding": 5},
        {"name": f"Customer credit notes {year}", "sequence_type": invoice_type, "company": company,
         "prefix": f"CN/{year}/", "padding": 5},
        {"name": f"Supplier invoices {year}", "sequence_type": invoice_type, "company": company,
         "prefix": f"SUP/{year}/", "padding": 5}], ctx=ctx)
    (fy,) = model("account.fiscalyear", "create", [{
        "name": str(year), "company": company, "move_sequence": moves,
        "start_date": dt.date(year, 1, 1), "end_date": dt.date(year, 12, 31),
        "invoice_sequences": [["create", [{
            "company": company, "out_invoice_sequence": invoices,
            "out_credit_note_sequence": credits, "in_invoice_sequence": supplier,
            "in_credit_note_sequence": supplier}]]]}], ctx=ctx)
    model("account.fiscalyear", "create_period", [fy], ctx=ctx)
    return fy


def create_integration_user(company, admin_uid):
    # every group the admin has except "Administration": enough for accounting,
    # parties and invoices, without user management or module activation
    admin_group = xml_id("res", "group_admin")
    (admin,) = model("res.user", "read", [admin_uid], ["groups"])
    groups = [g for g in admin["groups"] if g != admin_group]
    (uid,) = model("res.user", "create", [{
        "name": "ledgerbridge integration", "login": USER_LOGIN, "password": USER_PASSWORD,
        "companies": [["add", [company]]], "company": company,
        "groups": [["add", groups]]}])
    return uid


def main():
    admin_uid = login("admin", ADMIN_PASSWORD)
    today = dt.date.today()
    currencies = create_currencies()
    create_rates(currencies, dt.date(today.year - 1, 1, 1))
    (company_party,) = model("party.party", "create", [{
        "name": COMPANY_NAME,
        "addresses": [["create", [{"street": "1 Ledger Street", "postal_code": "10001", "city": "New York"}]]]}])
    (company,) = model("company.company", "create", [{
        "party": company_party, "currency": currencies[COMPANY_CURRENCY], "timezone": "UTC",
        "cancel_invoice_out": True}])
    model("res.user", "write", [admin_uid], {"companies": [["add", [company]]], "company": company})
    ctx = {"company": company}
    log(f"company {COMPANY_NAME!r} ({COMPANY_CURRENCY}), currencies {', '.join(currencies)}")

    accounts = create_chart(company, ctx)
    log(f"chart of accounts: {len(accounts)} accounts")
    fiscal_years = {year: create_fiscal_year(year, company, ctx)
                    for year in (today.year - 1, today.year, today.year + 1)}
    log(f"fiscal years {', '.join(map(str, fiscal_years))} with monthly periods")

    # invoices in another currency than the company's book exchange differences here
    model("account.configuration", "write", [1], {
        "currency_exchange_credit_account": accounts["6.2.1"],
        "currency_exchange_debit_account": accounts["6.2.1"]}, ctx=ctx)

    taxes = {}
    for name, rate in TAXES:
        (taxes[name],) = model("account.tax", "create", [{
            "name": name, "description": name, "company": company, "type": "percentage",
            "rate": rate, "invoice_account": accounts["2.2.3"],
            "credit_note_account": accounts["2.2.3"]}], ctx=ctx)
    journals = {j["code"]: j["id"] for j in model(
        "account.journal", "search_read", [], 0, None, None, ["code"], ctx=ctx)}
    (payment_method,) = model("account.invoice.payment.method", "create", [{
        "name": "Bank transfer", "company": company, "journal": journals["CASH"],
        "credit_account": accounts["1.1.1"], "debit_account": accounts["1.1.1"]}], ctx=ctx)
    user = create_integration_user(company, admin_uid)
    log(f"taxes {', '.join(taxes)}; payment method 'Bank transfer'; user {USER_LOGIN!r}")
    rpc("common.db.logout")

    json.dump({
        "company": company, "company_name": COMPANY_NAME, "company_party": company_party,
        "currency": COMPANY_CURRENCY, "currencies": currencies,
        "fiscal_years": {str(y): i for y, i in fiscal_years.items()},
        "accounts": {"receivable": accounts["1.2.1"], "payable": accounts["2.1.1"],
                     "revenue": accounts["4.1.2"], "expense": accounts["5.1.3"],
                     "cash": accounts["1.1.1"], "tax": accounts["2.2.3"]},
        "account_codes": {"receivable": "1.2.1", "revenue": "4.1.2", "cash": "1.1.1", "tax": "2.2.3"},
        "taxes": taxes, "journals": journals, "payment_method": payment_method,
        "user": USER_LOGIN, "user_id": user, "budget_module": WITH_BUDGET,
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
