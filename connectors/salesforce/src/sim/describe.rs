//! `describe` in Salesforce's shape: `GET /sobjects/` (global),
//! `GET /sobjects/{O}/` (basic information) and `GET /sobjects/{O}/describe`.

use serde_json::{Value, json};

use super::schema::{Field, FieldType, ObjectDef, objects};

fn urls(o: &ObjectDef, version: &str) -> Value {
    let base = format!("/services/data/{version}/sobjects/{}", o.name);
    json!({
        "compactLayouts": format!("{base}/describe/compactLayouts"),
        "rowTemplate": format!("{base}/{{ID}}"),
        "approvalLayouts": format!("{base}/describe/approvalLayouts"),
        "describe": format!("{base}/describe"),
        "quickActions": format!("{base}/quickActions"),
        "layouts": format!("{base}/describe/layouts"),
        "sobject": base,
    })
}

/// The object's summary, as global describe lists it.
pub fn summary(o: &ObjectDef, version: &str) -> Value {
    json!({
        "activateable": false,
        "createable": o.createable,
        "custom": false,
        "customSetting": false,
        "deepCloneable": false,
        "deletable": o.createable,
        "deprecatedAndHidden": false,
        "feedEnabled": false,
        "hasSubtypes": false,
        "isInterface": false,
        "isSubtype": false,
        "keyPrefix": o.key_prefix,
        "label": o.label,
        "labelPlural": o.label_plural,
        "layoutable": true,
        "mergeable": matches!(o.name, "Account" | "Contact"),
        "mruEnabled": true,
        "name": o.name,
        "queryable": true,
        "replicateable": true,
        "retrieveable": true,
        "searchable": true,
        "triggerable": true,
        "undeletable": o.createable,
        "updateable": o.updateable,
        "urls": urls(o, version),
    })
}

fn field_json(f: &Field) -> Value {
    let picklist: Vec<Value> = f
        .picklist
        .iter()
        .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
        .collect();
    let digits = if f.kind == FieldType::Int { 9 } else { 0 };
    json!({
        "aggregatable": f.kind != FieldType::Textarea,
        "autoNumber": false,
        "byteLength": f.length * 3,
        "calculated": false,
        "caseSensitive": false,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": null,
        "defaultedOnCreate": matches!(f.name, "Id" | "OwnerId" | "CreatedDate" | "CreatedById" | "LastModifiedDate" | "LastModifiedById" | "SystemModstamp" | "IsDeleted" | "CurrencyIsoCode"),
        "dependentPicklist": false,
        "deprecatedAndHidden": false,
        "digits": digits,
        "externalId": f.external_id,
        "filterable": f.kind != FieldType::Textarea,
        "groupable": !matches!(f.kind, FieldType::Textarea | FieldType::Currency | FieldType::Double | FieldType::Percent | FieldType::DateTime),
        "idLookup": f.name == "Id" || f.external_id,
        "label": f.label,
        "length": f.length,
        "name": f.name,
        "nameField": f.name_field,
        "nillable": f.nillable,
        "permissionable": f.nillable && f.updateable,
        "picklistValues": picklist,
        "polymorphicForeignKey": f.reference_to.len() > 1,
        "precision": f.precision,
        "referenceTo": f.reference_to,
        "relationshipName": f.relationship,
        "relationshipOrder": null,
        "restrictedPicklist": f.restricted,
        "scale": f.scale,
        "soapType": f.kind.soap_type(),
        "sortable": f.kind != FieldType::Textarea,
        "type": f.kind.name(),
        "unique": false,
        "updateable": f.updateable,
    })
}

/// `GET /sobjects/{O}/describe`
pub fn describe(o: &ObjectDef, version: &str) -> Value {
    let mut v = summary(o, version);
    let children: Vec<Value> = o
        .children
        .iter()
        .map(|c| {
            json!({
                "cascadeDelete": c.cascade_delete,
                "childSObject": c.child,
                "deprecatedAndHidden": false,
                "field": c.field,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
                "relationshipName": c.name,
                "restrictedDelete": false,
            })
        })
        .collect();
    let m = v.as_object_mut().expect("object");
    m.insert("actionOverrides".into(), json!([]));
    m.insert("childRelationships".into(), Value::Array(children));
    m.insert("compactLayoutable".into(), json!(true));
    m.insert(
        "fields".into(),
        Value::Array(o.fields.iter().map(field_json).collect()),
    );
    m.insert("namedLayoutInfos".into(), json!([]));
    m.insert("networkScopeFieldName".into(), Value::Null);
    m.insert(
        "recordTypeInfos".into(),
        json!([{
            "active": true,
            "available": true,
            "defaultRecordTypeMapping": true,
            "developerName": "Master",
            "master": true,
            "name": "Master",
            "recordTypeId": "012000000000000AAA",
            "urls": {"layout": format!("/services/data/{version}/sobjects/{}/describe/layouts/012000000000000AAA", o.name)},
        }]),
    );
    m.insert("searchLayoutable".into(), json!(true));
    m.insert("sobjectDescribeOption".into(), json!("FULL"));
    m.insert(
        "supportedScopes".into(),
        json!([{"label": "All", "name": "everything"}]),
    );
    v
}

/// `GET /sobjects/`
pub fn global(version: &str) -> Value {
    json!({
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": objects().iter().map(|o| summary(o, version)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::schema::object_def;

    #[test]
    fn describe_lists_custom_fields_and_children() {
        let d = describe(object_def("Opportunity").unwrap(), "v66.0");
        let fields = d["fields"].as_array().unwrap();
        let custom: Vec<&str> = fields
            .iter()
            .filter(|f| f["custom"] == true)
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(custom.contains(&"Payment_Status__c"), "{custom:?}");
        let amount = fields.iter().find(|f| f["name"] == "Amount").unwrap();
        assert_eq!(amount["type"], "currency");
        assert_eq!(amount["soapType"], "xsd:double");
        let rels = d["childRelationships"].as_array().unwrap();
        assert!(
            rels.iter()
                .any(|r| r["relationshipName"] == "OpportunityLineItems")
        );
        assert_eq!(d["keyPrefix"], "006");
    }
}
