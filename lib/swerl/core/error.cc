#include "swerl/core/error.h"

#include <cerrno>
#include <cstring>

namespace swerl {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kInvalidInput:
      return "invalid input";
    case Code::kNotFound:
      return "not found";
    case Code::kIo:
      return "i/o error";
    case Code::kCorrupt:
      return "corrupt data";
    case Code::kExternal:
      return "external failure";
    case Code::kCancelled:
      return "cancelled";
    case Code::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

Error Error::With(std::string_view context) && {
  std::string joined;
  joined.reserve(context.size() + 2 + message_.size());
  joined.append(context).append(": ").append(message_);
  message_ = std::move(joined);
  return std::move(*this);
}

Error Error::With(std::string_view context) const& { return Error(*this).With(context); }

Error ErrnoError(std::string_view what, int errnum) {
  std::string msg(what);
  msg.append(": ").append(std::strerror(errnum));
  return Error(Code::kIo, std::move(msg));
}

Error OpenError(std::string_view path, int errnum) {
  Error e = ErrnoError("cannot open '" + std::string(path) + "'", errnum);
  if (errnum == ENOENT) return Error(Code::kNotFound, e.message());
  return e;
}

}  // namespace swerl
