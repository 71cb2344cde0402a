#include "swerl/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>

namespace swerl::io {

Status WriteAll(int fd, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return Error(Code::kCancelled, std::string(what) + ": broken pipe");
      return ErrnoError(what, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

Status SyncParentDir(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open directory '" + dir + "'", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync directory '" + dir + "'", err);
  return OkStatus();
}

namespace {

std::string TempName(const std::string& path, std::random_device& rd) {
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, ".tmp-%d-%08x", static_cast<int>(::getpid()), rd());
  return path + suffix;
}

}  // namespace

Result<std::string> UnusedTempPath(const std::string& path) {
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string temp = TempName(path, rd);
    struct stat st;
    if (::lstat(temp.c_str(), &st) != 0 && errno == ENOENT) return temp;
  }
  return Error(Code::kIo, "cannot find an unused temporary name next to '" + path + "'");
}

Result<AtomicFile> AtomicFile::Create(const std::string& path) {
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string temp = TempName(path, rd);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return AtomicFile(path, std::move(temp), fd);
    if (errno != EEXIST) return ErrnoError("cannot create '" + temp + "'", errno);
  }
  return Error(Code::kIo, "cannot create a temporary file next to '" + path + "'");
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)), temp_path_(std::move(other.temp_path_)), fd_(other.fd_) {
  other.fd_ = -1;
  other.temp_path_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Status AtomicFile::Append(std::string_view data) {
  if (fd_ < 0) return Error(Code::kInvalidInput, "append to a committed file '" + path_ + "'");
  return WriteAll(fd_, data, "writing '" + temp_path_ + "'");
}

Status AtomicFile::Commit() {
  if (fd_ < 0) return Error(Code::kInvalidInput, "'" + path_ + "' already committed");
  const int fd = fd_;
  fd_ = -1;
  // On failure the temporary file is removed now, as documented, rather than
  // left behind until the destructor runs.
  auto fail = [this](Error e) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
    return e;
  };
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(ErrnoError("cannot fsync '" + temp_path_ + "'", err));
  }
  if (::close(fd) != 0) return fail(ErrnoError("cannot close '" + temp_path_ + "'", errno));
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return fail(ErrnoError("cannot rename '" + temp_path_ + "' to '" + path_ + "'", errno));
  }
  temp_path_.clear();
  return SyncParentDir(path_);
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  SWERL_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(path));
  SWERL_RETURN_IF_ERROR(file.Append(data));
  return file.Commit();
}

}  // namespace swerl::io
