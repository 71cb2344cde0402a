// swerl-train init and generate as commands: files written, flags checked,
// NDJSON in and out, and agreement with transformers' greedy generate.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>

#include "model_ref.h"
#include "swerl/tok/tokenizer.h"
#include "testing/testing.h"
#include "trainer/model/config.h"

namespace swerl::train {
namespace {

namespace fs = std::filesystem;
using swerl::testing::DataPath;
using swerl::testing::ReadFile;
using swerl::testing::RunResult;
using swerl::testing::TempDir;
using testing::RefModelNamed;

RunResult Train(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), SWERL_TRAIN_BINARY);
  return swerl::testing::Run(args, stdin_data);
}

struct Output {
  std::vector<int32_t> ids;
  std::string text;
  std::vector<double> logprobs;
  std::string finish_reason;
  std::string id_json;
};

std::vector<Output> ParseOutput(const std::string& out) {
  std::vector<Output> rows;
  simdjson::dom::parser parser;
  size_t start = 0;
  while (start < out.size()) {
    const size_t end = out.find('\n', start);
    const std::string line = out.substr(start, end - start);
    start = end == std::string::npos ? out.size() : end + 1;
    simdjson::dom::element e;
    EXPECT_EQ(parser.parse(line).get(e), simdjson::SUCCESS) << line;
    Output o;
    for (auto id : e["ids"].get_array()) o.ids.push_back(static_cast<int32_t>(int64_t(id)));
    o.text = std::string(std::string_view(e["text"].get_string()));
    for (auto lp : e["logprobs"].get_array()) o.logprobs.push_back(double(lp));
    o.finish_reason = std::string(std::string_view(e["finish_reason"].get_string()));
    simdjson::dom::element id;
    if (e["id"].get(id) == simdjson::SUCCESS) o.id_json = simdjson::minify(id);
    EXPECT_EQ(e["sample_logprobs"].get_array().size(), o.ids.size());
    rows.push_back(o);
  }
  return rows;
}

std::string IdsLine(const std::vector<int32_t>& ids, const std::string& extra = "") {
  std::string s = "{" + extra + "\"ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]}\n";
}

