#include "swerl/st/reader.h"

#include <simdjson.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "swerl/st/header_internal.h"

namespace swerl::st {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// serde_json, which the Python library uses, stops at 128 levels of nesting;
// simdjson's max_depth counts the same way, so 127 is the deepest both accept.
constexpr size_t kMaxJsonDepth = 127;

class Validator {
 public:
  explicit Validator(const std::string& label) : label_(label) {}

  Error Bad(std::string_view what) const {
    return Error(Code::kCorrupt, "invalid safetensors file '" + label_ + "': " + std::string(what));
  }
  Error BadTensor(std::string_view name, std::string_view what) const {
    return Bad("tensor '" + std::string(name) + "': " + std::string(what));
  }

 private:
  const std::string& label_;
};

std::string Describe(element e) {
  switch (e.type()) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
      return "the integer " + std::to_string(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return "the integer " + std::to_string(e.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return "a floating-point number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

// A JSON integer in [0, 2^64) (serde's usize on 64-bit hosts).
std::optional<uint64_t> AsUnsigned(element e) {
  if (e.type() != element_type::INT64 && e.type() != element_type::UINT64) return std::nullopt;
  uint64_t v = 0;
  if (e.get_uint64().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::string OffsetsText(const TensorInfo& t) {
  std::string out = "[";
  out += std::to_string(t.begin);
  out += ", ";
  out += std::to_string(t.end);
  out += ']';
  return out;
}

Result<TensorInfo> ParseTensor(const Validator& v, std::string_view name, element value) {
  object fields;
  if (value.get_object().get(fields) != simdjson::SUCCESS) {
    return v.BadTensor(name, "expected an object, got " + Describe(value));
  }
  TensorInfo t;
  t.name = std::string(name);
  bool have_dtype = false, have_shape = false, have_offsets = false;
  for (auto [key, field] : fields) {
    if (key == "dtype") {
      if (have_dtype) return v.BadTensor(name, "duplicate field \"dtype\"");
      have_dtype = true;
      std::string_view text;
      if (field.get_string().get(text) != simdjson::SUCCESS) {
        return v.BadTensor(name, "\"dtype\" must be a string, got " + Describe(field));
      }
      auto dtype = ParseDtype(text);
      if (!dtype) return v.BadTensor(name, "unknown dtype \"" + std::string(text) + "\"");
      t.dtype = *dtype;
    } else if (key == "shape") {
      if (have_shape) return v.BadTensor(name, "duplicate field \"shape\"");
      have_shape = true;
      simdjson::dom::array dims;
      if (field.get_array().get(dims) != simdjson::SUCCESS) {
        return v.BadTensor(name, "\"shape\" must be an array, got " + Describe(field));
      }
      for (element dim : dims) {
        auto n = AsUnsigned(dim);
        if (!n) {
          return v.BadTensor(name,
                             "shape entries must be non-negative integers, got " + Describe(dim));
        }
        if (*n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return v.BadTensor(name, "shape entry " + std::to_string(*n) + " exceeds 2^63 - 1");
        }
        t.shape.push_back(static_cast<int64_t>(*n));
      }
    } else if (key == "data_offsets") {
      if (have_offsets) return v.BadTensor(name, "duplicate field \"data_offsets\"");
      have_offsets = true;
      simdjson::dom::array pair;
      if (field.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2) {
        return v.BadTensor(
            name, "\"data_offsets\" must be an array of two integers, got " +
                      (field.is_array() ? "an array of " + std::to_string(pair.size()) + " values"
                                        : Describe(field)));
      }
      auto begin = AsUnsigned(pair.at(0).value_unsafe());
      auto end = AsUnsigned(pair.at(1).value_unsafe());
      if (!begin || !end) {
        return v.BadTensor(
            name, "\"data_offsets\" must be non-negative integers, got " +
                      Describe(begin ? pair.at(1).value_unsafe() : pair.at(0).value_unsafe()));
      }
      t.begin = *begin;
      t.end = *end;
    }
    // Other fields are ignored, as serde ignores unknown struct fields.
  }
  if (!have_dtype) return v.BadTensor(name, "missing field \"dtype\"");
  if (!have_shape) return v.BadTensor(name, "missing field \"shape\"");
  if (!have_offsets) return v.BadTensor(name, "missing field \"data_offsets\"");
  return t;
}

// Bytes of `t` per the Python library's validate(): the element count folded
// left to right with overflow checks (so [0, 2^62, 8] passes and [2^62, 8, 0]
// does not), times the bits, a whole number of bytes.
Result<uint64_t> ExpectedBytes(const Validator& v, const TensorInfo& t) {
  uint64_t numel = 1;
  for (int64_t dim : t.shape) {
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dim), &numel)) {
      return v.BadTensor(t.name, "shape " + ShapeText(t.shape) + " overflows 64 bits");
    }
  }
  uint64_t bits = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(DtypeBits(t.dtype)), &bits)) {
    return v.BadTensor(t.name, "shape " + ShapeText(t.shape) + " of " +
                                   std::string(DtypeName(t.dtype)) + " overflows 64 bits");
  }
  if (bits % 8 != 0) {
    return v.BadTensor(t.name, std::to_string(numel) + " elements of " +
                                   std::string(DtypeName(t.dtype)) +
                                   " do not fill a whole number of bytes");
  }
  return bits / 8;
}

}  // namespace

