#include "swerl/tok/tokenizer.h"

#include <simdjson.h>
#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <unordered_map>

#include "swerl/core/c_deleter.h"
#include "swerl/core/utf8.h"
#include "swerl/io/input.h"
#include "swerl/tok/bpe.h"
#include "swerl/tok/byte_level.h"
#include "swerl/tok/hash.h"
#include "swerl/tok/nfc.h"
#include "swerl/tok/split_regex.h"

namespace swerl::tok {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

namespace {

// The regex the ByteLevel pre-tokenizer splits with when use_regex is true
// (GPT-2's, as tokenizers spells it).
constexpr std::string_view kByteLevelRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::atomic<uint64_t> g_next_serial{1};

Error Invalid(std::string what) { return Error(Code::kInvalidInput, std::move(what)); }
Error Unsupported(std::string what) { return Error(Code::kUnsupported, std::move(what)); }

std::string Quoted(std::string_view s) {
  std::string out(1, '\'');  // not "'" + ...: GCC 12 warns (-Wrestrict, bug 105651)
  out.append(s);
  out.push_back('\'');
  return out;
}

// The JSON text of a value, for messages (shortened).
std::string Show(const element& e) {
  std::string s = simdjson::minify(e);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// Optional member lookups: absent and null are the same.
bool IsNullOrAbsent(const object& o, std::string_view key) {
  element e;
  return o[key].get(e) != SUCCESS || e.is_null();
}

Result<bool> BoolMember(const object& o, std::string_view key, bool fallback,
                        std::string_view where) {
  element e;
  if (o[key].get(e) != SUCCESS || e.is_null()) return fallback;
  bool b;
  if (e.get(b) != SUCCESS)
    return Invalid(std::string(where) + "." + std::string(key) + " is not a boolean");
  return b;
}

Result<std::string_view> StringMember(const object& o, std::string_view key,
                                      std::string_view where) {
  std::string_view s;
  if (o[key].get(s) != SUCCESS) {
    return Invalid(std::string(where) + "." + std::string(key) + " is missing or not a string");
  }
  return s;
}

// A pre-tokenization step before the byte-level mapping.
struct SplitStep {
  SplitRegex regex;
};

// The post-processor's effect on a single sequence.
struct Template {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
};

// One entry of the per-thread piece cache: short pieces and their ids,
// stored inline so that lookups and inserts never allocate.
struct CacheEntry {
  static constexpr size_t kMaxKey = 38;
  static constexpr size_t kMaxIds = 12;
  uint64_t hash = 0;
  uint8_t key_len = 0xFF;  // 0xFF = empty
  uint8_t id_count = 0;
  char key[kMaxKey];
  int32_t ids[kMaxIds];
};
constexpr size_t kCacheEntries = 1 << 14;

struct PieceCache {
  uint64_t serial = 0;
  uint64_t last_use = 0;
  std::vector<CacheEntry> entries;
};

// Returns this thread's cache for the tokenizer with `serial` (a few
// tokenizers per thread keep theirs; the least recently used is recycled).
PieceCache& ThreadCache(uint64_t serial) {
  thread_local PieceCache caches[4];
  thread_local uint64_t clock = 0;
  ++clock;
  PieceCache* victim = &caches[0];
  for (PieceCache& c : caches) {
    if (c.serial == serial) {
      c.last_use = clock;
      return c;
    }
    if (c.last_use < victim->last_use) victim = &c;
  }
  victim->serial = serial;
  victim->last_use = clock;
  victim->entries.assign(kCacheEntries, CacheEntry{});
  return *victim;
}

// A special token of tokenizer_config.json: a string, {"content": ...} or null.
Result<std::string> ConfigTokenString(simdjson::ondemand::value value, std::string_view key) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type) != SUCCESS)
    return Invalid("tokenizer_config.json: bad " + std::string(key));
  std::string_view s;
  if (type == simdjson::ondemand::json_type::null) return std::string();
  if (type == simdjson::ondemand::json_type::string && value.get_string().get(s) == SUCCESS) {
    return std::string(s);
  }
  if (type == simdjson::ondemand::json_type::object &&
      value.find_field_unordered("content").get_string().get(s) == SUCCESS) {
    return std::string(s);
  }
  return Invalid("tokenizer_config.json: " + std::string(key) +
                 " is neither a string nor {\"content\": ...}");
}

}  // namespace

class Tokenizer::Impl {
 public:
  static Result<std::shared_ptr<Impl>> Parse(std::string_view tokenizer_json,
                                             std::string_view config_json, std::string label);

