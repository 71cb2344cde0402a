// Public benchmark instances for instance-level and near-duplicate
// decontamination: the compiled-in list data/benchmarks/instances.jsonl.zst
// (built by scripts/benchmarks_data.py; provenance in
// data/benchmarks/README.md) and the BenchmarkIndex the filter queries.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/curate/minhash.h"

namespace swerl::curate {

struct ExcludedRepo;

struct BenchmarkInstance {
  std::string instance_id;
  std::vector<std::string> benchmarks;  // "swe-bench-verified", ...
  std::string repo;                     // owner/name as the benchmark spells it
  int64_t pull_number = 0;              // 0: the benchmark does not say
  std::string created_at;               // "" when unknown
  std::string problem_statement;        // "" when the list has no text
  std::string patch_lines;              // the patch's changed lines; "" when none
};

// Parses the instance list format (one JSON object per line with the keys
// above; benchmarks an array of strings). `source` names the text in
// messages. `padded`: the SIMDJSON_PADDING bytes after `ndjson` are
// readable (lines are then parsed in place). Errors: kInvalidInput
// ("SOURCE:LINE: ...").
Result<std::vector<BenchmarkInstance>> ParseBenchmarkList(std::string_view ndjson,
                                                          std::string_view source,
                                                          bool padded = false);

// The compiled-in list, decompressed and parsed once (SWERL_CHECKed: the
// build makes it).
const std::vector<BenchmarkInstance>& ShippedBenchmarks();

// The benchmark names of ShippedBenchmarks, sorted.
std::vector<std::string> ShippedBenchmarkNames();

// A match of a seed against the index.
struct BenchmarkMatch {
  const BenchmarkInstance* instance = nullptr;
  std::string what;  // "problem statement" or "patch"
  double similarity = 0;
};

// Lookups over a set of benchmark instances: by (repository, PR number),
// where a repository is known by every name and id `aliases` gives it
// (data/swebench_repos.tsv: renames), and by near-duplicate problem
// statement or patch. Immutable after construction; thread-safe.
class BenchmarkIndex {
 public:
  // Indexes the instances of `instances` whose benchmarks intersect
  // `benchmarks` (empty: all); their texts only `with_text` (else Nearest
  // finds nothing; the signatures are most of the build time).
  // *instances must outlive the index.
  BenchmarkIndex(const std::vector<BenchmarkInstance>* instances,
                 const std::vector<std::string>& benchmarks,
                 const std::vector<ExcludedRepo>& aliases, bool with_text = true);

  // The instance that is pull request `number` of the repository with id
  // `repo_id` (0: unknown) or name `repo` (case-insensitive), or null.
  const BenchmarkInstance* Find(int64_t repo_id, std::string_view repo, int64_t number) const;

  // The most similar instance whose problem statement (kind kStatement) or
  // patch (kPatch) has an estimated Jaccard similarity of at least
  // `threshold` with `sig`; nullopt when none, or when sig has fewer than
  // `min_shingles` shingles (too short to tell).
  std::optional<BenchmarkMatch> Nearest(const MinHash& sig, TextKind kind, double threshold,
                                        uint32_t min_shingles) const;

  size_t size() const { return indexed_.size(); }

 private:
  const std::vector<BenchmarkInstance>* instances_;
  std::vector<uint32_t> indexed_;                           // indexes into *instances_
  std::unordered_map<std::string, uint32_t> by_name_pr_;    // "owner/name#N" -> instance
  std::unordered_map<std::string, std::string> canonical_;  // any lowercase name -> canonical
  std::unordered_map<int64_t, std::string> id_names_;       // repo id -> canonical name
  std::vector<MinHash> statement_sigs_, patch_sigs_;        // by instance index (all of them)
  LshIndex statements_, patches_;
};

// The index of ShippedBenchmarks() restricted to `benchmarks` (empty: all)
// with SwebenchRepos() as aliases, built once per distinct list and shared
// (building takes about 0.1 s). Thread-safe.
std::shared_ptr<const BenchmarkIndex> ShippedBenchmarkIndex(
    const std::vector<std::string>& benchmarks, bool with_text = true);

}  // namespace swerl::curate