TEST(TrainInitTest, WritesAConfigWeightsAndTheTokenizerFiles) {
  TempDir tmp;
  auto r = Train({"init", "--arch", "llama", "--tokenizer", DataPath("tokenizers/llama3"), "--out",
                  tmp.Join("m"), "--hidden", "32", "--layers", "1", "--heads", "2", "--kv-heads",
                  "1", "--dtype", "bf16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f :
       {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
    EXPECT_TRUE(fs::exists(tmp.Join("m/") + f)) << f;
  }
  auto config = LoadModelConfig(tmp.Join("m"));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->arch, Arch::kLlama);
  EXPECT_EQ(config->vocab_size, 128256);  // already a multiple of 128
  EXPECT_EQ(config->hidden_size, 32);
  EXPECT_EQ(config->head_dim, 16);
  EXPECT_EQ(config->intermediate_size, 128);  // 3 * 32 rounded up to 64
  EXPECT_EQ(config->bos_token_id, 128000);
  EXPECT_EQ(config->eos_token_ids, std::vector<int64_t>{128001});
  EXPECT_EQ(config->rope.type, RopeConfig::Type::kLlama3);
  EXPECT_TRUE(config->tie_word_embeddings);
  EXPECT_EQ(config->dtype, "bfloat16");
  auto expected_json = tok::ReadMaybeZstd(DataPath("tokenizers/llama3/tokenizer.json.zst"));
  ASSERT_TRUE(expected_json);
  EXPECT_TRUE(ReadFile(tmp.Join("m/tokenizer.json")) == *expected_json);
  EXPECT_EQ(ReadFile(tmp.Join("m/tokenizer_config.json")),
            ReadFile(DataPath("tokenizers/llama3/tokenizer_config.json")));

  // Qwen: 151,669 tokens round up to 151,680 rows; no BOS.
  r = Train({"init", "--arch", "qwen3", "--tokenizer", DataPath("tokenizers/qwen3"), "--out",
             tmp.Join("q"), "--hidden", "32", "--layers", "1", "--heads", "2", "--kv-heads", "2",
             "--head-dim", "24", "--untied"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  config = LoadModelConfig(tmp.Join("q"));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->vocab_size, 151680);
  EXPECT_EQ(config->head_dim, 24);
  EXPECT_FALSE(config->bos_token_id);
  EXPECT_EQ(config->eos_token_ids, std::vector<int64_t>{151645});
  EXPECT_FALSE(config->tie_word_embeddings);

  // Refuses to overwrite a checkpoint.
  r = Train({"init", "--arch", "qwen3", "--tokenizer", DataPath("tokenizers/qwen3"), "--out",
             tmp.Join("q")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("already holds a checkpoint"), std::string::npos) << r.err;
}

TEST(TrainInitTest, BadSizesNameTheFlag) {
  TempDir tmp;
  auto r = Train({"init", "--arch", "qwen2", "--tokenizer", DataPath("tokenizers/qwen3"), "--out",
                  tmp.Join("m"), "--heads", "4", "--kv-heads", "3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--kv-heads: 3 does not divide --heads 4"), std::string::npos) << r.err;
  r = Train({"init", "--arch", "qwen2", "--tokenizer", DataPath("tokenizers/qwen3"), "--out",
             tmp.Join("m"), "--vocab-size", "1000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--vocab-size 1000 is smaller than the tokenizer's 151669"),
            std::string::npos)
      << r.err;
  r = Train({"init", "--arch", "mistral", "--tokenizer", DataPath("tokenizers/qwen3"), "--out",
             tmp.Join("m")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(tmp.Join("m")));
}

TEST(TrainGenerateTest, GreedyCommandMatchesTransformers) {
  const auto& m = RefModelNamed("init_llama");
  std::string input;
  for (size_t i = 0; i < m.prompts.size(); ++i)
    input += IdsLine(m.prompts[i], "\"id\":" + std::to_string(i) + ",");
  // --batch-size 3: batches of 3 and 1, both compared.
  auto r =
      Train({"generate", "--model", m.dir, "--greedy", "--max-new-tokens", "64", "--batch-size",
             "3", "--device", "cpu", "--eos-id", std::to_string(m.eos_ids.at(0))},
            input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = ParseOutput(r.out);
  ASSERT_EQ(rows.size(), m.prompts.size());
  auto tok = tok::Tokenizer::Load(m.dir);
  ASSERT_TRUE(tok) << tok.error().message();
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].id_json, std::to_string(i));
    EXPECT_EQ(rows[i].ids, m.greedy[i]) << "prompt " << i;
    EXPECT_EQ(rows[i].text, *tok->Decode(rows[i].ids, /*skip_special=*/true));
    ASSERT_EQ(rows[i].logprobs.size(), m.greedy_logprobs[i].size());
    for (size_t t = 0; t < rows[i].logprobs.size(); ++t) {
      EXPECT_NEAR(rows[i].logprobs[t], m.greedy_logprobs[i][t], 1e-4);
    }
    EXPECT_EQ(rows[i].finish_reason, rows[i].ids.size() == 64 ? "length" : "eos");
  }
}

TEST(TrainGenerateTest, TextPromptsStopStringsAndSeeds) {
  const auto& m = RefModelNamed("init_qwen3");
  auto tok = tok::Tokenizer::Load(m.dir);
  ASSERT_TRUE(tok);
  const std::string prompts =
      "{\"prompt\":\"def add(a, b):\"}\n{\"prompt\":\"<|im_start|>user\\nhi<|im_end|>\\n\"}\n";
  // A text prompt is the tokenizer's encoding (special tokens allowed).
  auto as_text =
      Train({"generate", "--model", m.dir, "--greedy", "--max-new-tokens", "12"}, prompts);
  ASSERT_EQ(as_text.exit_code, 0) << as_text.err;
  auto as_ids = Train({"generate", "--model", m.dir, "--greedy", "--max-new-tokens", "12"},
                      IdsLine(tok->Encode("def add(a, b):")) +
                          IdsLine(tok->Encode("<|im_start|>user\nhi<|im_end|>\n")));
  ASSERT_EQ(as_ids.exit_code, 0) << as_ids.err;
  EXPECT_EQ(as_text.out, as_ids.out);

  // Seeded sampling repeats.
  const std::vector<std::string> sample = {"generate", "--model", m.dir, "--max-new-tokens",
                                           "16",       "--seed",  "11",  "--temperature",
                                           "0.9",      "--top-p", "0.95"};
  auto a = Train(sample, prompts);
  auto b = Train(sample, prompts);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  auto other_seed = sample;
  other_seed[6] = "12";
  EXPECT_NE(Train(other_seed, prompts).out, a.out);

  // A stop string taken from the greedy text ends the completion; the text
  // stops right before it.
  auto rows = ParseOutput(as_text.out);
  ASSERT_EQ(rows.size(), 2u);
  const std::string& full = rows[0].text;
  ASSERT_GE(full.size(), 6u);
  const std::string stop = full.substr(full.size() / 2, 3);
  auto s = Train({"generate", "--model", m.dir, "--greedy", "--max-new-tokens", "12", "--stop",
                  stop, "--stop", "\xe2\x80\x94never"},
                 prompts);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto stopped = ParseOutput(s.out);
  ASSERT_EQ(stopped.size(), 2u);
  EXPECT_EQ(stopped[0].finish_reason, "stop");
  EXPECT_EQ(stopped[0].text, full.substr(0, full.find(stop)));
  EXPECT_LT(stopped[0].ids.size(), rows[0].ids.size());
}

// Issue 16: one bad line stopped the whole run (exit 2, nothing answered
// after it). Now it is answered {"id"?, "error"} in its place and reported
// naming its file and line; the good lines get the completions they get
// without it (prompt i counts good prompts), exit 0 unless --max-errors.
TEST(TrainGenerateTest, Issue16BadInputLineIsReportedAndTheGoodOnesAnswered) {
  const auto& m = RefModelNamed("init_qwen3");
  TempDir tmp;
  const std::string good = "{\"id\":1,\"prompt\":\"a\"}\n{\"id\":2,\"prompt\":\"def f():\"}\n";
  const std::string mixed =
      "{\"id\":1,\"prompt\":\"a\"}\n{\"id\":\"x\",\"prompt\":3}\n{broken\n"
      "{\"id\":2,\"prompt\":\"def f():\"}\n";
  std::ofstream(tmp.Join("in.ndjson")) << mixed;
  const std::vector<std::string> sample = {
      "generate", "--model", m.dir, "--max-new-tokens", "4", "--seed", "5", "--batch-size", "2"};
  auto args = sample;
  args.push_back(tmp.Join("in.ndjson"));
  auto r = Train(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: '" + tmp.Join("in.ndjson") +
                       "' line 2: expected exactly one of \"prompt\""),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("' line 3: invalid JSON"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("error:"), std::string::npos) << r.err;
  const auto lines = swerl::testing::SplitLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[1],
            "{\"id\":\"x\",\"error\":\"expected exactly one of \\\"prompt\\\" (a string) "
            "and \\\"ids\\\" (an array)\"}");
  EXPECT_EQ(lines[2].rfind("{\"error\":\"invalid JSON", 0), 0u) << lines[2];
  const auto alone = Train(sample, good);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(lines[0] + "\n" + lines[3] + "\n", alone.out);
  // --max-errors: answered up to the limit, then exit 2.
  args.insert(args.end() - 1, {"--max-errors", "1"});
  r = Train(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: more than 1 bad lines"), std::string::npos) << r.err;
  EXPECT_EQ(swerl::testing::SplitLines(r.out).size(), 3u) << r.out;

  r = Train({"generate", "--model", m.dir, "--top-p", "0"}, "{\"prompt\":\"a\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--top-p: '0' is out of range: must be in (0, 1]"), std::string::npos)
      << r.err;
  r = Train({"generate", "--model", m.dir, "--batch-size", "0"}, "{\"prompt\":\"a\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--batch-size: '0' is out of range"), std::string::npos) << r.err;
}

