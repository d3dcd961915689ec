use ledgerbridge_tryton::party::{NewAddress, NewParty, identifier_code};

use crate::server;

#[tokio::test]
async fn parties_are_created_with_address_contacts_and_our_identifier_then_found_three_ways() {
    let Some(c) = server::client().await else {
        return;
    };
    let tag = server::run_tag();
    let email = format!("ar-{tag}@acme.test").to_lowercase();
    let ids = c
        .create_parties(&[
            NewParty {
                name: format!("ACME {tag}"),
                external_id: format!("company-{tag}"),
                email: Some(email.clone()),
                phone: Some("+1 555 0100".into()),
                address: NewAddress {
                    name: None,
                    street: Some("42 Main Street".into()),
                    postal_code: Some("10001".into()),
                    city: Some("New York".into()),
                },
            },
            NewParty {
                name: format!("Globex {tag}"),
                external_id: format!("contact-{tag}"),
                ..NewParty::default()
            },
        ])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);

    let acme = c.read_parties(&ids[..1]).await.unwrap().remove(0);
    assert_eq!(
        acme.row.name.as_deref(),
        Some(format!("ACME {tag}").as_str())
    );
    assert_eq!(
        acme.external_id.as_deref(),
        Some(format!("company-{tag}").as_str())
    );
    assert_eq!(acme.row.email.as_deref(), Some(email.as_str()));
    assert_eq!(acme.row.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(
        acme.row.addresses.len(),
        1,
        "one address, so invoices have one to go to"
    );
    let code = acme.row.code.clone().expect("Tryton numbers every party");

    let by_ref = c
        .find_parties_by_external_id(&[
            format!("company-{tag}"),
            format!("contact-{tag}"),
            "nobody".into(),
        ])
        .await
        .unwrap();
    let mut found: Vec<u64> = by_ref.iter().map(|p| p.row.id).collect();
    found.sort();
    assert_eq!(found, ids);
    assert_eq!(
        c.find_parties_by_code(&[code]).await.unwrap()[0].row.id,
        ids[0]
    );
    let by_mail = c
        .find_parties_by_email(&[email.to_uppercase()])
        .await
        .unwrap();
    assert_eq!(by_mail.len(), 1, "lower-cased address found");
    assert_eq!(by_mail[0].row.id, ids[0]);

    // the identifier is typeless and prefixed, so it cannot collide with a tax number
    assert_eq!(identifier_code("company-1"), "ledgerbridge:company-1");

    c.update_party(
        ids[1],
        &format!("Globex Corp {tag}"),
        Some("ap@globex.test"),
        None,
    )
    .await
    .unwrap();
    let globex = c.read_parties(&ids[1..]).await.unwrap().remove(0);
    assert_eq!(
        globex.row.name.as_deref(),
        Some(format!("Globex Corp {tag}").as_str())
    );
    assert_eq!(globex.row.email.as_deref(), Some("ap@globex.test"));
    assert!(globex.row.write_date >= globex.row.create_date);
}

#[tokio::test]
async fn a_note_can_be_put_on_a_party() {
    let Some(c) = server::client().await else {
        return;
    };
    let tag = server::run_tag();
    let (party, _) = crate::fixtures::customer(&c, &tag).await;
    let resource = format!("party.party,{party}");
    let ids = c
        .add_notes(&[(resource.clone(), format!("Call on 2026-12-01 [lb:{tag}]"))])
        .await
        .unwrap();
    let notes = c.notes(&resource).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].id, ids[0]);
    assert_eq!(
        notes[0].message.as_deref(),
        Some(format!("Call on 2026-12-01 [lb:{tag}]").as_str())
    );
}
