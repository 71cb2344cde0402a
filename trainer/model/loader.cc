#include "trainer/model/loader.h"

#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "swerl/st/checkpoint.h"
#include "swerl/st/writer.h"

namespace swerl::train {
namespace {

std::string ShapeText(c10::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Result<torch::Dtype> TorchDtype(st::Dtype d) {
  switch (d) {
    case st::Dtype::kBF16:
      return torch::kBFloat16;
    case st::Dtype::kF16:
      return torch::kFloat16;
    case st::Dtype::kF32:
      return torch::kFloat32;
    case st::Dtype::kF64:
      return torch::kFloat64;
    default:
      return Error(Code::kUnsupported, "dtype " + std::string(st::DtypeName(d)) +
                                           " is not supported (expected BF16, F16, F32 or F64)");
  }
}

// A CPU tensor viewing (or, when misaligned, copying) the stored bytes.
torch::Tensor StoredTensor(const st::TensorInfo& info, torch::Dtype dtype) {
  const size_t elem = c10::elementSize(dtype);
  void* ptr = const_cast<std::byte*>(info.data.data());  // read only: copied below
  if (reinterpret_cast<uintptr_t>(ptr) % elem == 0) {
    return torch::from_blob(ptr, info.shape, torch::TensorOptions().dtype(dtype));
  }
  auto copy = torch::empty(info.shape, torch::TensorOptions().dtype(dtype));
  std::memcpy(copy.data_ptr(), ptr, info.data.size());
  return copy;
}

bool IgnoredName(std::string_view name) { return name.ends_with("rotary_emb.inv_freq"); }

}  // namespace

Result<std::shared_ptr<Transformer>> LoadModel(const std::filesystem::path& dir,
                                               torch::Device device, torch::Dtype dtype) {
  SWERL_ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(dir));
  SWERL_ASSIGN_OR_RETURN(st::Checkpoint ckpt, st::Checkpoint::Open(dir.string()));
  const std::string where = "'" + dir.string() + "': ";
  auto model = std::make_shared<Transformer>(config, device, dtype);
  torch::NoGradGuard no_grad;
  std::set<std::string> expected;
  for (auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& param = item.value();
    expected.insert(name);
    const st::TensorInfo* info = ckpt.Find(name);
    if (info == nullptr) {
      return Error(Code::kInvalidInput, where + "tensor '" + name +
                                            "' is missing (config.json model_type " +
                                            std::string(ArchName(config.arch)) + ")");
    }
    if (c10::IntArrayRef(info->shape) != param.sizes()) {
      return Error(Code::kInvalidInput, where + "tensor '" + name + "' has shape " +
                                            ShapeText(info->shape) + ", config.json implies " +
                                            ShapeText(param.sizes()));
    }
    auto stored_dtype = TorchDtype(info->dtype);
    if (!stored_dtype) return std::move(stored_dtype).error().With(where + "tensor '" + name + "'");
    param.copy_(StoredTensor(*info, *stored_dtype));
  }
  for (const std::string& name : ckpt.names()) {
    if (expected.contains(name) || IgnoredName(name)) continue;
    if (config.tie_word_embeddings && name == "lm_head.weight") continue;
    return Error(Code::kInvalidInput, where + "unexpected tensor '" + name +
                                          "' for config.json model_type " +
                                          std::string(ArchName(config.arch)));
  }
  return model;
}

Status SaveModel(const Transformer& model, const std::filesystem::path& dir,
                 torch::Dtype disk_dtype, uint64_t max_shard_bytes) {
  st::Dtype st_dtype;
  std::string dtype_name;
  if (disk_dtype == torch::kFloat32) {
    st_dtype = st::Dtype::kF32;
    dtype_name = "float32";
  } else if (disk_dtype == torch::kBFloat16) {
    st_dtype = st::Dtype::kBF16;
    dtype_name = "bfloat16";
  } else if (disk_dtype == torch::kFloat16) {
    st_dtype = st::Dtype::kF16;
    dtype_name = "float16";
  } else {
    return Error(Code::kInvalidInput,
                 "cannot save weights as " + std::string(c10::toString(disk_dtype)));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(Code::kIo, "cannot create '" + dir.string() + "': " + ec.message());

  ModelConfig config = model.config();
  config.dtype = dtype_name;
  const std::filesystem::path config_path = dir / "config.json";
  {
    std::ofstream out(config_path, std::ios::binary | std::ios::trunc);
    out << ModelConfigToJson(config);
    out.close();
    if (!out) return Error(Code::kIo, "cannot write '" + config_path.string() + "'");
  }

  std::vector<torch::Tensor> host;  // keeps the bytes alive for the refs
  std::vector<st::TensorRef> refs;
  for (const auto& item : model.named_parameters()) {
    auto t = item.value().detach().to(torch::kCPU, disk_dtype).contiguous();
    host.push_back(t);
    st::TensorRef ref;
    ref.name = item.key();
    ref.dtype = st_dtype;
    ref.shape = t.sizes().vec();
    ref.data = std::span<const std::byte>(static_cast<const std::byte*>(t.data_ptr()), t.nbytes());
    refs.push_back(std::move(ref));
  }
  return st::WriteCheckpoint(dir.string(), std::move(refs), {{"format", "pt"}}, max_shard_bytes);
}

}  // namespace swerl::train
