//! One compiled mapping file: its expressions, tables and customer rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::Context;
use ledgerbridge_sdk::model::{CrmObject, FinanceObject};

use crate::compile::{Linter, Prog, Scope, VarKind};
use crate::file::{ExprSrc, RawMapping};
use crate::lookup::{Tables, root_context};
use crate::output::MappingId;
use crate::problem::Problems;
use crate::schema::SourceSchema;
use crate::settings::PairSettings;
use crate::targets::{self, TField};

/// One way to find an existing customer (`[customer] order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Link,
    ExternalRef,
    Email,
    Domain,
    Name,
}

const STEPS: &[(&str, Step)] = &[
    ("link", Step::Link),
    ("external_ref", Step::ExternalRef),
    ("email", Step::Email),
    ("domain", Step::Domain),
    ("name", Step::Name),
];

/// The default resolution order: our link, our external id, then the
/// customer's own identifiers from most to least specific.
const DEFAULT_ORDER: &[Step] = &[
    Step::Link,
    Step::ExternalRef,
    Step::Email,
    Step::Domain,
    Step::Name,
];

pub(crate) struct Collection {
    pub name: &'static str,
    pub var: String,
    pub object: &'static str,
}

pub(crate) struct Block {
    pub label: String,
    pub enabled: bool,
    pub collection: Option<Collection>,
    pub when: Option<Prog>,
    pub fields: Vec<(TField, Prog)>,
    pub tracking: Vec<(String, Prog)>,
}

/// A mapping file, compiled.
pub struct Mapping {
    pub id: MappingId,
    pub source: CrmObject,
    pub target: FinanceObject,
    /// `enabled = false` files are validated but never run.
    pub enabled: bool,
    pub(crate) when: Option<Prog>,
    pub(crate) key: Prog,
    pub(crate) cutover: Option<Prog>,
    pub(crate) vars: Vec<(String, Prog)>,
    pub(crate) fields: Vec<(TField, Prog)>,
    pub(crate) blocks: Vec<Block>,
    /// The optional target abilities this file needs.
    pub(crate) needs: Vec<crate::needs::AbilityNeed>,
    /// `[customer] order` (customer targets).
    pub(crate) order: Vec<Step>,
    /// `[customer] from` (invoice, note targets): whose customer, in order.
    pub(crate) from: Vec<CrmObject>,
    pub(crate) domain: Option<Prog>,
    pub(crate) root: Context<'static, 'static>,
    pub(crate) check_root: Context<'static, 'static>,
}

impl Mapping {
    /// The optional target abilities this file needs, each with its line.
    pub fn ability_needs(&self) -> &[crate::needs::AbilityNeed] {
        &self.needs
    }
}

impl std::fmt::Debug for Mapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping")
            .field("id", &self.id)
            .field("source", &self.source)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Build<'a> {
    pub schema: &'a SourceSchema,
    pub settings: &'a PairSettings,
    pub env: Arc<cel::Env>,
}

