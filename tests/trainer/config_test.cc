// config.json parsing and writing (trainer/model/config.h).
#include "trainer/model/config.h"

#include <gtest/gtest.h>

namespace swerl::train {
namespace {

// The fields of Llama-3.2-1B-Instruct's config.json (transformers 4 style).
constexpr const char* kLlama32 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64,
  "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
  "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256})";

// Qwen3-0.6B's (head_dim 128 with hidden 1024 and 16 heads).
constexpr const char* kQwen3 = R"({
  "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
  "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
  "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
  "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
  "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936})";

// Qwen2.5-0.5B's.
constexpr const char* kQwen25 = R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
  "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24,
  "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936})";

std::string Without(std::string json, const std::string& key_and_value) {
  const size_t at = json.find(key_and_value);
  EXPECT_NE(at, std::string::npos) << key_and_value;
  if (at != std::string::npos) json.erase(at, key_and_value.size());
  return json;
}

std::string Replace(std::string json, const std::string& from, const std::string& to) {
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) json.replace(at, from.size(), to);
  return json;
}

TEST(ModelConfigTest, ParsesLlama32WithLegacyRopeScaling) {
  auto c = ParseModelConfig(kLlama32);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->arch, Arch::kLlama);
  EXPECT_EQ(c->vocab_size, 128256);
  EXPECT_EQ(c->num_key_value_heads, 8);
  EXPECT_EQ(c->head_dim, 64);
  EXPECT_EQ(c->rms_norm_eps, 1e-5);
  EXPECT_EQ(c->rope.type, RopeConfig::Type::kLlama3);
  EXPECT_EQ(c->rope.theta, 500000.0);
  EXPECT_EQ(c->rope.factor, 32.0);
  EXPECT_EQ(c->rope.original_max_position_embeddings, 8192);
  EXPECT_TRUE(c->tie_word_embeddings);
  EXPECT_FALSE(c->qkv_bias || c->o_bias || c->mlp_bias || c->qk_norm);
  EXPECT_EQ(c->eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));
  EXPECT_EQ(c->bos_token_id, 128000);
  EXPECT_EQ(c->dtype, "bfloat16");
}

TEST(ModelConfigTest, ParsesQwen3AndQwen25) {
  auto q3 = ParseModelConfig(kQwen3);
  ASSERT_TRUE(q3) << q3.error().message();
  EXPECT_EQ(q3->arch, Arch::kQwen3);
  EXPECT_EQ(q3->head_dim, 128);  // not 1024 / 16
  EXPECT_TRUE(q3->qk_norm);
  EXPECT_FALSE(q3->qkv_bias);
  EXPECT_EQ(q3->rope.type, RopeConfig::Type::kDefault);
  EXPECT_EQ(q3->rope.theta, 1e6);  // an integer in the file
  EXPECT_EQ(q3->eos_token_ids, std::vector<int64_t>{151645});

  auto q2 = ParseModelConfig(kQwen25);
  ASSERT_TRUE(q2) << q2.error().message();
  EXPECT_EQ(q2->arch, Arch::kQwen2);
  EXPECT_EQ(q2->head_dim, 64);
  EXPECT_TRUE(q2->qkv_bias);
  EXPECT_FALSE(q2->o_bias);
  EXPECT_FALSE(q2->qk_norm);
}

TEST(ModelConfigTest, DefaultsFollowTransformers) {
  // Without head_dim: Qwen3Config's default is 128, Llama's hidden / heads.
  auto q3 = ParseModelConfig(Without(kQwen3, R"("head_dim": 128,)"));
  ASSERT_TRUE(q3);
  EXPECT_EQ(q3->head_dim, 128);
  auto llama = ParseModelConfig(Without(kLlama32, R"("head_dim": 64,)"));
  ASSERT_TRUE(llama);
  EXPECT_EQ(llama->head_dim, 2048 / 32);
  auto no_kv = ParseModelConfig(Without(kQwen25, R"("num_key_value_heads": 2,)"));
  ASSERT_TRUE(no_kv);
  EXPECT_EQ(no_kv->num_key_value_heads, 14);
  auto no_tie = ParseModelConfig(Without(kQwen25, R"("tie_word_embeddings": true,)"));
  ASSERT_TRUE(no_tie);
  EXPECT_FALSE(no_tie->tie_word_embeddings);
}

