// Fuzzes File::Parse (the safetensors reader) on arbitrary bytes as a whole
// file. Invariants: no crash; a file that validates has tensors that tile
// its data buffer in order, each findable by name, with data spans inside
// the input; and writing its tensors and metadata back (Serialize) gives a
// file that validates to the same tensors, metadata and bytes, and that is a
// fixed point of a second round trip.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/st/reader.h"
#include "swerl/st/writer.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

std::vector<swerl::st::TensorRef> Refs(const swerl::st::File& file) {
  std::vector<swerl::st::TensorRef> refs;
  for (const auto& t : file.tensors()) refs.push_back({t.name, t.dtype, t.shape, t.data});
  return refs;
}

bool SameBytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::st;
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto file = File::Parse(input, "fuzz");
  if (!file) {
    Check(file.error().code() == swerl::Code::kCorrupt);
    return 0;
  }
  const char* data_begin = input.data() + 8 + file->header_size();
  uint64_t next = 0;
  for (const TensorInfo& t : file->tensors()) {
    Check(t.begin == next && t.end >= t.begin);
    next = t.end;
    Check(file->Find(t.name) == &t);
    Check(reinterpret_cast<const char*>(t.data.data()) == data_begin + t.begin);
    Check(t.data.size() == t.end - t.begin);
    Check(t.numel() >= 0);
    for (int64_t dim : t.shape) Check(dim >= 0);
  }
  Check(8 + file->header_size() + next == input.size());
  Check(next == file->data_size());

  auto written = Serialize(Refs(*file), file->metadata());
  Check(static_cast<bool>(written));
  auto again = File::Parse(*written, "fuzz-rewritten");
  Check(static_cast<bool>(again));
  Check(again->metadata() == file->metadata());
  Check(again->tensors().size() == file->tensors().size());
  for (const TensorInfo& t : file->tensors()) {
    const TensorInfo* u = again->Find(t.name);
    Check(u != nullptr && u->dtype == t.dtype && u->shape == t.shape && SameBytes(u->data, t.data));
  }
  auto twice = Serialize(Refs(*again), again->metadata());
  Check(static_cast<bool>(twice) && *twice == *written);
  return 0;
}
