-- Command runs' processes (SPEC §8): recorded before each spawn and forgotten once nothing of the
-- run is alive, so the next start after a crash ends what is left before any run is retried.
-- No foreign key to jobs: a job's record may be deleted while its processes are still ending.
CREATE TABLE command_processes (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  owner TEXT NOT NULL,
  boot_id TEXT,
  cgroup TEXT,
  pid INTEGER,
  start_ticks INTEGER,
  created_at INTEGER NOT NULL
);

-- One row that the storage-fault probe rewrites: a real write, to learn whether writes work again.
CREATE TABLE store_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL
);