  void EncodeInto(std::string_view text, const EncodeOptions& options,
                  std::vector<int32_t>* ids) const;
  Result<std::string> Decode(std::span<const int32_t> ids, bool skip_special) const;
  std::string Normalize(std::string_view text, bool allow_special) const;

  std::string label_;
  uint64_t serial_ = g_next_serial.fetch_add(1);
  std::vector<AddedToken> added_;
  AddedTokenMatcher raw_matcher_;         // added tokens with normalized = false
  AddedTokenMatcher normalized_matcher_;  // added tokens with normalized = true
  bool nfc_ = false;
  std::vector<SplitStep> splits_;
  std::optional<BpeModel> bpe_;
  Template template_;
  // Per id: its tokenizer.json spelling, decoded bytes, and flags.
  std::vector<std::string> token_of_id_;
  std::vector<uint32_t> decode_offset_;  // into decode_arena_; size vocab_size + 1
  std::string decode_arena_;
  std::vector<uint8_t> id_flags_;                   // kAssigned | kSpecial
  std::unordered_map<std::string, int32_t> vocab_;  // BPE entries
  std::unordered_map<std::string, int32_t> added_by_content_;
  std::optional<int32_t> bos_id_, eos_id_, pad_id_;
  std::string bos_token_;
  std::string chat_template_;

  static constexpr uint8_t kAssigned = 1, kSpecial = 2;

 private:
  Status ParseModel(const object& model);
  Status ParseAddedTokens(const element& root);
  Status ParseNormalizer(const element& e);
  Status ParsePreTokenizer(const element& e);
  Status ParseByteLevelPreTokenizer(const object& o);
  Status ParseDecoder(const element& e);
  Status ParsePostProcessor(const element& e);
  Status ParseTemplate(const object& o);
  Status BuildIdTables();
  Status ParseConfig(std::string_view config_json);

  void EncodeText(std::string_view text, std::vector<int32_t>* ids) const;
  void EncodePiece(std::string_view piece, PieceCache& cache, std::vector<int32_t>* ids) const;
};

// ---- loading ----------------------------------------------------------------

Result<std::shared_ptr<Tokenizer::Impl>> Tokenizer::Impl::Parse(std::string_view tokenizer_json,
                                                                std::string_view config_json,
                                                                std::string label) {
  auto impl = std::make_shared<Impl>();
  impl->label_ = std::move(label);
  auto fail = [&](Error e) { return std::move(e).With(impl->label_); };
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(tokenizer_json);
  element root;
  if (auto err = parser.parse(padded).get(root); err != SUCCESS) {
    return fail(Invalid(std::string("invalid JSON: ") + simdjson::error_message(err)));
  }
  object root_obj;
  if (root.get(root_obj) != SUCCESS) return fail(Invalid("the top level is not an object"));
  for (std::string_view key : {"truncation", "padding"}) {
    if (!IsNullOrAbsent(root_obj, key)) {
      return fail(Unsupported(std::string(key) + " is set (" + Show(root_obj[key].value()) + ")"));
    }
  }
  object model;
  if (root_obj["model"].get(model) != SUCCESS)
    return fail(Invalid("model is missing or not an object"));
  if (Status st = impl->ParseModel(model); !st) return fail(std::move(st).error());
  if (Status st = impl->ParseAddedTokens(root); !st) return fail(std::move(st).error());
  element e;
  if (root_obj["normalizer"].get(e) == SUCCESS) {
    if (Status st = impl->ParseNormalizer(e); !st) return fail(std::move(st).error());
  }
  if (root_obj["pre_tokenizer"].get(e) != SUCCESS || e.is_null()) {
    return fail(Unsupported("pre_tokenizer is null (a byte-level BPE needs ByteLevel)"));
  }
  if (Status st = impl->ParsePreTokenizer(e); !st) return fail(std::move(st).error());
  if (root_obj["decoder"].get(e) != SUCCESS || e.is_null()) {
    return fail(Unsupported("decoder is null (a byte-level BPE needs ByteLevel)"));
  }
  if (Status st = impl->ParseDecoder(e); !st) return fail(std::move(st).error());
  if (root_obj["post_processor"].get(e) == SUCCESS) {
    if (Status st = impl->ParsePostProcessor(e); !st) return fail(std::move(st).error());
  }
  if (Status st = impl->BuildIdTables(); !st) return fail(std::move(st).error());
  if (!config_json.empty()) {
    if (Status st = impl->ParseConfig(config_json); !st) return fail(std::move(st).error());
  }
  return impl;
}

