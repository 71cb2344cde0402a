// Comm: this process's place in a c10d process group — the collectives
// PyTorch's own data parallelism runs on (Gloo on CPU, NCCL on CUDA),
// created from LibTorch with no Python and no launcher of our own
// (launch_env.h says where the rank, world and master come from).
//
// Errors: every collective names this rank, the step (set_step) and what
// was being exchanged; a peer that died closes its connections (Gloo fails
// at once) and one that hangs is waited for at most `timeout`, so no rank
// waits forever. After an error the group is unusable: the caller reports
// and exits (a run resumes from its last complete checkpoint).
#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/dist/launch_env.h"

namespace swerl::train::dist {

enum class BackendKind : uint8_t { kGloo, kNccl };

// "auto" (NCCL for a CUDA device, Gloo otherwise), "gloo" or "nccl".
// Errors: kInvalidInput for another name, NCCL with a CPU device;
// kUnsupported for NCCL in a build whose LibTorch has no CUDA.
Result<BackendKind> ParseBackend(std::string_view name, const torch::Device& device);
std::string_view BackendName(BackendKind kind);
// Whether this build can create NCCL groups.
bool HaveNccl();

enum class Op : uint8_t { kSum, kMax, kMin };

struct CommOptions {
  BackendKind backend = BackendKind::kGloo;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  // NCCL: the CUDA device of this rank (tensors passed must live there).
  torch::Device device{torch::kCPU};
};

// An asynchronous collective in flight (Comm::Start*); Wait() completes it.
class Pending {
 public:
  Pending() = default;
  Pending(c10::intrusive_ptr<c10d::Work> work, std::string what)
      : work_(std::move(work)), what_(std::move(what)) {}
  bool active() const { return static_cast<bool>(work_); }

 private:
  friend class Comm;
  c10::intrusive_ptr<c10d::Work> work_;
  std::string what_;
};

// Not thread-safe, except that Start* may be called from autograd's
// threads while the owner waits in backward().
class Comm {
 public:
  // Connects to the job's store (rank 0 serves it, or torchrun's agent
  // does) and forms the group. Errors: kExternal naming the master address
  // and port when the store or a peer cannot be reached within the timeout.
  static Result<std::unique_ptr<Comm>> Connect(const LaunchEnv& env, const CommOptions& options);
  ~Comm();

  int rank() const { return rank_; }
  int world() const { return world_; }
  BackendKind backend() const { return options_.backend; }
  const torch::Device& device() const { return options_.device; }
  // Errors from now on name this step.
  void set_step(int64_t step) { step_ = step; }

  // Blocking collectives; tensors must be contiguous and on device().
  // AllReduce works in place. AllGather: out holds world() × in.numel()
  // elements, rank r's at [r·n, (r+1)·n). ReduceScatter (sum): in holds
  // world() × out.numel() elements; out receives the sum of every rank's
  // slice `rank()`.
  Status AllReduce(torch::Tensor& t, Op op, std::string_view what);
  Status AllGather(torch::Tensor& out, const torch::Tensor& in, std::string_view what);
  Status ReduceScatter(torch::Tensor& out, const torch::Tensor& in, std::string_view what);
  Status Barrier(std::string_view what);

  // The same, started: the tensors must stay alive and untouched until
  // Wait(). Used to overlap gradient reduction with the backward.
  Result<Pending> StartAllReduce(torch::Tensor& t, std::string_view what);
  Result<Pending> StartReduceScatter(torch::Tensor& out, torch::Tensor& in, std::string_view what);
  Status Wait(Pending& pending);

  // Whether every rank passed ok = true. A rank's own failure is reported
  // by that rank; the others learn that some rank failed.
  Result<bool> AllOk(bool ok, std::string_view what);
  // Every rank's bytes, in rank order (variable lengths), on every rank.
  Result<std::vector<std::string>> AllGatherBytes(std::string_view mine, std::string_view what);
  // Fails unless every rank passes the same value (configuration, weights).
  Status ExpectSame(uint64_t value, std::string_view what);

  // Payload bytes this rank has handed to collectives (for the benchmark).
  int64_t bytes() const { return bytes_; }

 private:
  Comm() = default;
  Error Fail(std::string_view what, std::string_view why) const;
  Status Run(c10::intrusive_ptr<c10d::Work> work, std::string_view what);

  int rank_ = 0, world_ = 1;
  int64_t step_ = 0;
  int64_t bytes_ = 0;
  CommOptions options_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::Backend> backend_;
};

}  // namespace swerl::train::dist
