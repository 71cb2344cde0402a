// Hour: one GH Archive file's hour (a UTC date plus an hour 0..23), its file
// name exactly as data.gharchive.org spells it ("2024-01-01-0.json.gz", the
// hour never zero padded; SPEC §2.1), and inclusive ranges of hours.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::gharchive {

// Thread-compatible value type; ordered by time.
class Hour {
 public:
  // 1970-01-01T00, a placeholder until assigned.
  Hour() = default;

  // Parses "2024-01-01T00", "2024-01-01T0", "2024-01-01-0" or "2024-01-01-00"
  // (a one- or two-digit hour after 'T' or '-'); a trailing ".json.gz" is
  // accepted too, so file names parse. The date must exist in the Gregorian
  // calendar (leap years included) with a four-digit year 0001..9999.
  // Errors: kInvalidInput naming the text and what is wrong with it.
  static Result<Hour> Parse(std::string_view text);

  // Validates like Parse. Errors: kInvalidInput.
  static Result<Hour> FromCivil(int year, int month, int day, int hour);

  // The hour `index` hours after 1970-01-01T00Z (negative before).
  static Hour FromIndex(int64_t index) { return Hour(index); }

  int year() const;
  int month() const;  // 1..12
  int day() const;    // 1..31
  int hour() const { return static_cast<int>(index_ - FloorDiv(index_, 24) * 24); }
  int64_t index() const { return index_; }

  // "2024-01-01-0": the GH Archive name, hour without zero padding.
  std::string Name() const;
  // "2024-01-01-0.json.gz".
  std::string FileName() const;
  // "2024-01-01T00": ISO 8601 style, as the CLI prints it.
  std::string Iso() const;

  Hour Next() const { return Hour(index_ + 1); }

  friend auto operator<=>(const Hour&, const Hour&) = default;
  friend bool operator==(const Hour&, const Hour&) = default;

 private:
  explicit Hour(int64_t index) : index_(index) {}
  static int64_t FloorDiv(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
  }
  struct Civil {
    int year, month, day;
  };
  Civil ToCivil() const;

  int64_t index_ = 0;
};

// The inclusive range [from, to] of hours, iterable in time order.
// Thread-compatible value type.
class HourRange {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Hour;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Hour;

    Iterator() = default;
    explicit Iterator(int64_t index) : index_(index) {}
    Hour operator*() const { return Hour::FromIndex(index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++index_;
      return old;
    }
    friend bool operator==(const Iterator&, const Iterator&) = default;

   private:
    int64_t index_ = 0;
  };

  // Errors: kInvalidInput when to < from.
  static Result<HourRange> Make(Hour from, Hour to);
  // Parses both ends with Hour::Parse, then Make. Errors: kInvalidInput.
  static Result<HourRange> Parse(std::string_view from, std::string_view to);

  Hour from() const { return from_; }
  Hour to() const { return to_; }
  // The number of hours in the range (>= 1).
  uint64_t size() const { return static_cast<uint64_t>(to_.index() - from_.index() + 1); }
  bool Contains(Hour h) const { return from_ <= h && h <= to_; }

  Iterator begin() const { return Iterator(from_.index()); }
  Iterator end() const { return Iterator(to_.index() + 1); }

 private:
  HourRange(Hour from, Hour to) : from_(from), to_(to) {}
  Hour from_;
  Hour to_;
};

}  // namespace swerl::gharchive
