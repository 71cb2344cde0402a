// The tools' side of shard provenance (schemas/manifest.md): recording each
// store-writing stage's command line in the store after it ran, and the
// manifest swerl export writes into the shard and beside it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::tools {

// When argv (the whole command line) runs a recorded stage (store::
// RecordedStages) with --db and `exit_status` is 0, records its normalized
// command line in that store's stage_runs (a failed run records nothing: it
// may have refused to touch the store). Filter's --preset (or the
// default preset) records the preset's text as files["--preset"]. Failures
// are returned for the caller to warn about; the stage's own outcome stands.
Status RecordStageRunOf(const std::vector<std::string>& argv, int exit_status);

// What swerl export adds to a shard's meta: "manifest" (the manifest JSON)
// and "created_at" (the manifest's: from the inputs, not the clock).
// `hours_dir` is swerl fetch's directory ("" when not given: no hours are
// recorded); `export_argv` the export's arguments after "export"; `seed_ids`
// the instance ids in seed order. Errors: kNotFound/kCorrupt (the fetch
// manifest), database failures.
Result<std::vector<std::pair<std::string, std::string>>> ExportManifestMeta(
    db::Db* store, const std::string& hours_dir, const std::vector<std::string>& export_argv,
    const std::vector<std::string>& seed_ids);

// Writes the manifest file of --manifest: {"manifest": <the shard's meta
// manifest>, "shard": {"bytes": N, "sha256": "<hex of the shard file>"}}
// and a newline, atomically. Errors: kIo.
Status WriteManifestFile(const std::string& path, const std::string& manifest_json,
                         const std::string& shard_path);

// Reads a manifest file written by WriteManifestFile. Errors: kNotFound,
// kIo, kCorrupt.
struct ManifestFile {
  std::string manifest_json;  // exactly as the shard's meta holds it
  uint64_t shard_bytes = 0;
  std::string shard_sha256;
};
Result<ManifestFile> ReadManifestFile(const std::string& path);

// sha256 (hex) and size of a file. Errors: kNotFound, kIo.
Result<std::pair<std::string, uint64_t>> HashFile(const std::string& path);

}  // namespace swerl::tools
