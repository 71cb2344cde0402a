#include "swerl/curate/benchmarks.h"

#include <simdjson.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <zstd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "swerl/core/c_deleter.h"
#include "swerl/core/check.h"
#include "swerl/curate/filter_rules.h"

// data/benchmarks/instances.jsonl.zst, linked into .rodata. ccache does not
// cache an object that uses .incbin, so a changed list is always rebuilt;
// CMake names the file as an OBJECT_DEPENDS of this source.
__asm__(
    ".section .rodata\n"
    ".balign 16\n"
    ".global swerl_benchmarks_zst\n"
    "swerl_benchmarks_zst:\n"
    ".incbin \"" SWERL_BENCHMARKS_FILE
    "\"\n"
    ".global swerl_benchmarks_zst_end\n"
    "swerl_benchmarks_zst_end:\n"
    ".previous\n");
extern "C" const char swerl_benchmarks_zst[];
extern "C" const char swerl_benchmarks_zst_end[];

namespace swerl::curate {
namespace {

using simdjson::SUCCESS;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

Result<std::string> Unzstd(std::string_view data, std::string_view source) {
  using DStream = std::unique_ptr<ZSTD_DStream, CDeleter<&ZSTD_freeDStream>>;
  DStream stream(ZSTD_createDStream());
  if (!stream) return Error(Code::kExternal, "zstd: cannot create a decompression stream");
  std::string out;
  ZSTD_inBuffer input{data.data(), data.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t ret = 0;
  while (true) {
    ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(stream.get(), &output, &input);
    if (ZSTD_isError(ret)) {
      return Error(Code::kCorrupt, std::string(source) + ": zstd: " + ZSTD_getErrorName(ret));
    }
    out.append(chunk.data(), output.pos);
    if (input.pos == input.size && output.pos < output.size) break;
  }
  if (ret != 0) return Error(Code::kCorrupt, std::string(source) + ": zstd: truncated frame");
  return out;
}

std::string NamePr(std::string_view lower_name, int64_t number) {
  return std::string(lower_name) + "#" + std::to_string(number);
}

}  // namespace

Result<std::vector<BenchmarkInstance>> ParseBenchmarkList(std::string_view ndjson,
                                                          std::string_view source, bool padded) {
  std::vector<BenchmarkInstance> out;
  const char* const end = ndjson.data() + ndjson.size() + (padded ? simdjson::SIMDJSON_PADDING : 0);
  simdjson::dom::parser parser;
  size_t line_no = 0;
  while (!ndjson.empty()) {
    const size_t nl = ndjson.find('\n');
    const std::string_view line = ndjson.substr(0, nl);
    ndjson = nl == std::string_view::npos ? std::string_view() : ndjson.substr(nl + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto bad = [&](const std::string& msg) {
      return Error(Code::kInvalidInput,
                   std::string(source) + ":" + std::to_string(line_no) + ": " + msg);
    };
    simdjson::dom::object obj;
    // In place when the bytes after the line are readable padding (the
    // shipped list is padded once); else a padded copy.
    const bool in_place = padded && line.data() + line.size() + simdjson::SIMDJSON_PADDING <= end;
    auto parsed =
        in_place ? parser.parse(line.data(), line.size(), false) : parser.parse(std::string(line));
    if (parsed.get(obj) != SUCCESS) return bad("not a JSON object");
    BenchmarkInstance b;
    std::string_view s;
    auto str = [&](const char* key, std::string* target, bool required) {
      if (obj[key].get(s) == SUCCESS) {
        target->assign(s);
        return true;
      }
      return !required && obj[key].error() == simdjson::NO_SUCH_FIELD;
    };
    if (!str("instance_id", &b.instance_id, true) || b.instance_id.empty()) {
      return bad("'instance_id' must be a non-empty string");
    }
    if (!str("repo", &b.repo, true) || b.repo.find('/') == std::string::npos) {
      return bad("'repo' must be OWNER/NAME");
    }
    if (!str("created_at", &b.created_at, false) ||
        !str("problem_statement", &b.problem_statement, false) ||
        !str("patch_lines", &b.patch_lines, false)) {
      return bad("a text field is not a string");
    }
    int64_t pr = 0;
    if (obj["pull_number"].get(pr) == SUCCESS) {
      if (pr < 0) return bad("'pull_number' must not be negative");
      b.pull_number = pr;
    }
    simdjson::dom::array arr;
    if (obj["benchmarks"].get(arr) != SUCCESS) return bad("'benchmarks' must be an array");
    for (auto el : arr) {
      if (el.get(s) != SUCCESS) return bad("'benchmarks' must hold strings");
      b.benchmarks.emplace_back(s);
    }
    if (b.benchmarks.empty()) return bad("'benchmarks' is empty");
    out.push_back(std::move(b));
  }
  return out;
}

const std::vector<BenchmarkInstance>& ShippedBenchmarks() {
  static const std::vector<BenchmarkInstance> list = [] {
    const std::string_view packed(
        swerl_benchmarks_zst, static_cast<size_t>(swerl_benchmarks_zst_end - swerl_benchmarks_zst));
    auto text = Unzstd(packed, "data/benchmarks/instances.jsonl.zst");
    SWERL_CHECK(text.has_value());
    const size_t size = text->size();
    text->append(simdjson::SIMDJSON_PADDING, ' ');
    auto parsed = ParseBenchmarkList(std::string_view(text->data(), size),
                                     "data/benchmarks/instances.jsonl.zst", /*padded=*/true);
    SWERL_CHECK(parsed.has_value());
    return std::move(parsed).value();
  }();
  return list;
}

std::vector<std::string> ShippedBenchmarkNames() {
  std::set<std::string> names;
  for (const BenchmarkInstance& b : ShippedBenchmarks())
    names.insert(b.benchmarks.begin(), b.benchmarks.end());
  return {names.begin(), names.end()};
}

BenchmarkIndex::BenchmarkIndex(const std::vector<BenchmarkInstance>* instances,
                               const std::vector<std::string>& benchmarks,
                               const std::vector<ExcludedRepo>& aliases, bool with_text)
    : instances_(instances) {
  // Renames: every name of an alias entry maps to its first (current) name.
  for (const ExcludedRepo& repo : aliases) {
    if (repo.names.empty()) continue;
    for (const std::string& name : repo.names)
      canonical_.emplace(Lower(name), Lower(repo.names.front()));
    if (repo.id > 0) id_names_.emplace(repo.id, Lower(repo.names.front()));
  }
  for (size_t k = 0; k < instances->size(); ++k) {
    const BenchmarkInstance& b = (*instances)[k];
    const bool wanted =
        benchmarks.empty() ||
        std::any_of(b.benchmarks.begin(), b.benchmarks.end(), [&](const std::string& n) {
          return std::find(benchmarks.begin(), benchmarks.end(), n) != benchmarks.end();
        });
    if (!wanted) continue;
    const auto id = static_cast<uint32_t>(k);
    indexed_.push_back(id);
    if (b.pull_number > 0) {
      std::string name = Lower(b.repo);
      if (auto it = canonical_.find(name); it != canonical_.end()) name = it->second;
      by_name_pr_.emplace(NamePr(name, b.pull_number), id);
    }
  }
  if (!with_text) return;
  statement_sigs_.resize(instances->size());
  patch_sigs_.resize(instances->size());
  statements_.Reserve(indexed_.size());
  patches_.Reserve(indexed_.size());
  // The signatures are most of the work: computed in parallel, then added
  // in instance order so the index does not depend on the thread count.
  tbb::parallel_for(tbb::blocked_range<size_t>(0, indexed_.size(), 64),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t i = range.begin(); i != range.end(); ++i) {
                        const BenchmarkInstance& b = (*instances)[indexed_[i]];
                        statement_sigs_[indexed_[i]] =
                            MinHashOf(b.problem_statement, TextKind::kStatement);
                        patch_sigs_[indexed_[i]] = MinHashOf(b.patch_lines, TextKind::kPatch);
                      }
                    });
  for (uint32_t id : indexed_) {
    statements_.Add(id, statement_sigs_[id]);
    patches_.Add(id, patch_sigs_[id]);
  }
}

const BenchmarkInstance* BenchmarkIndex::Find(int64_t repo_id, std::string_view repo,
                                              int64_t number) const {
  if (number <= 0) return nullptr;
  std::string name;
  if (auto it = repo_id > 0 ? id_names_.find(repo_id) : id_names_.end(); it != id_names_.end()) {
    name = it->second;
  } else {
    name = Lower(repo);
    if (auto c = canonical_.find(name); c != canonical_.end()) name = c->second;
  }
  auto hit = by_name_pr_.find(NamePr(name, number));
  return hit == by_name_pr_.end() ? nullptr : &(*instances_)[hit->second];
}

std::optional<BenchmarkMatch> BenchmarkIndex::Nearest(const MinHash& sig, TextKind kind,
                                                      double threshold,
                                                      uint32_t min_shingles) const {
  if (sig.shingles == 0 || sig.shingles < min_shingles) return std::nullopt;
  const bool statement = kind == TextKind::kStatement;
  const std::vector<MinHash>& sigs = statement ? statement_sigs_ : patch_sigs_;
  std::optional<BenchmarkMatch> best;
  for (uint32_t id : (statement ? statements_ : patches_).Candidates(sig)) {
    if (sigs[id].shingles < min_shingles) continue;
    const double j = EstimatedJaccard(sig, sigs[id]);
    if (j >= threshold && (!best || j > best->similarity)) {
      best = BenchmarkMatch{&(*instances_)[id], statement ? "problem statement" : "patch", j};
    }
  }
  return best;
}

std::shared_ptr<const BenchmarkIndex> ShippedBenchmarkIndex(
    const std::vector<std::string>& benchmarks, bool with_text) {
  static std::mutex mu;
  static std::map<std::pair<std::vector<std::string>, bool>, std::shared_ptr<const BenchmarkIndex>>
      cache;
  std::vector<std::string> key = benchmarks;
  std::sort(key.begin(), key.end());
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{key, with_text}];
  if (!slot) {
    slot = std::make_shared<BenchmarkIndex>(&ShippedBenchmarks(), key, SwebenchRepos(), with_text);
  }
  return slot;
}

}  // namespace swerl::curate
