#include "trainer/grpo/update.h"

#include <torch/types.h>

#include <cmath>
#include <string>

#include "trainer/grpo/logprob.h"
#include "trainer/grpo/sequence_batch.h"

namespace swerl::train {
namespace {

bool Masked(const TrainSample& s, const UpdateOptions& options) {
  return options.mask_truncated && s.truncated;
}

Status ValidateSamples(std::span<const TrainSample> samples, int64_t vocab_limit) {
  const auto bad = [](size_t i, const std::string& what) {
    return Error(Code::kInvalidInput, "train sample " + std::to_string(i) + ": " + what);
  };
  for (size_t i = 0; i < samples.size(); ++i) {
    const TrainSample& s = samples[i];
    if (s.prompt_ids.empty()) return bad(i, "empty prompt");
    for (const auto* ids : {&s.prompt_ids, &s.completion_ids}) {
      for (size_t j = 0; j < ids->size(); ++j) {
        if ((*ids)[j] < 0 || (*ids)[j] >= vocab_limit) {
          return bad(i, std::string(ids == &s.prompt_ids ? "prompt" : "completion") + " token " +
                            std::to_string(j) + " is id " + std::to_string((*ids)[j]) +
                            ", outside the vocabulary [0, " + std::to_string(vocab_limit) + ")");
        }
      }
    }
    if (s.old_logprobs.size() != s.completion_ids.size()) {
      return bad(i, std::to_string(s.old_logprobs.size()) + " old log-probs for " +
                        std::to_string(s.completion_ids.size()) + " completion tokens");
    }
    for (size_t j = 0; j < s.old_logprobs.size(); ++j) {
      if (!std::isfinite(s.old_logprobs[j])) {
        return bad(i, "old log-prob " + std::to_string(j) + " is not finite");
      }
    }
    if (!std::isfinite(s.advantage)) return bad(i, "advantage is not finite");
  }
  return OkStatus();
}

// Restores the model's checkpointing flag on scope exit.
class CheckpointingScope {
 public:
  CheckpointingScope(Transformer& model, bool on)
      : model_(model), before_(model.activation_checkpointing()) {
    model_.set_activation_checkpointing(on);
  }
  ~CheckpointingScope() { model_.set_activation_checkpointing(before_); }
  CheckpointingScope(const CheckpointingScope&) = delete;
  CheckpointingScope& operator=(const CheckpointingScope&) = delete;

