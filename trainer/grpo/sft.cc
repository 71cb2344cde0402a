#include "trainer/grpo/sft.h"

#include <torch/types.h>

#include <cmath>
#include <string>

#include "trainer/grpo/logprob.h"
#include "trainer/grpo/sequence_batch.h"

namespace swerl::train {

Result<SftStats> AccumulateSftGradients(Transformer& model, std::span<const SftSample> samples,
                                        const SftOptions& options, const Normaliser& normaliser) {
  const int64_t vocab = model.config().vocab_size;
  const int64_t vocab_limit = options.vocab_limit == 0 ? vocab : options.vocab_limit;
  if (vocab_limit < 1 || vocab_limit > vocab || options.micro_batch_tokens < 1) {
    return Error(Code::kInvalidInput, "sft: vocab limit or micro-batch tokens out of range");
  }
  std::vector<SequenceRef> refs;
  std::vector<int64_t> lengths;
  for (size_t i = 0; i < samples.size(); ++i) {
    const SftSample& s = samples[i];
    if (s.prompt_ids.empty()) {
      return Error(Code::kInvalidInput, "sft sample " + std::to_string(i) + ": empty prompt");
    }
    for (const auto* ids : {&s.prompt_ids, &s.answer_ids}) {
      for (int32_t id : *ids) {
        if (id < 0 || id >= vocab_limit) {
          return Error(Code::kInvalidInput, "sft sample " + std::to_string(i) + ": id " +
                                                std::to_string(id) + " outside [0, " +
                                                std::to_string(vocab_limit) + ")");
        }
      }
    }
    refs.push_back({s.prompt_ids, s.answer_ids});
    lengths.push_back(InputLength(refs.back()));
  }
  SWERL_ASSIGN_OR_RETURN(double weight, TokenWeight(LossAggregation::kDapo, normaliser, 1));

  SftStats stats;
  const auto plan = PlanMicroBatches(lengths, options.micro_batch_tokens);
  stats.micro_batches = static_cast<int64_t>(plan.size());
  const LogProbOptions lp_options{1.0, vocab_limit, options.vocab_chunk};
  for (size_t mb = 0; mb < plan.size(); ++mb) {
    std::vector<SequenceRef> mb_refs;
    for (size_t r : plan[mb]) mb_refs.push_back(refs[r]);
    CompletionHidden fwd = ForwardCompletions(model, mb_refs, options.pad_id);
    if (fwd.targets.numel() == 0) continue;
    SWERL_ASSIGN_OR_RETURN(TokenLogProbs lp, ChunkedLogProbs(fwd.hidden, model.output_weight(),
                                                             fwd.targets, lp_options));
    auto loss = lp.logp.sum() * -weight;
    const double value = loss.item<double>();
    if (!std::isfinite(value)) {
      return Error(Code::kInvalidInput, "sft loss is " + std::to_string(value) +
                                            " in micro-batch " + std::to_string(mb));
    }
    if (mb + 1 == plan.size() && options.before_last_backward) options.before_last_backward();
    loss.backward();
    stats.loss += value;
    stats.tokens += static_cast<double>(fwd.targets.numel());
  }
  return stats;
}

}  // namespace swerl::train
