-- Sync pipeline (issue 7): what was last pushed per link, runs and their counters.

-- The mapped payload last pushed (canonical JSON), for dry-run diffs and for
-- telling our own edits from an accountant's in the finance system.
ALTER TABLE links ADD COLUMN pushed_payload TEXT;
-- The target's version after our write (Xero UpdatedDateUTC, QuickBooks SyncToken).
ALTER TABLE links ADD COLUMN target_version TEXT;

-- Which job owns an in-flight key: a key `sent` by a job that is still running
-- belongs to that job; one whose job is gone needs recovery.
ALTER TABLE idempotency_keys ADD COLUMN job_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN mapping TEXT;

-- Jobs of one `sync` run, so the command can wait for exactly its own work.
ALTER TABLE job_log ADD COLUMN run_id TEXT;
CREATE INDEX job_log_run ON job_log (run_id, state);

-- One row per sync run with its counters (the `sync --json` summary).
CREATE TABLE sync_runs (
    id             TEXT PRIMARY KEY,
    pair           TEXT NOT NULL,
    trigger        TEXT NOT NULL,
    full_sync      BOOLEAN NOT NULL DEFAULT FALSE,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    pulled         BIGINT NOT NULL DEFAULT 0,
    planned        BIGINT NOT NULL DEFAULT 0,
    created        BIGINT NOT NULL DEFAULT 0,
    updated        BIGINT NOT NULL DEFAULT 0,
    unchanged      BIGINT NOT NULL DEFAULT 0,
    skipped        BIGINT NOT NULL DEFAULT 0,
    failed         BIGINT NOT NULL DEFAULT 0,
    dead_lettered  BIGINT NOT NULL DEFAULT 0,
    adopted        BIGINT NOT NULL DEFAULT 0,
    voided         BIGINT NOT NULL DEFAULT 0,
    flagged        BIGINT NOT NULL DEFAULT 0,
    api_calls      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_pair ON sync_runs (pair, started_at);
