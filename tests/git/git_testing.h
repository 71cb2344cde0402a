// Helpers of the git tests: source repositories built with the git CLI, a
// git daemon and the misbehaving proxy (cut_proxy.py) on 127.0.0.1, each
// stopped when its object goes away.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace swerl::testing {

// Runs `git args...` (hermetic: no user or system config, fixed author);
// fails the current test unless it exits 0. Returns stdout.
std::string Git(const std::vector<std::string>& args);

// Builds the bare repository <root>/<owner>/<name>.git and its work tree
// <root>/work-<owner>-<name>: branches main, dev, feature; an annotated tag
// v1 and a lightweight tag v0; refs/pull/1/head and refs/pull/2/head (made
// with update-ref, as GitHub serves them); a ~256 KB incompressible file
// so that a transfer has a pack worth cutting. Returns the bare path.
std::string MakeSourceRepo(const std::string& root, const std::string& owner,
                           const std::string& name);
// Commits in the work tree and pushes every ref (--mirror) to the bare one.
void PushAll(const std::string& root, const std::string& owner, const std::string& name);
std::string WorkTree(const std::string& root, const std::string& owner, const std::string& name);

// Makes the source repository partial on purpose: commits a new file with
// `content` on a branch off main in the work tree, pushes the commit as
// refs/pull/<number>/head only (it arrives as loose objects), then deletes
// the file's blob from the bare repository, so that only that ref reaches a
// missing object. Returns the deleted blob's id. Call PushAll no more after
// (--mirror would delete the ref).
std::string BreakPullRef(const std::string& root, const std::string& owner,
                         const std::string& name, int number, const std::string& content);

// For hand-built histories: an empty work tree at `path` on branch main.
void InitWorkTree(const std::string& path);
// Stages everything in `work` (git add -A) and commits, empty commits
// allowed; returns the new commit's full hex id.
std::string CommitAll(const std::string& work, const std::string& message);
// The full hex id `rev` names in `repo` (no trailing newline).
std::string RevParse(const std::string& repo, const std::string& rev);

// "<sha> <ref>" lines, sorted, of the heads, tags and pull heads: of a
// mirror (for-each-ref) and of a remote (ls-remote, without peeled ^{} lines).
std::string MirrorRefs(const std::string& bare);
std::string RemoteRefs(const std::string& url);

// A child process killed (SIGTERM, then reaped) on destruction.
class Child {
 public:
  // Spawns argv; when stdout_line is non-null, waits for and returns the
  // child's first stdout line in it.
  Child(const std::vector<std::string>& argv, std::string* stdout_line);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
};

// git daemon --export-all for `base` on a free 127.0.0.1 port.
class GitDaemon {
 public:
  explicit GitDaemon(const std::string& base);
  int port() const { return port_; }
  std::string UrlTemplate() const;  // git://127.0.0.1:<port>/{owner}/{name}.git

 private:
  int port_;
  Child child_;
};

// cut_proxy.py in front of `target_port` (see its docstring).
class CutProxy {
 public:
  CutProxy(int target_port, int cut_after, int bad, const std::string& mode);
  int port() const { return port_; }
  std::string UrlTemplate() const;

 private:
  std::string line_;
  Child child_;
  int port_;
};

// Waits until 127.0.0.1:port accepts connections (at most ~10 s).
bool WaitForPort(int port);

}  // namespace swerl::testing
