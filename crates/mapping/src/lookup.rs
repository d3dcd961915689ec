//! `lookup(table, key, default)` and `lookup(table, key)`: the mapping's own
//! `[tables]`, captured by a closure on the mapping's root context (typed
//! overloads are fn pointers and cannot capture them).

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::{Context, ExecutionError, FunctionContext, Value};

use crate::MapErrorKind;
use crate::error::Fail;
use crate::functions::{Arg, arg};

pub(crate) type Tables = BTreeMap<String, BTreeMap<String, String>>;

fn lookup(tables: &Tables, ftx: &FunctionContext, lenient: bool) -> Result<Value, Fail> {
    let n = ftx.args.len();
    if !(2..=3).contains(&n) {
        return Err(Fail::wrong_type(format!(
            "lookup takes 2 or 3 arguments, got {n}"
        )));
    }
    let name = match arg(&*ftx.args[0]) {
        Arg::Str(s) => s,
        _ => return Err(Fail::wrong_type("lookup: the table name must be a string")),
    };
    let Some(table) = tables.get(name) else {
        return Err(Fail::new(
            MapErrorKind::UnknownTableKey,
            format!("no table {name:?}"),
        ));
    };
    let key = match arg(&*ftx.args[1]) {
        Arg::Str(s) => Some(s.to_string()),
        Arg::Int(i) => Some(i.to_string()),
        Arg::Null => None,
        _ => return Err(Fail::wrong_type("lookup: the key must be a string")),
    };
    if let Some(v) = key.as_deref().and_then(|k| table.get(k)) {
        return Ok(Value::String(Arc::new(v.clone())));
    }
    if n == 3 {
        // the default is returned as given (a string, or null)
        return match arg(&*ftx.args[2]) {
            Arg::Str(s) => Ok(Value::String(Arc::new(s.to_string()))),
            Arg::Null => Ok(Value::Null),
            _ => Err(Fail::wrong_type(
                "lookup: the default must be a string or null",
            )),
        };
    }
    if lenient {
        // load-time check on sample records: any entry stands for the real value
        if let Some(v) = table.values().next() {
            return Ok(Value::String(Arc::new(v.clone())));
        }
    }
    Err(match key {
        None => Fail::missing(format!(
            "lookup in table {name:?}: the key is null and there is no default"
        )),
        Some(k) => Fail::new(
            MapErrorKind::UnknownTableKey,
            format!("table {name:?} has no entry for {k:?} and no default"),
        ),
    })
}

/// A root context for one mapping: the shared env plus its `lookup`.
pub(crate) fn root_context(
    env: Arc<cel::Env>,
    tables: Arc<Tables>,
    lenient: bool,
) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(env);
    // "lookup" is not a stdlib name, so registration cannot conflict
    let _ = ctx.add_function(
        "lookup",
        move |ftx: &FunctionContext| -> Result<Value, ExecutionError> {
            lookup(&tables, ftx, lenient).map_err(|f| f.into_cel("lookup"))
        },
    );
    ctx
}
