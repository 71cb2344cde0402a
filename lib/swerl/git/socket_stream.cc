#include "swerl/git/socket_stream.h"

#include <fcntl.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "swerl/git/git_handles.h"

namespace swerl::git {
namespace {

// The calling thread's settings (StallTimeoutScope).
thread_local int64_t t_timeout_ms = 0;
thread_local bool t_timed_out = false;

// git_stream must come first: libgit2 hands back the git_stream pointer.
struct SocketStream {
  git_stream parent;
  std::string host;
  std::string port;
  int fd = -1;
};

SocketStream* Self(git_stream* s) { return reinterpret_cast<SocketStream*>(s); }

int SetNetError(const std::string& message) {
  git_error_set_str(GIT_ERROR_NET, message.c_str());
  return -1;
}

// Waits until fd is ready for `events`; 1 ready, 0 timed out (after
// recording it), -1 error.
int WaitFor(int fd, short events, const std::string& what) {
  const int timeout = t_timeout_ms > 0 ? static_cast<int>(t_timeout_ms) : -1;
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, timeout);
    if (r > 0) return 1;
    if (r == 0) {
      t_timed_out = true;
      SetNetError(what + ": timed out (no progress for " + std::to_string(t_timeout_ms) + " ms)");
      return 0;
    }
    if (errno != EINTR) {
      SetNetError(what + ": " + std::strerror(errno));
      return -1;
    }
  }
}

int Connect(git_stream* stream) {
  SocketStream* st = Self(stream);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* info = nullptr;
  if (int rc = ::getaddrinfo(st->host.c_str(), st->port.c_str(), &hints, &info); rc != 0) {
    return SetNetError("failed to resolve address for " + st->host + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* a = info; a; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      const int ready = WaitFor(fd, POLLOUT, "failed to connect to " + st->host);
      if (ready <= 0) {
        ::close(fd);
        ::freeaddrinfo(info);
        return -1;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err ? -1 : 0;
      errno = err;
    }
    if (rc == 0) {
      st->fd = fd;
      ::freeaddrinfo(info);
      return 0;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(info);
  return SetNetError("failed to connect to " + st->host + ": " + last_error);
}

ssize_t Read(git_stream* stream, void* data, size_t len) {
  SocketStream* st = Self(stream);
  for (;;) {
    const ssize_t r = ::recv(st->fd, data, len, 0);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return SetNetError(std::string("error receiving data from socket: ") + std::strerror(errno));
    }
    if (WaitFor(st->fd, POLLIN, "could not read from " + st->host) <= 0) return -1;
  }
}

ssize_t Write(git_stream* stream, const char* data, size_t len, int flags) {
  SocketStream* st = Self(stream);
  for (;;) {
    const ssize_t r = ::send(st->fd, data, len, MSG_NOSIGNAL);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return SetNetError(std::string("error sending data to socket: ") + std::strerror(errno));
    }
    if (WaitFor(st->fd, POLLOUT, "could not write to " + st->host) <= 0) return -1;
  }
}

int Close(git_stream* stream) {
  SocketStream* st = Self(stream);
  if (st->fd >= 0) ::close(st->fd);
  st->fd = -1;
  return 0;
}

void Free(git_stream* stream) {
  SocketStream* st = Self(stream);
  if (st->fd >= 0) ::close(st->fd);
  delete st;
}

int Init(git_stream** out, const char* host, const char* port) {
  auto* st = new (std::nothrow) SocketStream{};
  if (!st) {
    git_error_set_oom();
    return -1;
  }
  st->host = host ? host : "";
  st->port = port ? port : "";
  st->parent.version = GIT_STREAM_VERSION;
  st->parent.connect = Connect;
  st->parent.read = Read;
  st->parent.write = Write;
  st->parent.close = Close;
  st->parent.free = Free;
  *out = &st->parent;
  return 0;
}

}  // namespace

Status RegisterSocketStream() {
  git_stream_registration reg{};
  reg.version = GIT_STREAM_VERSION;
  reg.init = Init;
  if (int rc = git_stream_register(GIT_STREAM_STANDARD, &reg); rc < 0) {
    return GitError(rc, "cannot register the socket stream");
  }
  return OkStatus();
}

StallTimeoutScope::StallTimeoutScope(int64_t timeout_ms) {
  t_timeout_ms = timeout_ms;
  t_timed_out = false;
}

StallTimeoutScope::~StallTimeoutScope() {
  t_timeout_ms = 0;
  t_timed_out = false;
}

bool StallTimeoutScope::timed_out() const { return t_timed_out; }
void StallTimeoutScope::Reset() { t_timed_out = false; }

}  // namespace swerl::git
