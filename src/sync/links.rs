//! Links: which target record each source record became, and what was last pushed.

use crate::store::{Exec, IN_LIST_CHUNK, Statement, execute};
use crate::time::now_ms;
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub source_key: String,
    pub target_object: String,
    pub target_id: Option<String>,
    pub mapping_version: Option<String>,
    pub pushed_hash: Option<String>,
    pub pushed_payload: Option<String>,
    pub target_version: Option<String>,
}

/// The links of these source keys for one mapping of a pair.
pub async fn get_many(
    mut exec: Exec<'_>,
    pair: &str,
    mapping: &str,
    keys: &[String],
) -> Result<HashMap<String, LinkRow>, sqlx::Error> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new(
            "SELECT source_key, target_object, target_id, mapping_version, pushed_hash, \
             pushed_payload, target_version FROM links WHERE pair = ",
        );
        s.bind(pair)
            .push(" AND mapping = ")
            .bind(mapping)
            .push(" AND source_key IN ")
            .bind_list(chunk);
        let rows: Vec<LinkRow> = s.fetch_all(exec.reborrow()).await?;
        out.extend(rows.into_iter().map(|r| (r.source_key.clone(), r)));
    }
    Ok(out)
}

/// What a successful write leaves behind.
pub struct LinkWrite<'a> {
    pub pair: &'a str,
    pub mapping: &'a str,
    pub source_key: &'a str,
    pub target_object: &'a str,
    pub target_id: &'a str,
    pub mapping_version: &'a str,
    pub pushed_hash: &'a str,
    pub pushed_payload: &'a str,
    pub target_version: Option<&'a str>,
}

pub async fn upsert(exec: Exec<'_>, l: &LinkWrite<'_>) -> Result<(), sqlx::Error> {
    execute!(
        exec,
        "INSERT INTO links (pair, mapping, source_key, target_object, target_id, \
         mapping_version, pushed_hash, pushed_at, pushed_payload, target_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (pair, mapping, source_key) DO UPDATE SET \
         target_object = excluded.target_object, target_id = excluded.target_id, \
         mapping_version = excluded.mapping_version, pushed_hash = excluded.pushed_hash, \
         pushed_at = excluded.pushed_at, pushed_payload = excluded.pushed_payload, \
         target_version = excluded.target_version",
        l.pair,
        l.mapping,
        l.source_key,
        l.target_object,
        l.target_id,
        l.mapping_version,
        l.pushed_hash,
        now_ms(),
        l.pushed_payload,
        l.target_version
    )
    .map(|_| ())
}

/// [`upsert`] for many links, one statement per chunk (one row per source key: a
/// PostgreSQL upsert may not touch a row twice, so the last write of a key wins here).
pub async fn upsert_many(mut exec: Exec<'_>, links: &[LinkWrite<'_>]) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut last: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (i, l) in links.iter().enumerate() {
        last.insert((l.pair, l.mapping, l.source_key), i);
    }
    let mut rows: Vec<&LinkWrite> = links
        .iter()
        .enumerate()
        .filter(|(i, l)| last.get(&(l.pair, l.mapping, l.source_key)) == Some(i))
        .map(|(_, l)| l)
        .collect();
    rows.sort_by_key(|l| l.source_key);
    for chunk in rows.chunks(200) {
        let mut s = Statement::new(
            "INSERT INTO links (pair, mapping, source_key, target_object, target_id, \
             mapping_version, pushed_hash, pushed_at, pushed_payload, target_version) ",
        );
        s.values(chunk, |row, l| {
            row.bind(l.pair)
                .bind(l.mapping)
                .bind(l.source_key)
                .bind(l.target_object)
                .bind(l.target_id)
                .bind(l.mapping_version)
                .bind(l.pushed_hash)
                .bind(now)
                .bind(l.pushed_payload)
                .bind(l.target_version);
        })
        .push(
            " ON CONFLICT (pair, mapping, source_key) DO UPDATE SET \
             target_object = excluded.target_object, target_id = excluded.target_id, \
             mapping_version = excluded.mapping_version, pushed_hash = excluded.pushed_hash, \
             pushed_at = excluded.pushed_at, pushed_payload = excluded.pushed_payload, \
             target_version = excluded.target_version",
        );
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}

/// For target records of one kind (`customer`), the source record each is linked
/// from (any mapping of the pair): target id → source key.
pub async fn owners_of(
    mut exec: Exec<'_>,
    pair: &str,
    target_object: &str,
    target_ids: &[String],
) -> Result<HashMap<String, String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        source_key: String,
        target_id: Option<String>,
    }
    let mut out = HashMap::new();
    for chunk in target_ids.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new("SELECT source_key, target_id FROM links WHERE pair = ");
        s.bind(pair)
            .push(" AND target_object = ")
            .bind(target_object)
            .push(" AND target_id IN ")
            .bind_list(chunk)
            .push(" ORDER BY source_key");
        let rows: Vec<Row> = s.fetch_all(exec.reborrow()).await?;
        for r in rows {
            if let Some(t) = r.target_id {
                // the first (by key) wins, stable across runs
                out.entry(t).or_insert(r.source_key);
            }
        }
    }
    Ok(out)
}
