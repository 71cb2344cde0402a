#include "swerl/shard/shard_set.h"

#include <glob.h>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace swerl::shard {
namespace {

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

Result<std::vector<std::string>> ExpandShardPatterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const std::string& pattern : patterns) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
      out.push_back(pattern);
      continue;
    }
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &g);
    std::vector<std::string> matched;
    for (size_t k = 0; rc == 0 && k < g.gl_pathc; ++k) matched.emplace_back(g.gl_pathv[k]);
    ::globfree(&g);
    if (rc == GLOB_NOMATCH || (rc == 0 && matched.empty())) {
      return Error(Code::kInvalidInput, "no shard matches " + Quoted(pattern));
    }
    if (rc != 0) {
      return Error(Code::kIo, "cannot list the files matching " + Quoted(pattern));
    }
    std::sort(matched.begin(), matched.end());
    out.insert(out.end(), matched.begin(), matched.end());
  }
  std::set<std::string> seen;
  for (const std::string& path : out) {
    if (!seen.insert(path).second) {
      return Error(Code::kInvalidInput, "shard " + Quoted(path) + " is named twice");
    }
  }
  return out;
}

Result<ShardSet> ShardSet::Open(const std::vector<std::string>& paths) {
  if (paths.empty()) return Error(Code::kInvalidInput, "no shard given");
  constexpr int64_t kMaxLocal = int64_t{1} << kShardIdBits;
  constexpr size_t kMaxShards = size_t{1} << (62 - kShardIdBits);
  if (paths.size() > kMaxShards) {
    return Error(Code::kInvalidInput, std::to_string(paths.size()) + " shards: at most " +
                                          std::to_string(kMaxShards) + " can be read as one");
  }
  ShardSet set;
  std::unordered_map<std::string, size_t> owner;  // instance id -> shard index
  for (size_t k = 0; k < paths.size(); ++k) {
    SWERL_ASSIGN_OR_RETURN(ShardReader reader, ShardReader::Open(paths[k]));
    SWERL_ASSIGN_OR_RETURN(std::string system, reader.Meta("system_prompt"));
    if (system.empty()) {
      return Error(Code::kCorrupt, "shard " + Quoted(paths[k]) + " has no system_prompt");
    }
    if (k == 0) {
      set.system_prompt_ = std::move(system);
    } else if (system != set.system_prompt_) {
      return Error(Code::kInvalidInput,
                   "shards " + Quoted(paths[0]) + " and " + Quoted(paths[k]) +
                       " have different system prompts: they were exported with different "
                       "prompts and cannot train as one dataset");
    }
    SWERL_ASSIGN_OR_RETURN(std::vector<SeedRef> refs, reader.List());
    for (SeedRef& ref : refs) {
      if (ref.seed_id < 0 || ref.seed_id >= kMaxLocal) {
        return Error(Code::kCorrupt, "shard " + Quoted(paths[k]) + ": seed id " +
                                         std::to_string(ref.seed_id) + " is out of range");
      }
      auto [it, fresh] = owner.emplace(ref.instance_id, k);
      if (!fresh) {
        return Error(Code::kInvalidInput,
                     "instance '" + ref.instance_id + "' is in both " + Quoted(paths[it->second]) +
                         " and " + Quoted(paths[k]) +
                         ": the shards overlap (export each curation shard once, or merge the "
                         "stores with swerl merge and export once)");
      }
      ref.seed_id += static_cast<int64_t>(k) << kShardIdBits;
      set.refs_.push_back(std::move(ref));
    }
    set.readers_.push_back(std::move(reader));
  }
  return set;
}

Result<Seed> ShardSet::Read(int64_t id) {
  const uint64_t k = static_cast<uint64_t>(id) >> kShardIdBits;
  if (id < 0 || k >= readers_.size()) {
    return Error(Code::kNotFound, "no seed " + std::to_string(id) + " in " + Describe());
  }
  const int64_t local = id & ((int64_t{1} << kShardIdBits) - 1);
  return readers_[k].Read(local);
}

std::string ShardSet::PathOf(int64_t id) const {
  const uint64_t k = static_cast<uint64_t>(id) >> kShardIdBits;
  return id < 0 || k >= readers_.size() ? std::string() : readers_[k].path();
}

std::string ShardSet::Describe() const {
  if (readers_.size() == 1) return Quoted(readers_[0].path());
  std::string out = std::to_string(readers_.size()) + " shards (";
  for (size_t k = 0; k < readers_.size(); ++k) {
    if (k > 0) out += ", ";
    if (k == 3 && readers_.size() > 4) {
      out += "...";
      k = readers_.size() - 1;
      out += ", ";
    }
    out += Quoted(readers_[k].path());
  }
  return out + ")";
}

}  // namespace swerl::shard
