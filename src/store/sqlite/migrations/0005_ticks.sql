-- Tick history (SPEC §11): what became of each tick of a schedule, newest kept per schedule.
-- seq counts per schedule (MAX(seq) + 1 on insert), so pruning to the newest N is one indexed range
-- delete; rows go with their schedule (ON DELETE CASCADE: foreign_keys is on).
CREATE TABLE schedule_ticks (
  schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT,
  job_id TEXT,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, seq)
) WITHOUT ROWID;
