//! Run-time evaluation of one mapping on one source record: synchronous,
//! pure (no I/O), and total — every failure is a typed `MapError`.

use cel::common::types::CelString;
use cel::common::value::Val;
use cel::{Context, Value};
use ledgerbridge_sdk::CustomerMatch;
use ledgerbridge_sdk::model::{
    Address, Company, Contact, ContactPerson, CrmObject, Customer, Deal, FinanceObject,
    Interaction, InteractionKind, InvoiceLine, InvoiceStatus, TaxMode, TrackingRef,
};

use crate::compile::Prog;
use crate::convert::{TVal, boolean, convert};
use crate::error::{Fail, MapError, MapErrorKind};
use crate::mapping::{Block, Mapping, Step};
use crate::output::{
    CustomerPlan, InvoiceDraft, Mapped, NoteDraft, Outcome, PaymentDraft, ResolveStep,
};
use crate::settings::PairSettings;
use crate::targets::TField;
use crate::views::{View, view_or_null};
use crate::{MappingSet, dates};

/// The record a mapping runs on.
#[derive(Debug, Clone, Copy)]
pub enum SourceRecord<'a> {
    Deal(&'a Deal),
    Company(&'a Company),
    Contact(&'a Contact),
    Interaction(&'a Interaction),
}

impl SourceRecord<'_> {
    pub fn object(&self) -> CrmObject {
        match self {
            SourceRecord::Deal(_) => CrmObject::Deal,
            SourceRecord::Company(_) => CrmObject::Company,
            SourceRecord::Contact(_) => CrmObject::Contact,
            SourceRecord::Interaction(_) => CrmObject::Interaction,
        }
    }

    fn id(&self) -> &str {
        match self {
            SourceRecord::Deal(r) => &r.meta.id,
            SourceRecord::Company(r) => &r.meta.id,
            SourceRecord::Contact(r) => &r.meta.id,
            SourceRecord::Interaction(r) => &r.meta.id,
        }
    }

    /// `<object>:<id>`, as the engine's mirror keys records.
    pub fn key(&self) -> String {
        format!("{}:{}", self.object().as_str(), self.id())
    }
}

/// What the pipeline loaded around the record (all optional).
#[derive(Debug, Clone, Copy, Default)]
pub struct Related<'a> {
    /// The deal's / interaction's / contact's company.
    pub company: Option<&'a Company>,
    /// The deal's / interaction's primary contact.
    pub contact: Option<&'a Contact>,
    /// A company's contacts (→ contact persons).
    pub contacts: &'a [Contact],
    /// A deal's interactions (→ billable meeting lines, when enabled).
    pub interactions: &'a [Interaction],
}

/// Header values by field name.
pub(crate) struct Got(Vec<(&'static str, TVal)>);

impl Got {
    pub(crate) fn take(&mut self, name: &str) -> Option<TVal> {
        let i = self.0.iter().position(|(n, _)| *n == name)?;
        Some(self.0.swap_remove(i).1)
    }
    fn str(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            TVal::Str(s) => Some(s),
            _ => None,
        }
    }
}

pub(crate) fn bind<'a>(
    ctx: &mut Context<'_, 'a>,
    rec: SourceRecord<'a>,
    rel: &Related<'a>,
    settings: &'a PairSettings,
) {
    let company = view_or_null(rel.company.map(View::Company));
    let contact = view_or_null(rel.contact.map(View::Contact));
    match rec {
        SourceRecord::Deal(d) => {
            ctx.add_variable_as_val("deal", Box::new(View::Deal(d)));
            ctx.add_variable_as_val("company", company);
            ctx.add_variable_as_val("contact", contact);
        }
        SourceRecord::Company(c) => ctx.add_variable_as_val("company", Box::new(View::Company(c))),
        SourceRecord::Contact(c) => {
            ctx.add_variable_as_val("contact", Box::new(View::Contact(c)));
            ctx.add_variable_as_val("company", company);
        }
        SourceRecord::Interaction(i) => {
            ctx.add_variable_as_val("interaction", Box::new(View::Interaction(i)));
            ctx.add_variable_as_val("company", company);
            ctx.add_variable_as_val("contact", contact);
        }
    }
    ctx.add_variable_as_val("settings", Box::new(View::Settings(settings)));
}

/// Binds a computed value (`key`, `[vars]`) into a scope.
pub(crate) fn bind_value(ctx: &mut Context<'_, '_>, name: &str, v: Value) -> Result<(), Fail> {
    let boxed: Box<dyn Val> = match v {
        Value::String(s) => Box::new(CelString::from(s.as_str().to_string())),
        other => other
            .try_into()
            .map_err(|_| Fail::wrong_type("this value cannot be bound as a variable"))?,
    };
    ctx.add_variable_as_val(name, boxed);
    Ok(())
}

/// Evaluation of one mapping on one record.
pub(crate) struct Ev<'m> {
    pub m: &'m Mapping,
    pub record_key: String,
}

