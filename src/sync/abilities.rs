//! What a record needs of the target beyond the common contract, and the dead-letter
//! reason when the target does not have it: a note for a target without notes, an
//! invoice whose lines are tracked for one without tracking categories. Such a record
//! is never written in part or skipped in silence.

use super::runtime::PairRuntime;
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::ConnectorError;
use ledgerbridge_sdk::ability::{Abilities, Ability};

/// The optional ability `mapped` needs and the target lacks, if any.
pub fn lacking(abilities: &Abilities, mapped: &Mapped) -> Option<Ability> {
    let needs = match mapped {
        Mapped::Note(_) => Some(Ability::Notes),
        Mapped::Invoice(d)
            if d.lines
                .iter()
                .flat_map(|l| &l.tracking)
                .any(|t| !t.option.trim().is_empty()) =>
        {
            Some(Ability::TrackingCategories)
        }
        _ => None,
    };
    needs.filter(|a| !abilities.has(*a))
}

/// The dead-letter reason for a record of `source_key` that needs `ability`.
pub fn reason(rt: &PairRuntime, ability: Ability, source_key: &str) -> String {
    let target = format!(
        "{} ({})",
        rt.target_connection,
        rt.target.capabilities().vendor
    );
    let what = match ability {
        Ability::TrackingCategories => "its invoice lines carry tracking options",
        Ability::Notes => "it maps to a history note",
        _ => "it needs this ability",
    };
    format!(
        "{source_key} not written: {what}, and {}",
        ConnectorError::not_supported(ability, &target)
    )
}
