// Dtype: the element types of the safetensors format (SPEC 7.1), with their
// on-disk names and sizes in bits. The enumerators are in the format's
// alignment order, which writers use to order tensors (descending).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace swerl::st {

// The order matches the Rust `safetensors::Dtype` enum of safetensors 0.8.0,
// including its two FNUZ float8 types (not in SPEC 7.1; readers meet them in
// AMD checkpoints). Do not reorder: WriteFile sorts by this order.
enum class Dtype : uint8_t {
  kBool,
  kF4,
  kF6E2M3,
  kF6E3M2,
  kU8,
  kI8,
  kF8E5M2,
  kF8E4M3,
  kF8E8M0,
  kF8E4M3Fnuz,
  kF8E5M2Fnuz,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kC64,
  kF64,
  kI64,
  kU64,
};

inline constexpr int kDtypeCount = static_cast<int>(Dtype::kU64) + 1;

// The on-disk name: "BF16", "F8_E4M3", "BOOL". Aborts (SWERL_CHECK) on a value
// outside the enum.
std::string_view DtypeName(Dtype d);

// The dtype whose on-disk name is exactly `name` (case-sensitive, as the
// Python library), or nullopt.
std::optional<Dtype> ParseDtype(std::string_view name);

// Bits per element: 4 (F4), 6 (F6_*), 8, 16, 32 or 64. C64 is 64 (two F32).
int DtypeBits(Dtype d);

}  // namespace swerl::st
