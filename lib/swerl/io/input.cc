#include "swerl/io/input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "swerl/io/gzip.h"

namespace swerl::io {
namespace {

class FdInput final : public InputStream {
 public:
  FdInput(int fd, std::string name, bool owned) : fd_(fd), owned_(owned), name_(std::move(name)) {}
  ~FdInput() override {
    if (owned_) ::close(fd_);
  }

  Result<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      const ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) {
        offset_ += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
      }
      if (errno != EINTR) return ErrnoError("reading '" + name_ + "'", errno);
    }
  }
  const std::string& name() const override { return name_; }
  uint64_t source_offset() const override { return offset_; }

 private:
  int fd_;
  bool owned_;
  std::string name_;
  uint64_t offset_ = 0;
};

// A regular file mapped read-only. Read copies from the mapping; readers
// that take Mapped() work in place. Pages behind the reader are dropped from
// the process (they stay in the page cache) every kDropBytes, so RSS stays
// bounded whatever the file's size.
class MappedFileInput final : public InputStream {
 public:
  MappedFileInput(const char* data, size_t size, std::string name)
      : data_(data), size_(size), name_(std::move(name)) {}
  ~MappedFileInput() override { ::munmap(const_cast<char*>(data_), size_); }
  MappedFileInput(const MappedFileInput&) = delete;
  MappedFileInput& operator=(const MappedFileInput&) = delete;

  Result<size_t> Read(char* buf, size_t n) override {
    const size_t take = std::min(n, size_ - pos_);
    std::memcpy(buf, data_ + pos_, take);
    pos_ += take;
    Consumed(pos_);
    return take;
  }
  const std::string& name() const override { return name_; }
  uint64_t source_offset() const override { return pos_; }
  std::string_view Mapped() const override { return std::string_view(data_, size_); }
  void Consumed(uint64_t n) override {
    pos_ = std::max<uint64_t>(pos_, std::min<uint64_t>(n, size_));
    constexpr size_t kDropBytes = 16 << 20;  // a multiple of any page size
    const size_t end = pos_ / kDropBytes * kDropBytes;
    if (end > dropped_) {
      ::madvise(const_cast<char*>(data_) + dropped_, end - dropped_, MADV_DONTNEED);
      dropped_ = end;
    }
  }

 private:
  const char* data_;
  size_t size_;
  std::string name_;
  size_t pos_ = 0;
  size_t dropped_ = 0;  // [0, dropped_) is no longer mapped in
};

class StringInputImpl final : public InputStream {
 public:
  StringInputImpl(std::string data, std::string name)
      : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    const size_t take = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, take);
    pos_ += take;
    return take;
  }
  const std::string& name() const override { return name_; }
  uint64_t source_offset() const override { return pos_; }

 private:
  std::string data_;
  std::string name_;
  size_t pos_ = 0;
};

// Replays bytes already read from `rest` (for magic sniffing) before it.
class PrefixedInput final : public InputStream {
 public:
  PrefixedInput(std::string prefix, std::unique_ptr<InputStream> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      const size_t take = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, take);
      pos_ += take;
      return take;
    }
    return rest_->Read(buf, n);
  }
  const std::string& name() const override { return rest_->name(); }
  uint64_t source_offset() const override {
    return rest_->source_offset() - (prefix_.size() - pos_);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<InputStream> rest_;
};

// Whether `head` starts with the gzip magic bytes 1f 8b.
bool IsGzipMagic(std::string_view head) {
  return head.size() >= 2 && head[0] == '\x1f' && head[1] == '\x8b';
}

}  // namespace

Result<std::unique_ptr<InputStream>> OpenFile(const std::string& path, MapMode map) {
  if (path == "-") return std::unique_ptr<InputStream>(new FdInput(0, "<stdin>", false));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  constexpr off_t kMapMinBytes = 1 << 20;
  struct stat st;
  if (map != MapMode::kNever && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      (map == MapMode::kAlways || st.st_size >= kMapMinBytes)) {
    const auto size = static_cast<size_t>(st.st_size);
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data != MAP_FAILED) {  // else read it
      ::madvise(data, size, MADV_SEQUENTIAL);
      ::close(fd);
      return std::unique_ptr<InputStream>(
          new MappedFileInput(static_cast<const char*>(data), size, path));
    }
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::unique_ptr<InputStream>(new FdInput(fd, path, true));
}

std::unique_ptr<InputStream> StringInput(std::string data, std::string name) {
  return std::make_unique<StringInputImpl>(std::move(data), std::move(name));
}

Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path, GzipBackend backend,
                                               MapMode map) {
  SWERL_ASSIGN_OR_RETURN(auto file, OpenFile(path, map));
  if (const std::string_view mapped = file->Mapped(); !mapped.empty()) {
    if (IsGzipMagic(mapped)) return GzipInput(std::move(file), backend);
    return file;
  }
  // Sniff two bytes; short reads (pipes) are retried until EOF.
  std::string magic(2, '\0');
  size_t have = 0;
  while (have < 2) {
    SWERL_ASSIGN_OR_RETURN(size_t got, file->Read(magic.data() + have, 2 - have));
    if (got == 0) break;
    have += got;
  }
  magic.resize(have);
  const bool gz = IsGzipMagic(magic);
  auto stream = std::make_unique<PrefixedInput>(std::move(magic), std::move(file));
  if (gz) return GzipInput(std::move(stream), backend);
  return std::unique_ptr<InputStream>(std::move(stream));
}

Result<std::string> ReadAll(InputStream& in) {
  std::string out;
  size_t used = 0;
  for (;;) {
    if (out.size() - used < 65536) out.resize(std::max<size_t>(out.size() * 2, 131072));
    SWERL_ASSIGN_OR_RETURN(size_t got, in.Read(out.data() + used, out.size() - used));
    if (got == 0) break;
    used += got;
  }
  out.resize(used);
  return out;
}

}  // namespace swerl::io
