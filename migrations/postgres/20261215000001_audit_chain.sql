-- Audit chain head (issue 8): the last appended seq and hash, one row.
-- Every append locks and advances it inside the writer's transaction, which serializes
-- appends (the chain stays linear with many workers) and lets `audit verify` notice rows
-- deleted from the end of the log or added behind the API's back.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- `audit list --key K` and `--since T`.
CREATE INDEX audit_log_source ON audit_log (source_key, seq);
CREATE INDEX audit_log_at ON audit_log (at);
