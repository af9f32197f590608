-- Jobs, their idempotency keys, labels (indexed for the list filter) and bounded logs.
-- Times are epoch milliseconds; JSON columns hold camelCase documents.
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  params TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  timeout_ms INTEGER,
  run_at INTEGER,
  ready_at INTEGER NOT NULL,
  retry TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  labels TEXT NOT NULL DEFAULT '{}',
  schedule_id TEXT,
  due_at INTEGER,
  progress TEXT,
  result TEXT,
  error TEXT,
  cancel TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL,
  owner TEXT,
  lease_until INTEGER,
  idempotency_key TEXT UNIQUE,
  idempotency_fingerprint TEXT
);

-- Claim order: priority desc, then FIFO by the time the job became ready.
CREATE INDEX jobs_queue ON jobs (priority DESC, ready_at, id) WHERE state = 'queued';
-- The single delayed-job timer looks for the earliest due scheduled job.
CREATE INDEX jobs_delayed ON jobs (run_at) WHERE state = 'scheduled';
-- Heartbeat and recovery look at executing jobs only.
CREATE INDEX jobs_executing ON jobs (owner, lease_until) WHERE state IN ('running', 'cancelling');
-- List filters, newest first (ids are ULIDs, so id order is creation order).
CREATE INDEX jobs_state_id ON jobs (state, id);
CREATE INDEX jobs_type_id ON jobs (type, id);
CREATE INDEX jobs_schedule_id ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE job_labels (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (key, value, job_id)
) WITHOUT ROWID;
CREATE INDEX job_labels_job ON job_labels (job_id);

CREATE TABLE job_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  time INTEGER NOT NULL,
  level TEXT NOT NULL,
  msg TEXT NOT NULL
);
CREATE INDEX job_logs_job ON job_logs (job_id, seq);
