// ModelConfig: the architecture facts of a Llama-3.x, Qwen2/2.5 or Qwen3
// checkpoint, read from (and written as) a Hugging Face config.json
// (SPEC §7.2). Plain data, no LibTorch: commands include it cheaply.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::train {

enum class Arch : uint8_t { kLlama, kQwen2, kQwen3 };

// "llama", "qwen2", "qwen3" (config.json's model_type).
std::string_view ArchName(Arch arch);
// The inverse of ArchName. Errors: kInvalidInput naming the value.
Result<Arch> ParseArch(std::string_view name);

struct RopeConfig {
  enum class Type : uint8_t { kDefault, kLlama3 };
  Type type = Type::kDefault;
  double theta = 10000.0;
  // llama3 scaling (SPEC §7.2); unused for kDefault.
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

// Thread-compatible value type. Sizes follow the HF names.
struct ModelConfig {
  Arch arch = Arch::kQwen3;
  int64_t vocab_size = 0;  // embedding rows (often padded past the tokenizer)
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // GQA: divides num_attention_heads
  int64_t head_dim = 0;             // explicit for Qwen3, else hidden / heads
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double initializer_range = 0.02;
  RopeConfig rope;
  bool tie_word_embeddings = false;
  // Biases: Qwen2 always has q/k/v biases (not o); Llama and Qwen3 put a
  // bias on q/k/v/o when `attention_bias` is true; Llama's `mlp_bias` adds
  // biases to gate/up/down.
  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  bool qk_norm = false;  // Qwen3: RMSNorm over head_dim on q and k
  std::optional<int64_t> bos_token_id;
  std::optional<int64_t> pad_token_id;
  std::vector<int64_t> eos_token_ids;  // config's eos_token_id, int or list
  std::string dtype = "float32";       // "dtype"/"torch_dtype" on disk, informative
};

// Parses config.json text. Missing optional keys take transformers'
// defaults for the architecture; the sizes (vocab_size, hidden_size,
// intermediate_size, num_hidden_layers, num_attention_heads) are required.
// Accepts the transformers 5 `rope_parameters` and the older `rope_theta` +
// `rope_scaling` forms. Errors: kInvalidInput naming the bad key and value
// ("num_key_value_heads 3 does not divide num_attention_heads 4"),
// kUnsupported for a model_type, activation, RoPE type or sliding window
// this trainer does not implement.
Result<ModelConfig> ParseModelConfig(std::string_view json_text);

// Reads `dir`/config.json. Errors as ParseModelConfig prefixed with the
// path, or kNotFound/kIo.
Result<ModelConfig> LoadModelConfig(const std::filesystem::path& dir);

// Checks the sizes and their relations (positive, heads divisible by kv
// heads, ...). Errors: kInvalidInput naming the HF key.
Status ValidateModelConfig(const ModelConfig& config);

// The config.json text (pretty-printed, trailing newline) that transformers
// 5 loads as this architecture: model_type, architectures, sizes,
// rope_parameters, token ids, dtype and the per-architecture keys
// (layer_types, use_sliding_window, ...). REQUIRES: a valid config.
std::string ModelConfigToJson(const ModelConfig& config);

}  // namespace swerl::train
