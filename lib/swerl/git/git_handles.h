// RAII for libgit2 (STYLE C3): the process-wide init scope, owning handles
// for the objects swerl uses, and the one place libgit2's error codes and
// git_error_last() become swerl Errors.
#pragma once

#include <git2.h>

#include <memory>
#include <string_view>

#include "swerl/core/c_deleter.h"
#include "swerl/core/result.h"

namespace swerl::git {

using RepoHandle = std::unique_ptr<git_repository, CDeleter<&git_repository_free>>;
using RemoteHandle = std::unique_ptr<git_remote, CDeleter<&git_remote_free>>;
using ReferenceHandle = std::unique_ptr<git_reference, CDeleter<&git_reference_free>>;
using ReferenceIterHandle =
    std::unique_ptr<git_reference_iterator, CDeleter<&git_reference_iterator_free>>;
using OdbHandle = std::unique_ptr<git_odb, CDeleter<&git_odb_free>>;
using CommitHandle = std::unique_ptr<git_commit, CDeleter<&git_commit_free>>;
using TreeHandle = std::unique_ptr<git_tree, CDeleter<&git_tree_free>>;
using BlobHandle = std::unique_ptr<git_blob, CDeleter<&git_blob_free>>;

// git_libgit2_init for the lifetime of the object, and registers swerl's
// socket stream (socket_stream.h) for plain sockets, so git://, http:// and
// https:// transfers honour a stall timeout. Create exactly one in main()
// before threads start (never a static constructor); it must outlive every
// handle. Not copyable or movable.
class GitGlobal {
 public:
  GitGlobal();
  ~GitGlobal();
  GitGlobal(const GitGlobal&) = delete;
  GitGlobal& operator=(const GitGlobal&) = delete;

  // OkStatus when initialization succeeded. Errors: kExternal.
  Status status() const { return status_; }

 private:
  Status status_;
};

// The last libgit2 error on this thread, as (class, message); class 0 and
// "unknown error" when libgit2 recorded none.
struct GitErrorInfo {
  int klass = 0;
  std::string message;
};
GitErrorInfo LastGitError();

// Converts a libgit2 return code: "what: <git_error_last message>". Codes:
// kNotFound (GIT_ENOTFOUND), kCorrupt (object, ODB and zlib classes),
// kCancelled (GIT_EUSER), kIo (OS and filesystem classes), kExternal (the
// rest: network, HTTP, TLS, server errors).
Error GitError(int rc, std::string_view what);

}  // namespace swerl::git