 private:
  Transformer& model_;
  bool before_;
};

}  // namespace

Normaliser LocalNormaliser(std::span<const TrainSample> samples, bool mask_truncated,
                           int64_t max_new_tokens) {
  Normaliser n;
  for (const TrainSample& s : samples) {
    if (!(mask_truncated && s.truncated)) n.tokens += static_cast<double>(s.completion_ids.size());
  }
  n.sequences = static_cast<double>(samples.size());
  n.max_new_tokens = max_new_tokens;
  return n;
}

Result<UpdateStats> AccumulateGradients(Transformer& policy, Transformer* reference,
                                        std::span<const TrainSample> samples,
                                        const UpdateOptions& options, const Normaliser& normaliser,
                                        PassCache* cache) {
  const int64_t vocab = policy.config().vocab_size;
  const int64_t vocab_limit = options.vocab_limit == 0 ? vocab : options.vocab_limit;
  if (vocab_limit < 1 || vocab_limit > vocab) {
    return Error(Code::kInvalidInput, "vocab limit " + std::to_string(vocab_limit) +
                                          " outside [1, " + std::to_string(vocab) + "]");
  }
  if (options.micro_batch_tokens < 1) {
    return Error(Code::kInvalidInput, "micro-batch tokens must be at least 1");
  }
  const bool use_kl = options.policy.beta != 0;
  if (use_kl && reference == nullptr) {
    return Error(Code::kInvalidInput, "beta > 0 needs a reference model");
  }
  if (use_kl && reference->config().vocab_size != vocab) {
    return Error(Code::kInvalidInput, "the reference model's vocabulary differs from the policy's");
  }
  SWERL_RETURN_IF_ERROR(ValidateSamples(samples, vocab_limit));

  std::vector<SequenceRef> refs;
  std::vector<int64_t> lengths;
  for (const TrainSample& s : samples) {
    refs.push_back({s.prompt_ids, s.completion_ids});
    lengths.push_back(InputLength(refs.back()));
  }
  const bool first = !cache->filled;
  if (first) cache->plan = PlanMicroBatches(lengths, options.micro_batch_tokens);

  const LogProbOptions lp_options{options.temperature, vocab_limit, options.vocab_chunk};
  UpdateStats stats;
  stats.passes = 1;
  stats.micro_batches = static_cast<int64_t>(cache->plan.size());
  stats.sequences = static_cast<int64_t>(samples.size());
  for (const TrainSample& s : samples) {
    stats.completion_tokens += static_cast<int64_t>(s.completion_ids.size());
    stats.masked_truncated += Masked(s, options) ? 1 : 0;
  }

  for (size_t mb = 0; mb < cache->plan.size(); ++mb) {
    const std::vector<size_t>& rows = cache->plan[mb];
    std::vector<SequenceRef> mb_refs;
    // Per token, in row order: advantage, aggregation weight, mask, rollout log-prob.
    std::vector<double> adv, weight, mask, rollout;
    for (size_t r : rows) {
      const TrainSample& s = samples[r];
      mb_refs.push_back(refs[r]);
      const bool masked = Masked(s, options);
      const int64_t n = static_cast<int64_t>(s.completion_ids.size());
      SWERL_ASSIGN_OR_RETURN(double w, TokenWeight(options.loss, normaliser, masked ? 0 : n));
      for (int64_t j = 0; j < n; ++j) {
        adv.push_back(s.advantage);
        weight.push_back(masked ? 0.0 : w);
        mask.push_back(masked ? 0.0 : 1.0);
        rollout.push_back(s.old_logprobs[j]);
      }
    }
    if (adv.empty()) {  // only empty completions: nothing to score
      if (first) {
        cache->old_logp.emplace_back();
        cache->ref_logp.emplace_back();
      }
      continue;
    }

    CompletionHidden fwd = ForwardCompletions(policy, mb_refs, options.pad_id);
    SWERL_ASSIGN_OR_RETURN(TokenLogProbs lp, ChunkedLogProbs(fwd.hidden, policy.output_weight(),
                                                             fwd.targets, lp_options));
    const auto opt = torch::TensorOptions().dtype(lp.logp.scalar_type()).device(policy.device());
    const auto host = torch::TensorOptions().dtype(torch::kFloat64);
    auto to_device = [&](const std::vector<double>& v) {
      return torch::tensor(v, host).to(opt.device(), opt.dtype().toScalarType());
    };
    auto adv_t = to_device(adv), weight_t = to_device(weight), mask_t = to_device(mask);
    auto rollout_t = to_device(rollout);

    if (first) {
      torch::NoGradGuard no_grad;
      stats.abs_dlogp_sum += (lp.logp.detach() - rollout_t).abs().sum().item<double>();
      cache->old_logp.push_back(
          options.old_logprobs == OldLogProbSource::kRecompute ? lp.logp.detach() : rollout_t);
      torch::Tensor ref_logp;
      if (use_kl) {
        CompletionHidden ref_fwd = ForwardCompletions(*reference, mb_refs, options.pad_id);
        SWERL_ASSIGN_OR_RETURN(TokenLogProbs ref_lp,
                               ChunkedLogProbs(ref_fwd.hidden, reference->output_weight(),
                                               ref_fwd.targets, lp_options));
        ref_logp = ref_lp.logp.to(lp.logp.scalar_type());
      }
      cache->ref_logp.push_back(ref_logp);
    }

    SWERL_ASSIGN_OR_RETURN(
        PolicyLoss loss, ComputePolicyLoss(lp.logp, cache->old_logp[mb], cache->ref_logp[mb], adv_t,
                                           weight_t, mask_t, options.policy));
    const double loss_value = loss.loss.item<double>();
    if (!std::isfinite(loss_value)) {
      return Error(Code::kInvalidInput, "loss is " + std::to_string(loss_value) +
                                            " in micro-batch " + std::to_string(mb) + " (samples " +
                                            std::to_string(rows.front()) + ".." +
                                            std::to_string(rows.back()) + "); no weights changed");
    }
    if (mb + 1 == cache->plan.size() && options.before_last_backward) {
      options.before_last_backward();
    }
    loss.loss.backward();

    stats.loss += loss_value;
    stats.loss_tokens += loss.tokens.item<double>();
    stats.kl_sum += loss.kl.item<double>();
    stats.entropy_sum += (lp.entropy * mask_t).sum().item<double>();
    stats.clip_low += loss.clip_low.item<double>();
    stats.clip_high += loss.clip_high.item<double>();
    stats.clip_dual += loss.clip_dual.item<double>();
  }
  cache->filled = true;
  return stats;
}

Result<UpdateStats> Update(Transformer& policy, Transformer* reference, Optimizer& optimizer,
                           std::span<const TrainSample> samples, const UpdateOptions& options,
                           const Normaliser& normaliser) {
  if (options.epochs_per_batch < 1) {
    return Error(Code::kInvalidInput, "epochs per batch must be at least 1");
  }
  CheckpointingScope checkpointing(policy, options.activation_checkpointing);
  UpdateStats total;
  PassCache cache;
  for (int64_t pass = 0; pass < options.epochs_per_batch; ++pass) {
    const std::string where = "update pass " + std::to_string(pass + 1) + " of " +
                              std::to_string(options.epochs_per_batch);
    policy.zero_grad();
    auto stats = AccumulateGradients(policy, reference, samples, options, normaliser, &cache);
    Status status = stats ? OkStatus() : Status(stats.error());
    if (options.reduce_gradients) {  // every rank takes part, even one whose own part failed
      Status reduced = options.reduce_gradients();
      if (status && !reduced) status = std::move(reduced);
    }
    Result<double> norm = 0.0;
    if (status) {
      norm = optimizer.Step(options.lr, options.max_grad_norm);
      if (!norm) status = norm.error();
    }
    if (!status) {
      policy.zero_grad();
      return std::move(status).error().With(where);
    }
    if (pass == 0) {
      total = *stats;
      total.passes = 0;
    } else {
      total.loss += stats->loss;
      total.kl_sum += stats->kl_sum;
      total.entropy_sum += stats->entropy_sum;
      total.clip_low += stats->clip_low;
      total.clip_high += stats->clip_high;
      total.clip_dual += stats->clip_dual;
    }
    total.passes += 1;
    total.grad_norms.push_back(*norm);
  }
  policy.zero_grad();
  return total;
}

}  // namespace swerl::train
