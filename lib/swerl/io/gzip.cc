#include "swerl/io/gzip.h"

#include <zlib.h>

#include <cstring>
#include <optional>
#include <vector>

#ifdef SWERL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

namespace swerl::io {
namespace {

constexpr size_t kInBufBytes = 1 << 18;

// The member loop shared by both backends. A backend inflates one member at
// a time from in_[in_pos_, in_end_) and reports how far it got. in_ is a
// buffer refilled from the source, or the source's mapped bytes in place.
class GzipDecoder : public InputStream {
 public:
  explicit GzipDecoder(std::unique_ptr<InputStream> src) : src_(std::move(src)) {
    if (const std::string_view mapped = src_->Mapped(); !mapped.empty()) {
      in_ = reinterpret_cast<const unsigned char*>(mapped.data());
      in_end_ = mapped.size();
      src_eof_ = mapped_ = true;
    } else {
      buf_.resize(kInBufBytes);
      in_ = buf_.data();
    }
  }

  // After an error every later Read returns the same error. Bytes decoded
  // before damage is found are returned first, so callers keep everything
  // up to the damage.
  Result<size_t> Read(char* buf, size_t n) override {
    if (failed_) return *failed_;
    auto got = ReadImpl(buf, n);
    if (!got) failed_.emplace(got.error());
    return got;
  }
  const std::string& name() const override { return src_->name(); }
  uint64_t source_offset() const override {
    return mapped_ ? CompressedOffset() : src_->source_offset();
  }

 private:
  Result<size_t> ReadImpl(char* buf, size_t n) {
    if (n == 0 || done_) return size_t{0};
    for (;;) {
      if (!in_member_) {
        SWERL_ASSIGN_OR_RETURN(bool more, StartMember());
        if (!more) {
          done_ = true;
          return size_t{0};
        }
      }
      if (in_pos_ == in_end_ && !src_eof_) SWERL_RETURN_IF_ERROR(Refill());
      size_t produced = 0;
      bool member_end = false;
      const size_t pos_before = in_pos_;
      const Status st = Inflate(buf, n, &produced, &member_end);
      if (mapped_) src_->Consumed(in_pos_);
      if (!st) {
        if (produced == 0) return st.error();
        failed_.emplace(st.error());  // returned by the next Read
        return produced;
      }
      if (member_end) {
        in_member_ = false;
        ++members_;
      } else if (produced == 0 && in_pos_ == pos_before) {
        // No progress: the decoder needs more input than is buffered.
        if (src_eof_) {
          return Fail("truncated gzip stream (ends inside member " + std::to_string(members_ + 1) +
                      ")");
        }
        SWERL_RETURN_IF_ERROR(Refill());
      }
      if (produced) return produced;
    }
  }

 protected:
  // Inflates from in_ into buf; sets *member_end after the trailer checked out.
  virtual Status Inflate(char* buf, size_t n, size_t* produced, bool* member_end) = 0;
  // Prepares the backend for a new member starting at in_pos_.
  virtual Status ResetMember() = 0;

  Error Fail(const std::string& what) const {
    return Error(Code::kCorrupt, "'" + name() + "': " + what + " at compressed offset " +
                                     std::to_string(CompressedOffset()));
  }
  uint64_t CompressedOffset() const { return consumed_before_buf_ + in_pos_; }

  // Input for one Inflate call: what is buffered, up to what the backends'
  // 32-bit counters take.
  size_t InAvail() const { return std::min<size_t>(in_end_ - in_pos_, 1u << 30); }

  std::unique_ptr<InputStream> src_;
  const unsigned char* in_ = nullptr;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  bool src_eof_ = false;

