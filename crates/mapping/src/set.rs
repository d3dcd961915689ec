//! All mapping files of a pair, loaded and checked together.

use std::path::Path;

use ledgerbridge_sdk::model::{CrmObject, FinanceObject};

use crate::check::check;
use crate::error::MapError;
use crate::eval::{Related, SourceRecord};
use crate::mapping::{Build, Mapping};
use crate::output::{MappingId, Outcome};
use crate::problem::{MappingProblem, Problems};
use crate::schema::{Samples, SourceSchema};
use crate::settings::PairSettings;
use crate::{file, functions};

/// The compiled mappings of one pair (`mappings/<pair>/*.toml`).
#[derive(Debug)]
pub struct MappingSet {
    pub(crate) dir: String,
    mappings: Vec<Mapping>,
}

/// sha256 of the file's bytes, hex: a mapping's version in idempotency keys.
pub fn content_hash(bytes: &[u8]) -> String {
    ledgerbridge_sdk::sha256_hex(bytes)
}

impl MappingSet {
    /// Loads every `*.toml` in `dir` (sorted by name) and checks all of it;
    /// on any problem returns every problem of every file.
    pub fn load(
        dir: &Path,
        schema: &SourceSchema,
        settings: &PairSettings,
    ) -> Result<MappingSet, Vec<MappingProblem>> {
        let dir_s = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            vec![MappingProblem {
                file: dir_s.clone(),
                line: 1,
                message: format!("cannot read the mappings folder: {e}"),
            }]
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for p in paths {
            let name = p.display().to_string();
            match std::fs::read(&p) {
                Ok(bytes) => files.push((name, bytes)),
                Err(e) => problems.push(MappingProblem {
                    file: name,
                    line: 1,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
        if files.is_empty() && problems.is_empty() {
            problems.push(MappingProblem {
                file: dir_s.clone(),
                line: 1,
                message: "no mapping files (*.toml) in this folder".into(),
            });
        }
        match Self::from_sources(&dir_s, files, schema, settings) {
            Ok(set) if problems.is_empty() => Ok(set),
            Ok(_) => Err(problems),
            Err(more) => {
                problems.extend(more);
                Err(problems)
            }
        }
    }

    /// Like `load`, from (path, bytes) pairs already read.
    pub fn from_sources(
        dir: &str,
        files: Vec<(String, Vec<u8>)>,
        schema: &SourceSchema,
        settings: &PairSettings,
    ) -> Result<MappingSet, Vec<MappingProblem>> {
        let build = Build {
            schema,
            settings,
            env: functions::env(),
        };
        let samples = Samples::new(schema);
        let mut problems = Vec::new();
        let mut mappings = Vec::new();
        for (path, bytes) in files {
            let mut p = Problems::new(path.clone());
            let version = content_hash(&bytes);
            match String::from_utf8(bytes) {
                Err(_) => p.add(1, "the file is not UTF-8 text"),
                Ok(text) => {
                    if let Some(raw) = file::parse(&text, &mut p) {
                        let name = Path::new(&path)
                            .file_stem()
                            .map_or(path.clone(), |s| s.to_string_lossy().into_owned());
                        let id = MappingId {
                            file: path.clone(),
                            name,
                            version,
                        };
                        if let Some(m) = build.mapping(id, raw, &mut p) {
                            check(&m, &samples, settings, &mut p);
                            mappings.push(m);
                        }
                    }
                }
            }
            problems.extend(p.list);
        }
        for obj in [CrmObject::Company, CrmObject::Contact] {
            let dup: Vec<&Mapping> = mappings
                .iter()
                .filter(|m| m.enabled && m.source == obj && m.target == FinanceObject::Customer)
                .collect();
            if dup.len() > 1 {
                problems.push(MappingProblem {
                    file: dup[1].id.file.clone(),
                    line: 1,
                    message: format!(
                        "a second enabled mapping from {} to customer (the first is {}): customer resolution needs exactly one",
                        obj.as_str(),
                        dup[0].id.file
                    ),
                });
            }
        }
        if problems.is_empty() {
            Ok(MappingSet {
                dir: dir.to_string(),
                mappings,
            })
        } else {
            Err(problems)
        }
    }

    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// Every enabled mapping whose source is this record's object, each with
    /// its outcome or typed error. Pure and synchronous: the pipeline does
    /// the lookups the outcomes ask for.
    pub fn evaluate<'a>(
        &self,
        rec: SourceRecord<'a>,
        rel: &Related<'a>,
        settings: &'a PairSettings,
    ) -> Vec<Result<Outcome, MapError>> {
        self.mappings
            .iter()
            .filter(|m| m.enabled && m.source == rec.object())
            .map(|m| m.evaluate(rec, rel, settings, self))
            .collect()
    }

    /// One mapping, by file stem (`deal-invoice`).
    pub fn get(&self, name: &str) -> Option<&Mapping> {
        self.mappings.iter().find(|m| m.id.name == name)
    }

    /// Runs one mapping (by file stem) on a record.
    pub fn evaluate_one<'a>(
        &self,
        name: &str,
        rec: SourceRecord<'a>,
        rel: &Related<'a>,
        settings: &'a PairSettings,
    ) -> Option<Result<Outcome, MapError>> {
        self.get(name).map(|m| m.evaluate(rec, rel, settings, self))
    }

    pub(crate) fn customer_mapping(&self, obj: CrmObject) -> Option<&Mapping> {
        self.mappings
            .iter()
            .find(|m| m.enabled && m.source == obj && m.target == FinanceObject::Customer)
    }
}