impl Ev<'_> {
    pub(crate) fn err(&self, field: &str, f: Fail) -> MapError {
        MapError::new(&self.record_key, &self.m.id.file, field, f)
    }

    pub fn run(&self, prog: &Prog, ctx: &Context) -> Result<Value, MapError> {
        prog.program
            .execute(ctx)
            .map_err(|e| self.err(&prog.src.label, Fail::from_cel(&e)))
    }

    fn field(
        &self,
        spec: &TField,
        prog: &Prog,
        ctx: &Context,
        at: &str,
    ) -> Result<Option<TVal>, MapError> {
        let v = self.run(prog, ctx)?;
        let label = || format!("{}{at}", prog.src.label);
        let got = convert(&v, spec.kind).map_err(|f| self.err(&label(), f))?;
        if got.is_none() && spec.required {
            return Err(self.err(&label(), Fail::missing("required value is null or empty")));
        }
        Ok(got)
    }

    pub(crate) fn fields<'x>(
        &self,
        fields: impl IntoIterator<Item = &'x (TField, Prog)>,
        ctx: &Context,
        at: &str,
    ) -> Result<Got, MapError> {
        let mut out = Vec::new();
        for (spec, prog) in fields {
            if let Some(v) = self.field(spec, prog, ctx, at)? {
                out.push((spec.name, v));
            }
        }
        Ok(Got(out))
    }

    fn when(&self, prog: &Option<Prog>, ctx: &Context) -> Result<bool, MapError> {
        match prog {
            None => Ok(true),
            Some(p) => boolean(&self.run(p, ctx)?).map_err(|f| self.err(&p.src.label, f)),
        }
    }

    /// `key`, then `[vars]`, bound in order.
    pub fn key_and_vars(&self, ctx: &mut Context) -> Result<String, MapError> {
        let key = self.run(&self.m.key, ctx)?;
        let key_text = match &key {
            Value::String(s) if !s.trim().is_empty() => s.to_string(),
            Value::String(_) | Value::Null => {
                return Err(self.err("key", Fail::missing("the key is null or empty")));
            }
            _ => return Err(self.err("key", Fail::wrong_type("the key must be a string"))),
        };
        bind_value(ctx, "key", key).map_err(|f| self.err("key", f))?;
        for (name, prog) in &self.m.vars {
            let v = self.run(prog, ctx)?;
            bind_value(ctx, name, v).map_err(|f| self.err(&prog.src.label, f))?;
        }
        Ok(key_text)
    }
}

