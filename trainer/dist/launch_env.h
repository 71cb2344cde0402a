// Where this process sits in a data-parallel job, read from the variables
// the standard launchers set — no launcher of our own:
//   torchrun (and torch.distributed.launch): RANK, WORLD_SIZE, LOCAL_RANK,
//     LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; TORCHELASTIC_USE_AGENT_STORE
//     ("True" when torchrun's agent already serves the store on MASTER_PORT)
//     and TORCHELASTIC_RESTART_COUNT;
//   Slurm's srun: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID,
//     SLURM_NTASKS_PER_NODE / SLURM_TASKS_PER_NODE, SLURM_JOB_NODELIST, SLURM_JOB_ID.
// The torchrun variables win when RANK and WORLD_SIZE are set. Under Slurm
// the master is MASTER_ADDR when set, else the first host of
// SLURM_JOB_NODELIST, and the port MASTER_PORT when set, else
// 29500 + SLURM_JOB_ID % 1000 (so two jobs sharing a node rarely collide).
// With neither set the process runs alone, with no process group.
// No LibTorch: the mapping is unit-tested without a launcher.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::train::dist {

struct LaunchEnv {
  int rank = 0;
  int world = 1;
  int local_rank = 0;
  int local_world = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // Who set the variables: "torchrun", "slurm" or "none" (a single process).
  std::string launcher = "none";
  // torchrun's agent serves the store: every rank connects as a client.
  bool agent_store = false;
  int restart_count = 0;  // TORCHELASTIC_RESTART_COUNT: keeps a restart's keys apart

  bool distributed() const { return launcher != "none"; }
};

// Looks a variable up; nullptr when unset.
using GetEnv = std::function<const char*(const char*)>;

// Reads the launch variables through `get` (std::getenv by default).
// Errors: kInvalidInput naming the variable for a value that is not an
// integer in range (RANK outside [0, WORLD_SIZE), a port outside 1..65535),
// RANK without WORLD_SIZE or the reverse, a torchrun job without
// MASTER_ADDR/MASTER_PORT, a Slurm job whose node list cannot be read.
Result<LaunchEnv> ReadLaunchEnv(const GetEnv& get);
Result<LaunchEnv> ReadLaunchEnv();

// The first host of a Slurm node list ("gpu[003-010,017],cpu1" -> "gpu003";
// "node1,node2" -> "node1"; zero padding kept). Errors: kInvalidInput for
// an empty or malformed list (unbalanced brackets, an empty range).
Result<std::string> FirstSlurmHost(std::string_view nodelist);

// "rank 1 of 4 (local 1 of 2; torchrun, master 10.0.0.1:29500)".
std::string Describe(const LaunchEnv& env);

}  // namespace swerl::train::dist
