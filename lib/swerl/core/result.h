// Result<T>: holds a T or an Error. Its surface copies std::expected
// (has_value, operator bool, value, operator*, operator->, error) so it can
// become an alias once the project moves to C++23. Status = Result<Ok>.
#pragma once

#include <utility>
#include <variant>

#include "swerl/core/check.h"
#include "swerl/core/error.h"

namespace swerl {

struct Ok {};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(std::in_place_index<0>, value) {}            // NOLINT
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(const Error& error) : v_(std::in_place_index<1>, error) {}        // NOLINT
  Result(Error&& error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Error> && !std::is_same_v<std::decay_t<U>, Result<T>>)
      Result(U&& value)
      : v_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // REQUIRES: has_value(). Checked: calling it on an error aborts.
  T& value() & { return SWERL_CHECK(has_value()), std::get<0>(v_); }
  const T& value() const& { return SWERL_CHECK(has_value()), std::get<0>(v_); }
  T&& value() && { return SWERL_CHECK(has_value()), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !has_value().
  const Error& error() const& { return SWERL_CHECK(!has_value()), std::get<1>(v_); }
  Error&& error() && { return SWERL_CHECK(!has_value()), std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace swerl

#define SWERL_CONCAT_INNER_(a, b) a##b
#define SWERL_CONCAT_(a, b) SWERL_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Result or Status) from the enclosing function.
#define SWERL_RETURN_IF_ERROR(expr)            \
  do {                                         \
    if (auto swerl_st_ = (expr); !swerl_st_) { \
      return std::move(swerl_st_).error();     \
    }                                          \
  } while (0)

// `SWERL_ASSIGN_OR_RETURN(auto x, Make());` declares x from the value or
// returns the error.
#define SWERL_ASSIGN_OR_RETURN(decl, expr) \
  SWERL_ASSIGN_OR_RETURN_IMPL_(SWERL_CONCAT_(swerl_r_, __LINE__), decl, expr)
#define SWERL_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                                  \
  if (!tmp) return std::move(tmp).error();            \
  decl = std::move(tmp).value()
