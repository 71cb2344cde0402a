#include "trainer/dist/comm.h"

#include <cstring>
#include <exception>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#if defined(USE_C10D_NCCL) && __has_include(<nccl.h>)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define SWERL_HAVE_NCCL 1
#endif

namespace swerl::train::dist {
namespace {

c10d::ReduceOp ToC10d(Op op) {
  switch (op) {
    case Op::kSum:
      return c10d::ReduceOp::SUM;
    case Op::kMax:
      return c10d::ReduceOp::MAX;
    case Op::kMin:
      return c10d::ReduceOp::MIN;
  }
  return c10d::ReduceOp::SUM;
}

int64_t Bytes(const torch::Tensor& t) { return t.numel() * static_cast<int64_t>(t.element_size()); }

}  // namespace

bool HaveNccl() {
#ifdef SWERL_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

Result<BackendKind> ParseBackend(std::string_view name, const torch::Device& device) {
  if (name == "auto")
    return device.is_cuda() && HaveNccl() ? BackendKind::kNccl : BackendKind::kGloo;
  if (name == "gloo") return BackendKind::kGloo;
  if (name == "nccl") {
    if (!HaveNccl()) {
      return Error(Code::kUnsupported, "--backend nccl: this build's LibTorch has no NCCL");
    }
    if (!device.is_cuda()) {
      return Error(Code::kInvalidInput, "--backend nccl needs a CUDA device (--device cuda)");
    }
    return BackendKind::kNccl;
  }
  return Error(Code::kInvalidInput,
               "--backend '" + std::string(name) + "' is not one of auto, gloo, nccl");
}

std::string_view BackendName(BackendKind kind) {
  return kind == BackendKind::kNccl ? "nccl" : "gloo";
}

Result<std::unique_ptr<Comm>> Comm::Connect(const LaunchEnv& env, const CommOptions& options) {
  std::unique_ptr<Comm> comm(new Comm());
  comm->rank_ = env.rank;
  comm->world_ = env.world;
  comm->options_ = options;
  const std::string where = "rank " + std::to_string(env.rank) + " of " +
                            std::to_string(env.world) + ": cannot form the process group via " +
                            env.master_addr + ":" + std::to_string(env.master_port);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(env.master_port);
    // torchrun's agent already serves a store on MASTER_PORT; otherwise rank 0 does.
    so.isServer = env.rank == 0 && !env.agent_store;
    if (so.isServer) so.numWorkers = static_cast<size_t>(env.world);
    so.waitWorkers = false;
    so.timeout = options.timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    // A prefix per restart: keys of an earlier incarnation never match.
    comm->store_ =
        c10::make_intrusive<c10d::PrefixStore>("swerl/" + std::to_string(env.restart_count), tcp);
    if (options.backend == BackendKind::kGloo) {
      auto go = c10d::ProcessGroupGloo::Options::create_default(options.timeout);
      comm->backend_ =
          c10::make_intrusive<c10d::ProcessGroupGloo>(comm->store_, env.rank, env.world, go);
    } else {
#ifdef SWERL_HAVE_NCCL
      auto no = c10d::ProcessGroupNCCL::Options::create();
      no->timeout = options.timeout;
      comm->backend_ =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(comm->store_, env.rank, env.world, no);
#else
      return Error(Code::kUnsupported, where + ": this build has no NCCL");
#endif
    }
  } catch (const std::exception& e) {
    return Error(Code::kExternal, where + ": " + e.what());
  }
  // The first collective connects every pair: fail here, not mid-step.
  SWERL_RETURN_IF_ERROR(comm->Barrier("start-up"));
  return comm;
}

Comm::~Comm() = default;

Error Comm::Fail(std::string_view what, std::string_view why) const {
  std::string first(why.substr(0, why.find('\n')));
  return Error(Code::kExternal,
               "rank " + std::to_string(rank_) + " of " + std::to_string(world_) + ", step " +
                   std::to_string(step_) + ": " + std::string(what) + " failed: " + first +
                   " (another rank died or stopped answering within the collective timeout of " +
                   std::to_string(options_.timeout.count() / 1000) + " s)");
}

Status Comm::Run(c10::intrusive_ptr<c10d::Work> work, std::string_view what) {
  try {
    work->wait(options_.timeout);
  } catch (const std::exception& e) {
    return Fail(what, e.what());
  }
  return OkStatus();
}

Status Comm::AllReduce(torch::Tensor& t, Op op, std::string_view what) {
  SWERL_ASSIGN_OR_RETURN(Pending p, [&]() -> Result<Pending> {
    try {
      std::vector<torch::Tensor> ts{t};
      c10d::AllreduceOptions o;
      o.reduceOp = ToC10d(op);
      bytes_ += Bytes(t);
      return Pending(backend_->allreduce(ts, o), std::string(what));
    } catch (const std::exception& e) {
      return Fail(what, e.what());
    }
  }());
  return Wait(p);
}

Status Comm::AllGather(torch::Tensor& out, const torch::Tensor& in, std::string_view what) {
  try {
    torch::Tensor input = in;
    bytes_ += Bytes(in);
    return Run(backend_->_allgather_base(out, input), what);
  } catch (const std::exception& e) {
    return Fail(what, e.what());
  }
}

Status Comm::ReduceScatter(torch::Tensor& out, const torch::Tensor& in, std::string_view what) {
  torch::Tensor input = in;
  SWERL_ASSIGN_OR_RETURN(Pending p, StartReduceScatter(out, input, what));
  return Wait(p);
}

Status Comm::Barrier(std::string_view what) {
  // An all-reduce of one element on the group's device: a barrier that
  // honours the timeout on every backend.
  torch::Tensor one = torch::ones({1}, torch::TensorOptions().device(options_.device));
  return AllReduce(one, Op::kSum, what);
}

Result<Pending> Comm::StartAllReduce(torch::Tensor& t, std::string_view what) {
  try {
    std::vector<torch::Tensor> ts{t};
    bytes_ += Bytes(t);
    return Pending(backend_->allreduce(ts), std::string(what));
  } catch (const std::exception& e) {
    return Fail(what, e.what());
  }
}

Result<Pending> Comm::StartReduceScatter(torch::Tensor& out, torch::Tensor& in,
                                         std::string_view what) {
  try {
    bytes_ += Bytes(in);
    return Pending(backend_->_reduce_scatter_base(out, in), std::string(what));
  } catch (const std::exception& e) {
    return Fail(what, e.what());
  }
}

Status Comm::Wait(Pending& pending) {
  if (!pending.active()) return OkStatus();
  Status st = Run(std::move(pending.work_), pending.what_);
  pending.work_.reset();
  return st;
}

Result<bool> Comm::AllOk(bool ok, std::string_view what) {
  torch::Tensor flag =
      torch::full({1}, ok ? 1.0f : 0.0f, torch::TensorOptions().device(options_.device));
  SWERL_RETURN_IF_ERROR(AllReduce(flag, Op::kMin, what));
  return flag.item<float>() == 1.0f;
}

Status Comm::ExpectSame(uint64_t value, std::string_view what) {
  // Two 32-bit halves, exact in float64, compared by MAX and MIN.
  const auto dev = torch::TensorOptions().dtype(torch::kFloat64).device(options_.device);
  torch::Tensor hi = torch::tensor(
      {static_cast<double>(value >> 32), static_cast<double>(value & 0xffffffffu)}, dev);
  torch::Tensor lo = hi.clone();
  SWERL_RETURN_IF_ERROR(AllReduce(hi, Op::kMax, what));
  SWERL_RETURN_IF_ERROR(AllReduce(lo, Op::kMin, what));
  if (!torch::equal(hi, lo)) {
    return Error(Code::kInvalidInput, "rank " + std::to_string(rank_) + " of " +
                                          std::to_string(world_) + ": the ranks disagree on " +
                                          std::string(what) +
                                          " (every rank must start from the same files and flags)");
  }
  return OkStatus();
}

Result<std::vector<std::string>> Comm::AllGatherBytes(std::string_view mine,
                                                      std::string_view what) {
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(options_.device);
  torch::Tensor len = torch::tensor({static_cast<int64_t>(mine.size())}, i64);
  torch::Tensor lens = torch::empty({world_}, i64);
  SWERL_RETURN_IF_ERROR(AllGather(lens, len, what));
  const torch::Tensor host_lens = lens.cpu();
  int64_t longest = 0;
  for (int r = 0; r < world_; ++r) longest = std::max(longest, host_lens[r].item<int64_t>());
  const int64_t width = std::max<int64_t>(longest, 1);
  torch::Tensor buf = torch::zeros({width}, torch::kUInt8);
  std::memcpy(buf.data_ptr<uint8_t>(), mine.data(), mine.size());
  buf = buf.to(options_.device);
  torch::Tensor all = torch::empty({width * world_}, buf.options());
  SWERL_RETURN_IF_ERROR(AllGather(all, buf, what));
  all = all.cpu();
  std::vector<std::string> out;
  const auto* p = all.data_ptr<uint8_t>();
  for (int r = 0; r < world_; ++r) {
    out.emplace_back(reinterpret_cast<const char*>(p + r * width),
                     static_cast<size_t>(host_lens[r].item<int64_t>()));
  }
  return out;
}

}  // namespace swerl::train::dist
