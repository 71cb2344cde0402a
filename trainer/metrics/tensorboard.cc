#include "trainer/metrics/tensorboard.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "swerl/io/atomic_file.h"

namespace swerl::train::metrics {
namespace {

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (crc & 1 ? 0x82F63B78u : 0);
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

// ---- protobuf wire format: the few encodings Event needs.
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutKey(uint32_t field, WireType type, std::string* out) { PutVarint(field << 3 | type, out); }
void PutLittleEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutBytes(uint32_t field, std::string_view bytes, std::string* out) {
  PutKey(field, kLengthDelimited, out);
  PutVarint(bytes.size(), out);
  out->append(bytes);
}
void PutDouble(uint32_t field, double v, std::string* out) {
  PutKey(field, kFixed64, out);
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutLittleEndian(bits, 8, out);
}
void PutFloat(uint32_t field, float v, std::string* out) {
  PutKey(field, kFixed32, out);
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutLittleEndian(bits, 4, out);
}
// int64 fields are varints of the two's complement (10 bytes if negative).
void PutInt64(uint32_t field, int64_t v, std::string* out) {
  PutKey(field, kVarint, out);
  PutVarint(static_cast<uint64_t>(v), out);
}

// tensorboard.Event field numbers.
constexpr uint32_t kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5,
                   kEventSessionLog = 7;
constexpr uint32_t kSummaryValue = 1;                         // Summary.value (repeated)
constexpr uint32_t kValueTag = 1, kValueSimpleValue = 2;      // Summary.Value
constexpr uint32_t kSessionLogStatus = 1, kSessionStart = 1;  // SessionLog.status = START

// Proto3 leaves fields at their default out; so does this encoder for the
// step, so that protobuf re-encodes an event to the same bytes.
std::string EventHeader(double wall_time, int64_t step) {
  std::string e;
  PutDouble(kEventWallTime, wall_time, &e);
  if (step != 0) PutInt64(kEventStep, step, &e);
  return e;
}

Status WriteRecords(int fd, const std::string& records, const std::string& path) {
  return io::WriteAll(fd, records, "writing '" + path + "'");
}

}  // namespace

uint32_t Crc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) crc = kCrcTable[(crc ^ static_cast<uint8_t>(c)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t MaskedCrc32c(std::string_view data) {
  const uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

void AppendTfRecord(std::string_view data, std::string* out) {
  std::string length;
  PutLittleEndian(data.size(), 8, &length);
  out->append(length);
  PutLittleEndian(MaskedCrc32c(length), 4, out);
  out->append(data);
  PutLittleEndian(MaskedCrc32c(data), 4, out);
}

std::string FileVersionEvent(double wall_time) {
  std::string e;
  PutDouble(kEventWallTime, wall_time, &e);
  PutBytes(kEventFileVersion, "brain.Event:2", &e);
  return e;
}

std::string SessionStartEvent(double wall_time, int64_t step) {
  std::string log;
  PutKey(kSessionLogStatus, kVarint, &log);
  PutVarint(kSessionStart, &log);
  std::string e = EventHeader(wall_time, step);
  PutBytes(kEventSessionLog, log, &e);
  return e;
}

std::string ScalarsEvent(double wall_time, int64_t step,
                         const std::vector<std::pair<std::string, double>>& tag_values) {
  std::string summary, value;
  for (const auto& [tag, v] : tag_values) {
    value.clear();
    PutBytes(kValueTag, tag, &value);
    PutFloat(kValueSimpleValue, static_cast<float>(v), &value);
    PutBytes(kSummaryValue, value, &summary);
  }
  std::string e = EventHeader(wall_time, step);
  PutBytes(kEventSummary, summary, &e);
  return e;
}

Result<TensorBoardWriter> TensorBoardWriter::Create(const std::string& dir, int64_t first_step,
                                                    double wall_time) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(Code::kIo, "cannot create '" + dir + "': " + ec.message());
  char host[256] = "localhost";
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "localhost");
  host[sizeof host - 1] = '\0';
  const std::string base = dir + "/events.out.tfevents." +
                           std::to_string(static_cast<int64_t>(std::floor(wall_time))) + "." + host;
  std::string path = base;
  int fd = -1;
  for (int attempt = 1;; ++attempt) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) break;
    if (errno != EEXIST || attempt > 1000) return OpenError(path, errno);
    path = base + "." + std::to_string(attempt);
  }
  TensorBoardWriter writer(path, fd);
  std::string records;
  AppendTfRecord(FileVersionEvent(wall_time), &records);
  AppendTfRecord(SessionStartEvent(wall_time, first_step), &records);
  SWERL_RETURN_IF_ERROR(WriteRecords(fd, records, path));
  return writer;
}

TensorBoardWriter::TensorBoardWriter(TensorBoardWriter&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

TensorBoardWriter& TensorBoardWriter::operator=(TensorBoardWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

TensorBoardWriter::~TensorBoardWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status TensorBoardWriter::WriteScalars(int64_t step, double wall_time,
                                       const std::vector<std::pair<std::string, double>>& values,
                                       std::string_view tag_prefix) {
  std::vector<std::pair<std::string, double>> tagged;
  for (const auto& [name, v] : values) {
    if (std::isfinite(v)) tagged.emplace_back(std::string(tag_prefix) + name, v);
  }
  std::string record;
  AppendTfRecord(ScalarsEvent(wall_time, step, tagged), &record);
  return WriteRecords(fd_, record, path_);
}

}  // namespace swerl::train::metrics
