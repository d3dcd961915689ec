//! The mapping engine's checks inside `check`: every problem in a pair's mapping files
//! as `file:line: message`, without network access.
//!
//! The source connector's declared fields (what a mapping may read) come from the
//! connector's capabilities, which a client built without calling the vendor knows.

use super::{CheckProblem, Location};
use crate::config::{Config, PairConfig};
use ledgerbridge_mapping::{MappingSet, SourceSchema};
use std::path::{Path, PathBuf};

/// Every problem in the mapping files of one pair, found without network access.
pub fn check_pair(config: &Config, pair: &PairConfig, dir: &Path) -> Vec<CheckProblem> {
    // A bad start_date or currency is reported by the config checks, with its line.
    let Ok(settings) = crate::sync::runtime::pair_settings(config, pair) else {
        return Vec::new();
    };
    let Some(schema) = source_schema(config, pair) else {
        // the source connection itself is reported by the config checks
        return Vec::new();
    };
    match MappingSet::load(dir, &schema, &settings) {
        Ok(_) => Vec::new(),
        Err(problems) => problems
            .into_iter()
            .map(|p| CheckProblem {
                location: Location::Line {
                    file: PathBuf::from(&p.file),
                    line: p.line,
                },
                message: p.message,
            })
            .collect(),
    }
}

/// The fields the pair's source connector declares, from its capabilities.
fn source_schema(config: &Config, pair: &PairConfig) -> Option<SourceSchema> {
    let conn = config.connections.get(&pair.source)?;
    let connector = conn.connector();
    if !connector.roles().source {
        return None;
    }
    let caps = connector.capabilities();
    Some(SourceSchema::new(caps.vendor, caps.fields.clone()))
}
