-- swerl.db: the store of `swerl ingest`, `link`, `enrich`, `clone`, `assemble` and `stats`.
-- Documented in schemas/store.md. Versioned with PRAGMA user_version: each
-- "-- @migration N" section below upgrades a database at version N-1 to N,
-- in one transaction; a database newer than the last section is refused.
--
-- Folding rule (order-independent, idempotent): every entity column belongs
-- to a group with a version column `*_ver` = the (created_at, id) of the
-- event that set it, written as 'YYYY-MM-DDTHH:MM:SSZ' || 20-digit id so
-- that text order is event order. A group is updated only by an event that
-- carries it and is newer than its version. Full-era events carry every
-- group of the objects they hold (nulls included: a reopened PR loses its
-- closed_at); trimmed-era events carry only groups with a non-null value,
-- so they never erase richer data with nulls.

-- @migration 1
-- Rows that carry bodies (pull_requests, issues) live in rowid tables with a
-- unique key: WITHOUT ROWID suits only rows far smaller than a page.
CREATE TABLE repos (
  repo_id   INTEGER PRIMARY KEY,        -- GitHub repository id (stable across renames)
  name      TEXT,                       -- owner/name at the newest event
  name_ver  TEXT NOT NULL DEFAULT ''
);

-- Every owner/name ever seen for a repository id (renames, case variants).
CREATE TABLE repo_names (
  name      TEXT PRIMARY KEY COLLATE NOCASE,
  repo_id   INTEGER NOT NULL,
  last_ver  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX repo_names_by_id ON repo_names(repo_id);

CREATE TABLE pull_requests (
  repo_id            INTEGER NOT NULL,
  number             INTEGER NOT NULL,
  -- stub: in both eras
  pr_id              INTEGER,
  base_ref           TEXT,
  base_sha           TEXT,
  base_repo          TEXT,
  base_repo_id       INTEGER,
  head_ref           TEXT,
  head_sha           TEXT,
  head_repo          TEXT,
  head_repo_id       INTEGER,
  stub_ver           TEXT NOT NULL DEFAULT '',
  -- detail: full-era pull_request objects of every event type (and the REST API)
  title              TEXT,
  body               TEXT,
  state              TEXT,
  draft              INTEGER,
  merge_commit_sha   TEXT,
  created_at         TEXT,
  updated_at         TEXT,
  user               TEXT,
  user_id            INTEGER,
  user_type          TEXT,
  author_association TEXT,
  labels             TEXT,             -- JSON array of label names
  detail_ver         TEXT NOT NULL DEFAULT '',
  -- outcome: only the full-era PullRequestEvent object carries these (the
  -- review events' pull_request lacks them)
  merged             INTEGER,
  merged_at          TEXT,
  closed_at          TEXT,
  additions          INTEGER,
  deletions          INTEGER,
  changed_files      INTEGER,
  commits            INTEGER,
  merged_by          TEXT,
  outcome_ver        TEXT NOT NULL DEFAULT '',
  -- action: state implied by trimmed-era PullRequestEvent actions
  -- (opened/reopened -> open; closed -> closed unmerged; merged -> merged)
  act_state          TEXT,
  act_merged         INTEGER,
  act_at             TEXT,             -- created_at of that event
  act_ver            TEXT NOT NULL DEFAULT '',
  -- who opened / merged, from the actor of opened / merged actions
  opened_by          TEXT,
  opened_ver         TEXT NOT NULL DEFAULT '',
  merged_by_actor    TEXT,
  merger_ver         TEXT NOT NULL DEFAULT '',
  UNIQUE (repo_id, number)
);

-- Issues, and the issue side of pull requests (they share one number
-- sequence per repository; is_pull_request tells them apart).
CREATE TABLE issues (
  repo_id            INTEGER NOT NULL,
  number             INTEGER NOT NULL,
  issue_id           INTEGER,
  title              TEXT,
  state              TEXT,
  labels             TEXT,             -- JSON array of label names
  user               TEXT,
  user_id            INTEGER,
  user_type          TEXT,
  created_at         TEXT,
  updated_at         TEXT,
  closed_at          TEXT,
  is_pull_request    INTEGER,
  main_ver           TEXT NOT NULL DEFAULT '',
  body               TEXT,
  body_ver           TEXT NOT NULL DEFAULT '',
  author_association TEXT,
  assoc_ver          TEXT NOT NULL DEFAULT '',
  UNIQUE (repo_id, number)
);

-- The conversation. Comment ids are global on GitHub.
CREATE TABLE issue_comments (
  comment_id         INTEGER PRIMARY KEY,
  repo_id            INTEGER NOT NULL,
  number             INTEGER NOT NULL,   -- the issue or pull request
  body               TEXT,
  user               TEXT,
  user_id            INTEGER,
  user_type          TEXT,
  created_at         TEXT,
  updated_at         TEXT,
  main_ver           TEXT NOT NULL DEFAULT '',
  author_association TEXT,
  assoc_ver          TEXT NOT NULL DEFAULT '',
  deleted            INTEGER,           -- 1 after a "deleted" action
  deleted_ver        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX issue_comments_by_issue ON issue_comments(repo_id, number);

CREATE TABLE reviews (
  review_id          INTEGER PRIMARY KEY,
  repo_id            INTEGER NOT NULL,
  number             INTEGER NOT NULL,
  state              TEXT,
  user               TEXT,
  user_id            INTEGER,
  user_type          TEXT,
  submitted_at       TEXT,
  commit_id          TEXT,
  main_ver           TEXT NOT NULL DEFAULT '',
  body               TEXT,
  body_ver           TEXT NOT NULL DEFAULT '',
  author_association TEXT,
  assoc_ver          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reviews_by_pr ON reviews(repo_id, number);

CREATE TABLE review_comments (
  comment_id             INTEGER PRIMARY KEY,
  repo_id                INTEGER NOT NULL,
  number                 INTEGER NOT NULL,
  body                   TEXT,
  user                   TEXT,
  user_id                INTEGER,
  user_type              TEXT,
  created_at             TEXT,
  updated_at             TEXT,
  main_ver               TEXT NOT NULL DEFAULT '',
  -- code: where the comment sits (absent from trimmed-era payloads)
  path                   TEXT,
  diff_hunk              TEXT,
  commit_id              TEXT,
  original_commit_id     TEXT,
  line                   INTEGER,
  original_line          INTEGER,
  side                   TEXT,
  start_line             INTEGER,
  in_reply_to_id         INTEGER,
  pull_request_review_id INTEGER,
  code_ver               TEXT NOT NULL DEFAULT '',
  author_association     TEXT,
  assoc_ver              TEXT NOT NULL DEFAULT '',
  deleted                INTEGER,
  deleted_ver            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_comments_by_pr ON review_comments(repo_id, number);

-- Issue references found by `swerl link` (schemas/links.md).
CREATE TABLE issue_links (
  repo_id        INTEGER NOT NULL,      -- the pull request
  pr_number      INTEGER NOT NULL,
  target_repo    TEXT NOT NULL,         -- owner/name as referenced ('' = same repository)
  target_number  INTEGER NOT NULL,
  target_repo_id INTEGER,               -- resolved through repo_names; null when unknown
  closing        INTEGER NOT NULL,      -- 1: after a closing keyword
  keyword        TEXT,
  source         TEXT NOT NULL,         -- 'title', 'body' or 'commit'
  PRIMARY KEY (repo_id, pr_number, target_repo, target_number)
) WITHOUT ROWID;

-- Event ids already folded in: re-ingesting them is a no-op.
CREATE TABLE events_seen (
  event_id INTEGER PRIMARY KEY          -- the decimal id (dedup key of schemas/records/event.md)
);

-- Distinct events ingested, per type and era.
CREATE TABLE event_counts (
  type  TEXT NOT NULL,
  era   TEXT NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (type, era)
) WITHOUT ROWID;

-- One row per completed `swerl ingest` input.
CREATE TABLE ingest_log (
  run_id      INTEGER PRIMARY KEY,
  input       TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  lines       INTEGER NOT NULL,
  new_events  INTEGER NOT NULL,
  duplicates  INTEGER NOT NULL,
  skipped     INTEGER NOT NULL,         -- records without repo_id or number, other types
  bad_lines   INTEGER NOT NULL
);

-- REST responses of `swerl enrich`, for conditional requests and resuming.
CREATE TABLE api_fetches (
  url         TEXT PRIMARY KEY,
  etag        TEXT,
  status      INTEGER,                  -- last HTTP status (304 keeps the stored data)
  fetched_at  TEXT,
  error       TEXT
);

-- Pull requests with their effective state: the action group wins when it
-- is newer than the detail/outcome groups (trimmed era), else those.
CREATE VIEW prs AS
SELECT p.repo_id, r.name AS repo, p.number, p.title, p.body,
       CASE WHEN p.act_ver > p.detail_ver THEN p.act_state ELSE p.state END AS state,
       CASE WHEN p.act_ver > p.outcome_ver THEN p.act_merged ELSE p.merged END AS merged,
       CASE WHEN p.act_ver > p.outcome_ver THEN
              CASE WHEN p.act_merged = 1 THEN p.act_at END
            ELSE p.merged_at END AS merged_at,
       p.merge_commit_sha, p.base_ref, p.base_sha, p.head_ref, p.head_sha, p.head_repo,
       COALESCE(p.user, p.opened_by) AS author, p.user_type AS author_type,
       COALESCE(p.merged_by, p.merged_by_actor) AS merged_by,
       p.created_at,
       CASE WHEN p.act_ver > p.outcome_ver THEN p.act_at ELSE p.closed_at END AS closed_at,
       p.additions, p.deletions, p.changed_files, p.commits,
       p.labels, p.draft
FROM pull_requests p LEFT JOIN repos r USING (repo_id);

-- @migration 2
-- One row per repository `swerl clone` tried: the outcome of its last run
-- (schemas/store.md, "swerl clone").
CREATE TABLE repo_clones (
  repo_id     INTEGER PRIMARY KEY,
  repo        TEXT,                     -- owner/name when tried (null: unknown)
  path        TEXT,                     -- the mirror, <repos>/<owner>/<name>.git
  url         TEXT,                     -- where it was fetched from
  status      TEXT NOT NULL CHECK (status IN ('cloned', 'not_found', 'auth_required',
                                              'too_large', 'timed_out', 'corrupt', 'failed')),
  error       TEXT,                     -- null when cloned
  bytes       INTEGER,                  -- size of the mirror on disk afterwards; null: none
  attempts    INTEGER NOT NULL,         -- transfers tried in the last run
  fetched_at  TEXT NOT NULL             -- when the last run finished it, UTC
);

-- @migration 3
-- PR instances of `swerl assemble` (schemas/store.md, "swerl assemble").
-- Paths, patches and messages are BLOBs: git's bytes, unchanged. instances
-- is a rowid table: its patches are often larger than a page.
CREATE TABLE instances (
  repo_id      INTEGER NOT NULL,
  number       INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('assembled', 'unresolved', 'failed')),
  how          TEXT,                     -- resolution rule (git/instance.h); null unless assembled
  base_commit  TEXT,
  head_commit  TEXT,
  merge_base   TEXT,
  patch        BLOB,                     -- git diff -M --full-index merge_base head_commit
  code_patch   BLOB,
  test_patch   BLOB,
  error        TEXT,                     -- why, when unresolved or failed
  assembled_at TEXT NOT NULL,            -- UTC
  PRIMARY KEY (repo_id, number)
);

CREATE TABLE instance_commits (
  repo_id     INTEGER NOT NULL,
  number      INTEGER NOT NULL,
  seq         INTEGER NOT NULL,          -- 0 = oldest (topological)
  sha         TEXT NOT NULL,
  message     BLOB NOT NULL,
  author      BLOB,                      -- "Name <email>"
  author_time TEXT,                      -- ISO 8601 with the author's offset
  PRIMARY KEY (repo_id, number, seq)
) WITHOUT ROWID;

CREATE TABLE instance_files (
  repo_id     INTEGER NOT NULL,
  number      INTEGER NOT NULL,
  seq         INTEGER NOT NULL,          -- patch order
  old_path    BLOB NOT NULL,
  new_path    BLOB NOT NULL,
  status      TEXT NOT NULL,             -- added, deleted, modified, renamed
  old_mode    TEXT,                      -- "100644", "120000", "160000"; null: no such side
  new_mode    TEXT,
  old_blob    TEXT,                      -- git object id; null: no such side
  new_blob    TEXT,
  binary      INTEGER NOT NULL,
  is_test     INTEGER NOT NULL,
  similarity  INTEGER NOT NULL,
  skip        TEXT CHECK (skip IN ('binary', 'huge', 'vendored', 'submodule')),
                                         -- null: both sides' contents are in blobs
  PRIMARY KEY (repo_id, number, seq)
) WITHOUT ROWID;

-- File contents by git blob id, zstd-compressed, stored once. A rowid
-- table: its leaves hold rows up to a page in place, where a WITHOUT ROWID
-- table spills every row over ~4 KB into a mostly empty overflow page.
CREATE TABLE blobs (
  blob_id TEXT NOT NULL UNIQUE,
  size    INTEGER NOT NULL,              -- uncompressed bytes
  data    BLOB NOT NULL                  -- one zstd frame
);

-- @migration 4
-- Relevant-but-unmodified files of `swerl relevant` (schemas/store.md,
-- "swerl relevant"): for each assembled instance, up to k files of the tree
-- at its merge base, ranked; their contents are in blobs.
CREATE TABLE relevant_files (
  repo_id  INTEGER NOT NULL,
  number   INTEGER NOT NULL,
  source   TEXT NOT NULL CHECK (source IN ('bm25', 'llm')),
  rank     INTEGER NOT NULL,             -- 0 = most relevant
  path     BLOB NOT NULL,                -- in the tree at the merge base
  blob_id  TEXT NOT NULL,
  score    REAL NOT NULL,                -- BM25 score; 0 for llm
  PRIMARY KEY (repo_id, number, source, rank)
) WITHOUT ROWID;

-- One row per instance a `swerl relevant` run finished, so a rerun skips it.
CREATE TABLE relevant_runs (
  repo_id   INTEGER NOT NULL,
  number    INTEGER NOT NULL,
  source    TEXT NOT NULL CHECK (source IN ('bm25', 'llm')),
  status    TEXT NOT NULL CHECK (status IN ('ranked', 'failed')),
  files     INTEGER NOT NULL,            -- rows in relevant_files
  error     TEXT,                        -- why, when failed
  ranked_at TEXT NOT NULL,               -- UTC
  PRIMARY KEY (repo_id, number, source)
) WITHOUT ROWID;

-- The decision of the last `swerl filter --db` run for each assembled
-- instance (schemas/store.md, "swerl filter").
CREATE TABLE filter_decisions (
  repo_id    INTEGER NOT NULL,
  number     INTEGER NOT NULL,
  kept       INTEGER NOT NULL,           -- 1: kept
  rule       TEXT,                       -- the first rule that dropped it; null when kept
  detail     TEXT,                       -- what the rule saw
  rules      TEXT NOT NULL,              -- the rules file or preset decided by
  decided_at TEXT NOT NULL,              -- UTC
  PRIMARY KEY (repo_id, number)
) WITHOUT ROWID;

-- @migration 5
-- The licence of each repository `swerl license` looked at (schemas/store.md,
-- "swerl license"): its LICENSE/COPYING files at the merge base of its
-- latest assembled instance, matched against data/licenses/.
CREATE TABLE repo_licenses (
  repo_id    INTEGER PRIMARY KEY,
  spdx       TEXT NOT NULL,              -- SPDX id; 'unknown': a licence file matches nothing; 'none': no licence file
  path       TEXT NOT NULL,              -- the licence file read ('' when none)
  closest    TEXT NOT NULL,              -- the most similar shipped licence ('' when none)
  similarity REAL NOT NULL,              -- Dice similarity with closest (0 when none)
  commit_id  TEXT NOT NULL,              -- the merge base read
  decided_at TEXT NOT NULL               -- UTC
);

-- @migration 6
-- Refs `swerl clone` left out of a mirror because the remote lacks objects
-- they need (a partial or damaged remote; schemas/store.md, "swerl clone"):
-- the rest of the repository is mirrored. Replaced per repository by each
-- run that mirrors it.
CREATE TABLE clone_skipped_refs (
  repo_id  INTEGER NOT NULL,
  ref      TEXT NOT NULL,                -- e.g. refs/pull/7/head
  object   TEXT,                         -- the missing object's id; null when unnamed
  error    TEXT NOT NULL,                -- what happened and what to do
  PRIMARY KEY (repo_id, ref)
) WITHOUT ROWID;

-- @migration 7
-- The repository shards (`--shard K/N`, repo_id mod N = K) that commands ran
-- on in this store (schemas/store.md, "Many machines"): a worker's copy of
-- the store says which repositories it worked on, and `swerl merge` refuses
-- inputs whose shards overlap. A merged store records none.
CREATE TABLE worker_shards (
  command     TEXT NOT NULL,             -- clone, assemble, relevant, enrich, filter
  shard_index INTEGER NOT NULL,          -- K
  shard_count INTEGER NOT NULL,          -- N
  first_at    TEXT NOT NULL,             -- UTC, the first such run
  PRIMARY KEY (command, shard_index, shard_count)
) WITHOUT ROWID;

-- @migration 8
-- The command line of the last successful run (exit status 0) of each store-writing stage
-- (schemas/store.md, "Stage runs"; schemas/manifest.md): what `swerl export`
-- records in a shard's manifest and `swerl rebuild` runs again. args is a
-- JSON array of the arguments after the stage's name, with the store and
-- mirror paths as {db} and {repos} and the flags that cannot change the
-- store's contents (-j, -q, -v, --progress, --json, --explain) left out;
-- files is a JSON object of the files named by flags, by flag:
-- {"--rules": {"sha256": ..., "text": ...}}.
CREATE TABLE stage_runs (
  stage  TEXT PRIMARY KEY,              -- link, enrich, clone, assemble, relevant, license, filter
  args   TEXT NOT NULL,
  files  TEXT NOT NULL
);
