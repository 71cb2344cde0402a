// `swerl-train plot`: the generated gnuplot script, a PNG drawn by the real
// gnuplot (signature and size read back from its IHDR chunk), the errors
// for a missing run, an empty log, a missing or failing gnuplot, and the
// command line.
#include "trainer/metrics/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "testing/testing.h"
#include "trainer/metrics/keys.h"
#include "trainer/metrics/metrics_log.h"

namespace swerl::train::metrics {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// A metrics.jsonl like a run's: rising reward, a KL that grows, entropy
// that falls, lengths that settle; no KL at step 1.
std::string Curves(int steps) {
  std::string text;
  for (int step = 1; step <= steps; ++step) {
    const double t = step / double(steps);
    StepMetrics m;
    m.AddMean(key::kRewardMean, -0.8 + 1.2 * (1 - std::exp(-3 * t)) + 0.05 * std::sin(step));
    m.AddMax(key::kRewardMax, std::min(1.0, 0.2 + 0.9 * t));
    m.AddMean(key::kKl, step == 1 ? NAN : 0.002 * t * t);
    m.AddMean(key::kEntropy, 0.9 - 0.4 * t);
    m.AddMean(key::kCompletionLenMean, 900 - 300 * t + 20 * std::cos(step));
    m.AddMax(key::kCompletionLenMax, 2048 - 800 * t);
    text += MetricsLine(step, 1.7e9 + step, m);
  }
  return text;
}

struct PngSize {
  bool valid = false;
  uint32_t width = 0, height = 0;
};
// The PNG signature, then IHDR as the first chunk: width and height.
PngSize ReadPng(const std::string& path) {
  const std::string data = ReadFile(path);
  PngSize size;
  if (data.size() < 24 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
      data.compare(12, 4, "IHDR") != 0) {
    return size;
  }
  auto be32 = [&](size_t at) {
    return uint32_t(uint8_t(data[at])) << 24 | uint32_t(uint8_t(data[at + 1])) << 16 |
           uint32_t(uint8_t(data[at + 2])) << 8 | uint32_t(uint8_t(data[at + 3]));
  };
  size.valid = true;
  size.width = be32(16);
  size.height = be32(20);
  return size;
}

TEST(PlotScript, DataPanelsAndNoDataPanels) {
  std::vector<MetricsRow> rows(2);
  rows[0].step = 1;
  rows[0].values = {{"reward_mean", 0.5}, {"kl", NAN}, {"completion_len_mean", 100}};
  rows[1].step = 2;
  rows[1].values = {{"reward_mean", 0.25}, {"completion_len_mean", 120}};
  PlotOptions opt;
  opt.width = 640;
  opt.height = 480;
  const std::string s = PlotScript(rows, "it's a run", "/tmp/o'ut.png", opt);
  EXPECT_NE(s.find("set terminal pngcairo size 640,480"), std::string::npos) << s;
  EXPECT_NE(s.find("set output '/tmp/o''ut.png'"), std::string::npos) << s;
  EXPECT_NE(s.find("title 'it''s a run'"), std::string::npos) << s;
  // step, reward mean/max, kl, entropy, length mean/max.
  EXPECT_NE(s.find("\n1 0.5 NaN NaN NaN 100 NaN\n2 0.25 NaN NaN NaN 120 NaN\nEOD\n"),
            std::string::npos)
      << s;
  EXPECT_NE(
      s.find("plot $data using 1:2 with linespoints pointtype 7 pointsize 0.6 title 'mean'\n"),
      std::string::npos)
      << s;
  // KL and entropy have no value: "no data" panels, not a gnuplot error.
  size_t no_data = 0;
  for (size_t at = s.find("'no data'"); at != std::string::npos; at = s.find("'no data'", at + 1)) {
    ++no_data;
  }
  EXPECT_EQ(no_data, 2u) << s;
}

TEST(PlotRun, DrawsAPngOfTheRequestedSize) {
  TempDir dir;
  WriteFile(dir.Join("metrics.jsonl"), Curves(300));
  PlotOptions opt;
  opt.width = 1000;
  opt.height = 700;
  const std::string png = dir.Join("curves.png");
  auto steps = PlotRun(dir.path(), png, opt);
  ASSERT_TRUE(steps) << steps.error().message();
  EXPECT_EQ(*steps, 300u);
  const PngSize size = ReadPng(png);
  EXPECT_TRUE(size.valid);
  EXPECT_EQ(size.width, 1000u);
  EXPECT_EQ(size.height, 700u);
  EXPECT_GT(std::filesystem::file_size(png), 10000u);  // curves, not a blank image
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
  // One step, and a log of nothing but nulls: still a picture.
  WriteFile(dir.Join("metrics.jsonl"), "{\"step\":1,\"reward_mean\":null,\"kl\":null}\n");
  ASSERT_TRUE(PlotRun(dir.path(), png, opt));
  EXPECT_TRUE(ReadPng(png).valid);
}

TEST(PlotRun, ClearErrors) {
  TempDir dir;
  const PlotOptions opt;
  auto no_run = PlotRun(dir.Join("nope"), dir.Join("x.png"), opt);
  ASSERT_FALSE(no_run);
  EXPECT_EQ(no_run.error().code(), Code::kNotFound);
  EXPECT_EQ(no_run.error().message(), "run directory '" + dir.Join("nope") + "' does not exist");

  auto no_log = PlotRun(dir.path(), dir.Join("x.png"), opt);
  ASSERT_FALSE(no_log);
  EXPECT_NE(no_log.error().message().find("metrics.jsonl' does not exist"), std::string::npos)
      << no_log.error().message();

  WriteFile(dir.Join("metrics.jsonl"), "");
  auto empty = PlotRun(dir.path(), dir.Join("x.png"), opt);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), Code::kInvalidInput);
  EXPECT_NE(empty.error().message().find("holds no step yet"), std::string::npos);

  WriteFile(dir.Join("metrics.jsonl"), Curves(3) + "garbage\n");
  auto bad = PlotRun(dir.path(), dir.Join("x.png"), opt);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("metrics.jsonl' line 4: invalid JSON"), std::string::npos)
      << bad.error().message();

  WriteFile(dir.Join("metrics.jsonl"), Curves(3));
  PlotOptions missing;
  missing.gnuplot = "gnuplot-that-does-not-exist";
  auto not_found = PlotRun(dir.path(), dir.Join("x.png"), missing);
  ASSERT_FALSE(not_found);
  EXPECT_EQ(not_found.error().code(), Code::kNotFound);
  EXPECT_NE(not_found.error().message().find("not found in PATH (install gnuplot-nox"),
            std::string::npos)
      << not_found.error().message();
  missing.gnuplot = dir.Join("no/gnuplot");
  EXPECT_FALSE(PlotRun(dir.path(), dir.Join("x.png"), missing));

  // A gnuplot that fails: its messages are in the error, no PNG is left.
  WriteFile(dir.Join("fake-gnuplot"), "#!/bin/sh\necho 'line 3: unknown terminal' >&2\nexit 1\n");
  std::filesystem::permissions(dir.Join("fake-gnuplot"), std::filesystem::perms::owner_all);
  PlotOptions failing;
  failing.gnuplot = dir.Join("fake-gnuplot");
  auto failed = PlotRun(dir.path(), dir.Join("x.png"), failing);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), Code::kExternal);
  EXPECT_EQ(failed.error().message(),
            "'" + dir.Join("fake-gnuplot") + "' failed (exit status 1): line 3: unknown terminal");
  EXPECT_FALSE(std::filesystem::exists(dir.Join("x.png")));
}

