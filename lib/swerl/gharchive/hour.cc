#include "swerl/gharchive/hour.h"

#include <cstdio>

namespace swerl::gharchive {
namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date. Counts in 400-year
// eras (146097 days each) from March 1 so February's leap day comes last.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                                    // [0, 399]
  const int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

Error Invalid(std::string_view text, std::string_view why) {
  return Error(Code::kInvalidInput,
               "invalid hour '" + std::string(text) + "': " + std::string(why));
}

// Reads exactly `n` digits at *pos; false when any is not a digit.
bool ReadDigits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

// "" when the fields name a real hour, else what is wrong.
std::string WhyInvalid(int year, int month, int day, int hour) {
  if (year < 1 || year > 9999) return "year must be 0001..9999";
  if (month < 1 || month > 12) return "month must be 01..12";
  if (day < 1 || day > DaysInMonth(year, month)) {
    char why[64];
    std::snprintf(why, sizeof why, "%04d-%02d has no day %d", year, month, day);
    return why;
  }
  if (hour < 0 || hour > 23) return "hour must be 0..23";
  return "";
}

constexpr std::string_view kFormats =
    "expected YYYY-MM-DDTHH, YYYY-MM-DDTH or YYYY-MM-DD-H (GH Archive style)";

}  // namespace

Result<Hour> Hour::FromCivil(int year, int month, int day, int hour) {
  if (std::string why = WhyInvalid(year, month, day, hour); !why.empty()) {
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d", year, month, day, hour);
    return Invalid(text, why);
  }
  return Hour(DaysFromCivil(year, month, day) * 24 + hour);
}

Result<Hour> Hour::Parse(std::string_view text) {
  std::string_view s = text;
  constexpr std::string_view kSuffix = ".json.gz";
  if (s.size() > kSuffix.size() && s.substr(s.size() - kSuffix.size()) == kSuffix) {
    s.remove_suffix(kSuffix.size());
  }
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0;
  if (!ReadDigits(s, &pos, 4, &year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &day) || pos >= s.size() || (s[pos] != 'T' && s[pos] != '-')) {
    return Invalid(text, kFormats);
  }
  ++pos;
  const size_t hour_digits = s.size() - pos;
  if (hour_digits < 1 || hour_digits > 2 || !ReadDigits(s, &pos, hour_digits, &hour)) {
    return Invalid(text, kFormats);
  }
  if (std::string why = WhyInvalid(year, month, day, hour); !why.empty()) {
    return Invalid(text, why);
  }
  return Hour(DaysFromCivil(year, month, day) * 24 + hour);
}

Hour::Civil Hour::ToCivil() const {
  // The inverse of DaysFromCivil.
  const int64_t z = FloorDiv(index_, 24) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const int month =
      static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  const int year = static_cast<int>(year_of_era + era * 400 + (month <= 2));
  return {year, month, day};
}

int Hour::year() const { return ToCivil().year; }
int Hour::month() const { return ToCivil().month; }
int Hour::day() const { return ToCivil().day; }

std::string Hour::Name() const {
  const Civil c = ToCivil();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d-%d", c.year, c.month, c.day, hour());
  return buf;
}

std::string Hour::FileName() const { return Name() + ".json.gz"; }

std::string Hour::Iso() const {
  const Civil c = ToCivil();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d", c.year, c.month, c.day, hour());
  return buf;
}

Result<HourRange> HourRange::Make(Hour from, Hour to) {
  if (to < from) {
    return Error(Code::kInvalidInput,
                 "empty hour range: --to " + to.Iso() + " is before --from " + from.Iso());
  }
  return HourRange(from, to);
}

Result<HourRange> HourRange::Parse(std::string_view from, std::string_view to) {
  SWERL_ASSIGN_OR_RETURN(Hour f, Hour::Parse(from));
  SWERL_ASSIGN_OR_RETURN(Hour t, Hour::Parse(to));
  return Make(f, t);
}

}  // namespace swerl::gharchive