Status Tokenizer::Impl::ParseModel(const object& model) {
  std::string_view type;
  if (model["type"].get(type) != SUCCESS) return Invalid("model.type is missing or not a string");
  if (type != "BPE") return Unsupported("model type " + Quoted(type) + " (only BPE is supported)");
  SWERL_ASSIGN_OR_RETURN(const bool byte_fallback,
                         BoolMember(model, "byte_fallback", false, "model"));
  if (byte_fallback) return Unsupported("model.byte_fallback is true");
  if (!IsNullOrAbsent(model, "dropout")) {
    return Unsupported("model.dropout is set (" + Show(model["dropout"].value()) + ")");
  }
  for (std::string_view key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    std::string_view s;
    if (!IsNullOrAbsent(model, key) && (model[key].get(s) != SUCCESS || !s.empty())) {
      return Unsupported("model." + std::string(key) + " is set (" + Show(model[key].value()) +
                         ")");
    }
  }
  BpeModel::Options options;
  SWERL_ASSIGN_OR_RETURN(options.ignore_merges, BoolMember(model, "ignore_merges", false, "model"));
  SWERL_ASSIGN_OR_RETURN(options.fuse_unk, BoolMember(model, "fuse_unk", false, "model"));

  object vocab;
  if (model["vocab"].get(vocab) != SUCCESS)
    return Invalid("model.vocab is missing or not an object");
  std::vector<std::pair<std::string, int32_t>> entries;
  entries.reserve(vocab.size());
  for (auto [key, value] : vocab) {
    int64_t id;
    if (value.get(id) != SUCCESS || id < 0 || id > INT32_MAX) {
      return Invalid("model.vocab[" + Quoted(key) + "] is not a valid id: " + Show(value));
    }
    entries.emplace_back(std::string(key), static_cast<int32_t>(id));
    vocab_.emplace(std::string(key), static_cast<int32_t>(id));
  }
  if (!IsNullOrAbsent(model, "unk_token")) {
    SWERL_ASSIGN_OR_RETURN(std::string_view unk, StringMember(model, "unk_token", "model"));
    const auto it = vocab_.find(std::string(unk));
    if (it == vocab_.end())
      return Invalid("model.unk_token " + Quoted(unk) + " is not in the vocabulary");
    options.unk_id = it->second;
  }

  array merges;
  if (model["merges"].get(merges) != SUCCESS)
    return Invalid("model.merges is missing or not an array");
  std::vector<std::pair<std::string_view, std::string_view>> pairs;  // into the parsed document
  pairs.reserve(merges.size());
  size_t rank = 0;
  for (element m : merges) {
    std::string_view s;
    array pair;
    if (m.get(s) == SUCCESS) {
      // v1: "left right", split on the one space (tokenizers rejects any other count).
      const size_t space = s.find(' ');
      if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
        return Invalid("model.merges[" + std::to_string(rank) + "] " + Quoted(s) +
                       " is not two tokens separated by one space");
      }
      pairs.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.get(pair) == SUCCESS && pair.size() == 2) {
      std::string_view left, right;
      if (pair.at(0).get(left) != SUCCESS || pair.at(1).get(right) != SUCCESS) {
        return Invalid("model.merges[" + std::to_string(rank) +
                       "] is not a pair of strings: " + Show(m));
      }
      pairs.emplace_back(left, right);
    } else {
      return Invalid("model.merges[" + std::to_string(rank) +
                     "] is neither \"a b\" nor [\"a\", \"b\"]: " + Show(m));
    }
    ++rank;
  }
  SWERL_ASSIGN_OR_RETURN(BpeModel bpe, BpeModel::Build(std::move(entries), pairs, options));
  bpe_.emplace(std::move(bpe));
  return OkStatus();
}

Status Tokenizer::Impl::ParseAddedTokens(const element& root) {
  element e;
  if (root["added_tokens"].get(e) != SUCCESS || e.is_null()) return OkStatus();
  array list;
  if (e.get(list) != SUCCESS) return Invalid("added_tokens is not an array");
  size_t k = 0;
  for (element item : list) {
    const std::string where = "added_tokens[" + std::to_string(k++) + "]";
    object o;
    if (item.get(o) != SUCCESS) return Invalid(where + " is not an object");
    AddedToken t;
    int64_t id;
    if (o["id"].get(id) != SUCCESS || id < 0 || id > INT32_MAX)
      return Invalid(where + ".id is missing or invalid");
    t.id = static_cast<int32_t>(id);
    SWERL_ASSIGN_OR_RETURN(std::string_view content, StringMember(o, "content", where));
    t.content = std::string(content);
    SWERL_ASSIGN_OR_RETURN(t.special, BoolMember(o, "special", false, where));
    SWERL_ASSIGN_OR_RETURN(t.lstrip, BoolMember(o, "lstrip", false, where));
    SWERL_ASSIGN_OR_RETURN(t.rstrip, BoolMember(o, "rstrip", false, where));
    SWERL_ASSIGN_OR_RETURN(t.normalized, BoolMember(o, "normalized", !t.special, where));
    SWERL_ASSIGN_OR_RETURN(t.single_word, BoolMember(o, "single_word", false, where));
    if (t.content.empty()) return Invalid(where + ".content is empty");
    if (!IsValidUtf8(t.content)) return Invalid(where + ".content is not valid UTF-8");
    added_.push_back(std::move(t));
  }
  return OkStatus();
}

