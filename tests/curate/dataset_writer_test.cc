// DatasetWriter (swerl export --format hf|verl), its files read back by
// pyarrow in the oracle environment: column values, text that is not UTF-8
// repaired as the NDJSON record repairs it, row groups cut by rows and by
// bytes, the same bytes for the same rows, nothing left behind by a writer
// that did not finish; and the row contents of dataset_rows.h. Every field
// of real seeds, through pyarrow and `datasets`, is export_formats_test.py's.
#include "swerl/curate/dataset_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "swerl/curate/dataset_rows.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

shard::Seed MakeSeed(int n) {
  shard::Seed s;
  s.repo = "acme/widget";
  s.repo_id = 7;
  s.pull_number = n;
  s.instance_id = shard::InstanceId(s.repo, n);
  s.base_commit = std::string(40, 'a');
  s.pr_base_sha = std::string(40, 'b');
  s.head_commit = std::string(40, 'c');
  s.created_at = "2024-05-01T10:00:00Z";
  s.license = "MIT";
  s.title = "Fix parse";
  s.body = "Fixes #" + std::to_string(n);
  s.author = "alice";
  s.author_type = "User";
  s.issues = {{"acme/widget", 100 + n, true, "parse crashes", "boom \xc3\xa9", ""}};
  s.problem_statement = "parse crashes\nboom \xc3\xa9\n";
  s.stripped = {{"pr_ref", "#" + std::to_string(n)}};
  s.patch = "diff --git a/src/p.py b/src/p.py\n";
  s.files = {{"src/p.py", "src/p.py", "modified", false, false, "", 2, 1}};
  s.context = {{"src/p.py", "def parse():\n    return 1\n"}, {"src/q.py", "x = 1\n"}};
  s.oracle = {{"src/p.py", "def parse():\n    return 2\n"}};
  s.relevant_files = {"src/q.py"};
  s.prompt = "the user message " + std::to_string(n);
  s.controls = {{"empty", -1.0}, {"noop", 0.25}};
  return s;
}

