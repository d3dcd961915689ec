//! The mirror: our copy of every source record, with a content hash, and the cursors
//! that say where each incremental pull resumes.
//!
//! Pages are upserted with multi-row statements (one round trip per 100 records) and
//! a row is only rewritten when its content hash changed, so re-reading the overlap
//! window of an incremental pull costs no writes.

use crate::store::{Exec, IN_LIST_CHUNK, Statement, execute, fetch_all, fetch_optional};
use crate::time::now_ms;
use ledgerbridge_sdk::model::{CrmObject, CrmRecord};

/// Rows per multi-row statement (9 binds each, far under both backends' limits).
const CHUNK: usize = 100;

/// One mirrored record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MirrorRow {
    pub record_key: String,
    pub content_hash: String,
    pub payload: String,
    pub deleted: bool,
}

impl MirrorRow {
    pub fn record(&self) -> Result<CrmRecord, String> {
        serde_json::from_str(&self.payload)
            .map_err(|e| format!("mirror row {} is unreadable: {e}", self.record_key))
    }
}

struct Prepared {
    object: &'static str,
    key: String,
    hash: String,
    payload: String,
    deleted: bool,
    version: String,
    updated_at: i64,
}

/// Upserts a page of records; returns how many rows were new or changed. A row is never
/// replaced by an older version of the record (two webhook jobs reading the same
/// record at different moments may commit in either order).
pub async fn upsert(
    mut exec: Exec<'_>,
    connection: &str,
    records: &[CrmRecord],
) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let prepared: Vec<Prepared> = records
        .iter()
        .map(|r| {
            let payload = serde_json::to_string(r).expect("records serialize");
            Prepared {
                object: r.object().as_str(),
                key: r.key(),
                hash: super::digest(payload.as_bytes()),
                payload,
                deleted: r.meta().archived,
                version: r.meta().version.clone(),
                updated_at: r.meta().updated_at.timestamp_millis(),
            }
        })
        .collect();
    let mut changed = 0;
    for chunk in prepared.chunks(CHUNK) {
        let mut s = Statement::new(
            "INSERT INTO records (connection, object, record_key, content_hash, payload, \
             deleted, source_version, source_updated_at, mirrored_at) ",
        );
        s.values(chunk, |row, p| {
            row.bind(connection)
                .bind(p.object)
                .bind(&p.key)
                .bind(&p.hash)
                .bind(&p.payload)
                .bind(p.deleted)
                .bind(&p.version)
                .bind(p.updated_at)
                .bind(now);
        })
        .push(
            " ON CONFLICT (connection, object, record_key) DO UPDATE SET \
             content_hash = excluded.content_hash, payload = excluded.payload, \
             deleted = excluded.deleted, source_version = excluded.source_version, \
             source_updated_at = excluded.source_updated_at, \
             mirrored_at = excluded.mirrored_at \
             WHERE records.content_hash <> excluded.content_hash \
             AND (records.source_updated_at IS NULL \
             OR excluded.source_updated_at >= records.source_updated_at)",
        );
        changed += s.execute(exec.reborrow()).await?;
    }
    Ok(changed)
}

/// Records by key (any objects of one connection); missing keys are left out.
///
/// A key is `object:id`, so the keys are looked up per object: with the object in
/// the condition every key is one probe of the primary key, where `connection`
/// alone would make the database walk every record of the connection per call.
pub async fn load(
    mut exec: Exec<'_>,
    connection: &str,
    keys: &[String],
) -> Result<Vec<MirrorRow>, sqlx::Error> {
    let mut out = Vec::with_capacity(keys.len());
    let mut by_object: std::collections::BTreeMap<Option<&str>, Vec<&String>> =
        std::collections::BTreeMap::new();
    for k in keys {
        by_object
            .entry(k.split_once(':').map(|(o, _)| o))
            .or_default()
            .push(k);
    }
    for (object, keys) in &by_object {
        for chunk in keys.chunks(IN_LIST_CHUNK) {
            load_chunk(&mut exec, connection, *object, chunk, &mut out).await?;
        }
    }
    Ok(out)
}

