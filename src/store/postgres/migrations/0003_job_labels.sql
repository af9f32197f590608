-- label=k:v filters through a table of their own, as in the SQLite adapter: a b-tree on
-- (key, value, job_id) walks one label's jobs newest first and stops at the page's end, where the
-- GIN index gave a bitmap the planner traded for a backward walk of every job (a deep page of a
-- label on 0.1 % of a million jobs took ~26 ms). The GIN index also took an entry on every state
-- change of every job, labelled or not (an UPDATE that changes `state` is never HOT here); rows
-- of this table are written once, at the insert, and only for labelled jobs.
CREATE TABLE job_labels (
  key text NOT NULL,
  value text NOT NULL,
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  PRIMARY KEY (key, value, job_id)
);
CREATE INDEX job_labels_job ON job_labels (job_id);
INSERT INTO job_labels (key, value, job_id)
  SELECT l.key, l.value, j.id FROM jobs j, jsonb_each_text(j.labels) l;
DROP INDEX jobs_labels;