Status Tokenizer::Impl::ParseNormalizer(const element& e) {
  if (e.is_null()) return OkStatus();
  object o;
  std::string_view type;
  if (e.get(o) != SUCCESS || o["type"].get(type) != SUCCESS) {
    return Invalid("normalizer is not an object with a type: " + Show(e));
  }
  if (type == "NFC") {
    nfc_ = true;
    return OkStatus();
  }
  if (type == "Sequence") {
    array list;
    if (o["normalizers"].get(list) != SUCCESS)
      return Invalid("normalizer.normalizers is not an array");
    for (element item : list) SWERL_RETURN_IF_ERROR(ParseNormalizer(item));
    return OkStatus();
  }
  return Unsupported("normalizer " + Quoted(type) + " (only NFC is supported)");
}

Status Tokenizer::Impl::ParseByteLevelPreTokenizer(const object& o) {
  SWERL_ASSIGN_OR_RETURN(const bool prefix,
                         BoolMember(o, "add_prefix_space", false, "pre_tokenizer"));
  if (prefix) return Unsupported("pre_tokenizer ByteLevel with add_prefix_space true");
  SWERL_ASSIGN_OR_RETURN(const bool use_regex, BoolMember(o, "use_regex", true, "pre_tokenizer"));
  if (use_regex) {
    SWERL_ASSIGN_OR_RETURN(SplitRegex re, SplitRegex::Compile(kByteLevelRegex));
    splits_.push_back(SplitStep{std::move(re)});
  }
  return OkStatus();
}

Status Tokenizer::Impl::ParsePreTokenizer(const element& e) {
  object o;
  std::string_view type;
  if (e.get(o) != SUCCESS || o["type"].get(type) != SUCCESS) {
    return Invalid("pre_tokenizer is not an object with a type: " + Show(e));
  }
  if (type == "ByteLevel") return ParseByteLevelPreTokenizer(o);
  if (type != "Sequence") {
    return Unsupported("pre_tokenizer " + Quoted(type) +
                       " (expected ByteLevel or a Sequence ending in it)");
  }
  array list;
  if (o["pretokenizers"].get(list) != SUCCESS)
    return Invalid("pre_tokenizer.pretokenizers is not an array");
  const size_t count = list.size();
  size_t k = 0;
  for (element item : list) {
    object step;
    std::string_view step_type;
    if (item.get(step) != SUCCESS || step["type"].get(step_type) != SUCCESS) {
      return Invalid("pre_tokenizer.pretokenizers[" + std::to_string(k) +
                     "] is not an object with a type");
    }
    const bool last = ++k == count;
    if (step_type == "ByteLevel") {
      if (!last) return Unsupported("pre_tokenizer: ByteLevel is not the last step");
      SWERL_RETURN_IF_ERROR(ParseByteLevelPreTokenizer(step));
      return OkStatus();
    }
    if (step_type != "Split") {
      return Unsupported("pre_tokenizer step " + Quoted(step_type) + " (only Split and ByteLevel)");
    }
    std::string_view behavior;
    if (step["behavior"].get(behavior) != SUCCESS || behavior != "Isolated") {
      return Unsupported("pre_tokenizer Split behavior " + Show(step["behavior"].value()) +
                         " (only Isolated)");
    }
    SWERL_ASSIGN_OR_RETURN(const bool invert,
                           BoolMember(step, "invert", false, "pre_tokenizer Split"));
    if (invert) return Unsupported("pre_tokenizer Split with invert true");
    object pattern;
    if (step["pattern"].get(pattern) != SUCCESS)
      return Invalid("pre_tokenizer Split has no pattern object");
    std::string_view text;
    if (pattern["Regex"].get(text) == SUCCESS) {
      SWERL_ASSIGN_OR_RETURN(SplitRegex re, SplitRegex::Compile(text));
      splits_.push_back(SplitStep{std::move(re)});
    } else if (pattern["String"].get(text) == SUCCESS) {
      SWERL_ASSIGN_OR_RETURN(SplitRegex re, SplitRegex::Literal(text));
      splits_.push_back(SplitStep{std::move(re)});
    } else {
      return Invalid("pre_tokenizer Split pattern is neither {\"Regex\"} nor {\"String\"}");
    }
  }
  return Unsupported("pre_tokenizer Sequence does not end in ByteLevel");
}