TEST(ModelConfigTest, ErrorsNameTheKey) {
  const auto error = [](const std::string& json) {
    auto c = ParseModelConfig(json);
    EXPECT_FALSE(c);
    return c ? std::string() : c.error().message();
  };
  EXPECT_EQ(error(Without(kQwen3, R"("hidden_size": 1024,)")), "hidden_size: missing");
  EXPECT_EQ(error(Replace(kQwen3, R"("num_key_value_heads": 8)", R"("num_key_value_heads": 5)")),
            "num_key_value_heads: 5 does not divide num_attention_heads 16");
  EXPECT_EQ(error(Replace(kQwen3, R"("vocab_size": 151936)", R"("vocab_size": "big")")),
            "vocab_size: expected an integer, got \"big\"");
  EXPECT_EQ(error(Replace(kQwen3, R"("hidden_act": "silu")", R"("hidden_act": "gelu")")),
            "hidden_act 'gelu' is not supported (expected silu)");
  EXPECT_EQ(
      error(Replace(kQwen25, R"("use_sliding_window": false)", R"("use_sliding_window": true)")),
      "use_sliding_window: sliding-window attention is not supported");
  EXPECT_EQ(error(Replace(kQwen3, R"("model_type": "qwen3")", R"("model_type": "mistral")")),
            "model_type: model type 'mistral' is not supported (expected llama, qwen2 or qwen3)");
  EXPECT_EQ(error(Replace(kLlama32, R"("rope_type": "llama3")", R"("rope_type": "yarn")")),
            "rope_scaling.rope_type 'yarn' is not supported (expected default or llama3)");
  EXPECT_EQ(error(Without(kLlama32, R"("low_freq_factor": 1.0,)")),
            "rope_scaling.low_freq_factor: missing (llama3 RoPE)");
  EXPECT_EQ(error(Replace(kQwen3, R"("eos_token_id": 151645)", R"("eos_token_id": 999999)")),
            "eos_token_id: 999999 is not below vocab_size 151936");
  EXPECT_EQ(error(Replace(kQwen3, R"("head_dim": 128)", R"("head_dim": 127)")),
            "head_dim: must be even for RoPE, got 127");
  EXPECT_EQ(error("[1]"), "not a JSON object");
}

TEST(ModelConfigTest, WrittenConfigReadsBackTheSame) {
  for (const char* json : {kLlama32, kQwen3, kQwen25}) {
    auto c = ParseModelConfig(json);
    ASSERT_TRUE(c);
    const std::string written = ModelConfigToJson(*c);
    auto again = ParseModelConfig(written);
    ASSERT_TRUE(again) << again.error().message() << "\n" << written;
    EXPECT_EQ(ModelConfigToJson(*again), written);
    EXPECT_EQ(again->arch, c->arch);
    EXPECT_EQ(again->head_dim, c->head_dim);
    EXPECT_EQ(again->eos_token_ids, c->eos_token_ids);
    EXPECT_EQ(again->rope.type, c->rope.type);
    EXPECT_EQ(again->rope.theta, c->rope.theta);
    EXPECT_EQ(again->rope.factor, c->rope.factor);
    EXPECT_EQ(again->qkv_bias, c->qkv_bias);
    EXPECT_EQ(again->tie_word_embeddings, c->tie_word_embeddings);
  }
  // transformers 5 spells the RoPE settings as rope_parameters.
  auto c = ParseModelConfig(kLlama32);
  ASSERT_TRUE(c);
  const std::string written = ModelConfigToJson(*c);
  EXPECT_NE(written.find("\"rope_parameters\": {"), std::string::npos);
  EXPECT_NE(written.find("\"rope_type\": \"llama3\""), std::string::npos);
  EXPECT_NE(written.find("\"architectures\": [\n    \"LlamaForCausalLM\"\n  ]"), std::string::npos);
}

}  // namespace
}  // namespace swerl::train
