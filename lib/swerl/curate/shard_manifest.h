// The shard manifest (schemas/manifest.md): what made a shard, as one
// deterministic JSON document: swerl's version, the GH Archive hours with
// their sha256, the command line of each stage (with the rules text), the
// repositories with the commit ids the instances stand on, the REST items
// with their ETags, and the seed ids in shard order. `swerl export` writes it
// into the shard's meta ("manifest") and, with --manifest, to a file; `swerl
// rebuild` reruns the pipeline from it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"
#include "swerl/net/manifest.h"
#include "swerl/store/stage_runs.h"

namespace swerl::curate {

inline constexpr int kShardManifestVersion = 1;

struct ManifestHour {
  std::string hour;    // "2021-07-21-6.json.gz"
  std::string status;  // "ok" or "missing" (failed hours are not recorded)
  uint64_t bytes = 0;
  std::string sha256;  // "" for missing
  std::string url;     // where it was fetched from

  friend bool operator==(const ManifestHour&, const ManifestHour&) = default;
};

struct ManifestRepo {
  int64_t repo_id = 0;
  std::string name;    // owner/name
  std::string url;     // where swerl clone fetched it
  std::string status;  // repo_clones.status
  std::vector<std::string> commits;  // merge bases and heads of assembled instances, sorted

  friend bool operator==(const ManifestRepo&, const ManifestRepo&) = default;
};

struct ManifestApiItem {
  std::string url;
  std::string etag;  // "" when none was sent
  int64_t status = 0;

  friend bool operator==(const ManifestApiItem&, const ManifestApiItem&) = default;
};

struct ShardManifest {
  int version = kShardManifestVersion;
  std::string swerl_version;  // "0.1.0"
  std::string swerl_git;      // git describe of the build ("" unknown)
  std::string created_at;     // the shard's created_at: derived from the inputs
  std::vector<ManifestHour> hours;          // time order
  std::vector<store::StageRun> stages;      // pipeline order
  std::vector<std::string> export_args;     // swerl export's, normalized
  std::vector<ManifestRepo> repos;          // by repo_id
  std::vector<ManifestApiItem> api;         // by url
  std::vector<std::string> seeds;           // instance ids in seed_id order

  friend bool operator==(const ShardManifest&, const ShardManifest&) = default;
};

// The manifest as compact JSON: keys sorted at every level, arrays in the
// orders stated above; equal manifests give equal bytes.
std::string ShardManifestJson(const ShardManifest& manifest);

// Parses ShardManifestJson's output. Errors: kCorrupt (not JSON, a key
// missing or of the wrong type), kUnsupported (a newer manifest version).
Result<ShardManifest> ParseShardManifest(std::string_view json);

// Fills hours, stages, repos and api from the store and the fetch manifest
// entries (`hours`: swerl fetch's manifest.ndjson; failed hours are left
// out), and created_at: the end of the newest ok hour ("2021-07-21T13:00:00Z"
// for 2021-07-21-12.json.gz), else the newest pull request's created_at in
// the store, else "". Errors: database failures.
Status CollectManifestInputs(db::Db* store, const std::vector<net::ManifestEntry>& hours,
                             ShardManifest* manifest);

// The export's own command line normalized as the stages' are: --db, --out,
// --manifest, --hours, --force, --ndjson, -j and the common flags left out.
std::vector<std::string> NormalizeExportArgs(const std::vector<std::string>& argv);

}  // namespace swerl::curate
