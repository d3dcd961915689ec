//! Type checking by evaluation. The `cel` crate has no type checker, so at
//! load time every expression runs against typed sample records built from
//! the connector's declared fields — and every branch runs: both arms of each
//! `?:` and both operands of `&&`/`||` are evaluated on their own, since the
//! interpreter would otherwise never reach the arm a sample does not take.

use cel::common::ast::{Expr, IdedExpr, operators};
use cel::common::types::CelString;
use cel::{Context, Value};
use ledgerbridge_sdk::model::CrmObject;

use crate::compile::Prog;
use crate::convert::{boolean, convert};
use crate::error::Fail;
use crate::eval::{Related, SourceRecord, bind, bind_value};
use crate::mapping::Mapping;
use crate::problem::Problems;
use crate::schema::Samples;
use crate::settings::PairSettings;
use crate::targets::TKind;
use crate::views::View;

#[derive(Clone, Copy)]
enum Expect {
    Bool,
    Kind(TKind),
}

pub(crate) fn check(m: &Mapping, s: &Samples, settings: &PairSettings, p: &mut Problems) {
    let rec = match m.source {
        CrmObject::Deal => SourceRecord::Deal(&s.deal),
        CrmObject::Company => SourceRecord::Company(&s.company),
        CrmObject::Contact => SourceRecord::Contact(&s.contact),
        CrmObject::Interaction => SourceRecord::Interaction(&s.interaction),
    };
    let rel = Related {
        company: Some(&s.company),
        contact: Some(&s.contact),
        ..Related::default()
    };
    let mut ctx = m.check_root.new_inner_scope();
    bind(&mut ctx, rec, &rel, settings);
    let mut c = Checker { p };
    if let Some(w) = &m.when {
        c.prog(w, &ctx, Expect::Bool);
    }
    if let Some(cut) = &m.cutover {
        c.prog(cut, &ctx, Expect::Kind(TKind::Date));
    }
    let key = c.prog(&m.key, &ctx, Expect::Kind(TKind::Str));
    c.bind(&mut ctx, "key", key);
    for (name, prog) in &m.vars {
        let v = c.value(prog, &ctx);
        c.bind(&mut ctx, name, v);
    }
    for (spec, prog) in &m.fields {
        c.prog(prog, &ctx, Expect::Kind(spec.kind));
    }
    if let Some(d) = &m.domain {
        c.prog(d, &ctx, Expect::Kind(TKind::Str));
    }
    // disabled blocks are linted but not run: see `Linter::strict`
    for b in m.blocks.iter().filter(|b| b.enabled) {
        let mut inner = ctx.new_inner_scope();
        if let Some(col) = &b.collection {
            let view = match col.object {
                "line_item" => View::Item(&s.deal.line_items[0]),
                "contact" => View::Contact(&s.contact),
                _ => View::Interaction(&s.interaction),
            };
            inner.add_variable_as_val(col.var.as_str(), Box::new(view));
        }
        if let Some(w) = &b.when {
            c.prog(w, &inner, Expect::Bool);
        }
        for (spec, prog) in &b.fields {
            c.prog(prog, &inner, Expect::Kind(spec.kind));
        }
        for (_, prog) in &b.tracking {
            c.prog(prog, &inner, Expect::Kind(TKind::Str));
        }
    }
}

struct Checker<'p> {
    p: &'p mut Problems,
}

