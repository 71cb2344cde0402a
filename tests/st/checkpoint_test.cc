#include "swerl/st/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "st/st_test_util.h"
#include "swerl/st/writer.h"
#include "testing/testing.h"

namespace swerl::st {
namespace {

using ::swerl::st::testing::Bytes;
using ::swerl::st::testing::Str;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::set<std::string> Listing(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.insert(e.path().filename().string());
  }
  return out;
}

// Tensors named t0.. of `sizes` bytes (U8), each filled with its letter.
class Tensors {
 public:
  explicit Tensors(const std::vector<int>& sizes) {
    blobs_.reserve(sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      blobs_.push_back(std::string(sizes[i], static_cast<char>('a' + i)));
      refs_.push_back({"t" + std::to_string(i), Dtype::kU8, {sizes[i]}, Bytes(blobs_.back())});
    }
  }
  const std::vector<TensorRef>& refs() const { return refs_; }

 private:
  std::vector<std::string> blobs_;
  std::vector<TensorRef> refs_;
};

TEST(CheckpointTest, SingleFileWhenEverythingFits) {
  swerl::testing::TempDir dir;
  Tensors t({3, 4, 5});
  ASSERT_TRUE(WriteCheckpoint(dir.path(), t.refs(), {{"format", "pt"}}, 12));
  EXPECT_THAT(Listing(dir.path()), ElementsAre("model.safetensors"));
  auto ckpt = Checkpoint::Open(dir.path());
  ASSERT_TRUE(ckpt) << ckpt.error().message();
  EXPECT_THAT(ckpt->names(), ElementsAre("t0", "t1", "t2"));
  EXPECT_EQ(ckpt->total_bytes(), 12u);
  EXPECT_EQ(ckpt->files().size(), 1u);
  EXPECT_TRUE(ckpt->index_path().empty());
  EXPECT_EQ(Str(ckpt->Find("t1")->data), "bbbb");
  EXPECT_EQ(ckpt->Find("t9"), nullptr);
  // A file path works too.
  auto file = Checkpoint::Open(dir.Join("model.safetensors"));
  ASSERT_TRUE(file);
  EXPECT_EQ(file->size(), 3u);
}

TEST(CheckpointTest, ShardsLikeHuggingFaceHub) {
  // huggingface_hub's docstring example: sizes [6, 6, 2, 6, 2, 2] with a
  // limit of 10 give [6], [6+2], [6+2+2].
  swerl::testing::TempDir dir;
  Tensors t({6, 6, 2, 6, 2, 2});
  ASSERT_TRUE(WriteCheckpoint(dir.path(), t.refs(), {{"format", "pt"}}, 10));
  EXPECT_THAT(Listing(dir.path()),
              ElementsAre("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                          "model-00003-of-00003.safetensors", "model.safetensors.index.json"));
  EXPECT_EQ(swerl::testing::ReadFile(dir.Join("model.safetensors.index.json")),
            "{\n"
            "  \"metadata\": {\n"
            "    \"total_parameters\": 24,\n"
            "    \"total_size\": 24\n"
            "  },\n"
            "  \"weight_map\": {\n"
            "    \"t0\": \"model-00001-of-00003.safetensors\",\n"
            "    \"t1\": \"model-00002-of-00003.safetensors\",\n"
            "    \"t2\": \"model-00002-of-00003.safetensors\",\n"
            "    \"t3\": \"model-00003-of-00003.safetensors\",\n"
            "    \"t4\": \"model-00003-of-00003.safetensors\",\n"
            "    \"t5\": \"model-00003-of-00003.safetensors\"\n"
            "  }\n"
            "}\n");
  auto ckpt = Checkpoint::Open(dir.path());
  ASSERT_TRUE(ckpt) << ckpt.error().message();
  EXPECT_EQ(ckpt->files().size(), 3u);
  EXPECT_EQ(ckpt->total_bytes(), 24u);
  EXPECT_THAT(ckpt->names(), ElementsAre("t0", "t1", "t2", "t3", "t4", "t5"));
  for (const TensorRef& ref : t.refs()) EXPECT_EQ(Str(ckpt->Find(ref.name)->data), Str(ref.data));
  EXPECT_EQ(ckpt->files()[1].metadata().at("format"), "pt");
}

TEST(CheckpointTest, OversizedTensorGetsItsOwnShardFirst) {
  swerl::testing::TempDir dir;
  Tensors t({2, 20, 2, 3});
  ASSERT_TRUE(WriteCheckpoint(dir.path(), t.refs(), {}, 10));
  auto first = File::Open(dir.Join("model-00001-of-00002.safetensors"));
  auto second = File::Open(dir.Join("model-00002-of-00002.safetensors"));
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->tensors().size(), 1u);
  EXPECT_EQ(first->tensors()[0].name, "t1");
  EXPECT_EQ(second->tensors().size(), 3u);
}

TEST(CheckpointTest, RewritesRemoveTheOtherLayout) {
  swerl::testing::TempDir dir;
  Tensors big({6, 6, 6});
  Tensors small({1});
  ASSERT_TRUE(WriteCheckpoint(dir.path(), big.refs(), {}, 6));
  EXPECT_EQ(Listing(dir.path()).size(), 4u);
  swerl::testing::WriteFile(dir.Join("model-00009-of-00009.safetensors"), "stale");
  swerl::testing::WriteFile(dir.Join("config.json"), "{}");
  ASSERT_TRUE(WriteCheckpoint(dir.path(), small.refs(), {}, 6));
  EXPECT_THAT(Listing(dir.path()), ElementsAre("config.json", "model.safetensors"));
  ASSERT_TRUE(WriteCheckpoint(dir.path(), big.refs(), {}, 12));
  EXPECT_THAT(Listing(dir.path()),
              ElementsAre("config.json", "model-00001-of-00002.safetensors",
                          "model-00002-of-00002.safetensors", "model.safetensors.index.json"));
  auto ckpt = Checkpoint::Open(dir.path());
  ASSERT_TRUE(ckpt) << ckpt.error().message();
  EXPECT_EQ(ckpt->size(), 3u);
}

TEST(CheckpointTest, SingleFileWinsOverAnIndex) {
  swerl::testing::TempDir dir;
  Tensors t({1, 2});
  ASSERT_TRUE(WriteFile(dir.Join("model.safetensors"), t.refs()));
  swerl::testing::WriteFile(dir.Join("model.safetensors.index.json"), "not json");
  auto ckpt = Checkpoint::Open(dir.path());
  ASSERT_TRUE(ckpt) << ckpt.error().message();
  EXPECT_EQ(ckpt->size(), 2u);
}

class IndexTest : public ::testing::Test {
 protected:
  // Two shards: a.safetensors holds x, y; b.safetensors holds z.
  void SetUp() override {
    ASSERT_TRUE(WriteFile(dir_.Join("a.safetensors"), {{"x", Dtype::kU8, {1}, Bytes("1")},
                                                       {"y", Dtype::kU8, {1}, Bytes("2")}}));
    ASSERT_TRUE(WriteFile(dir_.Join("b.safetensors"), {{"z", Dtype::kU8, {1}, Bytes("3")}}));
  }
  // Writes the index with this weight_map body and opens the directory.
  std::string OpenError(const std::string& weight_map, Code code = Code::kCorrupt) {
    swerl::testing::WriteFile(
        dir_.Join("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":3},\"weight_map\":{" + weight_map + "}}");
    auto ckpt = Checkpoint::Open(dir_.path());
    if (ckpt) return "";
    EXPECT_EQ(ckpt.error().code(), code) << ckpt.error().message();
    EXPECT_THAT(ckpt.error().message(), HasSubstr("model.safetensors.index.json"));
    return ckpt.error().message();
  }
  swerl::testing::TempDir dir_;
};

TEST_F(IndexTest, AcceptsAConsistentIndex) {
  EXPECT_EQ(OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":"b.safetensors")"), "");
  auto ckpt = Checkpoint::Open(dir_.path());
  ASSERT_TRUE(ckpt);
  EXPECT_THAT(ckpt->names(), ElementsAre("x", "y", "z"));
  EXPECT_EQ(Str(ckpt->Find("z")->data), "3");
  EXPECT_EQ(ckpt->files().size(), 2u);
}

TEST_F(IndexTest, RejectsInconsistentIndexes) {
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","y":"b.safetensors","z":"b.safetensors")"),
              HasSubstr("tensor 'y' is mapped to 'b.safetensors', which does not hold it"));
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","z":"b.safetensors")"),
              HasSubstr("tensor 'y' in 'a.safetensors' is missing from \"weight_map\""));
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":"b.safetensors",)"
                        R"("x":"a.safetensors")"),
              HasSubstr("tensor 'x' is listed twice"));
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":"../b.safetensors")"),
              HasSubstr("leaves the checkpoint directory"));
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":"/b.safetensors")"),
              HasSubstr("leaves the checkpoint directory"));
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":3)"),
              HasSubstr("tensor 'z': the file name must be a string"));
  EXPECT_THAT(
      OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":"c.safetensors")", Code::kNotFound),
      HasSubstr("c.safetensors"));
  swerl::testing::WriteFile(dir_.Join("model.safetensors.index.json"), "{\"metadata\":{}}");
  auto no_map = Checkpoint::Open(dir_.path());
  ASSERT_FALSE(no_map);
  EXPECT_THAT(no_map.error().message(), HasSubstr("missing \"weight_map\""));
  swerl::testing::WriteFile(dir_.Join("model.safetensors.index.json"), "{\"weight_map\":");
  auto bad_json = Checkpoint::Open(dir_.path());
  ASSERT_FALSE(bad_json);
  EXPECT_THAT(bad_json.error().message(), HasSubstr("not valid JSON"));
}

