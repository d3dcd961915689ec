//! The shipped hubspot-xero mappings: golden outputs, customer resolution,
//! skips, typed errors, budget lines, and property tests on money.

mod common;

use common::*;
use ledgerbridge_mapping::{
    CustomerPlan, InvoiceDraft, MapErrorKind, Mapped, MappingSet, NoteDraft, Outcome, PairSettings,
    PaymentDraft, PaymentsSource, Related, ResolveStep, SourceRecord,
};
use ledgerbridge_sdk::CustomerMatch;
use ledgerbridge_sdk::model::{
    Address, ContactPerson, Currency, Customer, Deal, DealStatus, Interaction, InteractionKind,
    InvoiceLine, InvoiceStatus, TaxMode, TrackingRef,
};

fn cur(c: &str) -> Currency {
    Currency::new(c).unwrap()
}

fn pipeline(option: &str) -> Vec<TrackingRef> {
    vec![TrackingRef {
        category: "Pipeline".into(),
        option: option.into(),
    }]
}

fn line(
    desc: &str,
    qty: &str,
    unit: &str,
    disc: Option<&str>,
    acct: &str,
    tax: &str,
) -> InvoiceLine {
    InvoiceLine {
        description: desc.into(),
        quantity: d(qty),
        unit_amount: d(unit),
        discount_rate: disc.map(d),
        account_code: acct.into(),
        tax_type: Some(tax.into()),
        item_code: None,
        tracking: pipeline("Sales Pipeline"),
    }
}

fn company_plan(id: &str, email: Option<&str>, domain: &str, name: &str) -> CustomerPlan {
    let mut steps = vec![
        ResolveStep::Link(format!("company:{id}")),
        ResolveStep::Match(CustomerMatch::ExternalRef(format!("HS-CO-{id}"))),
    ];
    if let Some(e) = email {
        steps.push(ResolveStep::Match(CustomerMatch::Email(e.into())));
    }
    steps.push(ResolveStep::Match(CustomerMatch::Domain(domain.into())));
    steps.push(ResolveStep::Match(CustomerMatch::Name(name.into())));
    CustomerPlan::Resolve {
        source_key: format!("company:{id}"),
        steps,
    }
}

fn run<'a>(
    set: &MappingSet,
    name: &str,
    rec: SourceRecord<'a>,
    rel: &Related<'a>,
    s: &'a PairSettings,
) -> Outcome {
    set.evaluate_one(name, rec, rel, s)
        .expect("mapping exists")
        .unwrap_or_else(|e| panic!("{}", e.dead_letter_reason()))
}

fn invoice<'a>(
    set: &MappingSet,
    deal: &'a Deal,
    rel: &Related<'a>,
    s: &'a PairSettings,
) -> InvoiceDraft {
    match run(set, "deal-invoice", SourceRecord::Deal(deal), rel, s) {
        Outcome::Record {
            key,
            mapped: Mapped::Invoice(inv),
            mapping,
        } => {
            assert_eq!(key, inv.reference);
            assert_eq!(mapping.name, "deal-invoice");
            inv
        }
        other => panic!("not an invoice: {other:?}"),
    }
}

#[test]
fn shipped_mappings_load_and_carry_content_hashes() {
    let set = defaults();
    assert_eq!(set.mappings().len(), 5);
    let m = set.get("deal-invoice").unwrap();
    let bytes = std::fs::read(defaults_dir().join("deal-invoice.toml")).unwrap();
    assert_eq!(m.id.version, ledgerbridge_mapping::content_hash(&bytes));
    assert_eq!(m.id.version.len(), 64);
}

#[test]
fn golden_usd_deal_with_lines() {
    let set = defaults();
    let s = settings();
    let co = company(
        "20000000001",
        "Acme 1 Ltd",
        "United States",
        Some("accounts@acme1.example.com"),
    );
    let dl = deal(
        "30000000001",
        Some("USD"),
        "4650.00",
        vec![
            item("1", "Platform licence", "SKU-0001", "2", "1200.00", None),
            item("2", "Onboarding", "SKU-0003", "1", "2500.00", Some("10")),
        ],
    );
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let inv = invoice(&set, &dl, &rel, &s);
    let expected = InvoiceDraft {
        reference: "HS-30000000001".into(),
        customer: company_plan(
            "20000000001",
            Some("accounts@acme1.example.com"),
            "acme1ltd.example.com",
            "Acme 1 Ltd",
        ),
        date: date("2024-04-15"),
        due_date: date("2024-05-15"),
        currency: cur("USD"),
        status: InvoiceStatus::Authorised,
        tax_mode: TaxMode::Exclusive,
        lines: vec![
            line("Platform licence", "2", "1200.00", None, "200", "OUTPUT"),
            line("Onboarding", "1", "2500.00", Some("10"), "260", "OUTPUT"),
        ],
    };
    assert_eq!(inv, expected);
    assert_eq!(inv.total().to_string(), "4650.00");
}