 private:
  Status Refill() {
    if (mapped_) return OkStatus();  // all of it is in_ already
    if (in_pos_ < in_end_) std::memmove(buf_.data(), buf_.data() + in_pos_, in_end_ - in_pos_);
    consumed_before_buf_ += in_pos_;
    in_end_ -= in_pos_;
    in_pos_ = 0;
    while (in_end_ < buf_.size() && !src_eof_) {
      SWERL_ASSIGN_OR_RETURN(size_t got, src_->Read(reinterpret_cast<char*>(buf_.data()) + in_end_,
                                                    buf_.size() - in_end_));
      if (got == 0) src_eof_ = true;
      in_end_ += got;
      if (got) break;
    }
    return OkStatus();
  }

  // At a member boundary: true when another member starts here, false at a
  // clean end (EOF, or zero padding up to EOF as gzip(1) accepts).
  Result<bool> StartMember() {
    for (;;) {
      if (in_end_ - in_pos_ < 2 && !src_eof_) {
        SWERL_RETURN_IF_ERROR(Refill());
        continue;
      }
      if (in_pos_ == in_end_) {
        if (members_ == 0) return Fail("empty input is not a gzip stream");
        return false;
      }
      // Zero padding only counts after a member: a file of zeros alone (say a
      // preallocated download that never arrived) is not an empty gzip stream.
      if (members_ > 0 && (zero_padding_ || in_[in_pos_] == 0)) {
        zero_padding_ = true;
        while (in_pos_ < in_end_ && in_[in_pos_] == 0) ++in_pos_;
        if (in_pos_ < in_end_) return Fail("trailing garbage after gzip member");
        if (src_eof_) return false;
        SWERL_RETURN_IF_ERROR(Refill());
        continue;
      }
      if (in_end_ - in_pos_ < 2 && in_[in_pos_] == 0x1f) {
        // One byte left (we are at EOF): the start of a member's magic.
        return Fail("truncated gzip stream (ends inside member " + std::to_string(members_ + 1) +
                    ")");
      }
      if (in_end_ - in_pos_ >= 2 && in_[in_pos_] == 0x1f && in_[in_pos_ + 1] == 0x8b) {
        // Check CM and FLG here so both backends judge headers alike (isa-l
        // accepts reserved flag bits, which RFC 1952 says must be rejected).
        if (in_end_ - in_pos_ < 4 && !src_eof_) {
          SWERL_RETURN_IF_ERROR(Refill());
          continue;
        }
        if (in_end_ - in_pos_ < 4) {
          return Fail("truncated gzip stream (ends inside member " + std::to_string(members_ + 1) +
                      ")");
        }
        if (in_[in_pos_ + 2] != 8) return Fail("unsupported gzip compression method");
        if (in_[in_pos_ + 3] & 0xE0) return Fail("reserved gzip header flags set");
        SWERL_RETURN_IF_ERROR(ResetMember());
        in_member_ = true;
        return true;
      }
      return Fail(members_ == 0 ? "not in gzip format" : "trailing garbage after gzip member");
    }
  }

  std::vector<unsigned char> buf_;  // in_ unless mapped_
  bool mapped_ = false;
  std::optional<Error> failed_;
  uint64_t consumed_before_buf_ = 0;
  uint64_t members_ = 0;
  bool in_member_ = false;
  bool zero_padding_ = false;
  bool done_ = false;
};

class ZlibDecoder final : public GzipDecoder {
 public:
  explicit ZlibDecoder(std::unique_ptr<InputStream> src) : GzipDecoder(std::move(src)) {
    std::memset(&zs_, 0, sizeof zs_);
    init_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK;  // 16: gzip wrapper only
  }
  ~ZlibDecoder() override {
    if (init_) inflateEnd(&zs_);
  }

 private:
  Status ResetMember() override {
    if (!init_) return Error(Code::kIo, "zlib: inflateInit2 failed");
    inflateReset(&zs_);
    return OkStatus();
  }
  Status Inflate(char* buf, size_t n, size_t* produced, bool* member_end) override {
    zs_.next_in = const_cast<Bytef*>(in_ + in_pos_);
    const size_t avail_before = InAvail();
    zs_.avail_in = static_cast<uInt>(avail_before);
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt out_before = zs_.avail_out;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    in_pos_ += avail_before - zs_.avail_in;
    *produced = out_before - zs_.avail_out;
    if (rc == Z_STREAM_END) {
      *member_end = true;
      return OkStatus();
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) return OkStatus();
    return Fail(std::string("damaged gzip data (zlib: ") + (zs_.msg ? zs_.msg : "error") + ")");
  }

