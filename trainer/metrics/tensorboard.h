// TensorBoard event files written without TensorFlow: TFRecord framing
//   u64 length (LE) | u32 masked CRC32C of the length bytes | data |
//   u32 masked CRC32C of data
// around `tensorboard.Event` protobufs encoded by hand (the handful of
// fields scalars need; see tensorboard/compat/proto/event.proto). A file
// starts with the event {wall_time, file_version: "brain.Event:2"}.
// `tensorboard --logdir RUN/tb` reads them (tests/oracles/tb_oracle.py
// checks with the tensorboard package).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::train::metrics {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses.
uint32_t Crc32c(std::string_view data);
// TFRecord's mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t MaskedCrc32c(std::string_view data);
// Appends one TFRecord holding `data` to *out.
void AppendTfRecord(std::string_view data, std::string* out);

// Serialized Event messages.
std::string FileVersionEvent(double wall_time);
// A SessionLog START at `step`: TensorBoard drops what earlier files hold
// for steps >= step (how a restarted run hides the steps it redoes).
std::string SessionStartEvent(double wall_time, int64_t step);
// One Event whose summary holds a simple_value (float) per (tag, value).
std::string ScalarsEvent(double wall_time, int64_t step,
                         const std::vector<std::pair<std::string, double>>& tag_values);

// Writes one event file. Movable, not copyable; not thread-safe.
class TensorBoardWriter {
 public:
  // Creates `dir` (with parents) and a new file
  // "events.out.tfevents.<unix seconds>.<hostname>" in it (".1", ".2", ...
  // appended when that name exists: a file is never reused, each process
  // start gets its own, as TensorBoard expects), then writes the
  // file_version event and a SessionLog START at `first_step`, the first
  // step this process will log. Errors: kIo.
  static Result<TensorBoardWriter> Create(const std::string& dir, int64_t first_step,
                                          double wall_time);
  TensorBoardWriter(TensorBoardWriter&& other) noexcept;
  TensorBoardWriter& operator=(TensorBoardWriter&& other) noexcept;
  ~TensorBoardWriter();

  // One event for `step`: tag = tag_prefix + name for every finite value
  // (NaN and infinities are left out), written with one write(2).
  // Errors: kIo.
  Status WriteScalars(int64_t step, double wall_time,
                      const std::vector<std::pair<std::string, double>>& values,
                      std::string_view tag_prefix = "train/");

  const std::string& path() const { return path_; }

 private:
  TensorBoardWriter(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace swerl::train::metrics
