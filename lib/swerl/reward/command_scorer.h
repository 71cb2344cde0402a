// CommandScorer: scores groups with a long-lived child process that speaks
// `swerl reward`'s line protocol (schemas/records/reward.md): one request
// line {"id", "context", "oracle", "outputs": [...]} per group on its
// stdin, one result line {"id", "results": [{"reward", "error", "files"},
// ...]} per request on its stdout, in request order. This is how users
// bring their own rewards (`swerl-train grpo --reward-cmd CMD`); `swerl
// reward --line-buffered` is the SWE-RL reward as such a command.
//
// The child is started once with /bin/sh -c CMD in a process group of its
// own, stdin and stdout on pipes, stderr shared with this process. Every
// way a child can misbehave ends the call with an Error naming the command
// and what happened, never with a made-up reward: no complete answer within
// the timeout, end of output or death (with its exit status), a line that
// is not JSON or lacks a member, a wrong id, a wrong number of results, a
// reward that is not a finite number, output that is not an answer to a
// request (before a call or past its last answer). After such an error the
// child is killed and every later call fails at once.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "swerl/reward/group_scorer.h"

namespace swerl::reward {

struct CommandScorerOptions {
  std::string command;  // run as /bin/sh -c COMMAND
  // Limit for one ScoreGroups call (a training step's groups), from the
  // first byte written to the last answer read.
  double timeout_seconds = 600;
  // At destruction: how long the child may take to exit after its stdin
  // and stdout are closed before its process group gets SIGKILL.
  double exit_grace_seconds = 2;
  // Longest answer line accepted (a stream without newlines is not an
  // answer).
  size_t max_line_bytes = size_t{64} << 20;
};

// Not thread-safe: one call at a time. Movable only through the pointer.
class CommandScorer final : public GroupScorer {
 public:
  // Starts the child. Errors: kInvalidInput (an empty command, a
  // non-positive timeout), kIo (pipes or spawning failed). A command that
  // does not exist is reported by the first ScoreGroups (the shell exits
  // with status 127).
  static Result<std::unique_ptr<CommandScorer>> Start(CommandScorerOptions options);

  // Closes the child's stdin and stdout (a well-behaved child exits at end
  // of input), waits up to exit_grace_seconds, then SIGKILLs its process
  // group (grandchildren included) and reaps it. Never blocks longer.
  ~CommandScorer() override;
  CommandScorer(const CommandScorer&) = delete;
  CommandScorer& operator=(const CommandScorer&) = delete;

  // Writes the groups' request lines while reading answers (non-blocking,
  // with poll, so a child that answers before it has read everything
  // cannot deadlock the two), and returns once every group is answered.
  // An empty span returns at once. SIGPIPE is blocked in the calling thread
  // during the call (and a pending one consumed), so a dead child yields
  // EPIPE, not a signal, whatever the process's disposition. Errors
  // (kExternal, message "reward command 'CMD': ..."): everything listed at
  // the top of this file.
  Result<GroupScores> ScoreGroups(std::span<const ScoreGroup> groups) override;

  std::string Describe() const override;

  // The child's process id (its process group id too); -1 once reaped.
  pid_t pid() const { return pid_; }

 private:
  CommandScorer(CommandScorerOptions options, pid_t pid, int to_child, int from_child);
  // Ends the scorer with `what`: kills the child and returns the error.
  Error Fail(std::string what);
  // Closes the pipes, waits up to `grace_seconds` for an exit, SIGKILLs
  // the process group and reaps the child.
  void Stop(double grace_seconds);
  // "exited with status 3", "was killed by signal 9 (Killed)", or "is still
  // running" after waiting up to `wait_seconds` for it to end. Does not reap.
  std::string ExitDescription(double wait_seconds);

  CommandScorerOptions options_;
  pid_t pid_ = -1;
  int to_child_ = -1;                  // the child's stdin (ours: non-blocking, close-on-exec)
  int from_child_ = -1;                // the child's stdout
  std::optional<std::string> failed_;  // why the scorer is unusable
};

}  // namespace swerl::reward
