#include "swerl/reward/command_scorer.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <utility>

#include "swerl/json/json_writer.h"

extern char** environ;

namespace swerl::reward {
namespace {

using Clock = std::chrono::steady_clock;
using simdjson::SUCCESS;

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// Blocks SIGPIPE in the calling thread while alive. A SIGPIPE raised in the
// meantime (a write to a pipe whose reader is gone) is consumed before the
// old mask comes back, so the write's EPIPE is the only trace of it.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// The start of `text` as a JSON string literal (control characters escaped,
// invalid UTF-8 repaired), for messages about what a child wrote.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string out;
  json::AppendJsonString(&out, text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  return out;
}

// (GCC 12 warns -Wrestrict on `"literal" + std::string`, bug 105651: append.)
std::string Quoted(std::string_view s) {
  std::string out(1, '\'');
  out.append(s);
  out.push_back('\'');
  return out;
}

std::string Progress(size_t answered, size_t total) {
  std::string out(1, '(');
  out += std::to_string(answered);
  out += " of ";
  out += std::to_string(total);
  out += " groups answered)";
  return out;
}

// Parses the answer line for `group` into *scores, or says what is wrong
// with it (a message without the command's name).
Status ParseAnswer(simdjson::dom::parser& parser, std::string_view line, const ScoreGroup& group,
                   std::vector<Score>* scores) {
  const std::string who = "group " + Quoted(group.id);
  auto bad = [&](std::string what) { return Error(Code::kExternal, std::move(what)); };
  simdjson::dom::element root;
  if (auto err = parser.parse(line.data(), line.size(), true).get(root); err != SUCCESS) {
    return bad("answered a line that is not JSON (" + std::string(simdjson::error_message(err)) +
               ") where the answer for " + who + " was expected: " + Excerpt(line));
  }
  simdjson::dom::object answer;
  if (root.get(answer) != SUCCESS) {
    return bad("answered a line that is not a JSON object where the answer for " + who +
               " was expected: " + Excerpt(line));
  }
  simdjson::dom::element id;
  std::string_view id_text;
  if (answer["id"].get(id) != SUCCESS || id.get(id_text) != SUCCESS || id_text != group.id) {
    std::string_view message;
    if (answer["error"].get(message) == SUCCESS) {
      return bad("answered the request of " + who + " with an error: " + Excerpt(message));
    }
    return bad("answered id " +
               (answer["id"].get(id) == SUCCESS ? simdjson::minify(id) : std::string("(none)")) +
               " where the answer for " + who +
               " was expected (one answer per request, in request order)");
  }
  simdjson::dom::array results;
  if (answer["results"].get(results) != SUCCESS) {
    // `swerl reward` answers an invalid request with its id echoed and an
    // "error" (schemas/records/reward.md).
    std::string_view message;
    if (answer["error"].get(message) == SUCCESS) {
      return bad("answered the request of " + who + " with an error: " + Excerpt(message));
    }
    simdjson::dom::element unused;
    if (answer["reward"].get(unused) == SUCCESS) {
      return bad("answered " + who +
                 " with one \"reward\"; a request with \"outputs\" needs \"results\": [...]");
    }
    return bad("answered " + who + " without a \"results\" array: " + Excerpt(line));
  }
  if (results.size() != group.outputs.size()) {
    return bad("answered " + std::to_string(results.size()) + " results for " + who +
               ", which has " + std::to_string(group.outputs.size()) + " outputs");
  }
  scores->assign(results.size(), Score{});
  size_t k = 0;
  for (simdjson::dom::element e : results) {
    const std::string where = "result " + std::to_string(k) + " of " + who;
    Score& s = (*scores)[k++];
    simdjson::dom::object result;
    if (e.get(result) != SUCCESS) return bad(where + " is not an object");
    double reward;
    if (result["reward"].get(reward) != SUCCESS || !std::isfinite(reward)) {
      return bad(where + " has no numeric \"reward\": " + Excerpt(simdjson::minify(e)));
    }
    s.reward = reward;
    simdjson::dom::element error;
    if (result["error"].get(error) == SUCCESS && !error.is_null()) {
      std::string_view text;
      if (error.get(text) != SUCCESS)
        return bad(where + ": \"error\" is neither null nor a string");
      s.error = std::string(text);
    }
    simdjson::dom::element files;
    if (result["files"].get(files) == SUCCESS && !files.is_null()) {
      simdjson::dom::array list;
      if (files.get(list) != SUCCESS) return bad(where + ": \"files\" is not an array");
      for (simdjson::dom::element f : list) {
        std::string_view path;
        double similarity;
        if (f["path"].get(path) != SUCCESS || f["similarity"].get(similarity) != SUCCESS) {
          return bad(where + ": a \"files\" entry lacks a string \"path\" or a numeric " +
                     "\"similarity\": " + Excerpt(simdjson::minify(f)));
        }
        s.files.push_back({std::string(path), similarity});
      }
    }
  }
  return OkStatus();
}

std::string SignalText(int sig) {
  std::string s = "signal " + std::to_string(sig);
  if (const char* name = strsignal(sig)) s += std::string(" (") + name + ")";
  return s;
}

}  // namespace

Result<std::unique_ptr<CommandScorer>> CommandScorer::Start(CommandScorerOptions options) {
  if (options.command.find_first_not_of(" \t\n") == std::string::npos) {
    return Error(Code::kInvalidInput, "the reward command is empty");
  }
  if (!(options.timeout_seconds > 0)) {
    return Error(Code::kInvalidInput, "the reward command's timeout must be positive");
  }
  const std::string what = "starting reward command " + Quoted(options.command);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError(what + ": pipe", errno);
  UniqueFd child_in(fds[0]), to_child(fds[1]);
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError(what + ": pipe", errno);
  UniqueFd from_child(fds[0]), child_out(fds[1]);
  // The child's ends must not be 0 or 1 already (when this process runs
  // with stdin or stdout closed): dup2 of an fd onto itself would keep
  // close-on-exec, and the second dup2 could overwrite the first.
  for (UniqueFd* fd : {&child_in, &child_out}) {
    if (fd->get() <= 2) {
      const int moved = ::fcntl(fd->get(), F_DUPFD_CLOEXEC, 3);
      if (moved < 0) return ErrnoError(what + ": fcntl", errno);
      *fd = UniqueFd(moved);
    }
  }
  // Ours are non-blocking: ScoreGroups multiplexes them with poll.
  for (int fd : {to_child.get(), from_child.get()}) {
    if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
      return ErrnoError(what + ": fcntl", errno);
    }
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, child_out.get(), 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A process group of its own, so that the destructor can kill whatever
  // the shell started; default SIGPIPE (this process may ignore it, and
  // ignored signals stay ignored across exec) and no blocked signals.
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&empty);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  std::string arg0 = "sh", arg1 = "-c", arg2 = options.command;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return ErrnoError(what, rc);
  return std::unique_ptr<CommandScorer>(
      new CommandScorer(std::move(options), pid, to_child.release(), from_child.release()));
}