impl Build<'_> {
    pub fn mapping(&self, id: MappingId, raw: RawMapping, p: &mut Problems) -> Option<Mapping> {
        let (source, target) = self.endpoints(&raw, p)?;
        let linter = Linter {
            env: &self.env,
            schema: self.schema,
            tables: &raw.tables,
            strict: true,
        };
        let mut scope = Scope::default();
        for (name, obj) in targets::base_vars(source) {
            scope = scope.with(name, VarKind::Record(obj));
        }
        let when = raw.when.as_ref().and_then(|e| linter.compile(e, &scope, p));
        let cutover = raw
            .cutover_date
            .as_ref()
            .and_then(|e| linter.compile(e, &scope, p));
        let key = match &raw.key {
            Some(e) => linter.compile(e, &scope, p),
            None => {
                p.add(1, "missing `key` (the external reference written to the target, e.g. key = '\"HS-\" + deal.id')");
                None
            }
        };
        scope = scope.with("key", VarKind::Value { money: false });
        let mut vars = Vec::new();
        for (name, e) in &raw.vars {
            if let Some(prog) = linter.compile(e, &scope, p) {
                let money = linter.is_money(prog.program.expression(), &scope);
                scope = scope.with(name, VarKind::Value { money });
                vars.push((name.clone(), prog));
            } else {
                scope = scope.with(name, VarKind::Value { money: false });
            }
        }
        let fields = self.fields(
            &linter,
            &scope,
            target,
            (&raw.fields, &raw.fields_present),
            raw.fields_line,
            "fields",
            p,
        );
        let needs = crate::needs::of(&raw, target);
        if let Some(abilities) = &self.settings.target_abilities {
            crate::needs::check(&needs, abilities, &self.settings.target_connector, p);
        }
        let blocks = raw
            .blocks
            .iter()
            .filter_map(|b| self.block(&linter, &scope, source, target, b, p))
            .collect();
        let (order, from) = self.customer(&raw, source, target, p);
        let domain = raw
            .customer_domain
            .as_ref()
            .and_then(|e| linter.compile(e, &scope, p));
        let tables: Arc<Tables> = Arc::new(
            raw.tables
                .into_iter()
                .map(|(k, t)| (k, t.entries))
                .collect::<BTreeMap<_, _>>(),
        );
        let key = key?;
        Some(Mapping {
            id,
            source,
            target,
            enabled: raw.enabled,
            when,
            key,
            cutover,
            vars,
            fields,
            blocks,
            needs,
            order,
            from,
            domain,
            root: root_context(self.env.clone(), tables.clone(), false),
            check_root: root_context(self.env.clone(), tables, true),
        })
    }

    fn endpoints(&self, raw: &RawMapping, p: &mut Problems) -> Option<(CrmObject, FinanceObject)> {
        let (Some(s), Some(t)) = (&raw.source, &raw.target) else {
            if raw.source.is_none() {
                p.add(1, "missing `source` (e.g. source = { connector = \"hubspot\", object = \"deal\" })");
            }
            if raw.target.is_none() {
                p.add(1, "missing `target` (e.g. target = { connector = \"xero\", object = \"invoice\" })");
            }
            return None;
        };
        let mut ok = true;
        if s.connector != self.settings.source_connector {
            p.add(
                s.line,
                format!(
                    "source connector `{}` does not match the pair's source `{}`",
                    s.connector, self.settings.source_connector
                ),
            );
            ok = false;
        }
        if t.connector != self.settings.target_connector {
            p.add(
                t.line,
                format!(
                    "target connector `{}` does not match the pair's target `{}`",
                    t.connector, self.settings.target_connector
                ),
            );
            ok = false;
        }
        let so = CrmObject::parse(&s.object);
        if so.is_none() {
            p.add(
                s.line,
                format!(
                    "unknown source object `{}` (expected company, contact, deal or interaction)",
                    s.object
                ),
            );
        }
        let to = FinanceObject::parse(&t.object);
        if to.is_none() {
            p.add(
                t.line,
                format!(
                    "unknown target object `{}` (expected customer, invoice, payment or note)",
                    t.object
                ),
            );
        }
        let (so, to) = (so?, to?);
        if !targets::supported(so, to) {
            p.add(
                t.line,
                format!("a {} cannot be mapped to a {}", s.object, t.object),
            );
            return None;
        }
        ok.then_some((so, to))
    }

    #[allow(clippy::too_many_arguments)]
    fn fields(
        &self,
        linter: &Linter,
        scope: &Scope,
        target: FinanceObject,
        (given, present): (&[(String, usize, ExprSrc)], &[String]),
        section_line: usize,
        section: &str,
        p: &mut Problems,
    ) -> Vec<(TField, Prog)> {
        let specs: &[TField] = if section == "fields" {
            targets::fields(target)
        } else {
            targets::block(target).map_or(&[], |(_, f)| f)
        };
        let what = if section == "fields" {
            format!("{} {}", self.settings.target_connector, target.as_str())
        } else {
            format!(
                "{} {} {}",
                self.settings.target_connector,
                target.as_str(),
                block_noun(target)
            )
        };
        let mut out = Vec::new();
        for (name, line, e) in given {
            match specs.iter().find(|f| f.name == name) {
                Some(spec) => {
                    if let Some(prog) = linter.compile(e, scope, p) {
                        out.push((*spec, prog));
                    }
                }
                None => {
                    let names: Vec<&str> = specs.iter().map(|f| f.name).collect();
                    p.add(
                        *line,
                        format!(
                            "`{name}` is not a field of a {what} (fields: {})",
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        for spec in specs.iter().filter(|f| f.required) {
            if !present.iter().any(|n| n == spec.name) {
                p.add(
                    section_line.max(1),
                    format!("missing required {what} field `{}`", spec.name),
                );
            }
        }
        out
    }

    fn block(
        &self,
        linter: &Linter,
        scope: &Scope,
        source: CrmObject,
        target: FinanceObject,
        b: &crate::file::RawBlock,
        p: &mut Problems,
    ) -> Option<Block> {
        let label = format!("{}[{}]", b.section, b.index);
        match targets::block(target) {
            Some((section, _)) if section == b.section => {}
            _ => {
                p.add(
                    b.line,
                    format!("a {} has no [[{}]]", target.as_str(), b.section),
                );
                return None;
            }
        }
        let relaxed = Linter {
            strict: b.enabled,
            ..*linter
        };
        let linter = &relaxed;
        let mut inner = scope.clone();
        let collection = match &b.for_each {
            None => None,
            Some((name, line)) => {
                let known = targets::collections(source);
                match known.iter().find(|(n, _, _)| n == name) {
                    Some((n, var, obj)) => {
                        let var = b
                            .as_name
                            .as_ref()
                            .map_or(var.to_string(), |(a, _)| a.clone());
                        inner = inner.with(&var, VarKind::Record(obj));
                        Some(Collection {
                            name: n,
                            var,
                            object: obj,
                        })
                    }
                    None => {
                        let names: Vec<&str> = known.iter().map(|(n, _, _)| *n).collect();
                        p.add(
                            *line,
                            format!(
                                "`{label}.for_each`: unknown collection `{name}` (expected {})",
                                if names.is_empty() {
                                    "none for this source".to_string()
                                } else {
                                    names.join(" or ")
                                }
                            ),
                        );
                        return None;
                    }
                }
            }
        };
        let when = b.when.as_ref().and_then(|e| linter.compile(e, &inner, p));
        let fields = self.fields(
            linter,
            &inner,
            target,
            (&b.fields, &b.present),
            b.line,
            &b.section,
            p,
        );
        let tracking = b
            .tracking
            .iter()
            .filter_map(|(cat, e)| linter.compile(e, &inner, p).map(|prog| (cat.clone(), prog)))
            .collect();
        Some(Block {
            label,
            enabled: b.enabled,
            collection,
            when,
            fields,
            tracking,
        })
    }

    fn customer(
        &self,
        raw: &RawMapping,
        source: CrmObject,
        target: FinanceObject,
        p: &mut Problems,
    ) -> (Vec<Step>, Vec<CrmObject>) {
        let mut order = DEFAULT_ORDER.to_vec();
        let mut from = vec![CrmObject::Company, CrmObject::Contact];
        let is_customer = target == FinanceObject::Customer;
        if let Some(list) = &raw.customer_order {
            if !is_customer {
                p.add(
                    raw.customer_line,
                    "`customer.order` belongs in a mapping to customers; here use `customer.from`",
                );
            }
            order.clear();
            for (s, line) in list {
                match STEPS.iter().find(|(n, _)| n == s) {
                    Some((_, step)) => order.push(*step),
                    None => p.add(
                        *line,
                        format!("unknown customer match `{s}` (expected link, external_ref, email, domain or name)"),
                    ),
                }
            }
        }
        if raw.customer_domain.is_some() && !is_customer {
            p.add(
                raw.customer_line,
                "`customer.domain` belongs in a mapping to customers",
            );
        }
        if let Some(list) = &raw.customer_from {
            if is_customer {
                p.add(raw.customer_line, "`customer.from` belongs in mappings to invoices and notes; here use `customer.order`");
            }
            from.clear();
            for (s, line) in list {
                match s.as_str() {
                    "company" => from.push(CrmObject::Company),
                    "contact" => from.push(CrmObject::Contact),
                    _ => p.add(
                        *line,
                        format!("unknown customer source `{s}` (expected company or contact)"),
                    ),
                }
            }
        }
        let _ = source;
        (order, from)
    }
}

fn block_noun(t: FinanceObject) -> &'static str {
    match t {
        FinanceObject::Invoice => "line",
        FinanceObject::Customer => "contact person",
        _ => "item",
    }
}