Status Tokenizer::Impl::ParseDecoder(const element& e) {
  object o;
  std::string_view type;
  if (e.get(o) != SUCCESS || o["type"].get(type) != SUCCESS) {
    return Invalid("decoder is not an object with a type: " + Show(e));
  }
  if (type != "ByteLevel") return Unsupported("decoder " + Quoted(type) + " (only ByteLevel)");
  return OkStatus();
}

Status Tokenizer::Impl::ParseTemplate(const object& o) {
  array single;
  if (o["single"].get(single) != SUCCESS)
    return Invalid("post_processor TemplateProcessing has no single");
  object specials;
  if (o["special_tokens"].get(specials) != SUCCESS) {
    return Invalid("post_processor TemplateProcessing has no special_tokens");
  }
  template_ = Template{};
  bool seen_sequence = false;
  for (element piece : single) {
    object p, inner;
    if (piece.get(p) != SUCCESS) return Invalid("post_processor template piece is not an object");
    if (p["Sequence"].get(inner) == SUCCESS) {
      std::string_view id;
      if (inner["id"].get(id) != SUCCESS || id != "A" || seen_sequence) {
        return Unsupported("post_processor template single with sequence " + Show(piece));
      }
      seen_sequence = true;
    } else if (p["SpecialToken"].get(inner) == SUCCESS) {
      std::string_view id;
      object spec;
      array ids;
      if (inner["id"].get(id) != SUCCESS || specials[id].get(spec) != SUCCESS ||
          spec["ids"].get(ids) != SUCCESS) {
        return Invalid("post_processor special token " + Show(piece) + " is not in special_tokens");
      }
      for (element v : ids) {
        int64_t n;
        if (v.get(n) != SUCCESS || n < 0 || n > INT32_MAX)
          return Invalid("post_processor special token id " + Show(v));
        (seen_sequence ? template_.suffix : template_.prefix).push_back(static_cast<int32_t>(n));
      }
    } else {
      return Invalid("post_processor template piece " + Show(piece));
    }
  }
  if (!seen_sequence) return Unsupported("post_processor template single without $A");
  return OkStatus();
}

Status Tokenizer::Impl::ParsePostProcessor(const element& e) {
  if (e.is_null()) return OkStatus();
  object o;
  std::string_view type;
  if (e.get(o) != SUCCESS || o["type"].get(type) != SUCCESS) {
    return Invalid("post_processor is not an object with a type: " + Show(e));
  }
  if (type == "ByteLevel") return OkStatus();  // offsets only
  if (type == "TemplateProcessing") return ParseTemplate(o);
  if (type == "Sequence") {
    array list;
    if (o["processors"].get(list) != SUCCESS)
      return Invalid("post_processor.processors is not an array");
    for (element item : list) SWERL_RETURN_IF_ERROR(ParsePostProcessor(item));
    return OkStatus();
  }
  return Unsupported("post_processor " + Quoted(type));
}

Status Tokenizer::Impl::BuildIdTables() {
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab_) max_id = std::max(max_id, id);
  for (const AddedToken& t : added_) max_id = std::max(max_id, t.id);
  const auto size = static_cast<size_t>(max_id + 1);
  token_of_id_.assign(size, std::string());
  id_flags_.assign(size, 0);
  for (const auto& [token, id] : vocab_) {
    token_of_id_[static_cast<size_t>(id)] = token;
    id_flags_[static_cast<size_t>(id)] = kAssigned;
  }
  std::vector<const AddedToken*> raw, normalized;
  for (const AddedToken& t : added_) {
    if (!added_by_content_.emplace(t.content, t.id).second) {
      return Invalid("added token " + Quoted(t.content) + " appears twice");
    }
    token_of_id_[static_cast<size_t>(t.id)] = t.content;
    id_flags_[static_cast<size_t>(t.id)] = kAssigned | (t.special ? kSpecial : 0);
  }
  // tokenizers matches special tokens first, then the others (pattern order
  // only breaks ties between equal contents, which are refused above).
  for (bool special : {true, false}) {
    for (const AddedToken& t : added_) {
      if (t.special != special) continue;
      (t.normalized ? normalized : raw).push_back(&t);
    }
  }
  raw_matcher_ = AddedTokenMatcher(raw);
  if (!normalized.empty()) {
    // Normalized tokens are matched in normalized text, so by their normalized form.
    if (nfc_) {
      for (AddedToken& t : added_) {
        if (t.normalized) t.content = Nfc(t.content);
      }
    }
    normalized_matcher_ = AddedTokenMatcher(normalized);
  }
  // Decoding: tokenizers' ByteLevel decoder unmaps a token whose every code
  // point is in the alphabet and passes any other token through as UTF-8.
  decode_offset_.assign(size + 1, 0);
  for (size_t id = 0; id < size; ++id) {
    decode_offset_[id] = static_cast<uint32_t>(decode_arena_.size());
    const std::string& token = token_of_id_[id];
    if (std::optional<std::string> raw_bytes = DecodeByteLevel(token)) {
      decode_arena_ += *raw_bytes;
    } else {
      decode_arena_ += token;
    }
  }
  decode_offset_[size] = static_cast<uint32_t>(decode_arena_.size());
  for (int32_t id : template_.prefix) {
    if (id >= static_cast<int32_t>(size) || !id_flags_[static_cast<size_t>(id)]) {
      return Invalid("post_processor id " + std::to_string(id) + " is not a token");
    }
  }
  for (int32_t id : template_.suffix) {
    if (id >= static_cast<int32_t>(size) || !id_flags_[static_cast<size_t>(id)]) {
      return Invalid("post_processor id " + std::to_string(id) + " is not a token");
    }
  }
  return OkStatus();
}

