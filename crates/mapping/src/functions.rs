//! The functions mappings may call, registered once on a shared CEL `Env`
//! as typed overloads (fn pointers, borrowed arguments: measured the fastest way
//! to call Rust from CEL, since binding values through serde copies every string
//! twice). Every overload takes `dyn` arguments and does
//! its own dispatch, so a null or a float gets a message an IT admin can act
//! on instead of "found no matching overload".
//!
//! `lookup` needs the mapping's tables, which a fn pointer cannot capture;
//! it is a closure on each mapping's root context (see `lookup.rs`).

use std::sync::{Arc, OnceLock};

use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};
use rust_decimal::Decimal;

use crate::error::Fail;
use crate::{dates, money};

type Res<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;
type Overload = for<'b, 'v> fn(Vec<CowVal<'b, 'v>>) -> Res<'b, 'v>;

/// Names of our functions with their arities, for reference checking.
pub const FUNCTIONS: &[(&str, &[usize])] = &[
    ("dec", &[1]),
    ("add", &[2]),
    ("sub", &[2]),
    ("mul", &[2]),
    ("div", &[3]),
    ("neg", &[1]),
    ("round_money", &[2]),
    ("round_dp", &[2]),
    ("gt", &[2]),
    ("gte", &[2]),
    ("lt", &[2]),
    ("lte", &[2]),
    ("dec_eq", &[2]),
    ("is_zero", &[1]),
    ("is_negative", &[1]),
    ("date", &[1]),
    ("add_days", &[2]),
    ("add_months", &[2]),
    ("end_of_month", &[1]),
    ("month", &[1]),
    ("upper", &[1]),
    ("lower", &[1]),
    ("trim", &[1]),
    ("concat", &[2, 3, 4, 5]),
    ("join", &[2]),
    ("coalesce", &[2, 3, 4]),
    ("or_default", &[2]),
    ("lookup", &[2, 3]),
];

/// Functions whose result is money (a decimal string): `+` on them is refused.
pub const MONEY_FUNCTIONS: &[&str] = &[
    "dec",
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "round_money",
    "round_dp",
];

/// CEL standard functions and macros a mapping may use.
pub const STDLIB_ALLOWED: &[&str] = &[
    "size",
    "has",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "string",
    "int",
    "bool",
    "exists",
    "all",
    "exists_one",
    "map",
    "filter",
];

/// A CEL argument, seen through the types our functions accept.
pub(crate) enum Arg<'a> {
    Str(&'a str),
    Int(i64),
    Bool,
    Null,
    Float,
    Other(&'a str),
}

pub(crate) fn arg<'a>(v: &'a dyn Val) -> Arg<'a> {
    if let Some(s) = v.downcast_ref::<CelString>() {
        Arg::Str(s.inner())
    } else if let Some(i) = v.downcast_ref::<CelInt>() {
        Arg::Int(*i.inner())
    } else if v.downcast_ref::<CelBool>().is_some() {
        Arg::Bool
    } else if v.downcast_ref::<CelNull>().is_some() {
        Arg::Null
    } else if v.downcast_ref::<CelDouble>().is_some() {
        Arg::Float
    } else {
        Arg::Other(v.get_type().name())
    }
}

const FLOAT_MSG: &str = "a floating-point number cannot carry money exactly; write it as a decimal string, e.g. \"19.99\"";

/// A decimal argument as text (ints are exact; floats are refused).
fn dec_arg(v: &dyn Val) -> Result<String, Fail> {
    match arg(v) {
        Arg::Str(s) => money::parse(s).map(money::text),
        Arg::Int(i) => Ok(Decimal::from(i).to_string()),
        Arg::Null => Err(Fail::missing("value is null where a decimal was expected")),
        Arg::Float => Err(Fail::wrong_type(FLOAT_MSG)),
        Arg::Bool => Err(Fail::wrong_type("expected a decimal string, got a bool")),
        Arg::Other(t) => Err(Fail::wrong_type(format!(
            "expected a decimal string, got {t}"
        ))),
    }
}

fn str_arg<'a>(v: &'a dyn Val, what: &str) -> Result<&'a str, Fail> {
    match arg(v) {
        Arg::Str(s) => Ok(s),
        Arg::Null => Err(Fail::missing(format!("{what} is null"))),
        Arg::Float => Err(Fail::wrong_type(FLOAT_MSG)),
        Arg::Int(_) => Err(Fail::wrong_type(format!(
            "{what}: expected a string, got an int"
        ))),
        Arg::Bool => Err(Fail::wrong_type(format!(
            "{what}: expected a string, got a bool"
        ))),
        Arg::Other(t) => Err(Fail::wrong_type(format!(
            "{what}: expected a string, got {t}"
        ))),
    }
}