// Issue 16: `generate --model /nonexistent` failed naming a file inside it.
TEST(TrainGenerateTest, Issue16MissingModelNamesTheDirectory) {
  TempDir tmp;
  auto r = Train({"generate", "--model", "/nonexistent"}, "{\"prompt\":\"a\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "swerl-train generate: error: --model '/nonexistent': no such directory\n");
  std::ofstream(tmp.Join("file")) << "x";
  r = Train({"generate", "--model", tmp.Join("file")}, "{\"prompt\":\"a\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model '" + tmp.Join("file") + "': not a directory"), std::string::npos)
      << r.err;
  // A directory without a checkpoint: the message names it too.
  r = Train({"generate", "--model", tmp.path(), "--tokenizer", DataPath("tokenizers/qwen3")},
            "{\"prompt\":\"a\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model '" + tmp.path() + "'"), std::string::npos) << r.err;
}

// The convention on swerl-train (docs/CLI.md; every subcommand is walked by
// tests/cli/convention_test.py): subcommand help, unknown commands, the
// renamed thread flag, --json.
TEST(TrainCliTest, Issue16SubcommandHelpUnknownCommandsAndThreads) {
  auto r = Train({"generate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Usage: "), std::string::npos);
  EXPECT_NE(r.out.find(" generate [OPTIONS]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--torch-threads"), std::string::npos);
  EXPECT_EQ(r.out.find("--threads"), std::string::npos);
  r = Train({"grpoo", "--help"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("swerl-train: error: unknown command 'grpoo'"), std::string::npos) << r.err;
  r = Train({"generat"});
  EXPECT_NE(r.err.find("(did you mean 'generate'?)"), std::string::npos) << r.err;
  r = Train({"tokenize", "--tokenizer", DataPath("tokenizers/qwen3"), "-j", "-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--jobs: '-1' is out of range"), std::string::npos) << r.err;
}

// Tokenize follows the same rule: a bad line is answered {"error"} in place.
TEST(TrainCliTest, TokenizeAnswersBadLinesInPlace) {
  auto r = Train({"tokenize", "--tokenizer", DataPath("tokenizers/qwen3"), "--json"},
                 "{\"text\":\"hi\"}\n{\"txt\":1}\n{\"text\":\"yo\"}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = swerl::testing::SplitLines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "{\"error\":\"expected an object with a string \\\"text\\\"\"}");
  EXPECT_NE(r.err.find("warning: '<stdin>' line 2: expected an object"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("{\"lines\":2,\"bad_lines\":1,"), std::string::npos) << r.err;
  r = Train({"tokenize", "--tokenizer", DataPath("tokenizers/qwen3"), "--max-errors", "0"},
            "{\"txt\":1}\n");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace swerl::train