#[test]
fn golden_deal_without_lines_becomes_one_line_from_amount() {
    let set = defaults();
    let mut s = settings();
    s.invoice_status = InvoiceStatus::Draft;
    let co = company("20000000002", "Globex 2 GmbH", "Germany", None);
    let mut dl = deal("30000000002", Some("EUR"), "1999.99", vec![]);
    dl.pipeline = Some("24135790".into());
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let inv = invoice(&set, &dl, &rel, &s);
    let expected = InvoiceDraft {
        reference: "HS-30000000002".into(),
        customer: company_plan(
            "20000000002",
            None,
            "globex2gmbh.example.com",
            "Globex 2 GmbH",
        ),
        date: date("2024-04-15"),
        due_date: date("2024-05-15"),
        currency: cur("EUR"),
        status: InvoiceStatus::Draft,
        tax_mode: TaxMode::Exclusive,
        lines: vec![InvoiceLine {
            tracking: pipeline("Renewals"),
            ..line(
                "Deal 30000000002",
                "1",
                "1999.99",
                None,
                "200",
                "EXEMPTOUTPUT",
            )
        }],
    };
    assert_eq!(inv, expected);
    assert_eq!(inv.total().to_string(), "1999.99");
}

#[test]
fn golden_foreign_currency_and_default_currency() {
    let set = defaults();
    let s = settings();
    let co = company("20000000003", "Initech 3 Ltd", "United Kingdom", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let gbp = deal(
        "30000000003",
        Some("gbp"),
        "0",
        vec![item(
            "7",
            "Support plan",
            "SKU-0002",
            "3",
            "237.00",
            Some("5"),
        )],
    );
    let inv = invoice(&set, &gbp, &rel, &s);
    assert_eq!(inv.currency, cur("GBP"));
    assert_eq!(
        inv.lines,
        vec![line(
            "Support plan",
            "3",
            "237.00",
            Some("5"),
            "260",
            "EXEMPTOUTPUT"
        )]
    );
    assert_eq!(inv.total().to_string(), "675.45");
    // no deal currency: the CRM connection's default
    let none = deal("30000000004", None, "10", vec![]);
    assert_eq!(invoice(&set, &none, &rel, &s).currency, cur("USD"));
    let mut eur_default = settings();
    eur_default.default_currency = cur("EUR");
    assert_eq!(
        invoice(&set, &none, &rel, &eur_default).currency,
        cur("EUR")
    );
}

#[test]
fn golden_tax_inclusive_aud() {
    let set = defaults();
    let s = settings();
    let co = company("20000000005", "Wayne 5 Pty Ltd", "Australia", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let dl = deal(
        "30000000005",
        Some("AUD"),
        "0",
        vec![item(
            "9",
            "Hardware gateway",
            "SKU-0005",
            "4",
            "684.00",
            None,
        )],
    );
    let inv = invoice(&set, &dl, &rel, &s);
    assert_eq!(inv.tax_mode, TaxMode::Inclusive);
    assert_eq!(
        inv.lines,
        vec![line(
            "Hardware gateway",
            "4",
            "684.00",
            None,
            "200",
            "EXEMPTOUTPUT"
        )]
    );
    assert_eq!(inv.total().to_string(), "2736.00");
}

#[test]
fn golden_jpy_rounds_to_whole_yen() {
    let set = defaults();
    let s = settings();
    let co = company("20000000006", "Tyrell 6 Inc", "Japan", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let dl = deal(
        "30000000006",
        Some("JPY"),
        "0",
        vec![item(
            "11",
            "Training day",
            "SKU-0004",
            "3",
            "1234",
            Some("7"),
        )],
    );
    let inv = invoice(&set, &dl, &rel, &s);
    assert_eq!(inv.currency, cur("JPY"));
    assert_eq!(
        inv.lines,
        vec![line(
            "Training day",
            "3",
            "1234",
            Some("7"),
            "260",
            "EXEMPTOUTPUT"
        )]
    );
    // 3 × 1234 × 0.93 = 3442.86 → 3443
    assert_eq!(inv.total().to_string(), "3443");
}

#[test]
fn golden_bhd_rounds_to_fils() {
    let set = defaults();
    let s = settings();
    let co = company("20000000007", "Hooli 7 Holdings", "Bahrain", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let dl = deal(
        "30000000007",
        Some("BHD"),
        "0",
        vec![item(
            "12",
            "Sensor pack",
            "SKU-0006",
            "2",
            "45.125",
            Some("12.5"),
        )],
    );
    let inv = invoice(&set, &dl, &rel, &s);
    assert_eq!(
        inv.lines,
        vec![line(
            "Sensor pack",
            "2",
            "45.125",
            Some("12.5"),
            "200",
            "EXEMPTOUTPUT"
        )]
    );
    // 90.25 × 0.875 = 78.96875 → 78.969
    assert_eq!(inv.total().to_string(), "78.969");
}

#[test]
fn golden_company_to_xero_contact_with_persons() {
    let set = defaults();
    let s = settings();
    let co = company(
        "20000000008",
        "Stark 8 LLC",
        "United States",
        Some("ap@stark8.example.com"),
    );
    let people = vec![
        contact(
            "10000000008",
            "Ada",
            "Lovelace",
            "ada@stark8.example.com",
            Some("20000000008"),
        ),
        contact(
            "10000000009",
            "Alan",
            "Turing",
            "alan@stark8.example.com",
            Some("20000000008"),
        ),
    ];
    let rel = Related {
        contacts: &people,
        ..Related::default()
    };
    let out = run(
        &set,
        "company-customer",
        SourceRecord::Company(&co),
        &rel,
        &s,
    );
    let Outcome::Record {
        key,
        mapped: Mapped::Customer { customer, plan },
        ..
    } = out
    else {
        panic!("not a customer: {out:?}");
    };
    assert_eq!(key, "HS-CO-20000000008");
    let expected = Customer {
        external_ref: "HS-CO-20000000008".into(),
        name: "Stark 8 LLC".into(),
        email: Some("ap@stark8.example.com".into()),
        phone: Some("+1 555 0100".into()),
        first_name: None,
        last_name: None,
        tax_number: Some("12-3456789".into()),
        addresses: vec![Address {
            line1: Some("12 Market Street".into()),
            line2: None,
            city: Some("Springfield".into()),
            region: None,
            postal_code: Some("12345".into()),
            country: Some("United States".into()),
        }],
        contact_persons: vec![
            ContactPerson {
                first_name: Some("Ada".into()),
                last_name: Some("Lovelace".into()),
                email: Some("ada@stark8.example.com".into()),
            },
            ContactPerson {
                first_name: Some("Alan".into()),
                last_name: Some("Turing".into()),
                email: Some("alan@stark8.example.com".into()),
            },
        ],
        default_currency: None,
    };
    assert_eq!(customer, expected);
    assert_eq!(
        plan,
        company_plan(
            "20000000008",
            Some("ap@stark8.example.com"),
            "stark8llc.example.com",
            "Stark 8 LLC"
        )
    );
}

#[test]
fn customer_plan_order_reuses_a_contact_with_the_same_email() {
    // Xero already has a contact with this e-mail but no AccountNumber: the
    // plan tries link, external id, then e-mail — the pipeline's lookup by
    // e-mail finds it and links it, instead of creating a duplicate.
    let set = defaults();
    let s = settings();
    let co = company(
        "20000000009",
        "Vandelay 9 Inc",
        "United States",
        Some("billing@vandelay.example.com"),
    );
    let dl = deal("30000000009", Some("USD"), "10.00", vec![]);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let inv = invoice(&set, &dl, &rel, &s);
    let matches = inv.customer.matches();
    assert_eq!(
        matches,
        vec![
            CustomerMatch::ExternalRef("HS-CO-20000000009".into()),
            CustomerMatch::Email("billing@vandelay.example.com".into()),
            CustomerMatch::Domain("vandelay9inc.example.com".into()),
            CustomerMatch::Name("Vandelay 9 Inc".into()),
        ]
    );
    // the company's own mapping plans the same lookups, so syncing the
    // company and invoicing its deal resolve to the same Xero contact
    let Outcome::Record {
        mapped: Mapped::Customer { plan, .. },
        ..
    } = run(
        &set,
        "company-customer",
        SourceRecord::Company(&co),
        &Related::default(),
        &s,
    )
    else {
        panic!()
    };
    assert_eq!(plan, inv.customer);
    let CustomerPlan::Resolve { steps, .. } = &plan else {
        panic!()
    };
    assert_eq!(steps[0], ResolveStep::Link("company:20000000009".into()));
}

#[test]
fn deal_without_company_uses_its_contact_then_the_fallback() {
    let set = defaults();
    let s = settings();
    let mut dl = deal("30000000010", Some("USD"), "99.00", vec![]);
    dl.company_id = None;
    let person = contact(
        "10000000010",
        "Grace",
        "Hopper",
        "grace@navy.example.mil",
        None,
    );
    let rel = Related {
        contact: Some(&person),
        ..Related::default()
    };
    let inv = invoice(&set, &dl, &rel, &s);
    assert_eq!(
        inv.customer,
        CustomerPlan::Resolve {
            source_key: "contact:10000000010".into(),
            steps: vec![
                ResolveStep::Link("contact:10000000010".into()),
                ResolveStep::Match(CustomerMatch::ExternalRef("HS-CT-10000000010".into())),
                ResolveStep::Match(CustomerMatch::Email("grace@navy.example.mil".into())),
                ResolveStep::Match(CustomerMatch::Name("Grace Hopper".into())),
            ],
        }
    );
    // neither company nor contact: the pair's fallback customer, by name
    let mut fb = settings();
    fb.fallback_customer = Some("Walk-in customers".into());
    let inv = invoice(&set, &dl, &Related::default(), &fb);
    assert_eq!(
        inv.customer,
        CustomerPlan::Fallback {
            name: "Walk-in customers".into()
        }
    );
    // and without a fallback: a typed error saying so
    let err = set
        .evaluate_one(
            "deal-invoice",
            SourceRecord::Deal(&dl),
            &Related::default(),
            &s,
        )
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, MapErrorKind::NoCustomer);
    assert_eq!(err.record_key, "deal:30000000010");
    assert_eq!(err.field, "customer");
    assert!(
        err.to_string().ends_with(
            "deal:30000000010: customer: no company, no contact and no fallback_customer"
        ),
        "{err}"
    );
}

#[test]
fn contact_customer_only_for_contacts_without_company() {
    let set = defaults();
    let s = settings();
    let with = contact(
        "10000000011",
        "Linus",
        "Torvalds",
        "linus@example.org",
        Some("20000000001"),
    );
    let out = run(
        &set,
        "contact-customer",
        SourceRecord::Contact(&with),
        &Related::default(),
        &s,
    );
    assert!(matches!(out, Outcome::Skip { .. }), "{out:?}");
    let without = contact("10000000012", "Ken", "Thompson", "ken@example.org", None);
    let Outcome::Record {
        mapped: Mapped::Customer { customer, .. },
        ..
    } = run(
        &set,
        "contact-customer",
        SourceRecord::Contact(&without),
        &Related::default(),
        &s,
    )
    else {
        panic!()
    };
    assert_eq!(customer.name, "Ken Thompson");
    assert_eq!(customer.external_ref, "HS-CT-10000000012");
}

#[test]
fn skips_are_explicit_not_won_and_before_start_date() {
    let set = defaults();
    let co = company("20000000001", "Acme", "United States", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let mut open = deal("30000000020", Some("USD"), "5", vec![]);
    open.status = DealStatus::Open;
    let s = settings();
    let out = run(&set, "deal-invoice", SourceRecord::Deal(&open), &rel, &s);
    assert_eq!(
        out,
        Outcome::Skip {
            mapping: set.get("deal-invoice").unwrap().id.clone(),
            reason: "`when` is false (deal.status == \"won\")".into()
        }
    );
    let mut cut = settings();
    cut.start_date = Some(date("2024-05-01"));
    let won = deal("30000000021", Some("USD"), "5", vec![]);
    let Outcome::Skip { reason, .. } =
        run(&set, "deal-invoice", SourceRecord::Deal(&won), &rel, &cut)
    else {
        panic!()
    };
    assert_eq!(
        reason,
        "dated 2024-04-15, before the pair's start_date 2024-05-01"
    );
    // on the start date itself: invoiced
    cut.start_date = Some(date("2024-04-15"));
    assert!(matches!(
        run(&set, "deal-invoice", SourceRecord::Deal(&won), &rel, &cut),
        Outcome::Record { .. }
    ));
}

#[test]
fn payments_only_with_crm_source_and_partial_amounts_add_up() {
    let set = defaults();
    let mut dl = deal("30000000030", Some("EUR"), "1000.00", vec![]);
    dl.properties
        .insert("ledgerbridge_crm_amount_paid".into(), "400.00".into());
    dl.properties
        .insert("ledgerbridge_crm_paid_date".into(), "2024-04-20".into());
    let s = settings();
    let out = run(
        &set,
        "payment",
        SourceRecord::Deal(&dl),
        &Related::default(),
        &s,
    );
    assert!(
        matches!(out, Outcome::Skip { .. }),
        "finance is the default payments_source"
    );
    let mut crm = settings();
    crm.payments_source = PaymentsSource::Crm;
    let Outcome::Record {
        key,
        mapped: Mapped::Payment(p),
        ..
    } = run(
        &set,
        "payment",
        SourceRecord::Deal(&dl),
        &Related::default(),
        &crm,
    )
    else {
        panic!()
    };
    let expected = PaymentDraft {
        reference: "HS-PAY-30000000030-400.00".into(),
        invoice_reference: "HS-30000000030".into(),
        amount_paid_to_date: d("400.00"),
        date: date("2024-04-20"),
        account_code: "090".into(),
    };
    assert_eq!(key, expected.reference);
    assert_eq!(p, expected);
    let first = p.clone().into_payment("inv-1", d("0")).unwrap();
    assert_eq!(first.amount, d("400.00"));
    // the CRM later says 1000 paid in total: only the remaining 600 is paid
    dl.properties
        .insert("ledgerbridge_crm_amount_paid".into(), "1000.00".into());
    let Outcome::Record {
        mapped: Mapped::Payment(p2),
        ..
    } = run(
        &set,
        "payment",
        SourceRecord::Deal(&dl),
        &Related::default(),
        &crm,
    )
    else {
        panic!()
    };
    assert_eq!(p2.reference, "HS-PAY-30000000030-1000.00");
    assert_eq!(
        p2.clone()
            .into_payment("inv-1", d("400.00"))
            .unwrap()
            .amount,
        d("600.00")
    );
    assert_eq!(p2.into_payment("inv-1", d("1000.00")), None);
    // a negative amount paid is refused, typed
    dl.properties
        .insert("ledgerbridge_crm_amount_paid".into(), "-5".into());
    let err = set
        .evaluate_one(
            "payment",
            SourceRecord::Deal(&dl),
            &Related::default(),
            &crm,
        )
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, MapErrorKind::NegativeAmount);
    assert_eq!(err.field, "fields.amount_paid");
}

#[test]
fn interactions_become_notes_with_a_marker() {
    let set = defaults();
    let s = settings();
    let co = company("20000000040", "Wonka 40 Ltd", "United Kingdom", None);
    let m = meeting("50000000001", Some("20000000040"), false);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let Outcome::Record {
        key,
        mapped: Mapped::Note(note),
        ..
    } = run(
        &set,
        "interaction-note",
        SourceRecord::Interaction(&m),
        &rel,
        &s,
    )
    else {
        panic!()
    };
    assert_eq!(key, "[ledgerbridge HS-meeting-50000000001]");
    assert_eq!(
        note,
        NoteDraft {
            customer: company_plan(
                "20000000040",
                None,
                "wonka40ltd.example.com",
                "Wonka 40 Ltd"
            ),
            text:
                "MEETING 2024-04-02: Kick-off - Agreed scope\n[ledgerbridge HS-meeting-50000000001]"
                    .into(),
            marker: "[ledgerbridge HS-meeting-50000000001]".into(),
        }
    );
    // not on a company: skipped, and never given to the fallback customer
    let lone = meeting("50000000002", None, false);
    let out = run(
        &set,
        "interaction-note",
        SourceRecord::Interaction(&lone),
        &Related::default(),
        &s,
    );
    assert!(matches!(out, Outcome::Skip { .. }));

    // a task is an interaction like the others: a note with its own marker
    let task = Interaction {
        kind: InteractionKind::Task,
        subject: Some("Send the signed order form".into()),
        body: Some("Chase the countersigned copy".into()),
        duration_ms: None,
        ..meeting("90000000001", Some("20000000040"), false)
    };
    let Outcome::Record {
        key,
        mapped: Mapped::Note(note),
        ..
    } = run(
        &set,
        "interaction-note",
        SourceRecord::Interaction(&task),
        &rel,
        &s,
    )
    else {
        panic!("a task on a company becomes a note")
    };
    assert_eq!(key, "[ledgerbridge HS-task-90000000001]");
    assert_eq!(
        note.text,
        "TASK 2024-04-02: Send the signed order form - Chase the countersigned copy\n\
         [ledgerbridge HS-task-90000000001]"
    );
}

#[test]
fn billable_meetings_are_off_by_default_and_work_when_enabled() {
    let co = company("20000000050", "Aperture 50", "United States", None);
    let meetings = vec![
        meeting("50000000003", Some("20000000050"), true),
        meeting("50000000004", Some("20000000050"), false),
    ];
    let dl = deal("30000000050", Some("USD"), "100.00", vec![]);
    let rel = Related {
        company: Some(&co),
        interactions: &meetings,
        ..Related::default()
    };
    let s = settings();
    let inv = invoice(&defaults(), &dl, &rel, &s);
    assert_eq!(inv.lines.len(), 1);
    // the admin turns the block on (and the connector declares the properties)
    let text = std::fs::read_to_string(defaults_dir().join("deal-invoice.toml")).unwrap();
    let on = text.replace("enabled = false\n", "enabled = true\n");
    let mut files = Vec::new();
    for f in [
        "deal-invoice.toml",
        "company-customer.toml",
        "contact-customer.toml",
    ] {
        let body = if f == "deal-invoice.toml" {
            on.clone()
        } else {
            std::fs::read_to_string(defaults_dir().join(f)).unwrap()
        };
        files.push((f.to_string(), body.into_bytes()));
    }
    let set = MappingSet::from_sources("mem", files, &schema_with_meetings(), &s).unwrap();
    let inv = invoice(&set, &dl, &rel, &s);
    assert_eq!(inv.lines.len(), 2);
    assert_eq!(
        inv.lines[1],
        InvoiceLine {
            description: "Meeting 2024-04-02: Kick-off".into(),
            quantity: d("1.50"),
            unit_amount: d("150.00"),
            discount_rate: None,
            account_code: "260".into(),
            tax_type: Some("OUTPUT".into()),
            item_code: None,
            tracking: vec![],
        }
    );
    assert_eq!(inv.total().to_string(), "325.00");
}

#[test]
fn runtime_errors_are_typed_and_redacted_in_display() {
    let set = defaults();
    let s = settings();
    let co = company("20000000060", "Soylent", "United States", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    // a deal without lines and without amount: the amount line cannot be made
    let mut dl = deal("30000000060", Some("USD"), "0", vec![]);
    dl.amount = None;
    let err = set
        .evaluate_one("deal-invoice", SourceRecord::Deal(&dl), &rel, &s)
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, MapErrorKind::MissingValue);
    assert_eq!(err.field, "lines[1].unit_amount");
    assert!(err.mapping.ends_with("deal-invoice.toml"));
    // a currency that is not ISO 4217
    let bad = deal("30000000061", Some("EURO"), "5", vec![]);
    let err = set
        .evaluate_one("deal-invoice", SourceRecord::Deal(&bad), &rel, &s)
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, MapErrorKind::BadCurrency);
    assert_eq!(err.field, "fields.currency");
    assert!(err.detail.contains("\"EURO\""), "{}", err.detail);
    assert!(
        !err.to_string().contains("EURO"),
        "Display must redact: {err}"
    );
    assert!(err.dead_letter_reason().contains("EURO"));
    // no close date: the cut-over cannot be decided
    let mut cut = settings();
    cut.start_date = Some(date("2024-01-01"));
    let mut nodate = deal("30000000062", Some("USD"), "5", vec![]);
    nodate.close_date = None;
    let err = set
        .evaluate_one("deal-invoice", SourceRecord::Deal(&nodate), &rel, &cut)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (err.kind, err.field.as_str()),
        (MapErrorKind::MissingValue, "cutover_date")
    );
}

#[test]
fn budget_lines_are_mapped_like_invoice_lines_for_open_deals_too() {
    let set = defaults();
    let s = settings();
    let co = company("20000000070", "Cyberdyne", "United States", None);
    let rel = Related {
        company: Some(&co),
        ..Related::default()
    };
    let mut dl = deal(
        "30000000070",
        Some("USD"),
        "0",
        vec![
            item("1", "Platform licence", "SKU-0001", "1", "1200.00", None),
            item(
                "2",
                "Consulting hour",
                "SKU-0008",
                "10",
                "180.00",
                Some("10"),
            ),
        ],
    );
    dl.status = DealStatus::Open;
    dl.close_date = Some(date("2024-07-31"));
    let entries = set.budget_entries(&dl, &rel, &s).unwrap();
    let got: Vec<(String, String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e.account_code.clone(),
                e.tracking[0].option.clone(),
                e.month.clone(),
                e.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "200".into(),
                "Sales Pipeline".into(),
                "2024-07".into(),
                "1200.00".into()
            ),
            (
                "260".into(),
                "Sales Pipeline".into(),
                "2024-07".into(),
                "1620.00".into()
            ),
        ]
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn amount(scale: u32) -> impl Strategy<Value = Decimal> {
        (0i64..10_000_000).prop_map(move |n| Decimal::new(n, scale))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn invoice_total_is_the_sum_of_rounded_lines(
            ccy in prop::sample::select(vec!["USD", "EUR", "JPY", "BHD", "AUD"]),
            lines in prop::collection::vec((1i64..50, amount(3), prop::option::of(0u32..40)), 1..6),
        ) {
            let set = defaults();
            let s = settings();
            let co = company("20000000080", "Prop Co", "United States", None);
            let rel = Related { company: Some(&co), ..Related::default() };
            let items = lines.iter().enumerate().map(|(i, (q, p, disc))| {
                let mut it = item(&i.to_string(), "x", "SKU-0001", "1", "0", None);
                it.quantity = Decimal::from(*q);
                it.unit_price = *p;
                it.discount_percent = disc.map(Decimal::from);
                it
            }).collect();
            let dl = deal("30000000080", Some(ccy), "0", items);
            let inv = invoice(&set, &dl, &rel, &s);
            let c = Currency::new(ccy).unwrap();
            let mut sum = Decimal::ZERO;
            for l in &inv.lines {
                let a = ledgerbridge_mapping::line_amount(l, &c);
                // rounded by the currency's minor unit, exactly that many places
                prop_assert_eq!(a.scale(), c.minor_units());
                sum += a;
            }
            prop_assert_eq!(inv.total(), sum);
            prop_assert_eq!(inv.total().scale(), c.minor_units());
            // lines carry the CRM's numbers exactly (no float on the way)
            for (l, (q, p, _)) in inv.lines.iter().zip(&lines) {
                prop_assert_eq!(l.quantity, Decimal::from(*q));
                prop_assert_eq!(l.unit_amount, *p);
            }
        }

        #[test]
        fn round_money_rounds_by_minor_unit_half_away_from_zero(n in -10_000_000i64..10_000_000, scale in 0u32..6) {
            let set = MappingSet::from_sources("mem", vec![(
                "r.toml".into(),
                br#"source = { connector = "hubspot", object = "deal" }
target = { connector = "xero", object = "payment" }
key = 'round_money(deal.amount, deal.currency)'
[fields]
invoice_reference = '"x"'
amount_paid = '"1"'
date = '"2024-01-01"'
account_code = '"090"'
"#.to_vec(),
            )], &hubspot_schema(), &settings()).unwrap();
            let s = settings();
            for ccy in ["USD", "JPY", "BHD"] {
                let mut dl = deal("1", Some(ccy), "0", vec![]);
                let x = Decimal::new(n, scale);
                dl.amount = Some(x);
                let Outcome::Record { key, .. } = run(&set, "r", SourceRecord::Deal(&dl), &Related::default(), &s) else {
                    panic!()
                };
                let c = Currency::new(ccy).unwrap();
                let want = x.round_dp_with_strategy(c.minor_units(), rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                let got: Decimal = key.parse().unwrap();
                prop_assert_eq!(got, want);
                prop_assert_eq!(got.scale(), c.minor_units());
            }
        }
    }
}

/// No binary floating point on the money path: our sources never name the
/// float types, and the only float CEL can make is refused (see invalid.rs).
#[test]
fn no_f64_in_the_crate_sources() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.contains("f64") && !line.contains("f32") && !line.contains("from_f"),
                "{}:{}: float on the money path: {line}",
                path.display(),
                i + 1
            );
        }
    }
}
