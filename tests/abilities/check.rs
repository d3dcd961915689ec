//! `check`'s mapping pass holds the files against the target's abilities: the shipped
//! HubSpot → Xero files need notes and tracking categories, which a target with only
//! the required methods lacks; each need is a problem at its line.

use ledgerbridge_mapping::{MappingSet, PairSettings, SourceSchema};
use ledgerbridge_sdk::ability::Abilities;
use std::path::Path;

fn shipped() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/mappings/hubspot-xero"
    ))
}

fn schema() -> SourceSchema {
    let caps = ledgerbridge::connectors::find("hubspot")
        .unwrap()
        .capabilities();
    SourceSchema::new(caps.vendor, caps.fields)
}

/// The line of the first line of `file` containing `needle`.
fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(shipped().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn files_needing_a_missing_ability_fail_at_their_line() {
    let mut settings = PairSettings::new("hubspot", "xero");
    settings.target_abilities = Some(Abilities::none());
    let problems = MappingSet::load(shipped(), &schema(), &settings).unwrap_err();
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let note = format!(
        "interaction-note.toml:{}: `target` is a history note, but the target `xero` does not support history notes (ability `notes`)",
        line_of("interaction-note.toml", "target")
    );
    assert!(shown.iter().any(|p| p.contains(&note)), "{shown:#?}");
    let tracking = format!(
        "deal-invoice.toml:{}: `lines[0].tracking` sets tracking options",
        line_of("deal-invoice.toml", "tracking =")
    );
    assert!(shown.iter().any(|p| p.contains(&tracking)), "{shown:#?}");
    assert!(
        shown.iter().all(|p| p.contains("(ability `")),
        "only ability problems: {shown:#?}"
    );
}

#[test]
fn the_declared_abilities_of_xero_pass_the_shipped_files() {
    let mut settings = PairSettings::new("hubspot", "xero");
    settings.target_abilities = Some(
        ledgerbridge::connectors::find("xero")
            .unwrap()
            .capabilities()
            .abilities,
    );
    MappingSet::load(shipped(), &schema(), &settings).unwrap();
}
