// BpeModel: the byte-level BPE model of a tokenizer.json (`model.type` =
// "BPE"): a vocabulary of byte-level strings, ranked merges, and the merge
// loop that turns one pre-tokenized piece into ids the way Hugging Face
// `tokenizers` does (lowest rank first, leftmost on ties).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::tok {

// Immutable after Build; Tokenize is const and thread-safe. Movable.
class BpeModel {
 public:
  struct Options {
    bool ignore_merges = false;     // a piece that is a vocabulary entry is emitted whole
    std::optional<int32_t> unk_id;  // stands for bytes missing from the vocabulary
    bool fuse_unk = false;          // runs of unknown bytes become one unk
  };

  // `vocab`: (byte-level token, id) pairs; `merges`: pairs of byte-level
  // tokens, rank = index (a later duplicate of a pair replaces the earlier,
  // as in tokenizers). Errors: kInvalidInput for a duplicate token or id, a
  // negative id, or a merge whose parts or result are not in the vocabulary.
  static Result<BpeModel> Build(
      std::vector<std::pair<std::string, int32_t>> vocab,
      const std::vector<std::pair<std::string_view, std::string_view>>& merges,
      const Options& options);

  // Appends the ids of `piece`, given as raw bytes (before the byte-level
  // mapping; every byte is one initial symbol). Bytes whose symbol is not in
  // the vocabulary are dropped, or become unk_id when set.
  void Tokenize(std::string_view piece, std::vector<int32_t>* ids) const;

  // The id of a piece (raw bytes) that is one vocabulary entry, if any.
  std::optional<int32_t> WholeId(std::string_view piece) const;

  size_t vocab_size() const { return vocab_count_; }
  size_t merge_count() const { return merge_count_; }

 private:
  struct MergeSlot {
    uint64_t key = 0;  // (left id << 32 | right id) + 1; 0 = empty
    int32_t rank = 0;
    int32_t merged = 0;
  };
  struct VocabSlot {
    uint32_t hash = 0;
    uint32_t offset = 0;  // into raw_arena_
    uint32_t length = 0;
    int32_t id = -1;  // -1 = empty
  };

  // Returns the slot of (left, right), or nullptr.
  const MergeSlot* FindMerge(int32_t left, int32_t right) const;
  void MergeSmall(std::vector<int32_t>& symbols) const;
  void MergeLarge(std::vector<int32_t>& symbols) const;

  Options options_;
  std::vector<int32_t> byte_ids_ = std::vector<int32_t>(256, -1);  // initial symbol of each byte
  std::vector<MergeSlot> merges_;  // open addressing, power-of-two size
  std::vector<VocabSlot> vocab_;   // raw bytes -> id, open addressing
  std::string raw_arena_;          // raw bytes of the vocabulary entries
  size_t vocab_count_ = 0;
  size_t merge_count_ = 0;
};

}  // namespace swerl::tok