fn int_arg(v: &dyn Val, what: &str) -> Result<i64, Fail> {
    match arg(v) {
        Arg::Int(i) => Ok(i),
        Arg::Null => Err(Fail::missing(format!("{what} is null"))),
        Arg::Float => Err(Fail::wrong_type(format!(
            "{what}: expected an int, got a float"
        ))),
        Arg::Str(_) => Err(Fail::wrong_type(format!(
            "{what}: expected an int, got a string"
        ))),
        Arg::Bool => Err(Fail::wrong_type(format!(
            "{what}: expected an int, got a bool"
        ))),
        Arg::Other(t) => Err(Fail::wrong_type(format!(
            "{what}: expected an int, got {t}"
        ))),
    }
}

fn date_arg(v: &dyn Val) -> Result<String, Fail> {
    match arg(v) {
        // epoch milliseconds may arrive as an int
        Arg::Int(ms) => dates::normalize(&ms.to_string()),
        _ => dates::normalize(str_arg(v, "date")?),
    }
}

fn s<'b, 'v>(x: String) -> CowVal<'b, 'v> {
    CowVal::owned(CelString::from(x))
}

fn b<'b, 'v>(x: bool) -> CowVal<'b, 'v> {
    CowVal::owned(CelBool::from(x))
}

macro_rules! overload {
    ($name:ident, $cel:literal, |$a:ident| $body:expr) => {
        fn $name<'b, 'v>($a: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
            let r: Result<CowVal<'b, 'v>, Fail> = (|| $body)();
            r.map_err(|f| f.into_cel($cel))
        }
    };
}

