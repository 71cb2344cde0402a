// Helpers shared by the test suites: fixture paths, temporary directories,
// running the swerl binary and reading whole files.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace swerl::testing {

// tests/data/<rel>.
std::string DataPath(const std::string& rel);

// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RunResult {
  int exit_code = -1;  // -signal when killed by a signal
  std::string out;
  std::string err;
  long max_rss_kb = 0;  // peak resident set size of the child
};

// Runs argv (argv[0] looked up in PATH unless it contains '/'), feeding
// `stdin_data`, and collects stdout and stderr.
RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_data = "");

struct RunOptions {
  std::string stdin_data;
  // Run as an unprivileged user: when the test runs as root (which ignores
  // file permissions), the child drops to nobody (uid and gid 65534) before
  // exec; otherwise it runs as the test does. For tests of read-only files.
  bool unprivileged = false;
  // Non-empty: the child's stdout is this file, opened for appending (its
  // old contents stay), instead of a pipe; RunResult::out stays empty.
  std::string stdout_append;
};
RunResult Run(const std::vector<std::string>& argv, const RunOptions& options);

// Runs the swerl binary under test with `args`.
RunResult RunSwerl(const std::vector<std::string>& args, const std::string& stdin_data = "");

// Starts the swerl binary under test with `args`, stdin, stdout and stderr
// on /dev/null, and returns its pid without waiting (reap it with waitpid).
pid_t SpawnSwerl(const std::vector<std::string>& args);

std::string ReadFile(const std::string& path);
// The lines of `data` without their '\n' (a last line without one counts).
std::vector<std::string> SplitLines(const std::string& data);
void WriteFile(const std::string& path, const std::string& data);
// gzip -c of `data` (via zlib, level 9, one member).
std::string Gzip(const std::string& data);

}  // namespace swerl::testing