impl Mapping {
    /// Runs this mapping on `rec`.
    pub(crate) fn evaluate<'a>(
        &self,
        rec: SourceRecord<'a>,
        rel: &Related<'a>,
        settings: &'a PairSettings,
        set: &MappingSet,
    ) -> Result<Outcome, MapError> {
        let ev = Ev {
            m: self,
            record_key: rec.key(),
        };
        let mut ctx = self.root.new_inner_scope();
        bind(&mut ctx, rec, rel, settings);
        if !ev.when(&self.when, &ctx)? {
            let text = self.when.as_ref().map_or("", |w| w.src.text.trim());
            return Ok(Outcome::Skip {
                mapping: self.id.clone(),
                reason: format!("`when` is false ({text})"),
            });
        }
        if let (Some(start), Some(prog)) = (settings.start_date, &self.cutover) {
            let v = ev.run(prog, &ctx)?;
            let date = match convert(&v, crate::targets::TKind::Date)
                .map_err(|f| ev.err("cutover_date", f))?
            {
                Some(TVal::Date(d)) => d,
                _ => {
                    return Err(ev.err(
                        "cutover_date",
                        Fail::missing("the cut-over date is null or empty"),
                    ));
                }
            };
            if date < start {
                return Ok(Outcome::Skip {
                    mapping: self.id.clone(),
                    reason: format!(
                        "dated {}, before the pair's start_date {}",
                        dates::text(date),
                        dates::text(start)
                    ),
                });
            }
        }
        let key = ev.key_and_vars(&mut ctx)?;
        let mapped = match self.target {
            FinanceObject::Customer => {
                let (customer, plan) = ev.customer(&ctx, rec, rel, &key, true)?;
                Mapped::Customer { customer, plan }
            }
            FinanceObject::Invoice => {
                Mapped::Invoice(ev.invoice(&ctx, rec, rel, settings, set, &key)?)
            }
            FinanceObject::Payment => Mapped::Payment(ev.payment(&ctx, &key)?),
            FinanceObject::Note => Mapped::Note(ev.note(&ctx, rel, settings, set, &key)?),
        };
        Ok(Outcome::Record {
            mapping: self.id.clone(),
            key,
            mapped,
        })
    }

    /// Only what resolving this record's customer needs (no contact persons).
    pub(crate) fn plan_for<'a>(
        &self,
        rec: SourceRecord<'a>,
        rel: &Related<'a>,
        settings: &'a PairSettings,
    ) -> Result<CustomerPlan, MapError> {
        let ev = Ev {
            m: self,
            record_key: rec.key(),
        };
        let mut ctx = self.root.new_inner_scope();
        bind(&mut ctx, rec, rel, settings);
        let key = ev.key_and_vars(&mut ctx)?;
        ev.customer(&ctx, rec, rel, &key, false)
            .map(|(_, plan)| plan)
    }
}

