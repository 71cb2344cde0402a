// Generate: batched autoregressive decoding of a Transformer with a KV cache
// (left-padded prompts, see model/transformer.h), stopping each sequence on
// an EOS id, a stop string or max_new_tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/generate/sampling_params.h"

namespace swerl::train {

class Transformer;

enum class FinishReason : uint8_t { kEos, kStop, kLength };

// "eos", "stop", "length".
std::string_view FinishReasonName(FinishReason reason);

struct GenerateOptions {
  SamplingParams sampling;
  uint64_t seed = 0;  // sequence i draws from UniformStream(DeriveSeed(seed, first_index + i))
  int64_t max_new_tokens = 256;
  std::vector<int64_t> eos_ids;           // any of them ends a sequence (kept in its ids)
  std::vector<std::string> stop_strings;  // needs a DecodeFn
  int64_t vocab_limit = 0;                // ids >= it are never sampled; 0 = the model's vocab_size
  int64_t pad_id = 0;                     // what pad columns hold (never attended to)
};

struct Completion {
  std::vector<int32_t> ids;     // generated tokens, the EOS / stop token included
  std::vector<float> logprobs;  // per token: log π at temperature 1 over the allowed vocabulary
  std::vector<float>
      sample_logprobs;  // per token: log q of the distribution sampled from (0 when greedy)
  FinishReason finish_reason = FinishReason::kLength;
};

// Where the time went, summed over calls (add, never reset, by Generate).
struct GenerateStats {
  int64_t prompts = 0;
  int64_t prompt_tokens = 0;     // real (unpadded) prompt tokens
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

}  // namespace swerl::train
