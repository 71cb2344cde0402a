#include "git_testing.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testing/testing.h"

extern char** environ;

namespace swerl::testing {
namespace {

void HermeticGitEnv() {
  ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
  ::setenv("GIT_AUTHOR_NAME", "Test", 1);
  ::setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
  ::setenv("GIT_COMMITTER_NAME", "Test", 1);
  ::setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
  ::setenv("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z", 1);
  ::setenv("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z", 1);
}

std::string SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

std::string Git(const std::vector<std::string>& args) {
  HermeticGitEnv();
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult r = Run(argv);
  std::string joined;
  for (const auto& a : args) joined += " " + a;
  EXPECT_EQ(r.exit_code, 0) << "git" << joined << ": " << r.err;
  return r.out;
}

std::string WorkTree(const std::string& root, const std::string& owner, const std::string& name) {
  return root + "/work-" + owner + "-" + name;
}

std::string MakeSourceRepo(const std::string& root, const std::string& owner,
                           const std::string& name) {
  const std::string work = WorkTree(root, owner, name);
  const std::string bare = root + "/" + owner + "/" + name + ".git";
  Git({"init", "-q", "-b", "main", work});
  WriteFile(work + "/README", "hello\n");
  Git({"-C", work, "add", "README"});
  Git({"-C", work, "commit", "-q", "-m", "first"});
  Git({"-C", work, "tag", "v0"});
  Git({"-C", work, "branch", "dev"});
  std::mt19937_64 rng(7);
  std::string blob(256 * 1024, '\0');
  for (char& c : blob) c = static_cast<char>(rng());
  WriteFile(work + "/data.bin", blob);
  Git({"-C", work, "add", "data.bin"});
  Git({"-C", work, "commit", "-q", "-m", "data"});
  Git({"-C", work, "tag", "-a", "v1", "-m", "release 1"});
  Git({"-C", work, "checkout", "-q", "-b", "feature"});
  WriteFile(work + "/feature.txt", "feature\n");
  Git({"-C", work, "add", "feature.txt"});
  Git({"-C", work, "commit", "-q", "-m", "feature"});
  const std::string feature = Git({"-C", work, "rev-parse", "HEAD"});
  Git({"-C", work, "checkout", "-q", "main"});
  Git({"-C", work, "update-ref", "refs/pull/1/head", feature.substr(0, 40)});
  Git({"-C", work, "update-ref", "refs/pull/2/head", "dev"});
  Git({"init", "-q", "--bare", "-b", "main", bare});
  Git({"-C", work, "push", "-q", "--mirror", bare});
  return bare;
}

void InitWorkTree(const std::string& path) { Git({"init", "-q", "-b", "main", path}); }

std::string CommitAll(const std::string& work, const std::string& message) {
  Git({"-C", work, "add", "-A"});
  Git({"-C", work, "commit", "-q", "--allow-empty", "-m", message});
  return RevParse(work, "HEAD");
}

std::string RevParse(const std::string& repo, const std::string& rev) {
  std::string out = Git({"-C", repo, "rev-parse", "--verify", rev + "^{commit}"});
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void PushAll(const std::string& root, const std::string& owner, const std::string& name) {
  Git({"-C", WorkTree(root, owner, name), "push", "-q", "--mirror",
       root + "/" + owner + "/" + name + ".git"});
}

std::string BreakPullRef(const std::string& root, const std::string& owner,
                         const std::string& name, int number, const std::string& content) {
  const std::string work = WorkTree(root, owner, name);
  const std::string bare = root + "/" + owner + "/" + name + ".git";
  const std::string branch = "broken-" + std::to_string(number);
  const std::string file = branch + ".txt";
  Git({"-C", work, "checkout", "-q", "-b", branch, "main"});
  WriteFile(work + "/" + file, content);
  Git({"-C", work, "add", file});
  Git({"-C", work, "commit", "-q", "-m", "only in pull " + std::to_string(number)});
  std::string blob = Git({"-C", work, "rev-parse", "HEAD:" + file});
  while (!blob.empty() && blob.back() == '\n') blob.pop_back();
  Git({"-C", work, "push", "-q", bare, "HEAD:refs/pull/" + std::to_string(number) + "/head"});
  Git({"-C", work, "checkout", "-q", "main"});
  Git({"-C", work, "branch", "-q", "-D", branch});
  const std::string loose = bare + "/objects/" + blob.substr(0, 2) + "/" + blob.substr(2);
  EXPECT_TRUE(std::filesystem::remove(loose)) << "no loose object " << loose;
  return blob;
}

std::string MirrorRefs(const std::string& bare) {
  return SortedLines(Git({"-C", bare, "for-each-ref", "--format=%(objectname) %(refname)",
                          "refs/heads", "refs/tags", "refs/pull"}));
}

std::string RemoteRefs(const std::string& url) {
  std::string out;
  std::istringstream in(Git({"ls-remote", url}));
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string ref = line.substr(tab + 1);
    const bool wanted = ref.rfind("refs/heads/", 0) == 0 || ref.rfind("refs/tags/", 0) == 0 ||
                        (ref.rfind("refs/pull/", 0) == 0 && ref.size() > 5 &&
                         ref.compare(ref.size() - 5, 5, "/head") == 0);
    if (!wanted || ref.find("^{}") != std::string::npos) continue;
    out += line.substr(0, tab) + " " + ref + "\n";
  }
  return SortedLines(out);
}

Child::Child(const std::vector<std::string>& argv, std::string* stdout_line) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int pipe_fds[2] = {-1, -1};
  if (stdout_line) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_adddup2(&fa, pipe_fds[1], 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  posix_spawn_file_actions_destroy(&fa);
  if (stdout_line) {
    ::close(pipe_fds[1]);
    out_fd_ = pipe_fds[0];
    char c;
    while (::read(out_fd_, &c, 1) == 1 && c != '\n') stdout_line->push_back(c);
  }
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool WaitForPort(int port) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

GitDaemon::GitDaemon(const std::string& base)
    : port_(FreePort()),
      child_({"git", "daemon", "--reuseaddr", "--base-path=" + base, "--export-all",
              "--port=" + std::to_string(port_), "--listen=127.0.0.1"},
             nullptr) {
  if (!WaitForPort(port_)) throw std::runtime_error("git daemon did not start");
}

std::string GitDaemon::UrlTemplate() const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/{owner}/{name}.git";
}

CutProxy::CutProxy(int target_port, int cut_after, int bad, const std::string& mode)
    : child_(
          {SWERL_PYTHON, SWERL_CUT_PROXY, "--target-port", std::to_string(target_port),
           "--cut-after", std::to_string(cut_after), "--bad", std::to_string(bad), "--mode", mode},
          &line_),
      port_(0) {
  if (line_.rfind("PORT ", 0) != 0) throw std::runtime_error("cut_proxy.py did not start");
  port_ = std::stoi(line_.substr(5));
}

std::string CutProxy::UrlTemplate() const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/{owner}/{name}.git";
}

}  // namespace swerl::testing
