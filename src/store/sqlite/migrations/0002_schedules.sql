-- Schedules (SPEC §6). Times are epoch milliseconds; trigger and job are JSON documents as parsed.
-- `version` is bumped on every write: lifecycle changes compare-and-set on it, firing on next_run_at.
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  trigger TEXT NOT NULL,
  job TEXT NOT NULL,
  overlap TEXT NOT NULL,
  catch_up TEXT NOT NULL,
  jitter_ms INTEGER NOT NULL DEFAULT 0,
  start_at INTEGER,
  end_at INTEGER,
  max_runs INTEGER,
  state TEXT NOT NULL,
  next_run_at INTEGER,
  last_run_at INTEGER,
  run_count INTEGER NOT NULL DEFAULT 0,
  skipped_count INTEGER NOT NULL DEFAULT 0,
  last_lateness_ms INTEGER,
  pending_due_at INTEGER,
  daemon_failures INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);

-- The single scheduler timer and the due query look at active schedules by next due time.
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE state = 'active';
-- No (state, id) index: it would lure the planner away from schedules_due, and lists walk the
-- primary key newest first anyway (schedules number thousands, not millions).

-- Overlap decisions and `activeJobIds` read a schedule's unfinished runs; finished ones can be
-- millions, so index only the unfinished.
CREATE INDEX jobs_schedule_active ON jobs (schedule_id, id)
  WHERE schedule_id IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'cancelling');
