#include "trainer/dist/grad_sync.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <algorithm>
#include <chrono>

#include "swerl/core/check.h"

namespace swerl::train::dist {

BucketLayout PlanBuckets(const std::vector<int64_t>& numels, int64_t bucket_bytes, int world) {
  SWERL_CHECK(world >= 1);
  BucketLayout layout;
  layout.world = world;
  const int64_t cap = std::max<int64_t>(bucket_bytes / 4, 1);
  BucketLayout::Bucket current;
  for (size_t k = numels.size(); k-- > 0;) {
    if (current.numel > 0 && current.numel + numels[k] > cap) {
      layout.buckets.push_back(std::move(current));
      current = {};
    }
    current.entries.push_back({k, current.numel, numels[k]});
    current.numel += numels[k];
  }
  if (!current.entries.empty()) layout.buckets.push_back(std::move(current));
  for (auto& b : layout.buckets) b.padded = (b.numel + world - 1) / world * world;
  return layout;
}

// Runs after the accumulator of one parameter has added a gradient.
class GradientSync::Hook : public torch::autograd::FunctionPostHook {
 public:
  Hook(GradientSync* sync, size_t param) : sync_(sync), param_(param) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list&) override {
    sync_->OnAccumulated(param_);
    return outputs;
  }

 private:
  GradientSync* sync_;
  size_t param_;
};

GradientSync::GradientSync(Comm& comm, std::vector<std::pair<std::string, torch::Tensor>> params,
                           const GradSyncOptions& options)
    : comm_(comm), params_(std::move(params)), options_(options) {
  std::vector<int64_t> numels;
  for (const auto& [name, p] : params_) numels.push_back(p.numel());
  layout_ = PlanBuckets(numels, options.bucket_bytes, options.zero ? comm.world() : 1);
  for (const auto& [name, p] : params_) {
    if (p.scalar_type() == torch::kFloat64) dtype_ = torch::kFloat64;
  }
  bucket_of_.assign(params_.size(), 0);
  for (size_t b = 0; b < layout_.buckets.size(); ++b) {
    for (const auto& e : layout_.buckets[b].entries) bucket_of_[e.param] = b;
  }
  fired_.assign(params_.size(), 0);
  expected_.assign(params_.size(), 0);
  has_grad_.assign(params_.size(), false);
  waiting_.assign(layout_.buckets.size(), 0);
  launched_.assign(layout_.buckets.size(), false);
  flat_.resize(layout_.buckets.size());
  owned_grad_.resize(layout_.buckets.size());
  pending_.resize(layout_.buckets.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    std::shared_ptr<torch::autograd::Node> acc =
        torch::autograd::impl::grad_accumulator(params_[i].second);
    SWERL_CHECK(acc != nullptr);  // a leaf that requires grad
    acc->add_post_hook(std::make_unique<Hook>(this, i));
    accumulators_.push_back(std::move(acc));
  }
}

GradientSync::~GradientSync() {
  // The hooks point at this object. Dropping the parameters' link to their
  // accumulators (and ours) destroys the hooked accumulators; the next
  // backward makes fresh ones without hooks.
  for (auto& [name, p] : params_) torch::autograd::impl::set_grad_accumulator(p, {});
}

void GradientSync::Arm() {
  std::lock_guard lock(mu_);
  std::fill(fired_.begin(), fired_.end(), 0);
  std::fill(launched_.begin(), launched_.end(), false);
  next_launch_ = 0;
  overlapped_ = 0;
  late_.clear();
  launch_error_.reset();
  armed_ = true;
  if (learned_) {
    std::fill(waiting_.begin(), waiting_.end(), 0);
    for (size_t i = 0; i < params_.size(); ++i) waiting_[bucket_of_[i]] += expected_[i] > 0 ? 1 : 0;
    LaunchReady();
  }
}

void GradientSync::OnAccumulated(size_t param) {
  std::lock_guard lock(mu_);
  if (!armed_) return;  // an earlier micro-batch: gradients keep accumulating
  ++fired_[param];
  const size_t b = bucket_of_[param];
  if (launched_[b] && late_.empty()) late_ = params_[param].first;
  if (!learned_ || fired_[param] != expected_[param]) return;
  if (--waiting_[b] == 0) LaunchReady();
}

