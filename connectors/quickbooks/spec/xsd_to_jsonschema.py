#!/usr/bin/env python3
"""Derives a JSON Schema (draft 2020-12) for QuickBooks Online's JSON wire format
from Intuit's v3 XML Schemas, so tests can check JSON bodies against Intuit's own
model instead of hand-written rules.

Usage: python3 xsd_to_jsonschema.py <dir with IntuitRestServiceDef.xsd> > qbo-v3.schema.json
(needs the `xmlschema` package, pinned in requirements.txt beside this script).

The JSON <-> XML convention (the way QuickBooks' JSON API renders its XSD):
- An element becomes a property of the same name; an attribute too (`domain`,
  `status`, `sparse`, `time`, `startPosition`, ...). Element order, fixed by
  xs:sequence in XML, is ignored.
- An element that may repeat (its maxOccurs, or that of an enclosing
  sequence/choice, is above 1) is a JSON array of its type.
- A complex type with simple content (ReferenceType, the `id` of a reference,
  currency codes ...) is an object: the text is `value`, each attribute a
  property of its own name: `{"value": "1", "name": "Services"}`.
- A reference to an abstract head element (IntuitObject in BatchItemRequest,
  QueryResponse, IntuitResponse) stands for each element of its substitution
  group under that element's own name (`Invoice`, `Customer`, ...).
- Simple types: xs:boolean -> boolean; xs:int/long/integer... -> integer;
  xs:decimal/double/float -> number; everything else (dates, times, ids,
  strings) -> string. Enumerations and maxLength are kept; XSD patterns are not
  (their regex dialect differs from JSON Schema's).
- Required: an element with minOccurs >= 1 reached through sequences only (never
  through a choice or an optional group) is required. Unknown properties are
  refused (additionalProperties false), as QuickBooks refuses unsupported ones.
- xs:any wildcards allow any extra property.
"""
import json
import sys
from pathlib import Path

import xmlschema
from xmlschema.validators import (
    XsdAnyElement,
    XsdAtomicBuiltin,
    XsdComplexType,
    XsdElement,
    XsdGroup,
)

NS = "{http://schema.intuit.com/finance/v3}"
INTEGER_NAMES = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte", "negativeInteger",
    "nonPositiveInteger",
}
NUMBER_NAMES = {"decimal", "double", "float"}


def local(name):
    return name.split("}")[-1] if name else name


class Deriver:
    def __init__(self, schema):
        self.schema = schema
        self.defs = {}
        self.pending = []
        self.substitutes = {}
        for head, members in schema.maps.substitution_groups.items():
            self.substitutes[local(head)] = sorted(
                (m for m in members if not m.abstract), key=lambda m: local(m.name)
            )

    def ref(self, xsd_type):
        """A $ref to a named type (derived lazily), or an inline schema."""
        if xsd_type.name is None:
            return self.type_schema(xsd_type)
        name = local(xsd_type.name)
        if xsd_type.is_simple() and xsd_type.name.startswith("{http://www.w3.org/2001/XMLSchema}"):
            return self.simple_schema(xsd_type)
        if name not in self.defs:
            self.defs[name] = None
            self.pending.append((name, xsd_type))
        return {"$ref": f"#/$defs/{name}"}

    def simple_schema(self, st):
        if hasattr(st, "member_types") or getattr(st, "item_type", None) is not None:
            return {"type": "string"}
        names = set()
        t = st
        while t is not None:
            if t.name:
                names.add(local(t.name))
            t = getattr(t, "base_type", None)
        if "boolean" in names:
            out = {"type": "boolean"}
        elif names & INTEGER_NAMES:
            out = {"type": "integer"}
        elif names & NUMBER_NAMES:
            out = {"type": "number"}
        else:
            out = {"type": "string"}
        enum = getattr(st, "enumeration", None)
        if enum:
            out["enum"] = [str(e) for e in enum]
        max_len = getattr(st, "max_length", None)
        if max_len is not None and out["type"] == "string":
            out["maxLength"] = max_len
        return out

    def attr_props(self, ct):
        props = {}
        required = []
        for name, attr in ct.attributes.items():
            if name is None:
                continue
            props[local(name)] = self.simple_schema(attr.type)
            if attr.use == "required":
                required.append(local(name))
        return props, required

    def type_schema(self, t):
        if t.is_simple():
            return self.simple_schema(t)
        assert isinstance(t, XsdComplexType)
        props, required = self.attr_props(t)
        open_content = False
        if t.has_simple_content():
            props["value"] = self.simple_schema(t.content)
        elif isinstance(t.content, XsdGroup):
            open_content = self.walk(t.content, props, required, True, False)
        out = {"type": "object", "properties": props, "additionalProperties": open_content}
        if required:
            out["required"] = sorted(set(required))
        return out

    def walk(self, group, props, required, mandatory, repeated):
        """Adds the elements of a model group; returns True if it has a wildcard."""
        repeated = repeated or group.max_occurs is None or group.max_occurs > 1
        mandatory = mandatory and group.min_occurs >= 1 and group.model != "choice"
        wildcard = False
        for item in group:
            if isinstance(item, XsdGroup):
                wildcard |= self.walk(item, props, required, mandatory, repeated)
            elif isinstance(item, XsdAnyElement):
                wildcard = True
            elif isinstance(item, XsdElement):
                many = repeated or item.max_occurs is None or item.max_occurs > 1
                members = [item]
                head = local(item.name)
                if head in self.substitutes:
                    members = self.substitutes[head] + ([] if item.abstract else [item])
                for el in members:
                    s = self.ref(el.type)
                    props[local(el.name)] = {"type": "array", "items": s} if many else s
                if mandatory and item.min_occurs >= 1 and len(members) == 1:
                    required.append(local(item.name))
        return wildcard

    def run(self, roots):
        for r in roots:
            self.ref(self.schema.maps.types[NS + r])
        while self.pending:
            name, t = self.pending.pop()
            self.defs[name] = self.type_schema(t)
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": "Generated by spec/xsd_to_jsonschema.py from Intuit's QuickBooks Online v3 XSDs; do not edit by hand.",
            "$defs": dict(sorted(self.defs.items())),
        }


ROOTS = [
    "IntuitResponse", "IntuitBatchRequest", "Customer", "Vendor", "Employee", "Item",
    "Invoice", "Payment", "CreditMemo", "Attachable", "Account", "TaxCode", "TaxRate",
    "Class", "Department", "Budget", "CompanyInfo", "Preferences", "CompanyCurrency",
    "ExchangeRate", "Fault",
]


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    schema = xmlschema.XMLSchema(str(src / "IntuitRestServiceDef.xsd"))
    out = Deriver(schema).run(ROOTS)
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
