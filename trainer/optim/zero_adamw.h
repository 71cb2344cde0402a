// ZeroAdamW: AdamW under ZeRO stage 1 — each rank keeps the moments (and,
// for bf16/fp16 parameters, the fp32 master weights) of only the part of
// every gradient bucket it owns (dist/grad_sync.h), so optimizer memory per
// rank falls by the world size. A step: the global gradient norm from each
// rank's owned squares (one all-reduce), clipping as AdamW clips, AdamW's
// element-wise update on the owned part (the same operations as adamw.cc,
// applied to runs of the flattened parameters), then an all-gather per
// bucket that gives every rank the updated parameters.
//
// Checkpoints: each rank exports its part as pieces (optimizer.h); a run
// resumes from the pieces of any world size, or from a whole-state file,
// because ImportState takes the whole state and keeps its own part.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trainer/dist/comm.h"
#include "trainer/dist/grad_sync.h"
#include "trainer/optim/adamw.h"
#include "trainer/optim/optimizer.h"

namespace swerl::train {

class ZeroAdamW : public Optimizer {
 public:
  // `sync` must have been made with zero = true; both must outlive this.
  // The owned state starts at zero moments and the parameters' values.
  ZeroAdamW(dist::GradientSync& sync, dist::Comm& comm, AdamWOptions options);

  int64_t step() const override { return step_; }
  // REQUIRES: sync.Finish() ran for this pass. Errors: a non-finite norm
  // (kInvalidInput, nothing changed), the collectives'.
  Result<double> Step(double lr, double max_grad_norm) override;
  void ZeroGrad() override;
  OptimizerState ExportState() const override;
  Status ImportState(const OptimizerState& state) override;

  int64_t StateBytes() const override;

 private:
  // A run of one parameter's flattened elements inside an owned part.
  struct Segment {
    size_t bucket = 0;
    size_t param = 0;
    int64_t part_offset = 0;   // in the owned part
    int64_t param_offset = 0;  // in the flattened parameter
    int64_t numel = 0;
    bool decay = false;
    bool separate_master = false;               // bf16/fp16: an fp32 master run
    torch::Tensor master, exp_avg, exp_avg_sq;  // views of the runs
  };
  torch::Tensor ParamRun(const Segment& s) const;

  dist::GradientSync& sync_;
  dist::Comm& comm_;
  AdamWOptions options_;
  int64_t step_ = 0;
  std::vector<Segment> segments_;
  // Per bucket: owned moments and master (the master only holds the runs
  // of low-precision parameters; other runs update the parameter itself).
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_, master_;
};

// Joins ZeRO pieces ("<name>@<offset>") of every rank into whole tensors
// shaped as `shapes` says (name -> the parameter's shape); names without a
// piece suffix pass through. Errors: kCorrupt when pieces overlap, leave a
// gap, name an unknown parameter, or the ranks' steps differ (naming the
// tensor) — a checkpoint missing a rank's file is caught here.
Result<OptimizerState> MergeStatePieces(const std::vector<OptimizerState>& parts,
                                        const std::map<std::string, std::vector<int64_t>>& shapes);

}  // namespace swerl::train