int64_t TensorInfo::numel() const {
  // Checked before multiplying: a zero dimension after huge ones is valid and
  // the partial product must not overflow.
  for (int64_t dim : shape) {
    if (dim == 0) return 0;
  }
  int64_t n = 1;
  for (int64_t dim : shape) n *= dim;
  return n;
}

const TensorInfo* File::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Result<File> File::Open(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(MappedFile map, MappedFile::Open(path));
  File file;
  file.path_ = path;
  file.bytes_ = map.bytes();
  file.map_.emplace(std::move(map));
  return ParseInto(std::move(file));
}

Result<File> File::Parse(std::string_view bytes, std::string label) {
  File file;
  file.path_ = std::move(label);
  file.bytes_ = bytes;
  return ParseInto(std::move(file));
}

Result<File> File::ParseInto(File file) {
  const Validator v(file.path_);
  const std::string_view bytes = file.bytes_;
  if (bytes.size() < 8) {
    return v.Bad("the file is " + std::to_string(bytes.size()) +
                 " bytes, shorter than the 8-byte header length");
  }
  const uint64_t n = internal::LoadLe64(bytes.data());
  if (n > kMaxHeaderBytes) {
    return v.Bad("header length " + std::to_string(n) + " exceeds the limit of " +
                 std::to_string(kMaxHeaderBytes));
  }
  if (n > bytes.size() - 8) {
    return v.Bad("header length " + std::to_string(n) + " runs past the end of the file (" +
                 std::to_string(bytes.size()) + " bytes)");
  }
  const std::string_view header = bytes.substr(8, n);
  if (!simdjson::validate_utf8(header.data(), header.size())) {
    return v.Bad("header is not valid UTF-8");
  }
  if (header.empty()) return v.Bad("header is empty");

  simdjson::dom::parser parser;
  if (auto err = parser.allocate(header.size(), kMaxJsonDepth); err != simdjson::SUCCESS) {
    return v.Bad(std::string("cannot allocate a JSON parser: ") + simdjson::error_message(err));
  }
  element root;
  if (auto err = parser.parse(header.data(), header.size()).get(root); err != simdjson::SUCCESS) {
    return v.Bad(std::string("header is not valid JSON: ") + simdjson::error_message(err));
  }
  // simdjson reads the integer -0 as 0, which serde rejects as a size.
  if (internal::HasNegativeZeroInteger(header)) {
    return v.Bad("header holds the integer -0, which is not a valid size or offset");
  }
  object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return v.Bad("header must be a JSON object, got " + Describe(root));
  }

  bool have_metadata = false;
  for (auto [key, value] : top) {
    if (key == internal::kMetadataKey) {
      if (have_metadata) return v.Bad("duplicate \"__metadata__\"");
      have_metadata = true;
      if (value.is_null()) continue;
      object entries;
      if (value.get_object().get(entries) != simdjson::SUCCESS) {
        return v.Bad("\"__metadata__\" must be an object of strings, got " + Describe(value));
      }
      for (auto [meta_key, meta_value] : entries) {
        std::string_view text;
        if (meta_value.get_string().get(text) != simdjson::SUCCESS) {
          return v.Bad("\"__metadata__\" value of \"" + std::string(meta_key) +
                       "\" must be a string, got " + Describe(meta_value));
        }
        if (!file.metadata_.emplace(std::string(meta_key), std::string(text)).second) {
          return v.Bad("duplicate \"__metadata__\" key \"" + std::string(meta_key) + "\"");
        }
      }
      continue;
    }
    SWERL_ASSIGN_OR_RETURN(TensorInfo t, ParseTensor(v, key, value));
    if (!file.index_.emplace(t.name, 0).second) {
      return v.BadTensor(t.name, "duplicate tensor name");
    }
    file.tensors_.push_back(std::move(t));
  }

  std::sort(file.tensors_.begin(), file.tensors_.end(),
            [](const TensorInfo& a, const TensorInfo& b) {
              if (a.begin != b.begin) return a.begin < b.begin;
              if (a.end != b.end) return a.end < b.end;
              return a.name < b.name;
            });
  uint64_t expected_begin = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo& t : file.tensors_) {
    if (t.end < t.begin) {
      return v.BadTensor(t.name, "data_offsets " + OffsetsText(t) + " end before they begin");
    }
    if (t.begin > expected_begin) {
      return v.BadTensor(t.name, "data_offsets " + OffsetsText(t) + " leave a hole of " +
                                     std::to_string(t.begin - expected_begin) + " bytes after " +
                                     (previous ? "tensor '" + previous->name + "'"
                                               : std::string("the start of the data")));
    }
    if (t.begin < expected_begin) {
      return v.BadTensor(t.name, "data_offsets " + OffsetsText(t) + " overlap tensor '" +
                                     previous->name + "', which ends at " +
                                     std::to_string(expected_begin));
    }
    SWERL_ASSIGN_OR_RETURN(uint64_t nbytes, ExpectedBytes(v, t));
    if (t.end - t.begin != nbytes) {
      return v.BadTensor(t.name, "shape " + ShapeText(t.shape) + " of " +
                                     std::string(DtypeName(t.dtype)) + " needs " +
                                     std::to_string(nbytes) + " bytes but data_offsets " +
                                     OffsetsText(t) + " span " + std::to_string(t.end - t.begin));
    }
    expected_begin = t.end;
    previous = &t;
  }
  const uint64_t available = bytes.size() - 8 - n;
  if (expected_begin != available) {
    if (expected_begin < available) {
      return v.Bad("the file has " + std::to_string(available - expected_begin) +
                   " bytes after the last tensor's data");
    }
    return v.Bad("the tensors need " + std::to_string(expected_begin) +
                 " data bytes but the file holds " + std::to_string(available) +
                 " after the header (truncated?)");
  }

  const auto* data = reinterpret_cast<const std::byte*>(bytes.data() + 8 + n);
  for (size_t i = 0; i < file.tensors_.size(); ++i) {
    TensorInfo& t = file.tensors_[i];
    t.data = std::span<const std::byte>(data + t.begin, t.end - t.begin);
    file.index_.find(t.name)->second = i;
  }
  file.header_size_ = n;
  file.data_size_ = expected_begin;
  return file;
}

}  // namespace swerl::st
