//! The optional target abilities a mapping file needs (a note target needs history
//! notes, a `tracking` table needs tracking categories), each with the line that needs
//! it. `check` holds them against the target connector's declared abilities; the
//! pipeline asks the target itself, record by record.

use ledgerbridge_sdk::ability::{Abilities, Ability};
use ledgerbridge_sdk::model::FinanceObject;

use crate::file::RawMapping;
use crate::problem::Problems;

/// One ability a mapping file needs, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbilityNeed {
    pub ability: Ability,
    /// 1-based line in the mapping file.
    pub line: usize,
    /// What needs it, for messages ("`target` is a note").
    pub what: String,
}

/// The needs of a raw mapping whose target is `target`.
pub(crate) fn of(raw: &RawMapping, target: FinanceObject) -> Vec<AbilityNeed> {
    let mut out = Vec::new();
    if !raw.enabled {
        return out;
    }
    if target == FinanceObject::Note {
        out.push(AbilityNeed {
            ability: Ability::Notes,
            line: raw.target.as_ref().map_or(1, |t| t.line),
            what: "`target` is a history note".into(),
        });
    }
    for b in raw.blocks.iter().filter(|b| b.enabled) {
        if let Some((_, e)) = b.tracking.first() {
            out.push(AbilityNeed {
                ability: Ability::TrackingCategories,
                line: e.line,
                what: format!(
                    "`{}[{}].tracking` sets tracking options",
                    b.section, b.index
                ),
            });
        }
    }
    out
}

/// A problem for every need the target's `abilities` do not cover.
pub(crate) fn check(needs: &[AbilityNeed], abilities: &Abilities, target: &str, p: &mut Problems) {
    for n in needs.iter().filter(|n| !abilities.has(n.ability)) {
        p.add(
            n.line,
            format!(
                "{}, but the target `{target}` does not support {} (ability `{}`): remove it or \
                 choose a target that has it",
                n.what,
                n.ability.describe(),
                n.ability
            ),
        );
    }
}
