-- ledgerbridge foundation schema (PostgreSQL). Kept in step with migrations/sqlite/.
-- apalis keeps its tables in the schema `apalis`; ours live in the default schema and
-- none is called jobs or workers either, so the two schemas read the same.
-- Times are epoch milliseconds (BIGINT); money, where it appears, is decimal TEXT.

-- Connections known to this installation (config is the source of truth; this row
-- anchors vault entries, cursors and mirror rows to a connection name and kind).
CREATE TABLE connections (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- OAuth tokens, encrypted by the SDK (AEAD); the store only keeps the bytes.
CREATE TABLE token_vault (
    connection          TEXT PRIMARY KEY,
    key_id              TEXT NOT NULL,
    ciphertext          BYTEA NOT NULL,
    access_expires_at   BIGINT,
    refresh_expires_at  BIGINT,
    updated_at          BIGINT NOT NULL
);

-- Incremental pull position per connection and object.
CREATE TABLE cursors (
    connection  TEXT NOT NULL,
    object      TEXT NOT NULL,
    cursor      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (connection, object)
);

-- Local mirror of source records.
CREATE TABLE records (
    connection         TEXT NOT NULL,
    object             TEXT NOT NULL,
    record_key         TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    payload            TEXT NOT NULL,
    deleted            BOOLEAN NOT NULL DEFAULT FALSE,
    source_version     TEXT,
    source_updated_at  BIGINT,
    mirrored_at        BIGINT NOT NULL,
    PRIMARY KEY (connection, object, record_key)
);
CREATE INDEX records_mirrored ON records (connection, object, mirrored_at);

-- Source record ↔ target record, with the content hash last pushed.
CREATE TABLE links (
    pair             TEXT NOT NULL,
    mapping          TEXT NOT NULL,
    source_key       TEXT NOT NULL,
    target_object    TEXT NOT NULL,
    target_id        TEXT,
    mapping_version  TEXT,
    pushed_hash      TEXT,
    pushed_at        BIGINT,
    confirmed_at     BIGINT,
    PRIMARY KEY (pair, mapping, source_key)
);
CREATE INDEX links_target ON links (pair, target_object, target_id);

-- One row per target write: started -> sent -> done | failed.
CREATE TABLE idempotency_keys (
    key              TEXT PRIMARY KEY,
    pair             TEXT NOT NULL,
    source_key       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('started', 'sent', 'done', 'failed')),
    payload_digest   TEXT NOT NULL,
    target_id        TEXT,
    response_digest  TEXT,
    error            TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    confirmed_at     BIGINT
);
CREATE INDEX idempotency_keys_source ON idempotency_keys (pair, source_key);

-- Webhook events, stored before the 200; the job is enqueued in the same transaction.
CREATE TABLE webhook_inbox (
    connection    TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    event_type    TEXT,
    payload_hash  TEXT NOT NULL,
    payload       TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    job_id        TEXT,
    status        TEXT NOT NULL DEFAULT 'received',
    PRIMARY KEY (connection, event_id)
);

-- Logical jobs. One row per job, whatever number of apalis tasks (attempts) it takes;
-- the id stays the same across delayed retries. `jobs list` reads this table.
CREATE TABLE job_log (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT,
    last_error    TEXT,
    connection    TEXT,
    record_key    TEXT,
    worker        TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    run_after     BIGINT,
    finished_at   BIGINT
);
CREATE INDEX job_log_state ON job_log (state, created_at);

-- Every run of a job, with its error.
CREATE TABLE job_attempts (
    id           TEXT PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES job_log (id) ON DELETE CASCADE,
    attempt      BIGINT NOT NULL,
    worker       TEXT,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'error', 'interrupted')),
    error        TEXT
);
CREATE INDEX job_attempts_job ON job_attempts (job_id, started_at);

-- Dead letters: whole jobs (job_id set) and single records from the pipeline.
-- retry_job is the job (JSON) `jobs retry` enqueues for a record-level dead letter.
CREATE TABLE dead_letters (
    id          TEXT PRIMARY KEY,
    job_id      TEXT,
    kind        TEXT NOT NULL,
    pair        TEXT,
    connection  TEXT,
    record_key  TEXT,
    mapping     TEXT,
    reason      TEXT NOT NULL,
    retry_job   TEXT,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'retried')),
    created_at  BIGINT NOT NULL,
    retried_at  BIGINT
);
CREATE INDEX dead_letters_state ON dead_letters (state, created_at);
CREATE INDEX dead_letters_job ON dead_letters (job_id);

-- Hash-chained log of every write to a finance system and every CRM write-back.
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    at              BIGINT NOT NULL,
    connection      TEXT NOT NULL,
    action          TEXT NOT NULL,
    source_key      TEXT,
    target_id       TEXT,
    payload_digest  TEXT,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

CREATE TABLE reconcile_runs (
    id           TEXT PRIMARY KEY,
    pair         TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    status       TEXT NOT NULL,
    summary      TEXT,
    report       TEXT
);
CREATE INDEX reconcile_runs_pair ON reconcile_runs (pair, started_at);

-- Fleet leases (e.g. one worker per target tenant at a time).
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
