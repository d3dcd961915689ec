//! Report output: a terminal table, CSV (one row per item) and a self-contained HTML
//! file. JSON is the [`Report`](super::Report) itself through serde.

pub mod chart;
pub mod csv;
pub mod html;
pub mod table;
