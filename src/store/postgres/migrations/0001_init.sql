-- jobvisor on PostgreSQL (SPEC §10): the same tables as the SQLite adapter. Times are epoch
-- milliseconds (bigint, read back as numbers); documents are jsonb with camelCase keys.
CREATE TABLE jobs (
  id text PRIMARY KEY,
  type text NOT NULL,
  params jsonb NOT NULL,
  state text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  timeout_ms bigint,
  run_at bigint,
  ready_at bigint NOT NULL,
  retry jsonb NOT NULL,
  attempt integer NOT NULL DEFAULT 1,
  labels jsonb NOT NULL DEFAULT '{}',
  schedule_id text,
  due_at bigint,
  progress jsonb,
  result jsonb,
  error jsonb,
  cancel jsonb,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint,
  updated_at bigint NOT NULL,
  instance text,
  owner text,
  lease_until bigint,
  idempotency_key text,
  idempotency_fingerprint text
);

-- Only keyed jobs hold an entry (a plain UNIQUE would index every NULL too).
CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Claim order: priority desc, then FIFO by the time the job became ready.
CREATE INDEX jobs_queue ON jobs (priority DESC, ready_at, id) WHERE state = 'queued';
CREATE INDEX jobs_delayed ON jobs (run_at) WHERE state = 'scheduled';
CREATE INDEX jobs_executing ON jobs (owner, lease_until) WHERE state IN ('running', 'cancelling');
-- List filters, newest first (ids are ULIDs, so id order is creation order).
CREATE INDEX jobs_state_id ON jobs (state, id);
CREATE INDEX jobs_type_id ON jobs (type, id);
CREATE INDEX jobs_schedule_id ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_schedule_active ON jobs (schedule_id, id)
  WHERE schedule_id IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'cancelling');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
-- label=k:v filters: containment (labels @> '{"k":"v"}').
CREATE INDEX jobs_labels ON jobs USING gin (labels jsonb_path_ops);

CREATE TABLE job_logs (
  seq bigserial PRIMARY KEY,
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  time bigint NOT NULL,
  level text NOT NULL,
  msg text NOT NULL
);
CREATE INDEX job_logs_job ON job_logs (job_id, seq);

CREATE TABLE schedules (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  trigger jsonb NOT NULL,
  job jsonb NOT NULL,
  overlap text NOT NULL,
  catch_up text NOT NULL,
  jitter_ms bigint NOT NULL DEFAULT 0,
  start_at bigint,
  end_at bigint,
  max_runs integer,
  state text NOT NULL,
  next_run_at bigint,
  last_run_at bigint,
  run_count integer NOT NULL DEFAULT 0,
  skipped_count integer NOT NULL DEFAULT 0,
  last_lateness_ms bigint,
  pending_due_at bigint,
  daemon_failures integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE state = 'active';

-- Command runs' processes, recorded before each spawn (see the SQLite migration 0003).
CREATE TABLE command_processes (
  id text PRIMARY KEY,
  job_id text NOT NULL,
  attempt integer NOT NULL,
  owner text NOT NULL,
  boot_id text,
  cgroup text,
  pid integer,
  start_ticks bigint,
  created_at bigint NOT NULL
);

-- Live instances (GET /v1/instances) and their heartbeats.
CREATE TABLE instances (
  id text PRIMARY KEY,
  owner text NOT NULL,
  started_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  running integer NOT NULL DEFAULT 0,
  version text NOT NULL,
  boot_id text
);

CREATE TABLE store_probe (
  id integer PRIMARY KEY CHECK (id = 1),
  at bigint NOT NULL
);
