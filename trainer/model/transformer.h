// Transformer: the decoder-only causal LM shared by Llama-3.x, Qwen2/2.5 and
// Qwen3 (SPEC §7.2), as a LibTorch module whose named_parameters() are
// exactly the Hugging Face tensor names ("model.layers.0.self_attn.q_proj.
// weight", "lm_head.weight" unless tied), and its KV cache.
//
// Ragged batches are left-padded: row b holds its tokens in the last
// len_b columns, `key_mask` marks the real tokens, and `positions` count
// real tokens only (0 at each row's first token; pads get 0), as
// transformers' generate derives position ids from the attention mask. A
// query attends to the real keys at or before its own column. Pad columns
// compute garbage that no real token attends to.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "trainer/model/config.h"

namespace swerl::train {

class DecoderLayer;  // transformer.cc
class Transformer;

// Per-layer keys and values, (B, kv_heads, capacity, head_dim) each,
// preallocated; slots [0, length()) are filled. Column c of the cache is
// column c of the (left-padded) token grid. Not thread-safe.
class KvCache {
 public:
  // Allocates (uninitialised) storage in the model's dtype and device.
  KvCache(const Transformer& model, int64_t batch, int64_t capacity);

  int64_t batch() const { return batch_; }
  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }

  // Keeps the rows `rows` (int64, any device) in that order, e.g. to drop
  // finished sequences. REQUIRES: every index < batch().
  void SelectRows(const torch::Tensor& rows);
  // The same into fresh storage of `capacity` columns; only the filled
  // columns [0, length()) are copied. An index may repeat: a prompt's cache
  // filled once becomes the cache of each of its G samples.
  // REQUIRES: every index < batch(); length() <= capacity.
  void SelectRows(const torch::Tensor& rows, int64_t capacity);

 private:
  friend class Transformer;
  std::vector<torch::Tensor> k_, v_;  // per layer (B, Hkv, capacity, D)
  int64_t batch_ = 0;
  int64_t capacity_ = 0;
  int64_t length_ = 0;
};

// A left-padded batch (see the header comment), on one device.
struct PaddedBatch {
  torch::Tensor ids;        // (B, T) int64, pads hold `pad_id`
  torch::Tensor positions;  // (B, T) int64
  torch::Tensor key_mask;   // (B, T) bool, true on real tokens
  std::vector<int64_t> lengths;
};

// Left-pads `rows` to the longest one. REQUIRES: every row non-empty.
PaddedBatch LeftPad(const std::vector<std::vector<int32_t>>& rows, torch::Device device,
                    int64_t pad_id = 0);

// Thread-compatible: concurrent forwards need separate caches and no
// concurrent parameter updates.
class Transformer : public torch::nn::Module {
 public:
  // Builds the modules with uninitialised parameters of `dtype` on
  // `device` (fill them with LoadWeights or InitRandom).
  // REQUIRES: ValidateModelConfig(config) succeeded.
  Transformer(const ModelConfig& config, torch::Device device, torch::Dtype dtype);
  ~Transformer() override;

  const ModelConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  torch::Dtype dtype() const { return dtype_; }

  // The final-norm hidden states (B, T, hidden) of `ids` (B, T) int64 at
  // `positions` (B, T) int64. `key_mask` (B, past + T) bool marks the real
  // tokens of the cached columns and of `ids`, where past = cache->length()
  // (0 without a cache). With a cache, the new keys and values are stored
  // at columns [past, past + T) and length() grows by T.
  // REQUIRES: past + T <= cache->capacity(); shapes as stated.
  torch::Tensor Hidden(const torch::Tensor& ids, const torch::Tensor& positions,
                       const torch::Tensor& key_mask, KvCache* cache = nullptr);

  // lm_head applied to `hidden` (..., hidden) -> (..., vocab_size), in the
  // model's dtype.
  torch::Tensor Logits(const torch::Tensor& hidden) const;

  // Logits(Hidden(...)).
  torch::Tensor Forward(const torch::Tensor& ids, const torch::Tensor& positions,
                        const torch::Tensor& key_mask, KvCache* cache = nullptr) {
    return Logits(Hidden(ids, positions, key_mask, cache));
  }

  // The output projection (vocab_size, hidden): lm_head.weight, or the
  // embedding when the embeddings are tied.
  const torch::Tensor& output_weight() const;

  // Per-layer activation checkpointing for training. When on, a Hidden()
  // call without a cache under grad mode keeps only each decoder layer's
  // input for the backward and recomputes the layer (with grad) there:
  // the same values and gradients for about one more forward of compute,
  // and activation memory of one layer instead of all. Off by default; no
  // effect on no-grad or cached (decoding) forwards.
  void set_activation_checkpointing(bool on) { checkpoint_layers_ = on; }
  bool activation_checkpointing() const { return checkpoint_layers_; }

 private:
  ModelConfig config_;
  torch::Device device_;
  torch::Dtype dtype_;
  torch::Tensor embed_;     // model.embed_tokens.weight
  torch::Tensor norm_;      // model.norm.weight
  torch::Tensor lm_head_;   // lm_head.weight (undefined when tied)
  torch::Tensor inv_freq_;  // (head_dim / 2) float32 RoPE frequencies
  std::vector<std::shared_ptr<DecoderLayer>> layers_;
  bool checkpoint_layers_ = false;
};

// RoPE inverse frequencies (head_dim / 2) float32 on the CPU, computed as
// transformers does (float32 arithmetic, llama3 scaling per SPEC §7.2).
torch::Tensor RopeInvFreq(const RopeConfig& rope, int64_t head_dim);

// Fills the parameters as transformers' _init_weights does: projections and
// embeddings ~ N(0, initializer_range), biases 0, norm weights 1. The draws
// come from a CPU generator seeded with `seed` in named_parameters() order,
// so a seed gives the same weights on every device.
void InitRandom(Transformer& model, uint64_t seed);

}  // namespace swerl::train
