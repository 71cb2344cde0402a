// LoadModel / SaveModel: round trips, sharded checkpoints, and errors that
// name the missing or mis-shaped tensor and the bad config key.
#include "trainer/model/loader.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model_ref.h"
#include "swerl/st/checkpoint.h"
#include "swerl/st/writer.h"
#include "testing/testing.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

namespace fs = std::filesystem;
using swerl::testing::ReadFile;
using swerl::testing::TempDir;
using swerl::testing::WriteFile;
using testing::RefModelNamed;

class LoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { at::set_num_threads(1); }

  // Copies `src`'s config.json to `dst` and writes its tensors there after
  // `edit` (which may drop, add or replace entries).
  static void Rewrite(const std::string& src, const std::string& dst,
                      const std::function<void(std::vector<st::TensorRef>&)>& edit) {
    fs::create_directories(dst);
    WriteFile(dst + "/config.json", ReadFile(src + "/config.json"));
    auto ckpt = st::Checkpoint::Open(src);
    ASSERT_TRUE(ckpt) << ckpt.error().message();
    std::vector<st::TensorRef> refs;
    for (const std::string& name : ckpt->names()) {
      const st::TensorInfo* info = ckpt->Find(name);
      refs.push_back({name, info->dtype, info->shape, info->data});
    }
    edit(refs);
    auto st = st::WriteFile(dst + "/model.safetensors", refs, {{"format", "pt"}});
    ASSERT_TRUE(st) << st.error().message();
  }

  static std::string LoadError(const std::string& dir) {
    auto model = LoadModel(dir, torch::kCPU, torch::kFloat32);
    EXPECT_FALSE(model);
    return model ? std::string() : model.error().message();
  }
};

TEST_F(LoaderTest, SaveThenLoadGivesTheSameWeightsAlsoSharded) {
  const std::string src = RefModelNamed("hf_qwen2_untied_f16").dir;
  auto model = LoadModel(src, torch::kCPU, torch::kFloat32);
  ASSERT_TRUE(model) << model.error().message();
  TempDir tmp;
  // Shards of at most 8 MB: the 151,680 x 96 float32 embeddings (58 MB)
  // each get their own.
  ASSERT_TRUE(SaveModel(**model, tmp.Join("sharded"), torch::kFloat32, 8 << 20));
  EXPECT_TRUE(fs::exists(tmp.Join("sharded/model.safetensors.index.json")));
  auto again = LoadModel(tmp.Join("sharded"), torch::kCPU, torch::kFloat32);
  ASSERT_TRUE(again) << again.error().message();
  auto a = (*model)->named_parameters();
  auto b = (*again)->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) {
    EXPECT_TRUE(torch::equal(item.value(), *b.find(item.key()))) << item.key();
  }
  ModelConfig saved = (*model)->config();
  saved.dtype = "float32";  // the source stores float16
  EXPECT_EQ(ModelConfigToJson(saved), ModelConfigToJson((*again)->config()));

  // bf16 on disk, loaded back as bf16 and as float32.
  ASSERT_TRUE(SaveModel(**model, tmp.Join("bf16"), torch::kBFloat16));
  EXPECT_NE(ReadFile(tmp.Join("bf16/config.json")).find("\"dtype\": \"bfloat16\""),
            std::string::npos);
  auto half = LoadModel(tmp.Join("bf16"), torch::kCPU, torch::kBFloat16);
  ASSERT_TRUE(half) << half.error().message();
  // named_parameters() returns a fresh dict: copy the tensors out (a
  // reference into the temporary would dangle).
  const torch::Tensor w = *(*model)->named_parameters().find("model.layers.1.mlp.up_proj.weight");
  const torch::Tensor h = *(*half)->named_parameters().find("model.layers.1.mlp.up_proj.weight");
  EXPECT_EQ(h.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(h, w.to(torch::kBFloat16)));
}

