// Gzip decoding throughput of the two backends on the real fixture (gzip -9),
// in decompressed bytes per second.
#include <benchmark/benchmark.h>

#include "fixture.h"
#include "swerl/io/gzip.h"

namespace swerl::bench {
namespace {

void BM_GzipDecode(benchmark::State& state) {
  const auto backend = static_cast<io::GzipBackend>(state.range(0));
  const std::string gz = io::GzipCompress(FixtureText(), 9);
  for (auto _ : state) {
    auto in = io::GzipInput(io::StringInput(gz), backend);
    auto n = io::DrainCount(*in);
    if (!n || *n != FixtureText().size()) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * FixtureText().size()));
  state.SetLabel(backend == io::GzipBackend::kIsal ? "isa-l" : "zlib");
}
BENCHMARK(BM_GzipDecode)
    ->Arg(static_cast<int>(io::GzipBackend::kIsal))
    ->Arg(static_cast<int>(io::GzipBackend::kZlib));

}  // namespace
}  // namespace swerl::bench