Status Tokenizer::Impl::ParseConfig(std::string_view config_json) {
  // On-demand parsing: the file may hold integers beyond 64 bits
  // (model_max_length = 1e30), which the DOM parser rejects.
  namespace od = simdjson::ondemand;
  const Error bad = Invalid("tokenizer_config.json: invalid JSON");
  od::parser parser;
  const simdjson::padded_string padded(config_json);
  od::document doc;
  od::object config;
  if (parser.iterate(padded).get(doc) != SUCCESS || doc.get_object().get(config) != SUCCESS) {
    return Invalid("tokenizer_config.json: invalid JSON or not an object");
  }
  std::string eos, pad;
  for (auto field : config) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) != SUCCESS || field.value().get(value) != SUCCESS)
      return bad;
    if (key == "bos_token") {
      SWERL_ASSIGN_OR_RETURN(bos_token_, ConfigTokenString(value, key));
    } else if (key == "eos_token") {
      SWERL_ASSIGN_OR_RETURN(eos, ConfigTokenString(value, key));
    } else if (key == "pad_token") {
      SWERL_ASSIGN_OR_RETURN(pad, ConfigTokenString(value, key));
    } else if (key == "chat_template") {
      od::json_type type;
      if (value.type().get(type) != SUCCESS) return bad;
      std::string_view text;
      if (type == od::json_type::string) {
        if (value.get_string().get(text) != SUCCESS) return bad;
        chat_template_ = std::string(text);
      } else if (type == od::json_type::array) {
        for (auto item : value.get_array()) {
          od::object named;
          if (item.get_object().get(named) != SUCCESS) return bad;
          std::string name, body;
          for (auto f : named) {
            std::string_view k, v;
            if (f.unescaped_key().get(k) != SUCCESS) return bad;
            if ((k == "name" || k == "template") && f.value().get_string().get(v) == SUCCESS) {
              (k == "name" ? name : body) = std::string(v);
            }
          }
          if (name == "default") chat_template_ = body;
        }
      } else if (type != od::json_type::null) {
        return Invalid("tokenizer_config.json: chat_template is neither a string nor a list");
      }
    }
  }
  auto lookup = [&](const std::string& token) -> std::optional<int32_t> {
    if (token.empty()) return std::nullopt;
    if (auto it = added_by_content_.find(token); it != added_by_content_.end()) return it->second;
    if (auto it = vocab_.find(token); it != vocab_.end()) return it->second;
    return std::nullopt;
  };
  bos_id_ = lookup(bos_token_);
  eos_id_ = lookup(eos);
  pad_id_ = lookup(pad);
  return OkStatus();
}

// ---- encoding ---------------------------------------------------------------

