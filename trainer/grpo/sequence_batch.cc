#include "trainer/grpo/sequence_batch.h"

#include <algorithm>

#include "swerl/core/check.h"

namespace swerl::train {

int64_t InputLength(const SequenceRef& s) {
  const int64_t c = static_cast<int64_t>(s.completion.size());
  return static_cast<int64_t>(s.prompt.size()) + std::max<int64_t>(c - 1, 0);
}

std::vector<std::vector<size_t>> PlanMicroBatches(std::span<const int64_t> lengths,
                                                  int64_t token_budget) {
  SWERL_CHECK(token_budget >= 1);
  std::vector<std::vector<size_t>> out;
  int64_t width = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    const int64_t new_width = std::max(width, lengths[i]);
    if (out.empty() || static_cast<int64_t>(out.back().size() + 1) * new_width > token_budget) {
      out.emplace_back();
      width = lengths[i];
    } else {
      width = new_width;
    }
    out.back().push_back(i);
  }
  return out;
}

CompletionHidden ForwardCompletions(Transformer& model, std::span<const SequenceRef> rows,
                                    int64_t pad_id) {
  std::vector<std::vector<int32_t>> inputs;
  inputs.reserve(rows.size());
  for (const SequenceRef& s : rows) {
    SWERL_CHECK(!s.prompt.empty());
    std::vector<int32_t> ids(s.prompt.begin(), s.prompt.end());
    if (!s.completion.empty()) ids.insert(ids.end(), s.completion.begin(), s.completion.end() - 1);
    inputs.push_back(std::move(ids));
  }
  const PaddedBatch batch = LeftPad(inputs, model.device(), pad_id);
  const int64_t width = batch.ids.size(1);

  // Row r's completion token j is predicted at column width − len_r + P_r − 1 + j.
  CompletionHidden out;
  std::vector<int64_t> index, targets;
  out.offsets.push_back(0);
  for (size_t r = 0; r < rows.size(); ++r) {
    const int64_t len = static_cast<int64_t>(inputs[r].size());
    const int64_t first = width - len + static_cast<int64_t>(rows[r].prompt.size()) - 1;
    const int64_t base = static_cast<int64_t>(r) * width;
    for (size_t j = 0; j < rows[r].completion.size(); ++j) {
      index.push_back(base + first + static_cast<int64_t>(j));
      targets.push_back(rows[r].completion[j]);
    }
    out.offsets.push_back(static_cast<int64_t>(index.size()));
  }
  auto hidden = model.Hidden(batch.ids, batch.positions, batch.key_mask);  // (B, W, hidden)
  const auto device = model.device();
  auto index_t = torch::tensor(index, torch::kInt64).to(device);
  out.hidden = hidden.reshape({-1, hidden.size(2)}).index_select(0, index_t);
  out.targets = torch::tensor(targets, torch::kInt64).to(device);
  return out;
}

}  // namespace swerl::train
