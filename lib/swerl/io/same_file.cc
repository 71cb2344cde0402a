#include "swerl/io/same_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <system_error>

namespace swerl::io {
namespace {

// What a path names: a file (device, inode), or, for a path that does not
// exist yet, its nearest existing ancestor plus the rest of the path.
struct Identity {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string rest;  // empty for an existing file

  bool operator==(const Identity& o) const {
    return dev == o.dev && ino == o.ino && rest == o.rest;
  }
};

bool Collides(const struct stat& st) { return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode); }

// nullopt: nothing that can collide (an empty path, a non-regular standard
// stream or device, a path that cannot be examined, and with !missing_too a
// path that does not exist).
std::optional<Identity> Identify(const std::string& path, int std_fd, bool missing_too) {
  struct stat st;
  if (path.empty()) return std::nullopt;
  if (path == "-") {
    if (::fstat(std_fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return Identity{st.st_dev, st.st_ino, {}};
  }
  if (::stat(path.c_str(), &st) == 0) {
    if (!Collides(st)) return std::nullopt;
    return Identity{st.st_dev, st.st_ino, {}};
  }
  if ((errno != ENOENT && errno != ENOTDIR) || !missing_too) return std::nullopt;
  // Not there yet: walk up to the nearest ancestor that exists. The missing
  // part is compared as text, normalised ("a/./b" == "a/b").
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec).lexically_normal();
  if (ec) return std::nullopt;
  if (p.filename().empty()) p = p.parent_path();  // a trailing '/'
  std::filesystem::path rest = p.filename();
  for (p = p.parent_path();; p = p.parent_path()) {
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return std::nullopt;  // the write fails anyway
      return Identity{st.st_dev, st.st_ino, rest.string()};
    }
    if ((errno != ENOENT && errno != ENOTDIR) || p == p.root_path()) return std::nullopt;
    rest = p.filename() / rest;
  }
}

std::string Describe(const NamedPath& p, bool output) {
  if (p.path == "-") return output ? "standard output" : "standard input";
  return p.flag + " '" + p.path + "'";
}

}  // namespace

Status CheckDistinctFiles(const std::vector<NamedPath>& inputs,
                          const std::vector<NamedPath>& outputs) {
  std::vector<std::optional<Identity>> in_ids, out_ids;
  // An input that does not exist cannot be written over (a program looked
  // up in PATH, an input whose absence the command reports).
  for (const NamedPath& p : inputs) in_ids.push_back(Identify(p.path, 0, false));
  for (const NamedPath& p : outputs) out_ids.push_back(Identify(p.path, 1, true));
  for (size_t o = 0; o < outputs.size(); ++o) {
    if (!out_ids[o]) continue;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (in_ids[i] && *in_ids[i] == *out_ids[o]) {
        return Error(Code::kInvalidInput, Describe(outputs[o], true) + " is the same file as " +
                                              Describe(inputs[i], false) +
                                              ": refusing to write over an input");
      }
    }
    for (size_t other = 0; other < o; ++other) {
      if (out_ids[other] && *out_ids[other] == *out_ids[o]) {
        return Error(Code::kInvalidInput, Describe(outputs[other], true) + " and " +
                                              Describe(outputs[o], true) +
                                              " are the same file: give each output its own");
      }
    }
  }
  return OkStatus();
}

}  // namespace swerl::io
