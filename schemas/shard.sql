-- shard.db: the RL seeds of `swerl export`, read by `swerl check`,
-- `swerl reward --seeds` and swerl-train (schemas/shard.md). Versioned with
-- PRAGMA user_version: each "-- @migration N" section upgrades a shard at
-- version N-1 to N; a shard newer than the last section is refused.

-- @migration 1
-- Key/value facts about the shard: shard_version, created_at, swerl_version,
-- source (the store it came from), system_prompt (SPEC §4), seeds.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per seed, in export order.
CREATE TABLE seeds (
  seed_id           INTEGER PRIMARY KEY,   -- 0, 1, ... in export order
  instance_id       TEXT NOT NULL UNIQUE,  -- "owner__name-NUMBER"
  repo              TEXT NOT NULL,
  pull_number       INTEGER NOT NULL,
  base_commit       TEXT NOT NULL,         -- the merge base
  problem_statement TEXT NOT NULL,
  prompt            TEXT NOT NULL,         -- the user message (SPEC §4), no chat wrapper
  -- The whole seed as its NDJSON record (schemas/records/seed.md) with
  -- prompt, context and oracle empty: they are the column above and the
  -- rows of seed_files and blobs.
  record            TEXT NOT NULL
);

-- The files of each seed: context (shown to the model, contents at the merge
-- base) and oracle (contents after the change).
CREATE TABLE seed_files (
  seed_id INTEGER NOT NULL,
  role    TEXT NOT NULL CHECK (role IN ('context', 'oracle')),
  path    TEXT NOT NULL,
  blob_id TEXT NOT NULL,                   -- sha256 of the contents, hex
  PRIMARY KEY (seed_id, role, path)
) WITHOUT ROWID;

-- File contents by sha256, one zstd frame each, stored once.
CREATE TABLE blobs (
  blob_id TEXT NOT NULL UNIQUE,
  size    INTEGER NOT NULL,
  data    BLOB NOT NULL
);
