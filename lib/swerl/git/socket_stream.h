// The plain-socket stream swerl registers with libgit2 (GIT_STREAM_STANDARD):
// libgit2's own, plus a stall timeout that libgit2 1.5 lacks (its server
// timeout option arrived in 1.7). git://, http:// and https:// (TLS is
// layered on this socket) all go through it; ssh:// (libssh2 owns its
// socket) and file:// do not.
#pragma once

#include <cstdint>

#include "swerl/core/result.h"

namespace swerl::git {

// Registers the stream; GitGlobal calls it once after git_libgit2_init.
// Errors: kExternal.
Status RegisterSocketStream();

// Sets the stall timeout of the libgit2 transfers made on this thread while
// the scope lives: a connect, or a read or write that moves no byte, for
// longer than timeout_ms fails with a GIT_ERROR_NET error, and timed_out()
// turns true. 0 = wait forever (libgit2's behaviour). libgit2 does a fetch's
// network I/O on the calling thread, so this covers a whole git_remote_fetch.
// Scopes do not nest. Thread-compatible (one per thread).
class StallTimeoutScope {
 public:
  explicit StallTimeoutScope(int64_t timeout_ms);
  ~StallTimeoutScope();
  StallTimeoutScope(const StallTimeoutScope&) = delete;
  StallTimeoutScope& operator=(const StallTimeoutScope&) = delete;

  // True once a transfer on this thread stalled in this scope.
  bool timed_out() const;
  // Clears timed_out() (before a retry).
  void Reset();
};

}  // namespace swerl::git
