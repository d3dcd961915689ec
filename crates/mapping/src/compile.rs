//! Compiles one expression and lints it before any data arrives: CEL syntax
//! (column mapped onto the file line), variables, functions and arity,
//! fields and declared properties, table names, float literals and CEL
//! arithmetic (CEL has no decimal type: `+` on decimal strings would
//! concatenate them, `*` would refuse them at run time).

use std::collections::BTreeMap;

use cel::common::ast::{CallExpr, Expr, IdedExpr, LiteralValue, operators};
use cel::{Env, Program};

use crate::file::ExprSrc;
use crate::functions::{FUNCTIONS, MONEY_FUNCTIONS, STDLIB_ALLOWED};
use crate::problem::Problems;
use crate::schema::{Kind, SourceSchema, canonical, prop_kind};

/// A compiled expression and where it came from.
pub(crate) struct Prog {
    pub program: Program,
    pub src: ExprSrc,
    /// The lint found nothing: only then is it worth running on samples
    /// (a misspelt field would otherwise be reported twice).
    pub clean: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarKind {
    /// A record view of this object (`deal`, `line_item`, …).
    Record(&'static str),
    /// A value computed in `[vars]` (or `key`); `money` when it is a decimal.
    Value { money: bool },
}

/// The variables an expression may read, in order of definition.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub vars: Vec<(String, VarKind)>,
}

impl Scope {
    pub fn with(&self, name: &str, kind: VarKind) -> Scope {
        let mut s = self.clone();
        s.vars.push((name.to_string(), kind));
        s
    }
    fn get(&self, name: &str) -> Option<VarKind> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
    }
    fn names(&self) -> String {
        self.vars
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(crate) struct Linter<'a> {
    pub env: &'a Env,
    pub schema: &'a SourceSchema,
    pub tables: &'a BTreeMap<String, crate::file::Table>,
    /// Check raw properties against the connector's declarations. Off for
    /// disabled blocks: an opt-in feature may name properties the admin
    /// has yet to create; enabling it brings the full check.
    pub strict: bool,
}

impl Linter<'_> {
    /// Compiles and lints; problems go to `p`. `None` when it did not parse.
    pub fn compile(&self, e: &ExprSrc, scope: &Scope, p: &mut Problems) -> Option<Prog> {
        let program = match self.env.compile(&e.text) {
            Ok(prog) => prog,
            Err(errs) => {
                for err in errs.errors {
                    // CEL positions are 1-based lines, 0-based columns
                    let (l, c) = (err.pos.0.max(1) as usize, err.pos.1.max(0) as usize);
                    let (line, col) = if l == 1 {
                        (e.line, e.col + c)
                    } else {
                        (e.line + l - 1, c + 1)
                    };
                    p.add(
                        line,
                        format!(
                            "`{}`: CEL syntax error at column {col}: {}",
                            e.label, err.msg
                        ),
                    );
                }
                return None;
            }
        };
        let before = p.list.len();
        let mut w = Walk {
            lint: self,
            src: e,
            program: &program,
            scope,
            bound: Vec::new(),
            p,
        };
        w.expr(program.expression());
        let clean = p.list.len() == before;
        Some(Prog {
            program,
            src: e.clone(),
            clean,
        })
    }

    /// Whether `e` yields money: a money function, a decimal field, a money var.
    pub fn is_money(&self, e: &IdedExpr, scope: &Scope) -> bool {
        match &e.expr {
            Expr::Call(c) => MONEY_FUNCTIONS.contains(&c.func_name.as_str()),
            Expr::Ident(n) => matches!(scope.get(n), Some(VarKind::Value { money: true })),
            Expr::Select(_) => self.path_kind(e, scope) == Some(Kind::Dec),
            _ => false,
        }
    }

    fn path_kind(&self, e: &IdedExpr, scope: &Scope) -> Option<Kind> {
        let segs = segments(e)?;
        let Some(VarKind::Record(obj)) = scope.get(segs[0]) else {
            return None;
        };
        match segs.as_slice() {
            [_, "properties", prop] => self.schema.property(obj, prop).map(|f| prop_kind(&f.kind)),
            [_, field] => canonical(obj)
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, k)| *k),
            _ => None,
        }
    }
}