void Tokenizer::Impl::EncodePiece(std::string_view piece, PieceCache& cache,
                                  std::vector<int32_t>* ids) const {
  if (piece.size() > CacheEntry::kMaxKey) {
    bpe_->Tokenize(piece, ids);
    return;
  }
  const uint64_t h = internal::HashBytes(piece);
  CacheEntry& entry = cache.entries[h & (kCacheEntries - 1)];
  if (entry.hash == h && entry.key_len == piece.size() &&
      std::memcmp(entry.key, piece.data(), piece.size()) == 0) {
    ids->insert(ids->end(), entry.ids, entry.ids + entry.id_count);
    return;
  }
  const size_t before = ids->size();
  bpe_->Tokenize(piece, ids);
  const size_t count = ids->size() - before;
  if (count <= CacheEntry::kMaxIds) {
    entry.hash = h;
    entry.key_len = static_cast<uint8_t>(piece.size());
    std::memcpy(entry.key, piece.data(), piece.size());
    entry.id_count = static_cast<uint8_t>(count);
    std::copy(ids->begin() + static_cast<ptrdiff_t>(before), ids->end(), entry.ids);
  }
}

void Tokenizer::Impl::EncodeText(std::string_view text, std::vector<int32_t>* ids) const {
  if (text.empty()) return;
  PieceCache& cache = ThreadCache(serial_);
  thread_local std::vector<Span> pieces, next;
  pieces.clear();
  pieces.push_back(Span{0, static_cast<uint32_t>(text.size())});
  for (const SplitStep& step : splits_) {
    next.clear();
    for (const Span& p : pieces) step.regex.Split(text, p.begin, p.end, &next);
    pieces.swap(next);
  }
  for (const Span& p : pieces) EncodePiece(text.substr(p.begin, p.end - p.begin), cache, ids);
}

void Tokenizer::Impl::EncodeInto(std::string_view text, const EncodeOptions& options,
                                 std::vector<int32_t>* ids) const {
  std::string repaired;
  if (!IsValidUtf8(text)) {
    AppendRepairedUtf8(&repaired, text);
    text = repaired;
  }
  if (options.add_special_tokens)
    ids->insert(ids->end(), template_.prefix.begin(), template_.prefix.end());
  std::vector<Segment> segments;
  raw_matcher_.Cut(text, options.allow_special, &segments);
  std::string normalized;
  std::vector<Segment> inner;
  for (const Segment& s : segments) {
    if (s.id >= 0) {
      ids->push_back(s.id);
      continue;
    }
    std::string_view part = text.substr(s.begin, s.end - s.begin);
    if (nfc_ && !IsNfcQuickYes(part)) {
      normalized.clear();
      AppendNfc(part, &normalized);
      part = normalized;
    }
    if (normalized_matcher_.empty()) {
      EncodeText(part, ids);
      continue;
    }
    inner.clear();
    normalized_matcher_.Cut(part, options.allow_special, &inner);
    for (const Segment& t : inner) {
      if (t.id >= 0) {
        ids->push_back(t.id);
      } else {
        EncodeText(part.substr(t.begin, t.end - t.begin), ids);
      }
    }
  }
  if (options.add_special_tokens)
    ids->insert(ids->end(), template_.suffix.begin(), template_.suffix.end());
}

std::string Tokenizer::Impl::Normalize(std::string_view text, bool allow_special) const {
  std::string repaired;
  if (!IsValidUtf8(text)) {
    AppendRepairedUtf8(&repaired, text);
    text = repaired;
  }
  std::vector<Segment> segments;
  raw_matcher_.Cut(text, allow_special, &segments);
  std::string out;
  for (const Segment& s : segments) {
    const std::string_view part = text.substr(s.begin, s.end - s.begin);
    if (s.id < 0 && nfc_) {
      AppendNfc(part, &out);
    } else {
      out.append(part);
    }
  }
  return out;
}

Result<std::string> Tokenizer::Impl::Decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (size_t k = 0; k < ids.size(); ++k) {
    const int32_t id = ids[k];
    if (id < 0 || static_cast<size_t>(id) >= id_flags_.size() ||
        !id_flags_[static_cast<size_t>(id)]) {
      return Invalid("token id " + std::to_string(id) + " (position " + std::to_string(k) +
                     ") is not in the vocabulary (" + std::to_string(id_flags_.size()) + " ids)");
    }
    if (skip_special && (id_flags_[static_cast<size_t>(id)] & kSpecial)) continue;
    bytes.append(
        decode_arena_, decode_offset_[static_cast<size_t>(id)],
        decode_offset_[static_cast<size_t>(id) + 1] - decode_offset_[static_cast<size_t>(id)]);
  }
  if (IsValidUtf8(bytes)) return bytes;
  std::string repaired;
  AppendRepairedUtf8(&repaired, bytes);
  return repaired;
}

// ---- Tokenizer ----------------------------------------------------------------