  z_stream zs_;
  bool init_ = false;
};

#ifdef SWERL_HAVE_ISAL
const char* IsalErrorText(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "CRC-32 or length mismatch";
    default:
      return "inflate error";
  }
}

class IsalDecoder final : public GzipDecoder {
 public:
  explicit IsalDecoder(std::unique_ptr<InputStream> src) : GzipDecoder(std::move(src)) {}

 private:
  Status ResetMember() override {
    isal_inflate_init(&st_);
    st_.crc_flag = ISAL_GZIP;  // verify CRC-32 and ISIZE after the deflate data
    isal_gzip_header_init(&hdr_);
    return OkStatus();
  }
  Status Inflate(char* buf, size_t n, size_t* produced, bool* member_end) override {
    st_.next_in = const_cast<uint8_t*>(in_ + in_pos_);
    const size_t avail_before = InAvail();
    st_.avail_in = static_cast<uint32_t>(avail_before);
    *produced = 0;
    if (!st_.wrapper_flag) {
      // isal_inflate() would parse the header itself, but with a fresh
      // isal_gzip_header on every call: a header split across calls (a pipe,
      // 1-byte reads, a big FEXTRA) loses its flags and header CRC there, so
      // valid FHCRC members fail and later fields can be misparsed. Parse it
      // with hdr_, which lives as long as the member; this sets wrapper_flag.
      const int rc = isal_read_gzip_header(&st_, &hdr_);
      in_pos_ += avail_before - st_.avail_in;
      if (rc < 0) return Fail(std::string("damaged gzip data (igzip: ") + IsalErrorText(rc) + ")");
      if (!st_.wrapper_flag) return OkStatus();  // ISAL_END_INPUT: needs more input
    }
    st_.next_out = reinterpret_cast<uint8_t*>(buf);
    st_.avail_out = static_cast<uint32_t>(std::min<size_t>(n, 1u << 30));
    const uint32_t out_before = st_.avail_out;
    const size_t avail_inflate = st_.avail_in;
    const int rc = isal_inflate(&st_);
    in_pos_ += avail_inflate - st_.avail_in;
    *produced = out_before - st_.avail_out;
    if (rc < 0) return Fail(std::string("damaged gzip data (igzip: ") + IsalErrorText(rc) + ")");
    if (st_.block_state == ISAL_BLOCK_FINISH) *member_end = true;
    return OkStatus();
  }

  inflate_state st_;
  isal_gzip_header hdr_;  // name/extra/comment buffers stay null: skipped
};
#endif

}  // namespace

bool IsalAvailable() {
#ifdef SWERL_HAVE_ISAL
  return true;
#else
  return false;
#endif
}

GzipBackend DefaultGzipBackend() {
  return IsalAvailable() ? GzipBackend::kIsal : GzipBackend::kZlib;
}

std::unique_ptr<InputStream> GzipInput(std::unique_ptr<InputStream> compressed,
                                       GzipBackend backend) {
  if (backend == GzipBackend::kDefault) backend = DefaultGzipBackend();
#ifdef SWERL_HAVE_ISAL
  if (backend == GzipBackend::kIsal) return std::make_unique<IsalDecoder>(std::move(compressed));
#endif
  return std::make_unique<ZlibDecoder>(std::move(compressed));
}

std::string GzipCompress(std::string_view data, int level) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  SWERL_CHECK(rc == Z_STREAM_END);  // the output buffer is deflateBound-sized
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Result<uint64_t> DrainCount(InputStream& in) {
  std::vector<char> buf(1 << 18);
  uint64_t total = 0;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(size_t got, in.Read(buf.data(), buf.size()));
    if (got == 0) return total;
    total += got;
  }
}

}  // namespace swerl::io
