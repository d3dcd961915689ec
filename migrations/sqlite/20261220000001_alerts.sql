-- Alerts (issue 34).
-- The last alert sent per kind and subject (a pair, a connection, or '' for the whole
-- installation): a repeat within [alerts] min_interval is counted in `suppressed`,
-- not sent. Claimed with one conditional UPSERT, so two workers never both send.
CREATE TABLE alert_sent (
    kind          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    last_sent_at  BIGINT NOT NULL,
    suppressed    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, subject)
);

-- Finished sync and reconcile runs the alert sweep has looked at (subject = run id),
-- claimed before they are looked at so a fleet alerts each once.
CREATE TABLE alert_seen (
    subject  TEXT PRIMARY KEY,
    pair     TEXT,
    seen_at  BIGINT NOT NULL
);
CREATE INDEX alert_seen_pair ON alert_seen (pair, seen_at);

-- Each channel's delivery state: last success, failing since when and why, and when
-- the failure was last logged (one log line per interval across the fleet).
CREATE TABLE alert_channels (
    channel        TEXT PRIMARY KEY,
    ok_at          BIGINT,
    failing_since  BIGINT,
    last_error     TEXT,
    logged_at      BIGINT
);
