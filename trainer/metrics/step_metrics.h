// StepMetrics: one training step's scalar metrics, name -> value in the
// order names were first added. Values are kept as partial sums until
// read, so the record of one micro-batch, or of one rank, merges with
// others (Merge) or reduces across ranks in three all-reduces (Pack /
// Unpack: SUM, MAX, MIN over flat double buffers) before rank 0 writes it.
// Means are weighted by whatever the caller passes (tokens or samples).
// No LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::train::metrics {

// How a metric's partial values combine (within a rank and across ranks).
enum class Reduce : uint8_t {
  kMean,  // Σ weight·value / Σ weight (NaN when Σ weight = 0)
  kStd,   // population standard deviation of every value added (NaN when none)
  kSum,
  kMax,  // NaN when nothing was added
  kMin,
  kSame,  // one value shared by every rank (a learning rate); ranks must agree
};

// Thread-compatible value type.
class StepMetrics {
 public:
  // Accumulators. The first call for a name fixes its kind and its place in
  // the order; calling another kind's accumulator for that name later is a
  // programmer error (SWERL_CHECK).
  void AddMean(std::string_view name, double value, double weight = 1);
  // The same with the weighted sum given: adds Σ weight·value and Σ weight.
  void AddWeightedSum(std::string_view name, double weighted_sum, double weight);
  void AddStd(std::string_view name, double value);
  void AddSum(std::string_view name, double value);
  void AddMax(std::string_view name, double value);
  void AddMin(std::string_view name, double value);
  // Registers `name` with nothing added, fixing its kind and place: ranks
  // whose share of a step is empty still hold every name, in order.
  void Declare(std::string_view name, Reduce kind);
  // Sets a kSame value (overwrites).
  void Set(std::string_view name, double value);

  // Folds `other` in: kinds of shared names must match (SWERL_CHECK); names
  // new to this record are appended in other's order. For kSame, other's
  // value wins.
  void Merge(const StepMetrics& other);

  // Cross-rank reduction. Every rank must hold the same names, kinds and
  // order (Layout() equal): all-reduce `sums` with SUM, `maxes` with MAX and
  // `mins` with MIN, then Unpack the results on every rank.
  struct Packed {
    std::vector<double> sums, maxes, mins;
  };
  Packed Pack() const;
  // Errors: kInvalidInput when the buffers do not match this layout, or a
  // kSame value differed between ranks (its MAX and MIN disagree).
  Status Unpack(const Packed& reduced);
  // "name:kind,name:kind,...": compare across ranks before reducing.
  std::string Layout() const;

  // The final value of `name`; NaN when absent or empty.
  double Value(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Every metric's final value, in order.
  std::vector<std::pair<std::string, double>> Values() const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string name;
    Reduce kind;
    // kMean: a = Σ w·v, b = Σ w. kStd: a = Σ v, b = Σ v², c = n.
    // kSum: a. kMax / kMin: a (±inf when empty). kSame: a.
    double a, b, c;
  };
  Entry& Get(std::string_view name, Reduce kind);
  const Entry* Find(std::string_view name) const;
  static double Final(const Entry& e);

  std::vector<Entry> entries_;
};

}  // namespace swerl::train::metrics
