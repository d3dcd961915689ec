"""simple-salesforce, unmodified, against the ledgerbridge Salesforce simulator.

Pointed at it by its ordinary settings (instance_url, session_id; the
simulator's certificate authority through REQUESTS_CA_BUNDLE), it runs a paged
SOQL query, reads an opportunity with its line items through a subquery,
describes an object, updates records through sObject Collections and gets
per-record errors, and is refused a malformed query.

Usage: SF_SIM=https://127.0.0.1:9104 SF_TOKEN=t SF_DEALS=2500 python check.py
"""
import os
import sys

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

base = os.environ["SF_SIM"]
token = os.environ.get("SF_TOKEN", "t")
deals = int(os.environ.get("SF_DEALS", "2500"))


def check(cond, what):
    if not cond:
        raise SystemExit(f"check failed: {what}")
    print(f"  ok: {what}")


sf = Salesforce(instance_url=base, session_id=token, version="59.0")

# 1. a paged query: the first page holds 2,000 rows, query_more follows nextRecordsUrl
first = sf.query("SELECT Id, Name, Amount, CurrencyIsoCode FROM Opportunity ORDER BY Name")
check(first["totalSize"] == deals and not first["done"], f"first page of {first['totalSize']} rows is not the last")
check(len(first["records"]) == 2000, "a page holds 2,000 rows")
second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
check(second["done"] and len(second["records"]) == deals - 2000, "query_more brought the rest")
ids = {r["Id"] for r in first["records"]} | {r["Id"] for r in second["records"]}
check(len(ids) == deals, "no row twice across pages")
everything = sf.query_all("SELECT Id FROM Opportunity")
check(len(everything["records"]) == deals, "query_all followed every locator")

# 2. an opportunity with its line items through a subquery
rows = sf.query(
    "SELECT Id, Name, Amount, Account.Name, "
    "(SELECT Id, Quantity, UnitPrice, TotalPrice, Product2.Name FROM OpportunityLineItems ORDER BY SortOrder) "
    "FROM Opportunity WHERE Amount > 0 ORDER BY CreatedDate LIMIT 50"
)["records"]
with_lines = [r for r in rows if r["OpportunityLineItems"]]
check(len(with_lines) > 0, "some opportunities have line items")
opp = with_lines[0]
lines = opp["OpportunityLineItems"]["records"]
total = round(sum(l["TotalPrice"] for l in lines), 2)
check(abs(total - opp["Amount"]) < 0.005, f"{opp['Name']}: Amount {opp['Amount']} is the sum of {len(lines)} line items")
check(isinstance(opp["Account"]["Name"], str), "parent relationship field Account.Name")

# 3. describe
d = sf.Opportunity.describe()
names = {f["name"]: f for f in d["fields"]}
check("Payment_Status__c" in names and names["Payment_Status__c"]["custom"], "describe lists the custom fields")
check(names["Amount"]["type"] == "currency", "Amount is a currency field")

# 4. update through sObject Collections: one good record, one that fails
good, bad = first["records"][0]["Id"], first["records"][1]["Id"]
results = sf.restful(
    "composite/sobjects",
    method="PATCH",
    json={
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Opportunity"}, "id": good, "Description": "updated by simple-salesforce"},
            {"attributes": {"type": "Opportunity"}, "id": bad, "StageName": "No such stage"},
        ],
    },
)
check(results[0]["success"] and results[0]["id"] == good, "the good record was updated")
check(not results[1]["success"] and results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
      "the bad one reports its own error")
check(sf.Opportunity.get(good)["Description"] == "updated by simple-salesforce", "the update is visible")

# 5. a malformed query is refused with MALFORMED_QUERY
try:
    sf.query("SELECT Id FRM Opportunity")
except SalesforceMalformedRequest as e:
    check(e.status == 400 and e.content[0]["errorCode"] == "MALFORMED_QUERY", "malformed query refused with MALFORMED_QUERY")
else:
    sys.exit("check failed: a malformed query was accepted")
print("simple-salesforce: all checks passed")