TEST(PlotCli, WritesThePngAndReportsErrors) {
  TempDir dir;
  WriteFile(dir.Join("metrics.jsonl"), Curves(50));
  const auto ok = testing::Run({SWERL_TRAIN_BINARY, "plot", dir.path()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("swerl-train plot: wrote '" + dir.path() + "/metrics.png' (50 steps)"),
            std::string::npos)
      << ok.err;
  const PngSize size = ReadPng(dir.Join("metrics.png"));
  EXPECT_TRUE(size.valid);
  EXPECT_EQ(size.width, 1400u);
  EXPECT_EQ(size.height, 1000u);

  const auto out = testing::Run({SWERL_TRAIN_BINARY, "plot", "-q", dir.path(), "--out",
                                 dir.Join("o.png"), "--width", "500", "--height", "400"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.err, "");
  EXPECT_EQ(ReadPng(dir.Join("o.png")).width, 500u);

  const auto missing = testing::Run({SWERL_TRAIN_BINARY, "plot", dir.Join("absent")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err,
            "swerl-train plot: error: run directory '" + dir.Join("absent") + "' does not exist\n");

  const auto help = testing::Run({SWERL_TRAIN_BINARY, "plot", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--out", "--gnuplot", "--width", "--height", "--title"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace swerl::train::metrics
