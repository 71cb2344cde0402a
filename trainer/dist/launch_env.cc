#include "trainer/dist/launch_env.h"

#include <charconv>
#include <cstdlib>
#include <optional>

namespace swerl::train::dist {
namespace {

Error Bad(const std::string& what) { return Error(Code::kInvalidInput, what); }

// An integer variable in [lo, hi]; nullopt when unset.
Result<std::optional<int64_t>> IntVar(const GetEnv& get, const char* name, int64_t lo, int64_t hi) {
  const char* raw = get(name);
  if (raw == nullptr) return std::optional<int64_t>();
  std::string_view v(raw);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return Bad(std::string(name) + "='" + std::string(v) + "' is not an integer");
  }
  if (value < lo || value > hi) {
    return Bad(std::string(name) + "=" + std::to_string(value) + " is outside [" +
               std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return std::optional<int64_t>(value);
}

// Slurm's SLURM_TASKS_PER_NODE: "2(x3),1" — the first node's count.
std::optional<int64_t> FirstTaskCount(const char* raw) {
  if (raw == nullptr) return std::nullopt;
  std::string_view v(raw);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end == v.data() || n < 1) return std::nullopt;
  return n;
}

constexpr int64_t kMaxWorld = 1 << 20;

}  // namespace

Result<std::string> FirstSlurmHost(std::string_view list) {
  // The first comma outside brackets ends the first entry.
  int depth = 0;
  size_t end = list.size();
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == '[') {
      if (++depth > 1) break;
    } else if (list[i] == ']') {
      if (--depth < 0) break;
    } else if (list[i] == ',' && depth == 0) {
      end = i;
      break;
    }
  }
  if (depth != 0) {
    return Bad("SLURM_JOB_NODELIST='" + std::string(list) + "' has unbalanced brackets");
  }
  std::string_view entry = list.substr(0, end);
  const size_t open = entry.find('[');
  if (open == std::string_view::npos) {
    if (entry.empty() || entry.find(']') != std::string_view::npos) {
      return Bad("SLURM_JOB_NODELIST='" + std::string(list) + "' names no host");
    }
    return std::string(entry);
  }
  const size_t close = entry.find(']', open);
  if (close == std::string_view::npos || open == 0) {
    return Bad("SLURM_JOB_NODELIST='" + std::string(list) + "' is malformed");
  }
  // "prefix[a-b,c]suffix": the first range's first number, padding kept.
  std::string_view inside = entry.substr(open + 1, close - open - 1);
  std::string_view first = inside.substr(0, inside.find_first_of(",-"));
  if (first.empty() || first.find_first_not_of("0123456789") != std::string_view::npos) {
    return Bad("SLURM_JOB_NODELIST='" + std::string(list) + "' has an empty or non-numeric range");
  }
  return std::string(entry.substr(0, open)) + std::string(first) +
         std::string(entry.substr(close + 1));
}

Result<LaunchEnv> ReadLaunchEnv(const GetEnv& get) {
  LaunchEnv env;
  SWERL_ASSIGN_OR_RETURN(auto rank, IntVar(get, "RANK", 0, kMaxWorld));
  SWERL_ASSIGN_OR_RETURN(auto world, IntVar(get, "WORLD_SIZE", 1, kMaxWorld));
  SWERL_ASSIGN_OR_RETURN(auto port, IntVar(get, "MASTER_PORT", 1, 65535));
  const char* addr = get("MASTER_ADDR");
  if (rank.has_value() != world.has_value()) {
    return Bad(rank ? "RANK is set but WORLD_SIZE is not" : "WORLD_SIZE is set but RANK is not");
  }
  if (rank) {
    if (*rank >= *world) {
      return Bad("RANK=" + std::to_string(*rank) +
                 " is not below WORLD_SIZE=" + std::to_string(*world));
    }
    if (addr == nullptr || *addr == '\0' || !port) {
      return Bad(
          "RANK and WORLD_SIZE are set but MASTER_ADDR or MASTER_PORT is not "
          "(launch with torchrun, or set all four)");
    }
    SWERL_ASSIGN_OR_RETURN(auto local, IntVar(get, "LOCAL_RANK", 0, kMaxWorld));
    SWERL_ASSIGN_OR_RETURN(auto local_world, IntVar(get, "LOCAL_WORLD_SIZE", 1, kMaxWorld));
    SWERL_ASSIGN_OR_RETURN(auto restarts, IntVar(get, "TORCHELASTIC_RESTART_COUNT", 0, kMaxWorld));
    env.launcher = "torchrun";
    env.rank = static_cast<int>(*rank);
    env.world = static_cast<int>(*world);
    env.local_rank = static_cast<int>(local.value_or(0));
    env.local_world = static_cast<int>(local_world.value_or(1));
    env.master_addr = addr;
    env.master_port = static_cast<int>(*port);
    const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
    env.agent_store = agent != nullptr && std::string_view(agent) == "True";
    env.restart_count = static_cast<int>(restarts.value_or(0));
    return env;
  }

  SWERL_ASSIGN_OR_RETURN(auto procid, IntVar(get, "SLURM_PROCID", 0, kMaxWorld));
  SWERL_ASSIGN_OR_RETURN(auto ntasks, IntVar(get, "SLURM_NTASKS", 1, kMaxWorld));
  if (!procid || !ntasks) return env;  // a single process
  if (*procid >= *ntasks) {
    return Bad("SLURM_PROCID=" + std::to_string(*procid) +
               " is not below SLURM_NTASKS=" + std::to_string(*ntasks));
  }
  SWERL_ASSIGN_OR_RETURN(auto localid, IntVar(get, "SLURM_LOCALID", 0, kMaxWorld));
  SWERL_ASSIGN_OR_RETURN(auto job, IntVar(get, "SLURM_JOB_ID", 0, INT64_MAX));
  env.launcher = "slurm";
  env.rank = static_cast<int>(*procid);
  env.world = static_cast<int>(*ntasks);
  env.local_rank = static_cast<int>(localid.value_or(0));
  auto per_node = FirstTaskCount(get("SLURM_NTASKS_PER_NODE"));
  if (!per_node) per_node = FirstTaskCount(get("SLURM_TASKS_PER_NODE"));
  env.local_world = static_cast<int>(per_node.value_or(1));
  if (addr != nullptr && *addr != '\0') {
    env.master_addr = addr;
  } else {
    const char* nodes = get("SLURM_JOB_NODELIST");
    if (nodes == nullptr) nodes = get("SLURM_NODELIST");
    if (nodes == nullptr) {
      return Bad(
          "SLURM_PROCID and SLURM_NTASKS are set but neither MASTER_ADDR nor "
          "SLURM_JOB_NODELIST is");
    }
    SWERL_ASSIGN_OR_RETURN(env.master_addr, FirstSlurmHost(nodes));
  }
  env.master_port =
      port ? static_cast<int>(*port) : 29500 + static_cast<int>(job.value_or(0) % 1000);
  return env;
}

Result<LaunchEnv> ReadLaunchEnv() {
  return ReadLaunchEnv([](const char* name) { return std::getenv(name); });
}

std::string Describe(const LaunchEnv& env) {
  if (!env.distributed()) return "a single process";
  return "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world) + " (local " +
         std::to_string(env.local_rank) + " of " + std::to_string(env.local_world) + "; " +
         env.launcher + ", master " + env.master_addr + ":" + std::to_string(env.master_port) + ")";
}

}  // namespace swerl::train::dist