TEST_F(IndexTest, RejectsATensorInTwoShards) {
  ASSERT_TRUE(WriteFile(dir_.Join("b.safetensors"),
                        {{"z", Dtype::kU8, {1}, Bytes("3")}, {"x", Dtype::kU8, {1}, Bytes("9")}}));
  EXPECT_THAT(OpenError(R"("x":"a.safetensors","y":"a.safetensors","z":"b.safetensors")"),
              HasSubstr("tensor 'x' is in both 'b.safetensors' and 'a.safetensors'"));
}

TEST_F(IndexTest, NamesTheShardThatIsCorrupt) {
  swerl::testing::WriteFile(dir_.Join("b.safetensors"), "garbage!garbage!");
  auto ckpt = Checkpoint::Open(dir_.path());
  swerl::testing::WriteFile(dir_.Join("model.safetensors.index.json"),
                            R"({"weight_map":{"x":"a.safetensors","z":"b.safetensors"}})");
  ckpt = Checkpoint::Open(dir_.path());
  ASSERT_FALSE(ckpt);
  EXPECT_EQ(ckpt.error().code(), Code::kCorrupt);
  EXPECT_THAT(ckpt.error().message(), HasSubstr("b.safetensors"));
}

TEST(CheckpointOpenTest, ReportsMissingWeights) {
  swerl::testing::TempDir dir;
  auto ckpt = Checkpoint::Open(dir.path());
  ASSERT_FALSE(ckpt);
  EXPECT_EQ(ckpt.error().code(), Code::kNotFound);
  EXPECT_THAT(ckpt.error().message(), HasSubstr("no weights in '" + dir.path() + "'"));
  auto missing = Checkpoint::Open(dir.Join("x.safetensors"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace swerl::st
