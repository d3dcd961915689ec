//! Building blocks of the object catalog: a field of a type with the
//! defaults describe reports, and the modifiers (read-only, required,
//! external id…) the catalog applies to it.

use super::schema::{CURRENCIES, ChildRelationship, Field, FieldType, ObjectDef};

pub fn base(name: &'static str, label: &'static str, kind: FieldType) -> Field {
    Field {
        name,
        label,
        kind,
        reference_to: &[],
        relationship: None,
        createable: true,
        updateable: true,
        nillable: true,
        custom: name.ends_with("__c"),
        external_id: false,
        name_field: false,
        length: match kind {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::String | FieldType::Email | FieldType::Phone | FieldType::Url => 255,
            FieldType::Textarea => 32_000,
            FieldType::Picklist => 255,
            _ => 0,
        },
        precision: match kind {
            FieldType::Currency | FieldType::Double => 18,
            FieldType::Percent => 3,
            _ => 0,
        },
        scale: match kind {
            FieldType::Currency | FieldType::Double => 2,
            _ => 0,
        },
        picklist: &[],
        restricted: false,
    }
}

pub fn text(name: &'static str, label: &'static str) -> Field {
    base(name, label, FieldType::String)
}

pub fn typed(name: &'static str, label: &'static str, kind: FieldType) -> Field {
    base(name, label, kind)
}

pub fn read_only(mut f: Field) -> Field {
    f.createable = false;
    f.updateable = false;
    f
}

pub fn required(mut f: Field) -> Field {
    f.nillable = false;
    f
}

pub fn reference(
    name: &'static str,
    label: &'static str,
    to: &'static [&'static str],
    rel: &'static str,
) -> Field {
    let mut f = base(name, label, FieldType::Reference);
    f.reference_to = to;
    f.relationship = Some(rel);
    f
}

pub fn picklist(
    name: &'static str,
    label: &'static str,
    values: &'static [&'static str],
    restricted: bool,
) -> Field {
    let mut f = base(name, label, FieldType::Picklist);
    f.picklist = values;
    f.restricted = restricted;
    f
}

pub fn name_field(mut f: Field) -> Field {
    f.name_field = true;
    f
}

pub fn external(mut f: Field) -> Field {
    f.external_id = true;
    f
}

/// Fields every object has: the id, the deleted flag and the audit fields.
pub fn system_fields(owner: bool) -> Vec<Field> {
    let mut id = read_only(required(typed("Id", "Record ID", FieldType::Id)));
    id.nillable = false;
    let mut v = vec![
        id,
        read_only(required(typed("IsDeleted", "Deleted", FieldType::Boolean))),
        read_only(required(typed(
            "CreatedDate",
            "Created Date",
            FieldType::DateTime,
        ))),
        read_only(required(reference(
            "CreatedById",
            "Created By ID",
            &["User"],
            "CreatedBy",
        ))),
        read_only(required(typed(
            "LastModifiedDate",
            "Last Modified Date",
            FieldType::DateTime,
        ))),
        read_only(required(reference(
            "LastModifiedById",
            "Last Modified By ID",
            &["User"],
            "LastModifiedBy",
        ))),
        read_only(required(typed(
            "SystemModstamp",
            "System Modstamp",
            FieldType::DateTime,
        ))),
    ];
    if owner {
        v.push(required(reference(
            "OwnerId",
            "Owner ID",
            &["User"],
            "Owner",
        )));
    }
    v
}

pub fn currency_iso() -> Field {
    required(picklist(
        "CurrencyIsoCode",
        "Currency ISO Code",
        &CURRENCIES,
        true,
    ))
}

pub fn object(
    name: &'static str,
    label: &'static str,
    label_plural: &'static str,
    key_prefix: &'static str,
    owner: bool,
    fields: Vec<Field>,
    children: Vec<ChildRelationship>,
) -> ObjectDef {
    let mut all = system_fields(owner);
    all.extend(fields);
    ObjectDef {
        name,
        label,
        label_plural,
        key_prefix,
        fields: all,
        children,
        createable: true,
        updateable: true,
    }
}

pub fn child(
    name: &'static str,
    child: &'static str,
    field: &'static str,
    cascade_delete: bool,
) -> ChildRelationship {
    ChildRelationship {
        name,
        child,
        field,
        cascade_delete,
    }
}
