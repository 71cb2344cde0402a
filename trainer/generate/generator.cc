#include "trainer/generate/generator.h"

#include <c10/core/InferenceMode.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "swerl/tok/tokenizer.h"
#include "trainer/generate/sampler.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

// True when one of `stops` occurs in the decoded tail of `ids`. The tail
// grows until it holds enough text that an occurrence ending in the newest
// token cannot start before it.
bool HitsStopString(const std::vector<int32_t>& ids, const std::vector<std::string>& stops,
                    size_t longest, const DecodeFn& decode) {
  size_t window = longest + 8;
  while (true) {
    const size_t take = std::min(window, ids.size());
    const std::string text = decode(std::span<const int32_t>(ids.data() + ids.size() - take, take));
    for (const std::string& stop : stops) {
      if (text.find(stop) != std::string::npos) return true;
    }
    if (take == ids.size() || text.size() >= 2 * longest + 16) return false;
    window *= 2;
  }
}

}  // namespace

std::string_view FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEos:
      return "eos";
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
  }
  return "?";
}

namespace {

// The decoding shared by Generate and GenerateGroups: `prompts` are
// prefilled once each; completion i continues prompts[prompt_of[i]] with
// uniforms from UniformStream(keys[i]).
Result<std::vector<Completion>> Decode(Transformer& model,
                                       const std::vector<std::vector<int32_t>>& prompts,
                                       const std::vector<int64_t>& prompt_of,
                                       const std::vector<uint64_t>& keys,
                                       const GenerateOptions& options, const DecodeFn& decode,
                                       GenerateStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  SWERL_RETURN_IF_ERROR(ValidateSamplingParams(options.sampling));
  if (options.max_new_tokens < 1) {
    return Error(Code::kInvalidInput,
                 "max-new-tokens must be >= 1, got " + std::to_string(options.max_new_tokens));
  }
  if (!options.stop_strings.empty() && !decode) {
    return Error(Code::kInvalidInput, "stop strings need a tokenizer to decode with");
  }
  const int64_t vocab = model.config().vocab_size;
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty())
      return Error(Code::kInvalidInput, "prompt " + std::to_string(i) + " is empty");
    for (int32_t id : prompts[i]) {
      if (id < 0 || id >= vocab) {
        return Error(Code::kInvalidInput,
                     "prompt " + std::to_string(i) + ": token id " + std::to_string(id) +
                         " is outside the model's vocabulary (" + std::to_string(vocab) + ")");
      }
    }
  }
  const auto n = static_cast<int64_t>(keys.size());
  std::vector<Completion> out(keys.size());
  if (keys.empty()) return out;

  c10::InferenceMode inference;
  const int64_t vocab_limit =
      options.vocab_limit > 0 ? std::min(options.vocab_limit, vocab) : vocab;
  size_t longest_stop = 0;
  for (const auto& s : options.stop_strings) longest_stop = std::max(longest_stop, s.size());
  std::vector<UniformStream> streams;
  streams.reserve(keys.size());
  for (uint64_t key : keys) streams.emplace_back(key);
  // One row per prompt, in order: the prefill's rows are the decode's rows.
  bool one_to_one = prompt_of.size() == prompts.size();
  for (size_t i = 0; one_to_one && i < prompt_of.size(); ++i) {
    one_to_one = prompt_of[i] == static_cast<int64_t>(i);
  }

  const torch::Device device = model.device();
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(device);
  PaddedBatch batch = LeftPad(prompts, device, options.pad_id);
  const int64_t width = batch.ids.size(1);
  // The last sampled token is never fed back, hence the - 1.
  const int64_t capacity = width + options.max_new_tokens - 1;
  KvCache cache(model, static_cast<int64_t>(prompts.size()), one_to_one ? capacity : width);
  auto mask = torch::zeros({static_cast<int64_t>(prompts.size()), capacity},
                           i64.dtype(torch::kBool));  // (B, C)
  mask.narrow(1, 0, width).copy_(batch.key_mask);
  auto last_pos = torch::tensor(batch.lengths, torch::kInt64).to(device) - 1;  // (B)
  std::vector<int64_t> rows(keys.size());  // batch row -> completion index
  std::iota(rows.begin(), rows.end(), 0);

  std::chrono::steady_clock::time_point first_token;
  auto hidden = model.Hidden(batch.ids, batch.positions, batch.key_mask, &cache);
  auto logits = model.Logits(hidden.select(1, width - 1));  // (prompts, V)
  if (!one_to_one) {
    // Each completion starts from its prompt's cache and last logits.
    auto index = torch::tensor(prompt_of, torch::kInt64).to(device);
    cache.SelectRows(index, capacity);
    logits = logits.index_select(0, index);
    mask = mask.index_select(0, index);
    last_pos = last_pos.index_select(0, index);
  }
  auto uniforms = torch::zeros({n}, torch::kFloat64);
  torch::Tensor workspace;  // the sampler's (rows, V) buffer, reused every step
  for (int64_t step = 0;; ++step) {
    const int64_t rows_now = static_cast<int64_t>(rows.size());
    auto u_now = uniforms.narrow(0, 0, rows_now);
    if (!options.sampling.greedy) {
      auto u = u_now.accessor<double, 1>();
      for (int64_t r = 0; r < rows_now; ++r) u[r] = streams[rows[r]].Next();
    }
    SampledTokens sampled = SampleTokens(logits, options.sampling, vocab_limit, u_now, &workspace);
    // One device-to-host copy per step: ids (exact in float64) and the
    // log-probabilities.
    auto host = torch::stack({sampled.ids.to(torch::kFloat64), sampled.logprobs.to(torch::kFloat64),
                              sampled.policy_logprobs.to(torch::kFloat64),
                              sampled.sample_logprobs.to(torch::kFloat64)})
                    .cpu();
    auto h = host.accessor<double, 2>();
    std::vector<int64_t> keep;
    for (int64_t r = 0; r < rows_now; ++r) {
      Completion& c = out[rows[r]];
      const auto id = static_cast<int32_t>(h[0][r]);
      c.ids.push_back(id);
      c.logprobs.push_back(static_cast<float>(h[1][r]));
      c.policy_logprobs.push_back(static_cast<float>(h[2][r]));
      c.sample_logprobs.push_back(static_cast<float>(h[3][r]));
      if (std::find(options.eos_ids.begin(), options.eos_ids.end(), id) != options.eos_ids.end()) {
        c.finish_reason = FinishReason::kEos;
      } else if (longest_stop > 0 &&
                 HitsStopString(c.ids, options.stop_strings, longest_stop, decode)) {
        c.finish_reason = FinishReason::kStop;
      } else {
        c.finish_reason = FinishReason::kLength;
        keep.push_back(r);
      }
    }
    if (step == 0) first_token = std::chrono::steady_clock::now();
    if (keep.empty() || step + 1 == options.max_new_tokens) break;

    auto next = sampled.ids;
    if (static_cast<int64_t>(keep.size()) < rows_now) {
      // Drop the finished rows from every per-row state.
      auto index = torch::tensor(keep, torch::kInt64).to(device);
      cache.SelectRows(index);
      mask = mask.index_select(0, index);
      last_pos = last_pos.index_select(0, index);
      next = next.index_select(0, index);
      std::vector<int64_t> kept_rows;
      for (int64_t r : keep) kept_rows.push_back(rows[r]);
      rows = std::move(kept_rows);
    }
    const int64_t col = width + step;
    mask.select(1, col).fill_(true);
    last_pos = last_pos + 1;
    logits =
        model.Forward(next.unsqueeze(1), last_pos.unsqueeze(1), mask.narrow(1, 0, col + 1), &cache)
            .squeeze(1);
  }
  if (stats != nullptr) {
    const auto end = std::chrono::steady_clock::now();
    stats->prompts += static_cast<int64_t>(prompts.size());
    for (const auto& p : prompts) stats->prompt_tokens += static_cast<int64_t>(p.size());
    stats->completions += n;
    for (const auto& c : out) stats->generated_tokens += static_cast<int64_t>(c.ids.size());
    stats->prefill_seconds += std::chrono::duration<double>(first_token - start).count();
    stats->decode_seconds += std::chrono::duration<double>(end - first_token).count();
  }
  return out;
}

}  // namespace