overload!(f_dec, "dec", |a| Ok(s(dec_arg(&*a[0])?)));
overload!(f_add, "add", |a| Ok(s(money::add(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?)));
overload!(f_sub, "sub", |a| Ok(s(money::sub(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?)));
overload!(f_mul, "mul", |a| Ok(s(money::mul(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?)));
overload!(f_div, "div", |a| Ok(s(money::div(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?,
    int_arg(&*a[2], "decimal places")?
)?)));
overload!(f_neg, "neg", |a| Ok(s(money::neg(&dec_arg(&*a[0])?)?)));
overload!(f_round_money, "round_money", |a| Ok(s(
    money::round_to_currency(&dec_arg(&*a[0])?, str_arg(&*a[1], "currency")?)?
)));
overload!(f_round_dp, "round_dp", |a| Ok(s(money::round_places(
    &dec_arg(&*a[0])?,
    int_arg(&*a[1], "decimal places")?
)?)));
overload!(f_gt, "gt", |a| Ok(b(money::cmp(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?
.is_gt())));
overload!(f_gte, "gte", |a| Ok(b(money::cmp(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?
.is_ge())));
overload!(f_lt, "lt", |a| Ok(b(money::cmp(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?
.is_lt())));
overload!(f_lte, "lte", |a| Ok(b(money::cmp(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?
.is_le())));
overload!(f_dec_eq, "dec_eq", |a| Ok(b(money::cmp(
    &dec_arg(&*a[0])?,
    &dec_arg(&*a[1])?
)?
.is_eq())));
overload!(f_is_zero, "is_zero", |a| Ok(b(money::parse(&dec_arg(
    &*a[0]
)?)?
.is_zero())));
overload!(f_is_negative, "is_negative", |a| Ok(b(money::parse(
    &dec_arg(&*a[0])?
)?
.is_sign_negative()
    && !money::parse(&dec_arg(&*a[0])?)?.is_zero())));
overload!(f_date, "date", |a| Ok(s(date_arg(&*a[0])?)));
overload!(f_add_days, "add_days", |a| Ok(s(dates::add_days(
    &date_arg(&*a[0])?,
    int_arg(&*a[1], "days")?
)?)));
overload!(f_add_months, "add_months", |a| Ok(s(dates::add_months(
    &date_arg(&*a[0])?,
    int_arg(&*a[1], "months")?
)?)));
overload!(f_end_of_month, "end_of_month", |a| Ok(s(
    dates::end_of_month(&date_arg(&*a[0])?)?
)));
overload!(f_month, "month", |a| Ok(s(dates::month(&date_arg(
    &*a[0]
)?)?)));
overload!(f_upper, "upper", |a| Ok(s(
    str_arg(&*a[0], "upper")?.to_uppercase()
)));
overload!(f_lower, "lower", |a| Ok(s(
    str_arg(&*a[0], "lower")?.to_lowercase()
)));
overload!(f_trim, "trim", |a| Ok(s(str_arg(&*a[0], "trim")?
    .trim()
    .to_string())));
overload!(f_concat, "concat", |a| {
    // nulls are skipped: concat("HS-", deal.properties.x) must not fail on a blank
    let mut out = String::new();
    for v in &a {
        match arg(&**v) {
            Arg::Null => {}
            Arg::Int(i) => out.push_str(&i.to_string()),
            _ => out.push_str(str_arg(&**v, "concat argument")?),
        }
    }
    Ok(s(out))
});
overload!(f_join, "join", |a| {
    let sep = str_arg(&*a[1], "separator")?;
    let Some(it) = a[0].as_iterable() else {
        return Err(Fail::wrong_type("join: expected a list as first argument"));
    };
    let mut parts = Vec::new();
    let mut iter = it.iter();
    while let Some(v) = iter.next() {
        match arg(v) {
            Arg::Null => {}
            Arg::Str("") => {}
            _ => parts.push(str_arg(v, "join element")?.to_string()),
        }
    }
    Ok(s(parts.join(sep)))
});

/// First argument that is neither null nor an empty string (the last one otherwise).
fn f_coalesce<'b, 'v>(a: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let n = a.len();
    for (i, v) in a.into_iter().enumerate() {
        let blank =
            matches!(arg(&*v), Arg::Null) || matches!(arg(&*v), Arg::Str(x) if x.trim().is_empty());
        if !blank || i + 1 == n {
            return Ok(v);
        }
    }
    Ok(CowVal::owned(CelNull))
}

fn register(env: &mut Env, name: &str, arity: usize, f: Overload) {
    let id = format!("{name}_{arity}");
    // names and ids are ours and distinct; a clash is a programming error
    // caught by the unit test below, so ignoring the Result here is safe
    let _ = env.add_overload(
        name,
        &id,
        (0..arity).map(|_| DYN_TYPE.to_owned()).collect(),
        f,
    );
}

fn build() -> Env {
    let mut env = Env::stdlib();
    let one: &[(&str, usize, Overload)] = &[
        ("dec", 1, f_dec),
        ("add", 2, f_add),
        ("sub", 2, f_sub),
        ("mul", 2, f_mul),
        ("div", 3, f_div),
        ("neg", 1, f_neg),
        ("round_money", 2, f_round_money),
        ("round_dp", 2, f_round_dp),
        ("gt", 2, f_gt),
        ("gte", 2, f_gte),
        ("lt", 2, f_lt),
        ("lte", 2, f_lte),
        ("dec_eq", 2, f_dec_eq),
        ("is_zero", 1, f_is_zero),
        ("is_negative", 1, f_is_negative),
        ("date", 1, f_date),
        ("add_days", 2, f_add_days),
        ("add_months", 2, f_add_months),
        ("end_of_month", 1, f_end_of_month),
        ("month", 1, f_month),
        ("upper", 1, f_upper),
        ("lower", 1, f_lower),
        ("trim", 1, f_trim),
        ("join", 2, f_join),
        ("or_default", 2, f_coalesce),
    ];
    for (name, arity, f) in one {
        register(&mut env, name, *arity, *f);
    }
    for n in 2..=5 {
        register(&mut env, "concat", n, f_concat);
    }
    for n in 2..=4 {
        register(&mut env, "coalesce", n, f_coalesce);
    }
    env
}

/// The shared environment (built once; `Env` is `Send + Sync`).
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(build())).clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::{Context, Value};

    fn eval(src: &str) -> Result<Value, ExecutionError> {
        let env = env();
        let p = env.compile(src).expect("parses");
        let ctx = Context::with_env(env);
        p.execute(&ctx)
    }

    fn st(v: &str) -> Value {
        Value::String(Arc::new(v.to_string()))
    }

    #[test]
    fn money_functions() {
        assert_eq!(eval(r#"mul("3", "19.99")"#), Ok(st("59.97")));
        assert_eq!(eval(r#"round_money(mul("0.5", "3"), "JPY")"#), Ok(st("2")));
        assert_eq!(eval(r#"add(dec(5), "0.10")"#), Ok(st("5.10")));
        assert_eq!(eval(r#"gt("10", "9.99")"#), Ok(Value::Bool(true)));
        assert_eq!(eval(r#"is_negative(neg("1"))"#), Ok(Value::Bool(true)));
        assert_eq!(eval(r#"is_negative("0")"#), Ok(Value::Bool(false)));
        let e = eval(r#"mul("2", 1.1)"#).unwrap_err();
        assert_eq!(Fail::from_cel(&e).kind, crate::MapErrorKind::WrongType);
        let e = eval(r#"dec(null)"#).unwrap_err();
        assert_eq!(Fail::from_cel(&e).kind, crate::MapErrorKind::MissingValue);
    }

    #[test]
    fn string_and_date_functions() {
        assert_eq!(eval(r#"concat("HS-", null, 12)"#), Ok(st("HS-12")));
        assert_eq!(eval(r#"join(["a", "", null, "b"], ", ")"#), Ok(st("a, b")));
        assert_eq!(eval(r#"coalesce(null, " ", "x")"#), Ok(st("x")));
        assert_eq!(eval(r#"or_default(null, "USD")"#), Ok(st("USD")));
        assert_eq!(eval(r#"upper(trim(" eur "))"#), Ok(st("EUR")));
        assert_eq!(
            eval(r#"add_days(date("2024-01-31T10:00:00Z"), 30)"#),
            Ok(st("2024-03-01"))
        );
        assert_eq!(eval(r#"end_of_month("2024-02-02")"#), Ok(st("2024-02-29")));
    }
}