TEST_F(LoaderTest, TiedCheckpointsStoreNoLmHead) {
  const std::string src = RefModelNamed("init_qwen3").dir;
  auto ckpt = st::Checkpoint::Open(src);
  ASSERT_TRUE(ckpt);
  EXPECT_EQ(ckpt->Find("lm_head.weight"), nullptr);
  EXPECT_NE(ckpt->Find("model.layers.1.self_attn.q_norm.weight"), nullptr);
  auto untied = st::Checkpoint::Open(RefModelNamed("hf_qwen3_untied_bias").dir);
  ASSERT_TRUE(untied);
  EXPECT_NE(untied->Find("lm_head.weight"), nullptr);
}

TEST_F(LoaderTest, NamesAMissingTensor) {
  TempDir tmp;
  Rewrite(RefModelNamed("hf_qwen2_tied_mqa").dir, tmp.path(), [](std::vector<st::TensorRef>& refs) {
    std::erase_if(refs, [](const st::TensorRef& r) {
      return r.name == "model.layers.1.self_attn.k_proj.bias";
    });
  });
  const std::string err = LoadError(tmp.path());
  EXPECT_NE(err.find("tensor 'model.layers.1.self_attn.k_proj.bias' is missing"), std::string::npos)
      << err;
  EXPECT_NE(err.find(tmp.path()), std::string::npos) << err;
}

TEST_F(LoaderTest, NamesAMisShapedTensor) {
  TempDir tmp;
  Rewrite(RefModelNamed("hf_qwen3_tied_head_dim").dir, tmp.path(),
          [](std::vector<st::TensorRef>& refs) {
            for (auto& r : refs) {
              if (r.name == "model.layers.0.self_attn.k_norm.weight") {
                r.shape = {r.shape[0] / 2, 2};  // same bytes, wrong shape
              }
            }
          });
  const std::string err = LoadError(tmp.path());
  EXPECT_NE(err.find("tensor 'model.layers.0.self_attn.k_norm.weight' has shape [16, 2], "
                     "config.json implies [32]"),
            std::string::npos)
      << err;
}

TEST_F(LoaderTest, RejectsTensorsOfAnotherArchitecture) {
  // A Qwen3 checkpoint whose config claims Qwen2: the q/k norms are
  // unexpected (and the q/k/v biases missing).
  TempDir tmp;
  const std::string src = RefModelNamed("init_qwen3").dir;
  Rewrite(src, tmp.path(), [](std::vector<st::TensorRef>&) {});
  std::string config = ReadFile(tmp.Join("config.json"));
  config.replace(config.find("\"qwen3\""), 7, "\"qwen2\"");
  WriteFile(tmp.Join("config.json"), config);
  const std::string err = LoadError(tmp.path());
  EXPECT_NE(err.find("tensor 'model.layers.0.self_attn.q_proj.bias' is missing"), std::string::npos)
      << err;

  TempDir extra;
  Rewrite(src, extra.path(), [](std::vector<st::TensorRef>& refs) {
    st::TensorRef r = refs.back();
    r.name = "model.layers.0.self_attn.rope_scale";
    refs.push_back(r);
  });
  EXPECT_NE(LoadError(extra.path()).find("unexpected tensor 'model.layers.0.self_attn.rope_scale'"),
            std::string::npos);
}

TEST_F(LoaderTest, NamesTheBadConfigKeyAndFile) {
  TempDir tmp;
  Rewrite(RefModelNamed("init_llama").dir, tmp.path(), [](std::vector<st::TensorRef>&) {});
  std::string config = ReadFile(tmp.Join("config.json"));
  config.replace(config.find("\"num_key_value_heads\": 2"), 24, "\"num_key_value_heads\": 3");
  WriteFile(tmp.Join("config.json"), config);
  const std::string err = LoadError(tmp.path());
  EXPECT_NE(err.find("num_key_value_heads: 3 does not divide num_attention_heads 4"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find(tmp.Join("config.json")), std::string::npos) << err;

  // A valid config without weights.
  TempDir empty;
  WriteFile(empty.Join("config.json"), ReadFile(RefModelNamed("init_llama").dir + "/config.json"));
  EXPECT_FALSE(LoadError(empty.path()).empty());
}

}  // namespace
}  // namespace swerl::train
