// Generate / GenerateGroups: batched autoregressive decoding of a
// Transformer with a KV cache (left-padded prompts, see
// model/transformer.h), one completion per prompt or G per prompt (GRPO
// groups sharing one prefill), stopping each sequence on an EOS id, a stop
// string or max_new_tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/generate/sampling_params.h"

namespace swerl::tok {
class Tokenizer;
}  // namespace swerl::tok

namespace swerl::train {

class Transformer;

enum class FinishReason : uint8_t { kEos, kStop, kLength };

// "eos", "stop", "length".
std::string_view FinishReasonName(FinishReason reason);

struct GenerateOptions {
  SamplingParams sampling;
  uint64_t seed = 0;  // Generate only: sequence i draws from
                      // UniformStream(DeriveSeed(seed, first_index + i))
  int64_t max_new_tokens = 256;
  std::vector<int64_t> eos_ids;           // any of them ends a sequence (kept in its ids)
  std::vector<std::string> stop_strings;  // needs a DecodeFn
  int64_t vocab_limit = 0;                // ids >= it are never sampled; 0 = the model's vocab_size
  int64_t pad_id = 0;                     // what pad columns hold (never attended to)
};

// One generated sequence. The three log-probability arrays have one entry
// per id, all over the allowed vocabulary (ids < vocab_limit), none
// computed over a (B, T, V) tensor:
struct Completion {
  std::vector<int32_t> ids;  // generated tokens, the EOS / stop token included
  // log softmax(logits)[id]: the policy at temperature 1.
  std::vector<float> logprobs;
  // log softmax(logits / T)[id] at the sampling temperature T, without
  // top-k/top-p: what the GRPO update recomputes as log π_old (SPEC §6.6).
  // Equal to `logprobs` when greedy or T = 1.
  std::vector<float> policy_logprobs;
  // log q(id) under the distribution actually sampled from (after
  // temperature, top-k and top-p renormalisation); 0 when greedy. Equal to
  // policy_logprobs without top-k/top-p.
  std::vector<float> sample_logprobs;
  FinishReason finish_reason = FinishReason::kLength;

  // True when max_new_tokens cut the sequence (no EOS, no stop string).
  bool truncated() const { return finish_reason == FinishReason::kLength; }
};

// A GRPO group: one prompt, one completion per key. Completion j draws its
// uniforms from UniformStream(keys[j]); a GRPO rollout passes
// keys[j] = RolloutKey(run_seed, step, seed_id, j) (see RolloutKeys).
struct PromptGroup {
  std::vector<int32_t> prompt;
  std::vector<uint64_t> keys;
};

// RolloutKey(run_seed, step, seed_id, j) for j in [0, group_size).
std::vector<uint64_t> RolloutKeys(uint64_t run_seed, uint64_t step, uint64_t seed_id,
                                  int64_t group_size);

// Where the time went, summed over calls (add, never reset, by Generate).
struct GenerateStats {
  int64_t prompts = 0;           // prompts prefilled (a group's prompt counts once)
  int64_t prompt_tokens = 0;     // real (unpadded) prompt tokens prefilled
  int64_t completions = 0;       // sequences generated
  int64_t generated_tokens = 0;  // tokens appended to completions
  double prefill_seconds = 0;    // prompt forward + first token, to the host
  double decode_seconds = 0;     // every later step
};

// Text of completion tokens, for stop strings (e.g. Tokenizer::Decode).
using DecodeFn = std::function<std::string(std::span<const int32_t>)>;

// Generates a completion for every prompt, all in one batch; rows that
// finish are dropped from the batch as it shrinks. A stop string counts
// when it appears in the decoded completion (never in the prompt); the
// tokens up to the one that completed it are kept. Runs under
// c10::InferenceMode.
// Errors: kInvalidInput for an empty prompt, a prompt id outside the
// model's vocabulary, bad sampling params, max_new_tokens < 1, or stop
// strings without `decode`.
Result<std::vector<Completion>> Generate(Transformer& model,
                                         const std::vector<std::vector<int32_t>>& prompts,
                                         const GenerateOptions& options,
                                         const DecodeFn& decode = {}, uint64_t first_index = 0,
                                         GenerateStats* stats = nullptr);

// GRPO rollouts: for each group, one completion per key, returned group
// after group (group 0's keys.size() completions first, in key order).
// Every group's prompt is prefilled once, all prompts in one left-padded
// batch; the cache rows and the last logits are then repeated for the
// group's samples, and each sample's first token comes from those logits
// with its own stream. Decoding is as Generate's (options.seed unused).
//
// Determinism: a completion depends only on its key, its prompt, the model
// and `options` — not on the other groups, their order or count — up to
// floating-point differences between batch shapes (a different padding
// width or row count can change the logits' last bits, and so flip a
// sample whose uniform lies that close to a CDF boundary; see the tests).
// Errors: Generate's ("prompt i" names group i), and kInvalidInput for a
// group without keys.
Result<std::vector<Completion>> GenerateGroups(Transformer& model,
                                               const std::vector<PromptGroup>& groups,
                                               const GenerateOptions& options,
                                               const DecodeFn& decode = {},
                                               GenerateStats* stats = nullptr);

// The ids of the end-of-turn and end-of-text tokens `tokenizer` has among
// Qwen's "<|im_end|>", "<|endoftext|>" and Llama-3's "<|eot_id|>",
// "<|end_of_text|>", plus its tokenizer_config.json eos token: the stops of
// a rollout (add config.json's eos_token_id for a model that uses another).
std::vector<int64_t> EndOfTurnIds(const tok::Tokenizer& tokenizer);

}  // namespace swerl::train
