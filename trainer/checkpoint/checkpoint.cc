#include "trainer/checkpoint/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "swerl/io/atomic_file.h"
#include "swerl/st/reader.h"
#include "swerl/st/writer.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDone = "DONE";
constexpr const char* kPartial = ".partial";

Error IoError(const std::string& what, const std::error_code& ec) {
  return Error(Code::kIo, what + ": " + ec.message());
}

// fsync of a file or directory.
Status SyncPath(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error(Code::kIo, "cannot open '" + path.string() + "': " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return Error(Code::kIo, "cannot fsync '" + path.string() + "': " + std::strerror(err));
  }
  return OkStatus();
}

Status CopyFile(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return IoError("cannot copy '" + from.string() + "' to '" + to.string() + "'", ec);
  return OkStatus();
}

struct DtypeMap {
  torch::Dtype torch;
  st::Dtype st;
};
constexpr DtypeMap kDtypes[] = {
    {torch::kFloat32, st::Dtype::kF32},   {torch::kFloat64, st::Dtype::kF64},
    {torch::kBFloat16, st::Dtype::kBF16}, {torch::kFloat16, st::Dtype::kF16},
    {torch::kInt64, st::Dtype::kI64},     {torch::kInt32, st::Dtype::kI32}};

std::vector<std::pair<int64_t, fs::path>> Complete(const std::string& run_dir,
                                                   std::error_code& ec) {
  std::vector<std::pair<int64_t, fs::path>> found;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("step_") || name.ends_with(kPartial)) continue;
    auto step = CheckpointStep(entry.path().string());
    if (!step) continue;
    std::error_code e2;
    if (fs::exists(entry.path() / kDone, e2)) found.emplace_back(*step, entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::string CheckpointDir(const std::string& run_dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%08lld", static_cast<long long>(step));
  return (fs::path(run_dir) / name).string();
}

std::string PartialCheckpointDir(const std::string& run_dir, int64_t step) {
  return CheckpointDir(run_dir, step) + kPartial;
}

Result<int64_t> CheckpointStep(const std::string& checkpoint_dir) {
  const std::string name = fs::path(checkpoint_dir).filename().string();
  if (name.size() <= 5 || !name.starts_with("step_") ||
      !std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error(Code::kInvalidInput,
                 "'" + checkpoint_dir + "' is not a checkpoint directory (step_NNNNNNNN)");
  }
  return std::stoll(name.substr(5));
}

Result<NamedTensors> ReadTensorFile(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(st::File file, st::File::Open(path));
  NamedTensors out;
  for (const st::TensorInfo& info : file.tensors()) {
    const DtypeMap* map = nullptr;
    for (const DtypeMap& m : kDtypes) {
      if (m.st == info.dtype) map = &m;
    }
    if (!map) {
      return Error(Code::kUnsupported,
                   "'" + path + "': tensor '" + info.name + "' has an unsupported dtype");
    }
    torch::Tensor t = torch::empty(info.shape, torch::TensorOptions().dtype(map->torch));
    if (t.nbytes() != info.data.size()) {
      return Error(Code::kCorrupt, "'" + path + "': tensor '" + info.name + "' has the wrong size");
    }
    std::memcpy(t.data_ptr(), info.data.data(), info.data.size());  // may be unaligned in the file
    out.emplace(info.name, std::move(t));
  }
  return out;
}

Status WriteTensorFile(const std::string& path, const NamedTensors& tensors) {
  std::vector<torch::Tensor> host;
  std::vector<st::TensorRef> refs;
  host.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const DtypeMap* map = nullptr;
    for (const DtypeMap& m : kDtypes) {
      if (m.torch == tensor.scalar_type()) map = &m;
    }
    if (!map) {
      return Error(Code::kInvalidInput, "cannot write tensor '" + name + "' of dtype " +
                                            std::string(c10::toString(tensor.scalar_type())));
    }
    host.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const torch::Tensor& t = host.back();
    refs.push_back(
        {name, map->st, t.sizes().vec(),
         std::span<const std::byte>(static_cast<const std::byte*>(t.data_ptr()), t.nbytes())});
  }
  return st::WriteFile(path, std::move(refs), {{"format", "pt"}});
}

