#include "trainer/metrics/step_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "swerl/core/check.h"

namespace swerl::train::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const char* KindName(Reduce kind) {
  switch (kind) {
    case Reduce::kMean:
      return "mean";
    case Reduce::kStd:
      return "std";
    case Reduce::kSum:
      return "sum";
    case Reduce::kMax:
      return "max";
    case Reduce::kMin:
      return "min";
    case Reduce::kSame:
      return "same";
  }
  return "?";
}

}  // namespace

StepMetrics::Entry& StepMetrics::Get(std::string_view name, Reduce kind) {
  for (Entry& e : entries_) {
    if (e.name == name) {
      SWERL_CHECK(e.kind == kind);  // one name, one kind
      return e;
    }
  }
  const double init = kind == Reduce::kMax ? -kInf : kind == Reduce::kMin ? kInf : 0;
  entries_.push_back({std::string(name), kind, init, 0, 0});
  return entries_.back();
}

void StepMetrics::Declare(std::string_view name, Reduce kind) { Get(name, kind); }

const StepMetrics::Entry* StepMetrics::Find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void StepMetrics::AddMean(std::string_view name, double value, double weight) {
  AddWeightedSum(name, value * weight, weight);
}

void StepMetrics::AddWeightedSum(std::string_view name, double weighted_sum, double weight) {
  Entry& e = Get(name, Reduce::kMean);
  e.a += weighted_sum;
  e.b += weight;
}

void StepMetrics::AddStd(std::string_view name, double value) {
  Entry& e = Get(name, Reduce::kStd);
  e.a += value;
  e.b += value * value;
  e.c += 1;
}

void StepMetrics::AddSum(std::string_view name, double value) {
  Get(name, Reduce::kSum).a += value;
}

void StepMetrics::AddMax(std::string_view name, double value) {
  Entry& e = Get(name, Reduce::kMax);
  e.a = std::max(e.a, value);
}

void StepMetrics::AddMin(std::string_view name, double value) {
  Entry& e = Get(name, Reduce::kMin);
  e.a = std::min(e.a, value);
}

void StepMetrics::Set(std::string_view name, double value) { Get(name, Reduce::kSame).a = value; }

void StepMetrics::Merge(const StepMetrics& other) {
  for (const Entry& o : other.entries_) {
    Entry& e = Get(o.name, o.kind);
    switch (o.kind) {
      case Reduce::kMean:
      case Reduce::kStd:
      case Reduce::kSum:
        e.a += o.a;
        e.b += o.b;
        e.c += o.c;
        break;
      case Reduce::kMax:
        e.a = std::max(e.a, o.a);
        break;
      case Reduce::kMin:
        e.a = std::min(e.a, o.a);
        break;
      case Reduce::kSame:
        e.a = o.a;
        break;
    }
  }
}

StepMetrics::Packed StepMetrics::Pack() const {
  Packed p;
  for (const Entry& e : entries_) {
    switch (e.kind) {
      case Reduce::kMean:
        p.sums.insert(p.sums.end(), {e.a, e.b});
        break;
      case Reduce::kStd:
        p.sums.insert(p.sums.end(), {e.a, e.b, e.c});
        break;
      case Reduce::kSum:
        p.sums.push_back(e.a);
        break;
      case Reduce::kMax:
        p.maxes.push_back(e.a);
        break;
      case Reduce::kMin:
        p.mins.push_back(e.a);
        break;
      case Reduce::kSame:  // in both: equal MAX and MIN prove the ranks agreed
        p.maxes.push_back(e.a);
        p.mins.push_back(e.a);
        break;
    }
  }
  return p;
}

Status StepMetrics::Unpack(const Packed& reduced) {
  const Packed mine = Pack();
  if (reduced.sums.size() != mine.sums.size() || reduced.maxes.size() != mine.maxes.size() ||
      reduced.mins.size() != mine.mins.size()) {
    return Error(Code::kInvalidInput, "reduced metrics do not match the layout " + Layout());
  }
  size_t s = 0, x = 0, n = 0;
  for (Entry& e : entries_) {
    switch (e.kind) {
      case Reduce::kMean:
        e.a = reduced.sums[s++];
        e.b = reduced.sums[s++];
        break;
      case Reduce::kStd:
        e.a = reduced.sums[s++];
        e.b = reduced.sums[s++];
        e.c = reduced.sums[s++];
        break;
      case Reduce::kSum:
        e.a = reduced.sums[s++];
        break;
      case Reduce::kMax:
        e.a = reduced.maxes[x++];
        break;
      case Reduce::kMin:
        e.a = reduced.mins[n++];
        break;
      case Reduce::kSame: {
        const double hi = reduced.maxes[x++], lo = reduced.mins[n++];
        if (hi != lo && !(std::isnan(hi) && std::isnan(lo))) {
          return Error(Code::kInvalidInput, "metric '" + e.name + "' differs between ranks (" +
                                                std::to_string(lo) + " to " + std::to_string(hi) +
                                                ")");
        }
        e.a = hi;
        break;
      }
    }
  }
  return OkStatus();
}

std::string StepMetrics::Layout() const {
  std::string out;
  for (const Entry& e : entries_) {
    if (!out.empty()) out += ',';
    out += e.name;
    out += ':';
    out += KindName(e.kind);
  }
  return out;
}

double StepMetrics::Final(const Entry& e) {
  switch (e.kind) {
    case Reduce::kMean:
      return e.b != 0 ? e.a / e.b : kNaN;
    case Reduce::kStd: {
      if (e.c == 0) return kNaN;
      const double mean = e.a / e.c;
      // Σv² / n − mean² can dip below 0 by rounding when all values agree.
      return std::sqrt(std::max(0.0, e.b / e.c - mean * mean));
    }
    case Reduce::kSum:
    case Reduce::kSame:
      return e.a;
    case Reduce::kMax:
    case Reduce::kMin:
      return std::isinf(e.a) ? kNaN : e.a;
  }
  return kNaN;
}

double StepMetrics::Value(std::string_view name) const {
  const Entry* e = Find(name);
  return e ? Final(*e) : kNaN;
}

bool StepMetrics::Has(std::string_view name) const { return Find(name) != nullptr; }

std::vector<std::pair<std::string, double>> StepMetrics::Values() const {
  std::vector<std::pair<std::string, double>> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.emplace_back(e.name, Final(e));
  return out;
}

}  // namespace swerl::train::metrics