CommandScorer::CommandScorer(CommandScorerOptions options, pid_t pid, int to_child, int from_child)
    : options_(std::move(options)), pid_(pid), to_child_(to_child), from_child_(from_child) {}

CommandScorer::~CommandScorer() { Stop(options_.exit_grace_seconds); }

std::string CommandScorer::Describe() const { return "reward command " + Quoted(options_.command); }

void CommandScorer::Stop(double grace_seconds) {
  // Closing both pipes ends a well-behaved child (end of input) and one
  // blocked writing to us (EPIPE or SIGPIPE).
  for (int* fd : {&to_child_, &from_child_}) {
    if (*fd >= 0) ::close(std::exchange(*fd, -1));
  }
  if (pid_ <= 0) return;
  const auto deadline = Clock::now() + std::chrono::duration<double>(grace_seconds);
  for (;;) {
    siginfo_t info{};
    // WNOWAIT: the child stays a zombie, so its process group id cannot be
    // reused before the kill below.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      break;
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid_, SIGKILL);  // the shell's children too; the zombie ignores it
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string CommandScorer::ExitDescription(double wait_seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(wait_seconds);
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      if (info.si_code == CLD_EXITED) {
        std::string s = "exited with status " + std::to_string(info.si_status);
        if (info.si_status == 127) s += " (command not found?)";
        if (info.si_status == 126) s += " (not executable?)";
        // The shell reports a command killed by signal N as 128 + N.
        if (info.si_status > 128 && info.si_status < 128 + NSIG) {
          s += " (killed by " + SignalText(info.si_status - 128) + "?)";
        }
        return s;
      }
      return "was killed by " + SignalText(info.si_status);
    }
    if (Clock::now() >= deadline) return "is still running";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Error CommandScorer::Fail(std::string what) {
  failed_ = what;
  Stop(0);
  return Error(Code::kExternal, Describe() + ": " + what);
}

Result<GroupScores> CommandScorer::ScoreGroups(std::span<const ScoreGroup> groups) {
  if (failed_) {
    return Error(Code::kExternal, Describe() + ": unusable after an earlier error: " + *failed_);
  }
  if (groups.empty()) return GroupScores{};
  SigpipeBlock sigpipe_block;
  const size_t total = groups.size();

  char buf[65536];
  // Anything the child wrote since the last call answers no request.
  if (const ssize_t got = ::read(from_child_, buf, sizeof buf); got > 0) {
    return Fail("wrote output that answers no request: " +
                Excerpt(std::string_view(buf, static_cast<size_t>(got))));
  } else if (got == 0) {
    return Fail("ended its output before any request of this step; it " + ExitDescription(2));
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    return Fail(std::string("reading its output: ") + std::strerror(errno));
  }

  std::string request;
  for (const ScoreGroup& g : groups) AppendGroupRequest(g, &request);
  size_t written = 0;
  bool input_closed = false;  // the child closed its stdin (EPIPE)
  std::string pending;        // answer bytes not yet parsed (a partial line)
  size_t scanned = 0;         // pending[0, scanned) has no '\n'
  GroupScores scores(total);
  size_t answered = 0;
  simdjson::dom::parser parser;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(options_.timeout_seconds);

  while (answered < total) {
    const auto now = Clock::now();
    if (now >= deadline) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%g", options_.timeout_seconds);
      std::string what =
          "no answer within " + std::string(secs) + " s " + Progress(answered, total);
      if (written < request.size()) {
        what += "; it read " + std::to_string(written) + " of " + std::to_string(request.size()) +
                " request bytes";
      }
      return Fail(std::move(what));
    }
    const auto left_ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[2];
    nfds_t n = 0;
    const bool writing = written < request.size() && !input_closed;
    if (writing) fds[n++] = {to_child_, POLLOUT, 0};
    fds[n++] = {from_child_, POLLIN, 0};
    const int ready = ::poll(fds, n, static_cast<int>(std::min<int64_t>(left_ms, 1 << 30)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Fail(std::string("poll: ") + std::strerror(errno));
    }
    if (writing && fds[0].revents != 0) {
      const size_t chunk = std::min<size_t>(request.size() - written, size_t{1} << 20);
      const ssize_t put = ::write(to_child_, request.data() + written, chunk);
      if (put > 0) {
        written += static_cast<size_t>(put);
      } else if (errno == EPIPE) {
        input_closed = true;  // keep reading: its answers or its end tell more
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return Fail(std::string("writing its input: ") + std::strerror(errno));
      }
    }
    if (fds[n - 1].revents == 0) continue;
    const ssize_t got = ::read(from_child_, buf, sizeof buf);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return Fail(std::string("reading its output: ") + std::strerror(errno));
    }
    if (got == 0) {
      std::string what = "ended its output " + Progress(answered, total);
      if (!pending.empty()) what += " after a partial line " + Excerpt(pending);
      if (input_closed) what += ", having closed its input";
      return Fail(what + "; it " + ExitDescription(2));
    }
    pending.append(buf, static_cast<size_t>(got));
    size_t begin = 0;
    for (;;) {
      const size_t nl = pending.find('\n', std::max(begin, scanned));
      if (nl == std::string::npos) break;
      std::string_view line(pending.data() + begin, nl - begin);
      begin = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank
      if (answered == total) return Fail("wrote more answers than requests: " + Excerpt(line));
      if (Status st = ParseAnswer(parser, line, groups[answered], &scores[answered]); !st) {
        return Fail(st.error().message());
      }
      ++answered;
    }
    pending.erase(0, begin);
    scanned = pending.size();
    if (pending.size() > options_.max_line_bytes) {
      return Fail("wrote a line longer than " + std::to_string(options_.max_line_bytes) +
                  " bytes: " + Excerpt(pending));
    }
  }
  if (pending.find_first_not_of(" \t\r") != std::string::npos) {
    return Fail("wrote output past its last answer: " + Excerpt(pending));
  }
  if (written < request.size()) {
    // A child answers a request after reading it, so the last answer
    // cannot come before the last request was written.
    return Fail("answered every group before reading all requests (" + std::to_string(written) +
                " of " + std::to_string(request.size()) + " bytes read)");
  }
  return scores;
}

}  // namespace swerl::reward