Status WriteTrainingCheckpoint(const std::string& run_dir, const Transformer& model,
                               const CheckpointWrite& w) {
  const fs::path final_dir = CheckpointDir(run_dir, w.step);
  const fs::path partial = PartialCheckpointDir(run_dir, w.step);
  std::error_code ec;
  // Leftovers of checkpoints a killed process did not finish.
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("step_") && name.ends_with(kPartial)) fs::remove_all(entry.path(), ec);
  }
  auto fail = [&](Error e) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    return std::move(e).With("writing checkpoint '" + final_dir.string() + "'");
  };
  if (!fs::create_directories(partial, ec) || ec) {
    return fail(IoError("cannot create '" + partial.string() + "'", ec));
  }
  if (Status st = SaveModel(model, partial, w.model_dtype); !st) return fail(std::move(st).error());
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "generation_config.json",
                           "special_tokens_map.json"}) {
    const fs::path from = fs::path(w.tokenizer_dir) / name;
    if (!w.tokenizer_dir.empty() && fs::exists(from, ec)) {
      if (Status st = CopyFile(from, partial / name); !st) return fail(std::move(st).error());
    }
  }
  if (w.optimizer_state) {
    if (Status st =
            WriteTensorFile((partial / "optimizer.safetensors").string(), *w.optimizer_state);
        !st) {
      return fail(std::move(st).error());
    }
  }
  if (Status st =
          io::WriteFileAtomically((partial / "trainer_state.json").string(), w.trainer_state_json);
      !st) {
    return fail(std::move(st).error());
  }
  if (w.before_done) {
    if (Status st = w.before_done(partial.string()); !st) return fail(std::move(st).error());
  }
  // Fault injection for the crash tests: SWERL_TEST_KILL_IN_CHECKPOINT=N
  // kills this process while checkpoint N is half written (files on disk,
  // no DONE marker, not renamed), as a SIGKILL or power loss would.
  if (const char* kill_at = std::getenv("SWERL_TEST_KILL_IN_CHECKPOINT");
      kill_at && std::atoll(kill_at) == w.step) {
    std::raise(SIGKILL);
  }
  // Everything on disk before the marker; the marker before the rename.
  for (const auto& entry : fs::directory_iterator(partial, ec)) {
    if (Status st = SyncPath(entry.path()); !st) return fail(std::move(st).error());
  }
  if (Status st = io::WriteFileAtomically((partial / kDone).string(), "complete\n"); !st) {
    return fail(std::move(st).error());
  }
  if (Status st = SyncPath(partial); !st) return fail(std::move(st).error());
  fs::remove_all(final_dir, ec);  // an incomplete leftover of an earlier run at this step
  fs::rename(partial, final_dir, ec);
  if (ec) return fail(IoError("cannot rename '" + partial.string() + "'", ec));
  if (Status st = SyncPath(run_dir); !st) return st;

  if (w.keep_last > 0) {
    auto complete = Complete(run_dir, ec);
    for (size_t i = 0; i + w.keep_last < complete.size(); ++i) {
      fs::remove_all(complete[i].second, ec);  // best effort: a leftover is harmless
    }
  }
  return OkStatus();
}

Result<std::optional<std::string>> LatestCheckpoint(const std::string& run_dir) {
  std::error_code ec;
  if (!fs::exists(run_dir, ec)) return std::optional<std::string>();
  auto complete = Complete(run_dir, ec);
  if (ec) return IoError("cannot list '" + run_dir + "'", ec);
  if (complete.empty()) return std::optional<std::string>();
  return std::optional<std::string>(complete.back().second.string());
}

}  // namespace swerl::train