// pyarrow's answer to `expr` about the file at `path` (t: the table, f: the
// ParquetFile), as compact JSON.
std::string Inspect(const std::string& path, const std::string& expr) {
  const auto r = testing::Run(
      {SWERL_PYTHON, "-c",
       "import json, sys\nimport pyarrow.parquet as pq\nf = pq.ParquetFile(sys.argv[1])\n"
       "t = f.read()\nprint(json.dumps(" +
           expr + ", ensure_ascii=False, separators=(',', ':')))",
       path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.empty() ? r.out : r.out.substr(0, r.out.size() - 1);
}

void Write(const std::string& path, const DatasetOptions& options,
           const std::vector<shard::Seed>& seeds) {
  auto w = DatasetWriter::Create(path, options);
  ASSERT_TRUE(w) << w.error().message();
  for (const auto& s : seeds) ASSERT_TRUE(w->Add(s));
  Status st = w->Finish();
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(w->rows(), seeds.size());
}

TEST(DatasetWriterTest, HfRowsReadBackColumnByColumn) {
  TempDir dir;
  const std::string path = dir.Join("hf.parquet");
  DatasetOptions options;
  options.system_prompt = "the system";
  options.metadata = {{"swerl.source", "swerl.db"}};
  shard::Seed bad = MakeSeed(2);
  bad.title = "caf\xe9 \xff";  // Latin-1 and a stray byte
  bad.context[1].first = "src/\xe9.py";
  Write(path, options, {MakeSeed(1), bad});

  EXPECT_EQ(Inspect(path, "[t.num_rows, t.column_names[:12], len(t.column_names)]"),
            "[2,[\"repo\",\"instance_id\",\"base_commit\",\"patch\",\"test_patch\","
            "\"problem_statement\",\"hints_text\",\"created_at\",\"version\",\"FAIL_TO_PASS\","
            "\"PASS_TO_PASS\",\"environment_setup_commit\"],32]");
  EXPECT_EQ(
      Inspect(path, "t.slice(1).to_pylist()[0]"),
      "{\"repo\":\"acme/widget\",\"instance_id\":\"acme__widget-2\",\"base_commit\":\"" +
          std::string(40, 'a') +
          "\",\"patch\":\"diff --git a/src/p.py b/src/p.py\\n\",\"test_patch\":\"\","
          "\"problem_statement\":\"parse crashes\\nboom é\\n\",\"hints_text\":\"\","
          "\"created_at\":\"2024-05-01T10:00:00Z\",\"version\":\"\",\"FAIL_TO_PASS\":\"[]\","
          "\"PASS_TO_PASS\":\"[]\",\"environment_setup_commit\":\"\",\"repo_id\":7,"
          "\"pull_number\":2,\"pr_base_sha\":\"" +
          std::string(40, 'b') + "\",\"head_commit\":\"" + std::string(40, 'c') +
          "\",\"merged_at\":\"\",\"license\":\"MIT\",\"title\":\"caf\xef\xbf\xbd "
          "\xef\xbf\xbd\",\"body\":\"Fixes #2\",\"author\":\"alice\",\"author_type\":\"User\","
          "\"issues\":[{\"repo\":\"acme/widget\",\"number\":102,\"closing\":true,\"title\":"
          "\"parse crashes\",\"body\":\"boom é\",\"created_at\":\"\"}],\"stripped\":[{\"kind\":"
          "\"pr_ref\",\"text\":\"#2\"}],\"files\":[{\"path\":\"src/p.py\",\"old_path\":"
          "\"src/p.py\",\"status\":\"modified\",\"is_test\":false,\"binary\":false,\"skip\":"
          "\"\",\"added_lines\":2,\"deleted_lines\":1}],\"context\":[{\"path\":\"src/p.py\","
          "\"content\":\"def parse():\\n    return 1\\n\"},{\"path\":\"src/\xef\xbf\xbd.py\","
          "\"content\":\"x = 1\\n\"}],\"oracle\":[{\"path\":\"src/p.py\",\"content\":\"def "
          "parse():\\n    return 2\\n\"}],\"relevant_files\":[\"src/q.py\"],\"prompt\":\"the "
          "user message 2\",\"controls\":[{\"name\":\"empty\",\"reward\":-1.0},{\"name\":"
          "\"noop\",\"reward\":0.25}],\"utf8_repaired\":false,\"split\":\"train\"}");
  // Key order is Arrow's; the keys and values are ours.
  EXPECT_EQ(Inspect(path,
                    "sorted((k.decode(), v.decode()) for k, v in "
                    "f.metadata.metadata.items() if k.startswith(b'swerl.'))"),
            "[[\"swerl.format\",\"hf\"],[\"swerl.schema_version\",\"1\"],[\"swerl.source\","
            "\"swerl.db\"],[\"swerl.system_prompt\",\"the system\"]]");
  // Every column and member is required (a reader never meets a null):
  // only repeated levels count in the definition levels.
  EXPECT_EQ(Inspect(path, "[c.max_definition_level for c in f.schema]"),
            Inspect(path, "[c.max_repetition_level for c in f.schema]"));
}

TEST(DatasetWriterTest, VerlRowsHoldTheChatAndTheGroundTruth) {
  TempDir dir;
  const std::string path = dir.Join("verl.parquet");
  DatasetOptions options;
  options.format = DatasetFormat::kVerl;
  options.system_prompt = "the system";
  options.data_source = "swerl/{repo}";
  options.eval_fraction = 1.0;  // every seed held out
  Write(path, options, {MakeSeed(1), MakeSeed(2)});
  EXPECT_EQ(Inspect(path, "t.slice(1).to_pylist()[0]"),
            "{\"data_source\":\"swerl/acme/widget\",\"prompt\":[{\"role\":\"system\",\"content\":"
            "\"the system\"},{\"role\":\"user\",\"content\":\"the user message 2\"}],\"ability\":"
            "\"swe\",\"reward_model\":{\"style\":\"rule\",\"ground_truth\":\"{\\\"context\\\":{"
            "\\\"src/p.py\\\":\\\"def parse():\\\\n    return 1\\\\n\\\",\\\"src/q.py\\\":\\\"x = "
            "1\\\\n\\\"},\\\"oracle\\\":{\\\"src/p.py\\\":\\\"def parse():\\\\n    return "
            "2\\\\n\\\"}}\"},\"extra_info\":{\"index\":1,\"split\":\"eval\",\"instance_id\":"
            "\"acme__widget-2\",\"repo\":\"acme/widget\",\"pull_number\":2,\"base_commit\":\"" +
                std::string(40, 'a') +
                "\",\"created_at\":\"2024-05-01T10:00:00Z\",\"license\":\"MIT\"}}");
}

TEST(DatasetWriterTest, RowGroupsByRowsAndBytesAndTheSameBytesEachTime) {
  TempDir dir;
  std::vector<shard::Seed> seeds;
  for (int n = 1; n <= 5; ++n) seeds.push_back(MakeSeed(n));
  DatasetOptions by_rows;
  by_rows.row_group_rows = 2;
  Write(dir.Join("a.parquet"), by_rows, seeds);
  by_rows.threads = 3;  // columns encoded in parallel: the same bytes
  Write(dir.Join("b.parquet"), by_rows, seeds);
  EXPECT_EQ(ReadFile(dir.Join("a.parquet")), ReadFile(dir.Join("b.parquet")));
  EXPECT_EQ(Inspect(dir.Join("a.parquet"), "[t.num_rows, f.num_row_groups]"), "[5,3]");

  DatasetOptions by_bytes;
  by_bytes.row_group_bytes = 1;  // every row fills a group
  auto w = DatasetWriter::Create(dir.Join("c.parquet"), by_bytes);
  ASSERT_TRUE(w);
  for (const auto& s : seeds) ASSERT_TRUE(w->Add(s));
  ASSERT_TRUE(w->Finish());
  EXPECT_EQ(w->row_groups(), 5u);
  EXPECT_EQ(Inspect(dir.Join("c.parquet"), "[t.num_rows, f.num_row_groups]"), "[5,5]");
  EXPECT_EQ(Inspect(dir.Join("c.parquet"), "t.to_pylist()"),
            Inspect(dir.Join("a.parquet"), "t.to_pylist()"));

  // No rows: the schema alone.
  Write(dir.Join("empty.parquet"), by_rows, {});
  EXPECT_EQ(Inspect(dir.Join("empty.parquet"), "[t.num_rows, f.num_row_groups, str(t.schema)]"),
            Inspect(dir.Join("a.parquet"), "[0, 0, str(t.schema)]"));
}

TEST(DatasetWriterTest, AWriterThatDoesNotFinishLeavesNothing) {
  TempDir dir;
  const std::string path = dir.Join("x.parquet");
  {
    auto w = DatasetWriter::Create(path, DatasetOptions{});
    ASSERT_TRUE(w) << w.error().message();
    ASSERT_TRUE(w->Add(MakeSeed(1)));
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 0);
  auto w = DatasetWriter::Create(dir.Join("no/such/dir/x.parquet"), DatasetOptions{});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), Code::kIo);
}

TEST(DatasetRowsTest, GroundTruthDataSourceAndSplit) {
  shard::Seed s = MakeSeed(3);
  s.oracle.push_back({"src/\xff.py", "new\n"});
  EXPECT_EQ(
      RewardGroundTruth(s),
      "{\"context\":{\"src/p.py\":\"def parse():\\n    return 1\\n\",\"src/q.py\":\"x = "
      "1\\n\"},\"oracle\":{\"src/p.py\":\"def parse():\\n    return 2\\n\",\"src/\xef\xbf\xbd."
      "py\":\"new\\n\"}}");
  EXPECT_EQ(DataSource("swerl", s), "swerl");
  EXPECT_EQ(DataSource("{repo}:{repo}/x", s), "acme/widget:acme/widget/x");
  EXPECT_EQ(SplitOf(s, 0), "train");
  EXPECT_EQ(SplitOf(s, 1), "eval");
}

}  // namespace
}  // namespace swerl::curate