Result<std::string> ReadMaybeZstd(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(path));
  SWERL_ASSIGN_OR_RETURN(std::string data, io::ReadAll(*in));
  if (path.size() < 4 || path.compare(path.size() - 4, 4, ".zst") != 0) return data;
  using DStream = std::unique_ptr<ZSTD_DStream, CDeleter<&ZSTD_freeDStream>>;
  DStream stream(ZSTD_createDStream());
  if (!stream) return Error(Code::kExternal, "zstd: cannot create a decompression stream");
  std::string out;
  const unsigned long long known = ZSTD_getFrameContentSize(data.data(), data.size());
  if (known != ZSTD_CONTENTSIZE_UNKNOWN && known != ZSTD_CONTENTSIZE_ERROR &&
      known < (1ull << 32)) {
    out.reserve(known);
  }
  ZSTD_inBuffer input{data.data(), data.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t ret = 0;
  while (true) {
    ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(stream.get(), &output, &input);
    if (ZSTD_isError(ret)) {
      return Error(Code::kCorrupt, "'" + path + "': zstd: " + ZSTD_getErrorName(ret));
    }
    out.append(chunk.data(), output.pos);
    // Done once all input is read and the decoder had room left to flush into.
    if (input.pos == input.size && output.pos < output.size) break;
  }
  if (ret != 0) return Error(Code::kCorrupt, "'" + path + "': zstd: truncated frame");
  return out;
}

Result<Tokenizer> Tokenizer::Load(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return Error(Code::kNotFound, "'" + path + "' does not exist");
    return ErrnoError("cannot open '" + path + "'", err);
  }
  std::string tokenizer_path = path;
  std::string config_json;
  if (S_ISDIR(st.st_mode)) {
    const std::string dir = path.back() == '/' ? path : path + "/";
    tokenizer_path.clear();
    for (const char* name : {"tokenizer.json", "tokenizer.json.zst"}) {
      if (::stat((dir + name).c_str(), &st) == 0) {
        tokenizer_path = dir + name;
        break;
      }
    }
    if (tokenizer_path.empty()) {
      return Error(Code::kNotFound, "'" + path + "' holds no tokenizer.json or tokenizer.json.zst");
    }
    if (::stat((dir + "tokenizer_config.json").c_str(), &st) == 0) {
      SWERL_ASSIGN_OR_RETURN(config_json, ReadMaybeZstd(dir + "tokenizer_config.json"));
    }
  }
  SWERL_ASSIGN_OR_RETURN(const std::string json, ReadMaybeZstd(tokenizer_path));
  return FromJson(json, config_json, tokenizer_path);
}

Result<Tokenizer> Tokenizer::FromJson(std::string_view tokenizer_json, std::string_view config_json,
                                      std::string label) {
  SWERL_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl,
                         Impl::Parse(tokenizer_json, config_json, std::move(label)));
  return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool allow_special) const {
  EncodeOptions options;
  options.allow_special = allow_special;
  return Encode(text, options);
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 8);
  impl_->EncodeInto(text, options, &ids);
  return ids;
}

void Tokenizer::EncodeInto(std::string_view text, const EncodeOptions& options,
                           std::vector<int32_t>* ids) const {
  impl_->EncodeInto(text, options, ids);
}

Result<std::string> Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special) const {
  return impl_->Decode(ids, skip_special);
}

std::string Tokenizer::Normalize(std::string_view text, bool allow_special) const {
  return impl_->Normalize(text, allow_special);
}

int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(impl_->id_flags_.size()); }

std::optional<int32_t> Tokenizer::TokenId(std::string_view token) const {
  const std::string key(token);
  if (auto it = impl_->added_by_content_.find(key); it != impl_->added_by_content_.end())
    return it->second;
  if (auto it = impl_->vocab_.find(key); it != impl_->vocab_.end()) return it->second;
  return std::nullopt;
}

std::optional<std::string> Tokenizer::Token(int32_t id) const {
  if (id < 0 || id >= vocab_size() || !impl_->id_flags_[static_cast<size_t>(id)])
    return std::nullopt;
  return impl_->token_of_id_[static_cast<size_t>(id)];
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && id < vocab_size() &&
         (impl_->id_flags_[static_cast<size_t>(id)] & Impl::kSpecial);
}

const std::vector<AddedToken>& Tokenizer::added_tokens() const { return impl_->added_; }
std::optional<int32_t> Tokenizer::bos_id() const { return impl_->bos_id_; }
std::optional<int32_t> Tokenizer::eos_id() const { return impl_->eos_id_; }
std::optional<int32_t> Tokenizer::pad_id() const { return impl_->pad_id_; }
const std::string& Tokenizer::bos_token() const { return impl_->bos_token_; }
const std::string& Tokenizer::chat_template() const { return impl_->chat_template_; }
const std::string& Tokenizer::label() const { return impl_->label_; }

}  // namespace swerl::tok
