// The events pipeline: order, determinism across thread counts, duplicate
// ids, damaged and unreadable inputs, --max-errors, and the bounded id set.
#include "swerl/gharchive/event_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "swerl/gharchive/recent_ids.h"
#include "testing/testing.h"

namespace swerl::gharchive {
namespace {

using testing::DataPath;
using testing::Gzip;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

const std::string kFixture = "gharchive/2021-07-21-few-hours.json";

class StringSink : public RecordSink {
 public:
  Status Write(std::string_view records) override {
    out.append(records);
    return OkStatus();
  }
  std::string out;
};

struct Diag {
  std::string file;
  uint64_t line;
  std::string what;
};

class CollectingReporter : public EventStreamReporter {
 public:
  void LineError(const std::string& file, uint64_t line, const Error& why) override {
    line_errors.push_back({file, line, why.message()});
  }
  void LineRepaired(const std::string& file, uint64_t line, std::string_view what) override {
    repaired.push_back({file, line, std::string(what)});
  }
  void FileError(const std::string& file, const Error& why) override {
    file_errors.push_back({file, 0, why.message()});
  }
  std::vector<Diag> line_errors, repaired, file_errors;
};

struct RunOutput {
  Status status = OkStatus();
  std::string out;
  EventStreamStats stats;
  CollectingReporter reporter;
};

RunOutput RunStream(const std::vector<std::string>& inputs, EventStreamOptions options = {}) {
  RunOutput r;
  StringSink sink;
  r.status = RunEventStream(inputs, options, &sink, &r.reporter, &r.stats);
  r.out = std::move(sink.out);
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string IdOf(const std::string& record) {
  // Records start with {"id":"<id>"
  const size_t q = record.find('"', 7);
  return record.substr(7, q - 7);
}

TEST(EventStreamTest, RealFixtureCountsAndOrder) {
  auto r = RunStream({DataPath(kFixture)});
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.stats.files, 1u);
  EXPECT_EQ(r.stats.lines, 800u);
  EXPECT_EQ(r.stats.emitted, 64u + 21 + 36 + 28 + 10);
  EXPECT_EQ(r.stats.per_type[static_cast<int>(EventType::kPullRequest)], 64u);
  EXPECT_EQ(r.stats.per_type[static_cast<int>(EventType::kIssues)], 21u);
  EXPECT_EQ(r.stats.per_type[static_cast<int>(EventType::kIssueComment)], 36u);
  EXPECT_EQ(r.stats.per_type[static_cast<int>(EventType::kPullRequestReview)], 28u);
  EXPECT_EQ(r.stats.per_type[static_cast<int>(EventType::kPullRequestReviewComment)], 10u);
  EXPECT_EQ(r.stats.skipped_type, 800u - 159);
  EXPECT_EQ(r.stats.malformed, 0u);
  EXPECT_EQ(r.stats.duplicates, 0u);
  // Records come out in input order.
  std::vector<std::string> input_ids;
  for (const auto& line : Lines(ReadFile(DataPath(kFixture)))) {
    const std::string id = IdOf(line);
    if (r.out.find("{\"id\":\"" + id + "\"") != std::string::npos) input_ids.push_back(id);
  }
  std::vector<std::string> output_ids;
  for (const auto& rec : Lines(r.out)) output_ids.push_back(IdOf(rec));
  EXPECT_EQ(output_ids, input_ids);
}

TEST(EventStreamTest, OutputIsIdenticalForAnyThreadCountAndChunkSize) {
  TempDir dir;
  const std::string text = ReadFile(DataPath(kFixture));
  // Several files, gzip and plain, so file order and chunking both matter.
  std::vector<std::string> inputs;
  const auto lines = Lines(text);
  for (int f = 0; f < 4; ++f) {
    std::string part;
    for (size_t i = f * 200; i < (f + 1) * 200u; ++i) part += lines[i] + "\n";
    const std::string path = dir.Join("part" + std::to_string(f) + (f % 2 ? ".json.gz" : ".json"));
    WriteFile(path, f % 2 ? Gzip(part) : part);
    inputs.push_back(path);
  }
  EventStreamOptions base;
  const auto reference = RunStream(inputs, base);
  ASSERT_TRUE(reference.status);
  EXPECT_EQ(reference.stats.emitted, 159u);
  EXPECT_EQ(reference.out, RunStream({DataPath(kFixture)}).out);
  for (int threads : {1, 2, 4}) {
    for (size_t chunk : {size_t{1}, size_t{4096}, size_t{100000}}) {
      EventStreamOptions o;
      o.threads = threads;
      o.chunk_bytes = chunk;
      const auto got = RunStream(inputs, o);
      ASSERT_TRUE(got.status);
      EXPECT_EQ(got.out, reference.out) << "threads " << threads << " chunk " << chunk;
    }
  }
}

TEST(EventStreamTest, RepeatedIdsAreEmittedOnceFirstOccurrenceWins) {
  TempDir dir;
  const auto lines = Lines(ReadFile(DataPath(kFixture)));
  std::string a, b;
  for (size_t i = 0; i < 400; ++i) a += lines[i] + "\n";
  for (size_t i = 300; i < 800; ++i) b += lines[i] + "\n";  // lines 300..399 repeat
  WriteFile(dir.Join("a.json"), a + a);                     // and all of a twice
  WriteFile(dir.Join("b.json"), b);
  EventStreamOptions o;
  o.threads = 2;
  o.chunk_bytes = 10000;
  const auto r = RunStream({dir.Join("a.json"), dir.Join("b.json")}, o);
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.stats.emitted, 159u);
  EXPECT_EQ(r.out, RunStream({DataPath(kFixture)}).out);
  EXPECT_GT(r.stats.duplicates, 0u);
  std::set<std::string> ids;
  for (const auto& rec : Lines(r.out)) EXPECT_TRUE(ids.insert(IdOf(rec)).second);
}

TEST(EventStreamTest, TruncatedGzipKeepsEverythingBeforeTheDamage) {
  TempDir dir;
  const std::string text = ReadFile(DataPath(kFixture));
  const std::string gz = Gzip(text);
  WriteFile(dir.Join("cut.json.gz"), gz.substr(0, gz.size() / 2));
  WriteFile(dir.Join("whole.json"), text);
  const auto r = RunStream({dir.Join("cut.json.gz"), dir.Join("whole.json")});
  ASSERT_TRUE(r.status);  // damage is reported, not fatal
  EXPECT_EQ(r.stats.damaged_files, 1u);
  ASSERT_EQ(r.reporter.file_errors.size(), 1u);
  EXPECT_EQ(r.reporter.file_errors[0].file, dir.Join("cut.json.gz"));
  EXPECT_NE(r.reporter.file_errors[0].what.find("truncated"), std::string::npos);
  // Every event of the cut file that decoded is out; the second file adds
  // nothing new (same ids), so the output is a prefix of the whole run.
  const std::string whole = RunStream({DataPath(kFixture)}).out;
  EXPECT_GT(r.stats.lines, 300u);
  EXPECT_EQ(r.out, whole);
  const auto cut_only = RunStream({dir.Join("cut.json.gz")});
  EXPECT_GT(cut_only.stats.emitted, 40u);
  EXPECT_EQ(whole.compare(0, cut_only.out.size(), cut_only.out), 0);
}

TEST(EventStreamTest, UnreadableFileIsReportedAndTheRestProcessed) {
  TempDir dir;
  const auto r = RunStream({dir.Join("missing.json.gz"), DataPath(kFixture)});
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.stats.unreadable_files, 1u);
  ASSERT_EQ(r.reporter.file_errors.size(), 1u);
  EXPECT_NE(r.reporter.file_errors[0].what.find("missing.json.gz"), std::string::npos);
  EXPECT_EQ(r.stats.emitted, 159u);
}

