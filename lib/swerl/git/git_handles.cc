#include "swerl/git/git_handles.h"

#include <string>

#include "swerl/git/socket_stream.h"

namespace swerl::git {

GitGlobal::GitGlobal() : status_(OkStatus()) {
  if (int rc = git_libgit2_init(); rc < 0) {
    status_ = GitError(rc, "cannot initialize libgit2");
    return;
  }
  status_ = RegisterSocketStream();
}

GitGlobal::~GitGlobal() { git_libgit2_shutdown(); }

GitErrorInfo LastGitError() {
  const git_error* e = git_error_last();
  if (!e || !e->message) return {0, "unknown error"};
  return {e->klass, e->message};
}

Error GitError(int rc, std::string_view what) {
  const GitErrorInfo info = LastGitError();
  Code code = Code::kExternal;
  if (rc == GIT_ENOTFOUND) {
    code = Code::kNotFound;
  } else if (rc == GIT_EUSER) {
    code = Code::kCancelled;
  } else if (info.klass == GIT_ERROR_OBJECT || info.klass == GIT_ERROR_ODB ||
             info.klass == GIT_ERROR_ZLIB) {
    code = Code::kCorrupt;
  } else if (info.klass == GIT_ERROR_OS || info.klass == GIT_ERROR_FILESYSTEM ||
             info.klass == GIT_ERROR_NOMEMORY) {
    code = Code::kIo;
  }
  return Error(code, std::string(what) + ": " + info.message);
}

}  // namespace swerl::git
