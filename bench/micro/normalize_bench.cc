// Normalizer throughput on the real fixture lines (one thread), in input
// bytes per second: the parse + normalize cost of `swerl events`.
#include <benchmark/benchmark.h>

#include <vector>

#include "fixture.h"
#include "swerl/gharchive/normalize.h"

namespace swerl::bench {
namespace {

void BM_Normalize(benchmark::State& state) {
  std::string padded = FixtureText();
  padded.append(64, '\0');
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < FixtureText().size();) {
    const size_t nl = padded.find('\n', start);
    lines.emplace_back(padded.data() + start, nl - start);
    start = nl + 1;
  }
  auto types = state.range(0) ? gharchive::TypeSet::Parse("all") : gharchive::TypeSet::Default();
  gharchive::Normalizer normalizer(*types);
  std::string out;
  std::vector<gharchive::RecordSpan> spans;
  for (auto _ : state) {
    out.clear();
    spans.clear();
    for (auto line : lines) {
      auto r = normalizer.Normalize(line, &out, &spans);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * FixtureText().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetLabel(state.range(0) ? "all types" : "default types");
}
BENCHMARK(BM_Normalize)->Arg(0)->Arg(1);

}  // namespace
}  // namespace swerl::bench