/// `a.b.c` → ["a", "b", "c"]; None for anything but an identifier path.
fn segments(e: &IdedExpr) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(n) => {
                out.push(n.as_str());
                out.reverse();
                return Some(out);
            }
            Expr::Select(s) => {
                out.push(s.field.as_str());
                cur = &s.operand;
            }
            _ => return None,
        }
    }
}

struct Walk<'a, 'p> {
    lint: &'a Linter<'a>,
    src: &'a ExprSrc,
    program: &'a Program,
    scope: &'a Scope,
    /// Comprehension variables in scope.
    bound: Vec<String>,
    p: &'p mut Problems,
}

impl Walk<'_, '_> {
    fn line(&self, e: &IdedExpr) -> usize {
        let off = self
            .program
            .source_info()
            .offset_for(e.id)
            .map_or(0, |(s, _)| s as usize);
        self.src.pos(off).0
    }

    fn add(&mut self, e: &IdedExpr, msg: String) {
        let line = self.line(e);
        self.p.add(line, format!("`{}`: {msg}", self.src.label));
    }

    fn expr(&mut self, e: &IdedExpr) {
        match &e.expr {
            Expr::Literal(LiteralValue::Double(d)) => {
                let text = format!("{:?}", d);
                let text = text
                    .trim_start_matches("Double(")
                    .trim_end_matches(')')
                    .to_string();
                self.add(
                    e,
                    format!("float literal {text}: floats cannot carry money exactly; write dec(\"{text}\")"),
                );
            }
            Expr::Literal(_) | Expr::Unspecified => {}
            Expr::Ident(name) => self.ident(e, name),
            Expr::Select(s) => {
                if !self.path(e) {
                    self.expr(&s.operand);
                }
            }
            Expr::Call(c) => self.call(e, c),
            Expr::List(l) => l.elements.iter().for_each(|x| self.expr(x)),
            Expr::Map(m) => {
                for entry in &m.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                        self.expr(&me.key);
                        self.expr(&me.value);
                    }
                }
            }
            Expr::Struct(_) => self.add(e, "message literals are not supported in mappings".into()),
            Expr::Comprehension(c) => {
                self.expr(&c.iter_range);
                self.bound.push(c.iter_var.clone());
                if let Some(v2) = &c.iter_var2 {
                    self.bound.push(v2.clone());
                }
                self.bound.push(c.accu_var.clone());
                self.expr(&c.accu_init);
                self.expr(&c.loop_cond);
                self.expr(&c.loop_step);
                self.expr(&c.result);
                self.bound
                    .truncate(self.bound.len() - 2 - usize::from(c.iter_var2.is_some()));
            }
        }
    }

    fn ident(&mut self, e: &IdedExpr, name: &str) {
        if self.bound.iter().any(|b| b == name) || self.scope.get(name).is_some() {
            return;
        }
        let names = self.scope.names();
        self.add(e, format!("unknown variable `{name}` (available: {names})"));
    }

    /// Checks a field path on a record; true when it was a record path.
    fn path(&mut self, e: &IdedExpr) -> bool {
        let Some(segs) = segments(e) else {
            return false;
        };
        if self.bound.iter().any(|b| b == segs[0]) {
            return true;
        }
        let Some(kind) = self.scope.get(segs[0]) else {
            self.ident(e, segs[0]);
            return true;
        };
        let VarKind::Record(obj) = kind else {
            self.add(
                e,
                format!(
                    "`{}` is a value, not a record: it has no field `{}`",
                    segs[0], segs[1]
                ),
            );
            return true;
        };
        self.record_path(e, obj, &segs);
        true
    }

    fn record_path(&mut self, e: &IdedExpr, obj: &str, segs: &[&str]) {
        let var = segs[0];
        let field = segs[1];
        let Some((_, kind)) = canonical(obj).iter().find(|(n, _)| *n == field) else {
            let fields: Vec<&str> = canonical(obj).iter().map(|(n, _)| *n).collect();
            self.add(
                e,
                format!(
                    "{obj} has no field `{field}` (fields: {}; raw properties are under {var}.properties)",
                    fields.join(", ")
                ),
            );
            return;
        };
        match (kind, segs.get(2)) {
            (Kind::Props, Some(prop)) => self.property(e, obj, prop, segs.len() > 3),
            (_, Some(sub)) => self.add(
                e,
                format!("`{var}.{field}` is not a record: it has no field `{sub}`"),
            ),
            (_, None) => {}
        }
    }

    fn property(&mut self, e: &IdedExpr, obj: &str, prop: &str, deeper: bool) {
        if !self.lint.strict {
            return;
        }
        if self.lint.schema.property(obj, prop).is_none() {
            self.add(
                e,
                format!(
                    "the {} connector declares no property `{prop}` on {obj}",
                    self.lint.schema.connector
                ),
            );
        } else if deeper {
            self.add(
                e,
                format!("property `{prop}` is a string: it has no fields"),
            );
        }
    }

    fn call(&mut self, e: &IdedExpr, c: &CallExpr) {
        let name = c.func_name.as_str();
        match name {
            operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO
            | operators::NEGATE => {
                let op = name.trim_matches('_');
                self.add(
                    e,
                    format!("CEL arithmetic `{op}` is not allowed: CEL has no decimal type; use add(), sub(), mul(), div() or neg()"),
                );
            }
            operators::ADD => {
                let numeric = |x: &IdedExpr| {
                    matches!(
                        x.expr,
                        Expr::Literal(LiteralValue::Int(_) | LiteralValue::UInt(_))
                    )
                };
                if c.args
                    .iter()
                    .any(|a| self.lint.is_money(a, self.scope) || numeric(a))
                {
                    self.add(
                        e,
                        "`+` on money or numbers is not allowed: on decimal strings it would concatenate them; use add()".into(),
                    );
                }
            }
            operators::INDEX | operators::OPT_INDEX => self.index(e, c),
            "lookup" => self.lookup(e, c),
            "double" => self.add(
                e,
                "double() is not allowed: money must stay exact; use dec()".into(),
            ),
            _ if name.starts_with('_') || name.starts_with('@') || name.ends_with('_') => {}
            _ => self.function(e, c),
        }
        if let Some(t) = &c.target {
            self.expr(t);
        }
        for a in &c.args {
            self.expr(a);
        }
    }

    fn function(&mut self, e: &IdedExpr, c: &CallExpr) {
        let name = c.func_name.as_str();
        if let Some((_, arities)) = FUNCTIONS.iter().find(|(n, _)| *n == name) {
            if c.target.is_some() {
                self.add(
                    e,
                    format!("`{name}` is a function: call it as {name}(…), not as a method"),
                );
            } else if !arities.contains(&c.args.len()) {
                let want = arities
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.add(
                    e,
                    format!("`{name}` takes {want} arguments, got {}", c.args.len()),
                );
            }
        } else if !STDLIB_ALLOWED.contains(&name) {
            self.add(e, format!("unknown function `{name}`"));
        }
    }

    fn lookup(&mut self, e: &IdedExpr, c: &CallExpr) {
        if !(2..=3).contains(&c.args.len()) {
            self.add(
                e,
                format!("`lookup` takes 2 or 3 arguments, got {}", c.args.len()),
            );
            return;
        }
        match &c.args[0].expr {
            Expr::Literal(LiteralValue::String(t)) => {
                if !self.lint.tables.contains_key(t.inner()) {
                    self.add(
                        e,
                        format!("table `{}` is not defined in [tables]", t.inner()),
                    );
                }
            }
            _ => self.add(
                e,
                "lookup() needs the table name as a string literal".into(),
            ),
        }
    }

    /// `deal.properties["x"]`: the key must be declared too.
    fn index(&mut self, e: &IdedExpr, c: &CallExpr) {
        let (Some(target), Some(key)) = (c.args.first(), c.args.get(1)) else {
            return;
        };
        let Some(segs) = segments(target) else { return };
        if let (
            Some(VarKind::Record(obj)),
            [_, "properties"],
            Expr::Literal(LiteralValue::String(k)),
        ) = (self.scope.get(segs[0]), segs.as_slice(), &key.expr)
        {
            self.property(e, obj, k.inner(), false);
        }
    }
}