void GradientSync::LaunchReady() {
  while (next_launch_ < layout_.buckets.size() && waiting_[next_launch_] == 0 && !launch_error_) {
    if (Status st = Launch(next_launch_); !st) launch_error_ = st.error();
    ++overlapped_;
    ++next_launch_;
  }
}

Status GradientSync::Launch(size_t b) {
  torch::NoGradGuard no_grad;
  const BucketLayout::Bucket& bucket = layout_.buckets[b];
  const torch::Device device = params_[bucket.entries.front().param].second.device();
  torch::Tensor flat =
      torch::zeros({bucket.padded}, torch::TensorOptions().dtype(dtype_).device(device));
  for (const auto& e : bucket.entries) {
    const torch::Tensor& g = params_[e.param].second.grad();
    if (g.defined()) flat.narrow(0, e.offset, e.numel).copy_(g.reshape({-1}));
  }
  launched_[b] = true;
  flat_[b] = flat;
  const std::string what = "gradient bucket " + std::to_string(b);
  if (options_.zero) {
    owned_grad_[b] = torch::empty({layout_.PartSize(b)}, flat.options());
    SWERL_ASSIGN_OR_RETURN(pending_[b], comm_.StartReduceScatter(owned_grad_[b], flat_[b], what));
  } else {
    SWERL_ASSIGN_OR_RETURN(pending_[b], comm_.StartAllReduce(flat_[b], what));
  }
  return OkStatus();
}

Status GradientSync::Finish() {
  std::unique_lock lock(mu_);
  if (!armed_) {  // no Arm this pass: nothing was overlapped
    std::fill(launched_.begin(), launched_.end(), false);
    next_launch_ = 0;
    overlapped_ = 0;
    late_.clear();
    launch_error_.reset();
  }
  armed_ = false;
  const int64_t overlapped = overlapped_;
  // What is left goes now, in order.
  std::fill(waiting_.begin(), waiting_.end(), 0);
  LaunchReady();
  overlapped_ = overlapped;
  if (!learned_) {
    // One backward's firing counts; a pass without a backward teaches nothing.
    bool any = false;
    for (int64_t f : fired_) any = any || f > 0;
    if (any) {
      expected_ = fired_;
      learned_ = true;
    }
  }
  const std::string late = late_;
  std::optional<Error> launch_error = launch_error_;
  lock.unlock();

  // Which parameters have a gradient on some rank (one small all-reduce).
  torch::Tensor flags = torch::zeros({static_cast<int64_t>(params_.size())}, torch::kFloat32);
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].second.grad().defined()) flags[static_cast<int64_t>(i)] = 1.0f;
  }
  flags = flags.to(comm_.device());
  Status status = launch_error ? Status(*launch_error) : OkStatus();
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t b = 0; b < pending_.size(); ++b) {
    Status st = comm_.Wait(pending_[b]);
    if (status && !st) status = st;
  }
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (status) status = comm_.AllReduce(flags, Op::kMax, "gradient flags");
  if (!status) return status;
  if (!late.empty()) {
    return Error(Code::kInvalidInput, "parameter '" + late +
                                          "' received a gradient after its bucket was reduced "
                                          "(its backward differs from the first one's)");
  }
  const torch::Tensor host_flags = flags.cpu();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    has_grad_[i] = host_flags[static_cast<int64_t>(i)].item<float>() > 0;
  }
  if (!options_.zero) {
    for (size_t b = 0; b < layout_.buckets.size(); ++b) {
      for (const auto& e : layout_.buckets[b].entries) {
        torch::Tensor& p = params_[e.param].second;
        if (!has_grad_[e.param]) {
          p.mutable_grad() = torch::Tensor();
          continue;
        }
        torch::Tensor summed = flat_[b].narrow(0, e.offset, e.numel).view(p.sizes());
        if (p.grad().defined()) {
          p.mutable_grad().copy_(summed);
        } else {
          p.mutable_grad() = summed.to(p.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
        }
      }
    }
  }
  for (auto& f : flat_) f = torch::Tensor();
  return OkStatus();
}

}  // namespace swerl::train::dist
