#include "swerl/net/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/testing.h"

namespace swerl::net {
namespace {

ManifestEntry Entry(std::string hour, EntryStatus status, uint64_t attempts = 1) {
  ManifestEntry e;
  e.hour = std::move(hour);
  e.status = status;
  e.attempts = attempts;
  e.url = "https://data.gharchive.org/" + e.hour;
  if (status == EntryStatus::kOk) {
    e.bytes = 1234;
    e.sha256 = std::string(64, 'a');
    e.etag = "\"etag\"";
    e.last_modified = "Mon, 01 Jan 2024 01:05:12 GMT";
  }
  return e;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

TEST(FetchManifestTest, LineFormatIsFixedAndRoundTrips) {
  ManifestEntry ok = Entry("2024-01-01-0.json.gz", EntryStatus::kOk, 2);
  ok.last_error = "HTTP 500 from 'x': \"quoted\"\nnewline";
  const std::string line = FormatManifestLine(ok);
  EXPECT_EQ(line.substr(0, 63),
            "{\"hour\":\"2024-01-01-0.json.gz\",\"status\":\"ok\",\"bytes\":1234,\"sha2");
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto back = ParseManifestLine(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, ok);

  const ManifestEntry missing = Entry("2024-01-01-1.json.gz", EntryStatus::kMissing);
  EXPECT_EQ(FormatManifestLine(missing),
            "{\"hour\":\"2024-01-01-1.json.gz\",\"status\":\"missing\",\"bytes\":0,"
            "\"sha256\":null,\"attempts\":1,\"etag\":null,\"last_modified\":null,"
            "\"last_error\":null,\"url\":\"https://data.gharchive.org/2024-01-01-1.json.gz\"}\n");
  auto m = ParseManifestLine(FormatManifestLine(missing));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, missing);
}

TEST(FetchManifestTest, RejectsBadLines) {
  for (const char* bad :
       {"", "[]", "{\"hour\":\"x\"}", "{not json",
        "{\"hour\":\"h\",\"status\":\"weird\",\"bytes\":0,\"sha256\":null,\"attempts\":1,"
        "\"etag\":null,\"last_modified\":null,\"last_error\":null,\"url\":\"u\"}",
        "{\"hour\":\"h\",\"status\":\"ok\",\"bytes\":\"7\",\"sha256\":null,\"attempts\":1,"
        "\"etag\":null,\"last_modified\":null,\"last_error\":null,\"url\":\"u\"}"}) {
    auto e = ParseManifestLine(bad);
    ASSERT_FALSE(e.has_value()) << bad;
    EXPECT_EQ(e.error().code(), Code::kCorrupt);
  }
}

TEST(FetchManifestTest, AppendsAndLatestLineWins) {
  testing::TempDir dir;
  const std::string path = dir.Join("manifest.ndjson");
  {
    auto m = Manifest::Open(path);
    ASSERT_TRUE(m.has_value()) << m.error().message();
    EXPECT_TRUE(m->entries().empty());
    ASSERT_TRUE(m->Append(Entry("2024-01-01-0.json.gz", EntryStatus::kFailed, 6)));
    ASSERT_TRUE(m->Append(Entry("2024-01-01-1.json.gz", EntryStatus::kMissing)));
    ASSERT_TRUE(m->Append(Entry("2024-01-01-0.json.gz", EntryStatus::kOk, 2)));
    EXPECT_EQ(m->Find("2024-01-01-0.json.gz")->status, EntryStatus::kOk);
  }
  EXPECT_EQ(Lines(testing::ReadFile(path)).size(), 3u);
  auto m = Manifest::Open(path);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->entries().size(), 2u);
  EXPECT_EQ(m->Find("2024-01-01-0.json.gz")->status, EntryStatus::kOk);
  EXPECT_EQ(m->Find("2024-01-01-0.json.gz")->attempts, 2u);
  EXPECT_EQ(m->Find("2024-01-01-2.json.gz"), nullptr);
  EXPECT_EQ(m->bad_lines(), 0u);
}

TEST(FetchManifestTest, SurvivesATornLastLine) {
  testing::TempDir dir;
  const std::string path = dir.Join("manifest.ndjson");
  testing::WriteFile(path, FormatManifestLine(Entry("2024-01-01-3.json.gz", EntryStatus::kOk)) +
                               "{\"hour\":\"2024-01-01-4.json.gz\",\"sta");
  auto m = Manifest::Open(path);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bad_lines(), 1u);
  EXPECT_EQ(m->entries().size(), 1u);
  ASSERT_TRUE(m->Append(Entry("2024-01-01-5.json.gz", EntryStatus::kMissing)));
  auto again = Manifest::Open(path);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->entries().size(), 2u);
  EXPECT_EQ(again->bad_lines(), 1u);
  ASSERT_TRUE(again->Compact());
  EXPECT_EQ(again->bad_lines(), 0u);
  EXPECT_EQ(Lines(testing::ReadFile(path)).size(), 2u);
}

TEST(FetchManifestTest, CompactSortsByHourAndKeepsAppending) {
  testing::TempDir dir;
  const std::string path = dir.Join("manifest.ndjson");
  auto m = Manifest::Open(path);
  ASSERT_TRUE(m.has_value());
  for (const char* hour : {"2024-01-01-10.json.gz", "zzz-not-an-hour", "2024-01-01-9.json.gz",
                           "2023-12-31-23.json.gz", "2024-01-01-10.json.gz"}) {
    ASSERT_TRUE(m->Append(Entry(hour, EntryStatus::kMissing)));
  }
  ASSERT_TRUE(m->Compact());
  auto lines = Lines(testing::ReadFile(path));
  ASSERT_EQ(lines.size(), 4u);
  std::vector<std::string> hours;
  for (const auto& line : lines) hours.push_back(ParseManifestLine(line)->hour);
  EXPECT_EQ(hours, (std::vector<std::string>{"2023-12-31-23.json.gz", "2024-01-01-9.json.gz",
                                             "2024-01-01-10.json.gz", "zzz-not-an-hour"}));
  ASSERT_TRUE(m->Append(Entry("2024-01-02-0.json.gz", EntryStatus::kOk)));
  EXPECT_EQ(Lines(testing::ReadFile(path)).size(), 5u);
  // No temporary files are left next to it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace swerl::net