async fn load_chunk(
    exec: &mut Exec<'_>,
    connection: &str,
    object: Option<&str>,
    chunk: &[&String],
    out: &mut Vec<MirrorRow>,
) -> Result<(), sqlx::Error> {
    let mut s = Statement::new(
        "SELECT record_key, content_hash, payload, deleted FROM records WHERE connection = ",
    );
    s.bind(connection);
    if let Some(object) = object {
        s.push(" AND object = ").bind(object);
    }
    s.push(" AND record_key IN ")
        .bind_list(chunk.iter().copied());
    out.extend(s.fetch_all::<MirrorRow>(exec.reborrow()).await?);
    Ok(())
}

/// Up to `limit` records of `object` with keys after `after`, in key order: the mirror
/// is read in pages so a 100,000-record mirror is never in memory at once.
pub async fn scan(
    exec: Exec<'_>,
    connection: &str,
    object: CrmObject,
    after: &str,
    limit: i64,
) -> Result<Vec<MirrorRow>, sqlx::Error> {
    fetch_all!(
        exec,
        MirrorRow,
        "SELECT record_key, content_hash, payload, deleted FROM records \
         WHERE connection = $1 AND object = $2 AND record_key > $3 \
         ORDER BY record_key LIMIT $4",
        connection,
        object.as_str(),
        after,
        limit
    )
}

/// The stored cursor of an incremental pull.
pub async fn cursor(
    exec: Exec<'_>,
    connection: &str,
    object: CrmObject,
) -> Result<Option<String>, sqlx::Error> {
    cursor_of(exec, connection, object.as_str()).await
}

/// The stored cursor of any listing (`object` names what is listed).
pub async fn cursor_of(
    exec: Exec<'_>,
    connection: &str,
    object: &str,
) -> Result<Option<String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        cursor: String,
    }
    Ok(fetch_optional!(
        exec,
        Row,
        "SELECT cursor FROM cursors WHERE connection = $1 AND object = $2",
        connection,
        object
    )?
    .map(|r| r.cursor))
}

/// Stores a cursor — only ever after the page it follows is committed to the mirror,
/// in the same transaction.
pub async fn set_cursor(
    exec: Exec<'_>,
    connection: &str,
    object: CrmObject,
    cursor: &str,
) -> Result<(), sqlx::Error> {
    set_cursor_of(exec, connection, object.as_str(), cursor).await
}

/// Stores the cursor of any listing.
pub async fn set_cursor_of(
    exec: Exec<'_>,
    connection: &str,
    object: &str,
    cursor: &str,
) -> Result<(), sqlx::Error> {
    execute!(
        exec,
        "INSERT INTO cursors (connection, object, cursor, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (connection, object) DO UPDATE SET cursor = excluded.cursor, \
         updated_at = excluded.updated_at",
        connection,
        object,
        cursor,
        now_ms()
    )
    .map(|_| ())
}

/// Keys of the records of `object` not marked deleted.
pub async fn live_keys(
    exec: Exec<'_>,
    connection: &str,
    object: CrmObject,
) -> Result<Vec<String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        record_key: String,
    }
    Ok(fetch_all!(
        exec,
        Row,
        "SELECT record_key FROM records WHERE connection = $1 AND object = $2 AND deleted = FALSE",
        connection,
        object.as_str()
    )?
    .into_iter()
    .map(|r| r.record_key)
    .collect())
}

/// Marks records deleted in the source (their payload stays, for the lifecycle step).
pub async fn mark_deleted(
    mut exec: Exec<'_>,
    connection: &str,
    keys: &[String],
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for k in keys {
        execute!(
            exec.reborrow(),
            "UPDATE records SET deleted = TRUE, content_hash = $3, mirrored_at = $4 \
             WHERE connection = $1 AND record_key = $2",
            connection,
            k,
            format!("deleted:{now}"),
            now
        )?;
    }
    Ok(())
}
