// Training checkpoints (STYLE C10): RUN/step_00000100/ is itself a Hugging
// Face model directory (config.json, model.safetensors, the tokenizer files)
// that transformers loads, plus
//   optimizer.safetensors  the optimizer's state, one tensor per (slot,
//                          parameter): "<slot>/<HF parameter name>" (e.g.
//                          "exp_avg/model.norm.weight"), fp32;
//   trainer_state.json     what else a resumed run needs (step, the data
//                          cursor, the run's seed; written by the caller);
//   DONE                   written last: only directories with it count.
// A checkpoint is written into RUN/step_00000100.partial/, every file
// fsynced, then renamed into place and the run directory fsynced, so a run
// killed at any moment (or a full disk) leaves the previous complete
// checkpoint as the latest. Older complete checkpoints beyond `keep_last`
// are removed after the new one is in place.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "swerl/core/result.h"

namespace swerl::train {

class Transformer;

using NamedTensors = std::map<std::string, torch::Tensor>;

struct CheckpointWrite {
  int64_t step = 0;
  torch::Dtype model_dtype = torch::kFloat32;     // of model.safetensors
  std::string tokenizer_dir;                      // tokenizer files copied from here
  const NamedTensors* optimizer_state = nullptr;  // may be null (no optimizer)
  std::string trainer_state_json;
  int keep_last = 0;  // complete checkpoints kept, the new one included; 0 = all
  // Optional: runs once every file above is in RUN/step_N.partial/ and
  // before the DONE marker (a data-parallel run's other ranks add their
  // optimizer parts there); an error abandons the checkpoint.
  std::function<Status(const std::string& partial_dir)> before_done;
};

// Where step N's checkpoint is written before it is complete.
std::string PartialCheckpointDir(const std::string& run_dir, int64_t step);

// "RUN/step_00000100".
std::string CheckpointDir(const std::string& run_dir, int64_t step);

// Writes the checkpoint of `model` at w.step. Errors: kIo (the partial
// directory is removed; earlier checkpoints are untouched), kInvalidInput.
Status WriteTrainingCheckpoint(const std::string& run_dir, const Transformer& model,
                               const CheckpointWrite& w);

// The complete checkpoint with the highest step, or nullopt when there is
// none (leftover .partial directories are ignored). Errors: kIo.
Result<std::optional<std::string>> LatestCheckpoint(const std::string& run_dir);

// The step a checkpoint directory's name holds.
Result<int64_t> CheckpointStep(const std::string& checkpoint_dir);

// Reads every tensor of a safetensors file into CPU tensors of their stored
// dtype (F32, F64, BF16, F16, I64, I32). Errors: those of st::File::Open,
// kUnsupported for other dtypes.
Result<NamedTensors> ReadTensorFile(const std::string& path);

// Writes `tensors` (any device; F32/F64/BF16/F16/I64/I32) to `path`
// atomically. Errors: kIo, kInvalidInput.
Status WriteTensorFile(const std::string& path, const NamedTensors& tensors);

}  // namespace swerl::train