impl Ev<'_> {
    fn customer(
        &self,
        ctx: &Context,
        rec: SourceRecord,
        rel: &Related,
        key: &str,
        full: bool,
    ) -> Result<(Customer, CustomerPlan), MapError> {
        let wanted = |n: &str| full || n == "name" || n == "email";
        let mut got = Got(Vec::new());
        for (spec, prog) in self.m.fields.iter().filter(|(s, _)| wanted(s.name)) {
            if let Some(v) = self.field(spec, prog, ctx, "")? {
                got.0.push((spec.name, v));
            }
        }
        let domain = match &self.m.domain {
            Some(p) => convert(&self.run(p, ctx)?, crate::targets::TKind::Str)
                .map_err(|f| self.err(&p.src.label, f))?
                .and_then(|v| match v {
                    TVal::Str(s) => Some(s),
                    _ => None,
                }),
            None => None,
        };
        let name = got.str("name").unwrap_or_default();
        let email = got.str("email");
        let mut steps = Vec::with_capacity(self.m.order.len());
        for step in &self.m.order {
            match step {
                Step::Link => steps.push(ResolveStep::Link(rec.key())),
                Step::ExternalRef => steps.push(ResolveStep::Match(CustomerMatch::ExternalRef(
                    key.to_string(),
                ))),
                Step::Email => {
                    if let Some(e) = &email {
                        steps.push(ResolveStep::Match(CustomerMatch::Email(e.clone())));
                    }
                }
                Step::Domain => {
                    if let Some(d) = &domain {
                        steps.push(ResolveStep::Match(CustomerMatch::Domain(d.clone())));
                    }
                }
                Step::Name => steps.push(ResolveStep::Match(CustomerMatch::Name(name.clone()))),
            }
        }
        let plan = CustomerPlan::Resolve {
            source_key: rec.key(),
            steps,
        };
        if !full {
            return Ok((Customer::default(), plan));
        }
        let address = Address {
            line1: got.str("address_line1"),
            line2: got.str("address_line2"),
            city: got.str("address_city"),
            region: got.str("address_region"),
            postal_code: got.str("address_postal_code"),
            country: got.str("address_country"),
        };
        let has_address = address != Address::default();
        let mut persons = Vec::new();
        for block in self.m.blocks.iter().filter(|b| b.enabled) {
            self.each(block, ctx, rec, rel, &mut |ctx, at| {
                let mut g = self.fields(&block.fields, ctx, at)?;
                let p = ContactPerson {
                    first_name: g.str("first_name"),
                    last_name: g.str("last_name"),
                    email: g.str("email"),
                };
                if p != ContactPerson::default() {
                    persons.push(p);
                }
                Ok(())
            })?;
        }
        let customer = Customer {
            external_ref: key.to_string(),
            name,
            email,
            phone: got.str("phone"),
            first_name: got.str("first_name"),
            last_name: got.str("last_name"),
            tax_number: got.str("tax_number"),
            addresses: if has_address {
                vec![address]
            } else {
                Vec::new()
            },
            contact_persons: persons,
            default_currency: match got.take("default_currency") {
                Some(TVal::Cur(c)) => Some(c),
                _ => None,
            },
        };
        Ok((customer, plan))
    }

    /// Runs `f` once per element of the block's collection (or once, for a
    /// block without `for_each`), in a scope with the element bound, skipping
    /// elements whose `when` is false.
    pub(crate) fn each<'a>(
        &self,
        block: &Block,
        ctx: &Context<'_, 'a>,
        rec: SourceRecord<'a>,
        rel: &Related<'a>,
        f: &mut dyn FnMut(&Context<'_, 'a>, &str) -> Result<(), MapError>,
    ) -> Result<(), MapError> {
        let Some(c) = &block.collection else {
            if self.when(&block.when, ctx)? {
                f(ctx, "")?;
            }
            return Ok(());
        };
        let items: Vec<(View<'a>, &'a str)> = match (c.name, rec) {
            ("deal.line_items", SourceRecord::Deal(d)) => d
                .line_items
                .iter()
                .map(|i| (View::Item(i), i.id.as_str()))
                .collect(),
            ("meetings", _) => rel
                .interactions
                .iter()
                .filter(|i| i.kind == InteractionKind::Meeting)
                .map(|i| (View::Interaction(i), i.meta.id.as_str()))
                .collect(),
            ("contacts", _) => rel
                .contacts
                .iter()
                .map(|c| (View::Contact(c), c.meta.id.as_str()))
                .collect(),
            _ => Vec::new(),
        };
        for (view, id) in items {
            let mut inner = ctx.new_inner_scope();
            inner.add_variable_as_val(c.var.as_str(), Box::new(view));
            if self.when(&block.when, &inner)? {
                f(&inner, &format!(" ({} {id})", c.object))?;
            }
        }
        Ok(())
    }

    fn invoice<'a>(
        &self,
        ctx: &Context<'_, 'a>,
        rec: SourceRecord<'a>,
        rel: &Related<'a>,
        settings: &'a PairSettings,
        set: &MappingSet,
        key: &str,
    ) -> Result<InvoiceDraft, MapError> {
        let mut got = self.fields(&self.m.fields, ctx, "")?;
        let mut lines = Vec::new();
        for block in self.m.blocks.iter().filter(|b| b.enabled) {
            self.each(block, ctx, rec, rel, &mut |ctx, at| {
                lines.push(self.line(block, ctx, at)?);
                Ok(())
            })?;
        }
        if lines.is_empty() {
            return Err(self.err("lines", Fail::missing("the invoice has no lines")));
        }
        let customer = self.plan(rel, settings, set)?;
        // required fields were checked by `fields`; the matches below cannot miss
        let (Some(TVal::Date(date)), Some(TVal::Date(due_date)), Some(TVal::Cur(currency))) =
            (got.take("date"), got.take("due_date"), got.take("currency"))
        else {
            return Err(self.err(
                "fields",
                Fail::missing("date, due_date and currency are required"),
            ));
        };
        let status = match got.take("status") {
            Some(TVal::Status(s)) => s,
            _ => InvoiceStatus::Authorised,
        };
        let tax_mode = match got.take("tax_mode") {
            Some(TVal::Tax(t)) => t,
            _ => TaxMode::Exclusive,
        };
        Ok(InvoiceDraft {
            reference: key.to_string(),
            customer,
            date,
            due_date,
            currency,
            status,
            tax_mode,
            lines,
        })
    }

    pub(crate) fn line(
        &self,
        block: &Block,
        ctx: &Context,
        at: &str,
    ) -> Result<InvoiceLine, MapError> {
        let mut g = self.fields(&block.fields, ctx, at)?;
        let mut dec = |n: &str| match g.take(n) {
            Some(TVal::Dec(d)) => Some(d),
            _ => None,
        };
        let (quantity, unit_amount, discount_rate) =
            (dec("quantity"), dec("unit_amount"), dec("discount_rate"));
        let mut tracking = Vec::new();
        for (category, prog) in &block.tracking {
            let v = self.run(prog, ctx)?;
            let label = format!("{}{at}", prog.src.label);
            if let Some(TVal::Str(option)) =
                convert(&v, crate::targets::TKind::Str).map_err(|f| self.err(&label, f))?
            {
                tracking.push(TrackingRef {
                    category: category.clone(),
                    option,
                });
            }
        }
        let (Some(quantity), Some(unit_amount)) = (quantity, unit_amount) else {
            return Err(self.err(
                &block.label,
                Fail::missing("quantity and unit_amount are required"),
            ));
        };
        Ok(InvoiceLine {
            description: g.str("description").unwrap_or_default(),
            quantity,
            unit_amount,
            discount_rate,
            account_code: g.str("account_code").unwrap_or_default(),
            tax_type: g.str("tax_type"),
            item_code: g.str("item_code"),
            tracking,
        })
    }

    fn payment(&self, ctx: &Context, key: &str) -> Result<PaymentDraft, MapError> {
        let mut got = self.fields(&self.m.fields, ctx, "")?;
        let amount = match got.take("amount_paid") {
            Some(TVal::Dec(d)) => d,
            _ => {
                return Err(self.err(
                    "fields.amount_paid",
                    Fail::missing("required value is null or empty"),
                ));
            }
        };
        if amount <= rust_decimal::Decimal::ZERO {
            return Err(self.err(
                "fields.amount_paid",
                Fail::new(
                    MapErrorKind::NegativeAmount,
                    format!("the amount paid must be positive, got \"{amount}\""),
                ),
            ));
        }
        let Some(TVal::Date(date)) = got.take("date") else {
            return Err(self.err(
                "fields.date",
                Fail::missing("required value is null or empty"),
            ));
        };
        Ok(PaymentDraft {
            reference: key.to_string(),
            invoice_reference: got.str("invoice_reference").unwrap_or_default(),
            amount_paid_to_date: amount,
            date,
            account_code: got.str("account_code").unwrap_or_default(),
        })
    }

    fn note<'a>(
        &self,
        ctx: &Context<'_, 'a>,
        rel: &Related<'a>,
        settings: &'a PairSettings,
        set: &MappingSet,
        key: &str,
    ) -> Result<NoteDraft, MapError> {
        let mut got = self.fields(&self.m.fields, ctx, "")?;
        let mut text = got.str("text").unwrap_or_default();
        // the marker travels inside the text: it is how a note is found again
        if !text.contains(key) {
            text.push('\n');
            text.push_str(key);
        }
        Ok(NoteDraft {
            customer: self.plan(rel, settings, set)?,
            text,
            marker: key.to_string(),
        })
    }

    /// The customer of an invoice or note: company, else contact (order per
    /// `[customer] from`), else the pair's fallback customer.
    fn plan<'a>(
        &self,
        rel: &Related<'a>,
        settings: &'a PairSettings,
        set: &MappingSet,
    ) -> Result<CustomerPlan, MapError> {
        for from in &self.m.from {
            let rec = match (from, rel.company, rel.contact) {
                (CrmObject::Company, Some(c), _) => SourceRecord::Company(c),
                (CrmObject::Contact, _, Some(c)) => SourceRecord::Contact(c),
                _ => continue,
            };
            let Some(cm) = set.customer_mapping(rec.object()) else {
                return Err(self.err(
                    "customer",
                    Fail::new(
                        MapErrorKind::NoCustomer,
                        format!(
                            "no enabled mapping from {} to customer",
                            rec.object().as_str()
                        ),
                    ),
                ));
            };
            let inner = Related {
                company: if matches!(rec, SourceRecord::Contact(_)) {
                    rel.company
                } else {
                    None
                },
                ..Related::default()
            };
            return cm.plan_for(rec, &inner, settings);
        }
        // the fallback customer takes invoices only: a note about nobody in
        // particular must not land on it
        match &settings.fallback_customer {
            Some(name) if self.m.target == FinanceObject::Invoice => {
                Ok(CustomerPlan::Fallback { name: name.clone() })
            }
            _ => Err(self.err(
                "customer",
                Fail::new(
                    MapErrorKind::NoCustomer,
                    "no company, no contact and no fallback_customer",
                ),
            )),
        }
    }
}
