// Loading and saving a Transformer as a Hugging Face checkpoint directory:
// config.json plus model.safetensors (or shards and their index).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "swerl/core/result.h"
#include "trainer/model/transformer.h"

namespace swerl::train {

// Reads `dir`/config.json and the safetensors weights into a new model on
// `device`, converting BF16/F16/F32/F64 tensors to `dtype`. With tied
// embeddings lm_head.weight is not needed (and ignored when present);
// rotary_emb.inv_freq buffers of old exports are ignored.
// Errors (messages start with the directory): those of LoadModelConfig and
// of opening the checkpoint; kInvalidInput for a missing tensor ("tensor
// 'model.layers.0.self_attn.q_proj.bias' is missing"), a tensor of the wrong
// shape (both shapes named), an unexpected tensor (a sign of the wrong
// model_type) or an unsupported dtype.
Result<std::shared_ptr<Transformer>> LoadModel(const std::filesystem::path& dir,
                                               torch::Device device, torch::Dtype dtype);

// Writes `model` to `dir` (created if missing) as transformers'
// save_pretrained does: config.json (with "dtype" set to `disk_dtype`) and
// model.safetensors, or shards of at most max_shard_bytes plus
// model.safetensors.index.json; tied embeddings store no lm_head.weight.
// Metadata {"format": "pt"}. `disk_dtype` is kFloat32, kBFloat16 or kFloat16.
// Errors: kIo, kInvalidInput (unsupported disk_dtype).
Status SaveModel(const Transformer& model, const std::filesystem::path& dir,
                 torch::Dtype disk_dtype, uint64_t max_shard_bytes = uint64_t{5} << 30);

}  // namespace swerl::train