impl Checker<'_> {
    fn report(&mut self, prog: &Prog, e: &IdedExpr, detail: &str) {
        let off = prog
            .program
            .source_info()
            .offset_for(e.id)
            .map_or(0, |(s, _)| s as usize);
        let line = prog.src.pos(off).0;
        self.p.add(line, format!("`{}`: {detail}", prog.src.label));
    }

    /// Evaluates every branch, then the whole; returns the value if it ran.
    fn prog(&mut self, prog: &Prog, ctx: &Context, expect: Expect) -> Option<Value> {
        if !prog.clean {
            return None;
        }
        let root = prog.program.expression();
        let mut seen = Vec::new();
        self.branches(prog, root, ctx, &mut seen);
        self.arms(prog, root, ctx, expect, &mut seen);
        match prog.program.execute(ctx) {
            Ok(v) => {
                if !is_conditional(root) {
                    self.expect(prog, root, &v, expect, &mut seen);
                }
                Some(v)
            }
            Err(e) => {
                let d = Fail::from_cel(&e).detail;
                if !seen.contains(&d) {
                    self.report(prog, root, &d);
                }
                None
            }
        }
    }

    fn value(&mut self, prog: &Prog, ctx: &Context) -> Option<Value> {
        if !prog.clean {
            return None;
        }
        let mut seen = Vec::new();
        self.branches(prog, prog.program.expression(), ctx, &mut seen);
        match prog.program.execute(ctx) {
            Ok(v) => Some(v),
            Err(e) => {
                let d = Fail::from_cel(&e).detail;
                if !seen.contains(&d) {
                    self.report(prog, prog.program.expression(), &d);
                }
                None
            }
        }
    }

    fn expect(
        &mut self,
        prog: &Prog,
        e: &IdedExpr,
        v: &Value,
        expect: Expect,
        seen: &mut Vec<String>,
    ) {
        let r = match expect {
            Expect::Bool => boolean(v).map(|_| ()),
            Expect::Kind(k) => convert(v, k).map(|_| ()),
        };
        if let Err(f) = r
            && !seen.contains(&f.detail)
        {
            self.report(prog, e, &f.detail);
            seen.push(f.detail);
        }
    }

    /// A conditional's arms must each produce the expected type.
    fn arms(
        &mut self,
        prog: &Prog,
        e: &IdedExpr,
        ctx: &Context,
        expect: Expect,
        seen: &mut Vec<String>,
    ) {
        if let Expr::Call(c) = &e.expr
            && c.func_name == operators::CONDITIONAL
            && c.args.len() == 3
        {
            for arm in &c.args[1..] {
                if is_conditional(arm) {
                    self.arms(prog, arm, ctx, expect, seen);
                } else if let Ok(v) = ctx.resolve(arm) {
                    self.expect(prog, arm, &v, expect, seen);
                }
            }
        }
    }

    /// Runs both arms of every `?:` and both sides of every `&&`/`||` alone.
    fn branches(&mut self, prog: &Prog, e: &IdedExpr, ctx: &Context, seen: &mut Vec<String>) {
        match &e.expr {
            Expr::Call(c) => {
                let branching = matches!(
                    c.func_name.as_str(),
                    operators::CONDITIONAL | operators::LOGICAL_AND | operators::LOGICAL_OR
                );
                for a in c.target.iter().map(|t| &**t).chain(c.args.iter()) {
                    self.branches(prog, a, ctx, seen);
                    if branching && let Err(err) = ctx.resolve(a) {
                        let d = Fail::from_cel(&err).detail;
                        if !seen.contains(&d) {
                            self.report(prog, a, &d);
                            seen.push(d);
                        }
                    }
                }
            }
            Expr::List(l) => l
                .elements
                .iter()
                .for_each(|x| self.branches(prog, x, ctx, seen)),
            Expr::Select(s) => self.branches(prog, &s.operand, ctx, seen),
            // comprehension bodies need their loop variables: checked as a whole
            _ => {}
        }
    }

    fn bind(&mut self, ctx: &mut Context, name: &str, v: Option<Value>) {
        let v = v.unwrap_or_else(|| Value::String(std::sync::Arc::new("sample".into())));
        if bind_value(ctx, name, v).is_err() {
            ctx.add_variable_as_val(name, Box::new(CelString::from("sample".to_string())));
        }
    }
}

fn is_conditional(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Call(c) if c.func_name == operators::CONDITIONAL)
}
