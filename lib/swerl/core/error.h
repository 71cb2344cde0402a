// Error: a coarse category plus a message that says what failed and where.
// Errors are values (see result.h); lib/ never throws them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swerl {

enum class Code : uint8_t {
  kInvalidInput = 1,  // the caller's data or arguments are malformed
  kNotFound,          // a file, commit, record or remote object does not exist
  kIo,                // the operating system reported a failure
  kCorrupt,           // stored or transferred data fails an integrity check
  kExternal,          // a remote service or library failed (HTTP 5xx, timeouts)
  kCancelled,         // the operation was stopped on request
  kUnsupported,       // valid input that this version does not handle
};

// Returns a stable lowercase name ("invalid input", "not found", ...).
std::string_view CodeName(Code code);

// Thread-compatible value type.
class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prepends context, so it reads "reading 'x.json.gz' line 12: bad number".
  Error With(std::string_view context) &&;
  Error With(std::string_view context) const&;

 private:
  Code code_;
  std::string message_;
};

// Returns an Error of kIo whose message is `what: strerror(errnum)`.
Error ErrnoError(std::string_view what, int errnum);

// The error for a file that failed to open with errno `errnum`: kNotFound
// for ENOENT, else kIo; the message is "cannot open 'PATH': strerror".
Error OpenError(std::string_view path, int errnum);

}  // namespace swerl
