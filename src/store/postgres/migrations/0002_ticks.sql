-- Tick history (SPEC §11), as in the SQLite adapter: seq counts per schedule, so keeping the
-- newest N is one range delete on the primary key; rows go with their schedule.
CREATE TABLE schedule_ticks (
  schedule_id text NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  due_at bigint NOT NULL,
  outcome text NOT NULL,
  reason text,
  job_id text,
  recorded_at bigint NOT NULL,
  PRIMARY KEY (schedule_id, seq)
);
