#include "swerl/cli/paths.h"

#include "swerl/cli/log.h"

namespace swerl::cli {

bool DistinctFiles(const std::vector<io::NamedPath>& inputs,
                   const std::vector<io::NamedPath>& outputs) {
  Status st = io::CheckDistinctFiles(inputs, outputs);
  if (st) return true;
  Log::Get().Error(st.error().message());
  return false;
}

std::vector<io::NamedPath> NamedPaths(std::string_view flag,
                                      const std::vector<std::string>& paths) {
  std::vector<io::NamedPath> out;
  for (const std::string& p : paths) out.push_back({std::string(flag), p});
  return out;
}

Error WantsKind(Error e, std::string_view flag, const db::FileKind& kind) {
  // kInvalidInput: another kind or an empty database; kCorrupt: not SQLite.
  if (e.code() != Code::kInvalidInput && e.code() != Code::kCorrupt) return e;
  return Error(e.code(), e.message() + " (" + std::string(flag) + " wants a " +
                             std::string(kind.name) + " made by " + std::string(kind.made_by) +
                             ")");
}

}  // namespace swerl::cli
