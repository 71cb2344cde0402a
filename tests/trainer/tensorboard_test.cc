// TensorBoard event files: CRC-32C against published check values, the
// wire bytes of the events, and (the oracle) the tensorboard package
// reading the files back — record CRCs, protobuf decoding, and what its
// EventAccumulator serves after a resumed run (tests/oracles/tb_oracle.py).
#include "trainer/metrics/tensorboard.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>

#include "testing/testing.h"
#include "trainer/metrics/run_log.h"

namespace swerl::train::metrics {
namespace {

using testing::TempDir;

TEST(Crc32c, CheckValues) {
  // The standard check value, and RFC 3720 (iSCSI) appendix B.4's vectors.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);
  // TFRecord's mask.
  const uint32_t crc = Crc32c("123456789");
  EXPECT_EQ(MaskedCrc32c("123456789"), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(TensorBoardEvents, WireBytes) {
  // wall_time 1.5 (field 1, fixed64), file_version (field 3, bytes).
  EXPECT_EQ(Hex(FileVersionEvent(1.5)),
            "09000000000000f83f"
            "1a0d" +
                Hex("brain.Event:2"));
  // step 300 (field 2, varint ac 02), session_log (field 7) {status START}.
  EXPECT_EQ(Hex(SessionStartEvent(1.5, 300)),
            "09000000000000f83f"
            "10ac02"
            "3a020801");
  // summary (field 5) { value (field 1) { tag (1) "t", simple_value (2) 0.5f } }.
  EXPECT_EQ(Hex(ScalarsEvent(1.5, -1, {{"t", 0.5}})),
            "09000000000000f83f"
            "10ffffffffffffffffff01"
            "2a0a"
            "0a08"
            "0a0174"
            "150000003f");
  std::string record;
  AppendTfRecord("abc", &record);
  ASSERT_EQ(record.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(Hex(record.substr(0, 8)), "0300000000000000");
  EXPECT_EQ(record.substr(12, 3), "abc");
}

// Runs the oracle on `logdir` and returns its JSON; fails the test on a
// non-zero exit.
std::string Oracle(const std::string& logdir) {
  const auto r = testing::Run(
      {SWERL_PYTHON, std::string(SWERL_SOURCE_DIR) + "/tests/oracles/tb_oracle.py", logdir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

StepMetrics Metrics(double reward, double kl) {
  StepMetrics m;
  m.AddMean("reward_mean", reward);
  m.AddMean("kl", kl);
  m.AddMean("never", 1, 0);  // NaN: not written
  return m;
}

TEST(TensorBoardOracle, TensorBoardReadsAResumedRunWithEveryStepOnce) {
  TempDir dir;
  const std::string run = dir.Join("run");
  {
    auto log = RunLog::Open(run, std::nullopt, {}, 1700000000.5);
    ASSERT_TRUE(log);
    for (int step = 1; step <= 5; ++step) {
      ASSERT_TRUE(log->LogStep(step, Metrics(0.1 * step, 1e-3 * step), 1700000000.5 + step));
    }
  }
  {
    // Resumed from the checkpoint at step 3, one second later (a new file).
    auto log = RunLog::Open(run, 3, {}, 1700000100.25);
    ASSERT_TRUE(log);
    for (int step = 4; step <= 7; ++step) {
      ASSERT_TRUE(log->LogStep(step, Metrics(-0.1 * step, 2e-3 * step), 1700000100.25 + step));
    }
  }
  const std::string json = Oracle(run + "/tb");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;

  // The files as written: version, START, then one event per step.
  simdjson::dom::array files = root["files"].get_array();
  ASSERT_EQ(files.size(), 2u) << json;
  const int64_t first_steps[2] = {0, 4};
  const double starts[2] = {1700000000.5, 1700000100.25};
  int f = 0;
  for (simdjson::dom::element file : files) {
    simdjson::dom::array events = file["events"].get_array();
    ASSERT_EQ(events.size(), f == 0 ? 7u : 6u);
    auto e = events.begin();
    EXPECT_EQ(std::string_view((*e)["file_version"].get_string()), "brain.Event:2");
    EXPECT_EQ(double((*e)["wall_time"].get_double()), starts[f]);
    ++e;
    EXPECT_EQ(int64_t((*e)["session_log"].get_int64()), 1);  // START
    EXPECT_EQ(int64_t((*e)["step"].get_int64()), first_steps[f]);
    ++e;
    for (int64_t step = first_steps[f] ? 4 : 1; e != events.end(); ++e, ++step) {
      EXPECT_EQ(int64_t((*e)["step"].get_int64()), step);
      EXPECT_EQ(double((*e)["wall_time"].get_double()), starts[f] + step);
      simdjson::dom::object values = (*e)["values"].get_object();
      EXPECT_EQ(values.size(), 2u);  // NaN left out
      const double reward = f == 0 ? 0.1 * step : -0.1 * step;
      EXPECT_EQ(double(values["train/reward_mean"].get_double()),
                double(static_cast<float>(reward)));
    }
    ++f;
  }

  // What TensorBoard shows: steps 1-3 from the first file, 4-7 from the
  // second, each once.
  simdjson::dom::object scalars = root["scalars"].get_object();
  ASSERT_EQ(scalars.size(), 2u) << json;
  for (const char* tag : {"train/reward_mean", "train/kl"}) {
    SCOPED_TRACE(tag);
    simdjson::dom::array points = scalars[tag].get_array();
    ASSERT_EQ(points.size(), 7u) << json;
    int64_t step = 1;
    for (simdjson::dom::element p : points) {
      EXPECT_EQ(int64_t(p.at(0).get_int64()), step);
      const bool resumed = step > 3;
      const double want = std::string_view(tag) == "train/kl" ? (resumed ? 2e-3 : 1e-3) * step
                                                              : (resumed ? -0.1 : 0.1) * step;
      EXPECT_EQ(double(p.at(1).get_double()), double(static_cast<float>(want)));
      ++step;
    }
  }
}

TEST(TensorBoardOracle, DetectsADamagedRecord) {
  TempDir dir;
  std::string path;
  {
    auto writer = TensorBoardWriter::Create(dir.path(), 0, 1e9);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->WriteScalars(1, 1e9 + 1, {{"x", 1.0}}));
    path = writer->path();
  }
  EXPECT_EQ(Oracle(dir.path()).find("\"train/x\": [[1, 1.0]]") != std::string::npos, true);
  // Flip one bit of the last record's data: the CRC check must catch it.
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(-6, std::ios::end);
  char c;
  file.read(&c, 1);
  c ^= 1;
  file.seekp(-6, std::ios::end);
  file.write(&c, 1);
  file.close();
  const auto r = testing::Run(
      {SWERL_PYTHON, std::string(SWERL_SOURCE_DIR) + "/tests/oracles/tb_oracle.py", dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("failed event crc32 check"), std::string::npos) << r.err;
}

TEST(TensorBoardWriter, NeverReusesAFile) {
  TempDir dir;
  auto a = TensorBoardWriter::Create(dir.path(), 0, 1700000000.9);
  auto b = TensorBoardWriter::Create(dir.path(), 0, 1700000000.1);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->path(), b->path());
  EXPECT_EQ(b->path(), a->path() + ".1");
}

}  // namespace
}  // namespace swerl::train::metrics