Result<std::vector<Completion>> Generate(Transformer& model,
                                         const std::vector<std::vector<int32_t>>& prompts,
                                         const GenerateOptions& options, const DecodeFn& decode,
                                         uint64_t first_index, GenerateStats* stats) {
  std::vector<int64_t> prompt_of(prompts.size());
  std::iota(prompt_of.begin(), prompt_of.end(), 0);
  std::vector<uint64_t> keys;
  keys.reserve(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i)
    keys.push_back(DeriveSeed(options.seed, first_index + i));
  return Decode(model, prompts, prompt_of, keys, options, decode, stats);
}

Result<std::vector<Completion>> GenerateGroups(Transformer& model,
                                               const std::vector<PromptGroup>& groups,
                                               const GenerateOptions& options,
                                               const DecodeFn& decode, GenerateStats* stats) {
  std::vector<std::vector<int32_t>> prompts;
  std::vector<int64_t> prompt_of;
  std::vector<uint64_t> keys;
  prompts.reserve(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].keys.empty()) {
      return Error(Code::kInvalidInput, "group " + std::to_string(g) + " has no keys");
    }
    prompts.push_back(groups[g].prompt);
    for (uint64_t key : groups[g].keys) {
      prompt_of.push_back(static_cast<int64_t>(g));
      keys.push_back(key);
    }
  }
  return Decode(model, prompts, prompt_of, keys, options, decode, stats);
}

std::vector<uint64_t> RolloutKeys(uint64_t run_seed, uint64_t step, uint64_t seed_id,
                                  int64_t group_size) {
  std::vector<uint64_t> keys;
  for (int64_t j = 0; j < group_size; ++j) {
    keys.push_back(RolloutKey(run_seed, step, seed_id, static_cast<uint64_t>(j)));
  }
  return keys;
}

std::vector<int64_t> EndOfTurnIds(const tok::Tokenizer& tokenizer) {
  std::vector<int64_t> ids;
  for (const char* token : {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>"}) {
    if (auto id = tokenizer.TokenId(token)) ids.push_back(*id);
  }
  if (auto eos = tokenizer.eos_id()) ids.push_back(*eos);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace swerl::train