TEST(EventStreamTest, MalformedLinesAreReportedWithLineNumbers) {
  TempDir dir;
  const auto lines = Lines(ReadFile(DataPath(kFixture)));
  std::string text;
  for (size_t i = 0; i < 50; ++i) {
    text += lines[i] + "\n";
    if (i == 9) text += "{\"id\": oops\n";  // line 11
    if (i == 19) text += "[1,2,3]\n";       // line 22
  }
  WriteFile(dir.Join("bad.json"), text);
  const auto r = RunStream({dir.Join("bad.json")});
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.stats.malformed, 2u);
  ASSERT_EQ(r.reporter.line_errors.size(), 2u);
  EXPECT_EQ(r.reporter.line_errors[0].line, 11u);
  EXPECT_EQ(r.reporter.line_errors[1].line, 22u);
  EXPECT_EQ(r.reporter.line_errors[0].file, dir.Join("bad.json"));
  EXPECT_EQ(r.stats.lines, 52u);
}

TEST(EventStreamTest, MaxErrorsStopsWithAnError) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20; ++i) text += "not json\n";
  WriteFile(dir.Join("bad.json"), text);
  EventStreamOptions o;
  o.max_errors = 5;
  o.chunk_bytes = 16;
  const auto r = RunStream({dir.Join("bad.json")}, o);
  ASSERT_FALSE(r.status);
  EXPECT_NE(r.status.error().message().find("too many errors"), std::string::npos);
  o.max_errors = 20;
  EXPECT_TRUE(RunStream({dir.Join("bad.json")}, o).status);
}

TEST(EventStreamTest, OversizedLinesAreSkippedAndCounted) {
  TempDir dir;
  const auto lines = Lines(ReadFile(DataPath(kFixture)));
  std::string text = lines[0] + "\n" + std::string(5000, 'x') + "\n" + lines[1] + "\n";
  WriteFile(dir.Join("big.json"), text);
  EventStreamOptions o;
  o.max_line_bytes = 4096;
  const auto r = RunStream({dir.Join("big.json")}, o);
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.stats.oversized, 1u);
  ASSERT_EQ(r.reporter.line_errors.size(), 1u);
  EXPECT_EQ(r.reporter.line_errors[0].line, 2u);
}

TEST(EventStreamTest, SinkErrorStopsTheStream) {
  class FailingSink : public RecordSink {
   public:
    Status Write(std::string_view) override { return Error(Code::kCancelled, "broken pipe"); }
  } sink;
  CollectingReporter reporter;
  EventStreamStats stats;
  EventStreamOptions o;
  o.chunk_bytes = 1000;
  Status st = RunEventStream({DataPath(kFixture)}, o, &sink, &reporter, &stats);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kCancelled);
  EXPECT_LT(stats.lines, 800u);
}

TEST(RecentIdsTest, ExactWithinTheWindowAndBoundedBeyond) {
  RecentIds ids(1000);
  std::mt19937_64 rng(7);
  std::vector<uint64_t> inserted;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t id = rng() | 1;
    EXPECT_TRUE(ids.Insert(id));
    inserted.push_back(id);
    // Anything among the last 1000 is a repeat.
    const uint64_t back =
        inserted[inserted.size() - 1 - (rng() % std::min<size_t>(1000, inserted.size()))];
    EXPECT_FALSE(ids.Insert(back));
  }
  // Far older ids are forgotten (the set is bounded).
  EXPECT_TRUE(ids.Insert(inserted[0]));
  EXPECT_TRUE(ids.Insert(0));
  EXPECT_FALSE(ids.Insert(0));
}

}  // namespace
}  // namespace swerl::gharchive
