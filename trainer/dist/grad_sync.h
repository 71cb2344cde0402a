// GradientSync: the gradients of one optimizer step summed over the ranks
// of a Comm, in buckets reduced while the backward still runs (PyTorch
// DDP's scheme, written for this trainer).
//
// Buckets: the parameters in reverse model order (the order the backward
// finishes them), cut every `bucket_bytes` of fp32; each bucket is one flat
// buffer, fp32 (fp64 when a parameter is fp64: bf16 gradients are summed
// in fp32, as FSDP's reduce_dtype does). A bucket is launched when the accumulator of each of its
// parameters has fired as often as it does in one backward (learned from
// the first backward: a tied embedding fires twice), and buckets are
// launched strictly in index order, so every rank issues the same
// collectives in the same order whatever its micro-batches were. Only the
// last micro-batch's backward of a pass is overlapped (Arm); buckets not
// launched by then go at Finish.
//
// Replicated (zero = false): an all-reduce per bucket; after Finish every
// rank's .grad holds the sum over ranks. ZeRO-1 (zero = true): each
// bucket's flat buffer is padded to a multiple of the world size and split
// evenly, rank r owning the r-th part; a reduce-scatter per bucket leaves
// the summed gradient of the owned part in owned_grad(b) (the model's .grad
// is not written), for ZeroAdamW (optim/zero_adamw.h) to step on.
//
// Sums, not means: each rank's loss is its share of the global loss (the
// Normaliser's counts are global), so the summed gradient is the gradient
// of one process holding the whole batch, up to the order of additions.
// A parameter for which no rank has a gradient keeps none (as in one
// process, where AdamW skips it).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/dist/comm.h"

namespace swerl::train::dist {

struct GradSyncOptions {
  int64_t bucket_bytes = 25 << 20;  // bytes per bucket at 4 bytes an element (DDP's 25 MiB)
  bool zero = false;                // ZeRO-1: reduce-scatter into owned parts
};

// Where a bucket's elements come from. Pure layout: no LibTorch state.
struct BucketLayout {
  struct Entry {
    size_t param = 0;    // index into the parameter list
    int64_t offset = 0;  // first element in the bucket's flat buffer
    int64_t numel = 0;
  };
  struct Bucket {
    std::vector<Entry> entries;  // in launch order
    int64_t numel = 0;           // Σ entry numel
    int64_t padded = 0;          // numel rounded up to a multiple of the world size
  };
  std::vector<Bucket> buckets;
  int world = 1;

  // Elements of bucket b that each rank owns under ZeRO (padded / world).
  int64_t PartSize(size_t b) const { return buckets[b].padded / world; }
};

// Buckets of at most max(bucket_bytes / 4, largest parameter) elements over
// parameters of the given sizes, last parameter first. REQUIRES: world >= 1.
BucketLayout PlanBuckets(const std::vector<int64_t>& numels, int64_t bucket_bytes, int world);

class GradientSync {
 public:
  // `params`: the model's (name, tensor) in model order; they must outlive
  // this object. Registers a hook on each parameter's gradient accumulator.
  GradientSync(Comm& comm, std::vector<std::pair<std::string, torch::Tensor>> params,
               const GradSyncOptions& options);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Before the backward of a pass's last micro-batch (or with none coming):
  // buckets go as soon as they are complete.
  void Arm();
  // Launches what is left, waits for every bucket and writes the results
  // (see the header comment). Every rank must call it once per pass.
  // Errors: the collectives' (rank and step named), or a parameter whose
  // gradient changed after its bucket left (a model whose backward differs
  // between steps).
  Status Finish();

  const BucketLayout& layout() const { return layout_; }
  torch::Dtype dtype() const { return dtype_; }
  const std::vector<std::pair<std::string, torch::Tensor>>& params() const { return params_; }
  // ZeRO: this rank's part of bucket b's summed gradient (PartSize(b)
  // elements, the bucket dtype), valid after Finish until the next Arm.
  const torch::Tensor& owned_grad(size_t b) const { return owned_grad_[b]; }
  // Whether any rank had a gradient for parameter i in the last Finish.
  bool has_grad(size_t i) const { return has_grad_[i]; }
  // Buckets launched during the backward (overlapped) in the last pass of
  // the last Finish.
  int64_t overlapped_buckets() const { return overlapped_; }
  // Seconds Finish spent waiting for reductions still in flight after the
  // backward, summed since the last TakeWaitSeconds (the communication the
  // overlap did not hide).
  double TakeWaitSeconds() { return std::exchange(wait_seconds_, 0.0); }

 private:
  class Hook;
  void OnAccumulated(size_t param);
  void LaunchReady();  // with mu_ held
  Status Launch(size_t b);

  Comm& comm_;
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  GradSyncOptions options_;
  BucketLayout layout_;
  std::vector<size_t> bucket_of_;                    // per parameter
  std::vector<std::shared_ptr<void>> accumulators_;  // kept alive: hooks live on them

  std::mutex mu_;
  bool armed_ = false;
  bool learned_ = false;
  std::vector<int64_t> fired_, expected_;  // per parameter, this backward / one backward
  std::vector<int64_t> waiting_;           // per bucket: parameters not yet final
  std::vector<bool> launched_;
  size_t next_launch_ = 0;
  int64_t overlapped_ = 0;
  std::string late_;  // a parameter that fired after its bucket left
  std::optional<Error> launch_error_;

  torch::Dtype dtype_ = torch::kFloat32;   // fp64 when a parameter is
  std::vector<torch::Tensor> flat_;        // per bucket, while in flight
  std::vector<torch::Tensor> owned_grad_;  // ZeRO
  std::vector<Pending> pending_;
  std::vector<bool> has_grad_;
  double wait_seconds_ = 0;
};

}  // namespace swerl::train::dist
