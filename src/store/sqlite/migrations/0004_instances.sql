-- SPEC §10: a job's `instance` (who runs or ran its latest attempt) and the live instances
-- (GET /v1/instances); with SQLite that is this one process.
ALTER TABLE jobs ADD COLUMN instance TEXT;

CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  running INTEGER NOT NULL DEFAULT 0,
  version TEXT NOT NULL,
  boot_id TEXT
);
