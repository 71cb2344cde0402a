// MapLines: an NDJSON-style tool's loop. Reads an input stream in chunks of
// whole lines, maps the lines in parallel (oneTBB), and hands the results
// to a serial consumer in input order, so the output never depends on the
// thread count. Used by `swerl reward` and `swerl-train tokenize`.
#pragma once

#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/io/input.h"
#include "swerl/io/line_chunker.h"
#include "swerl/io/output.h"

namespace swerl::io {

struct LineMapOptions {
  size_t chunk_bytes = 1 << 20;             // bytes read per chunk (smaller: more parallelism)
  size_t max_line_bytes = size_t{1} << 30;  // longer lines are reported oversized
  size_t in_flight = 4;                     // chunks in the pipeline at once (2 per thread)
};

// Calls map(line, &result) in parallel for every line that is not blank
// (only spaces and tabs), with its LF and a CR before it removed; the bytes
// after `line` stay readable up to kChunkPadding past the chunk (simdjson
// may parse in place). Then calls emit(line_no, result, oversized) for the
// same lines (and for lines over max_line_bytes, with oversized true and
// a default R) one at a time in input order; line_no is 1-based. The first
// error emit returns, or the stream's, stops the pass and is returned.
// R must be default-constructible and movable.
template <class R>
Status MapLines(InputStream* in, const LineMapOptions& opt,
                const std::function<void(std::string_view line, R* result)>& map,
                const std::function<Status(uint64_t line_no, R& result, bool oversized)>& emit) {
  struct Batch {
    LineChunk chunk;
    std::vector<R> results;
    std::vector<char> mapped;  // 1: the line was mapped (not blank or oversized)
  };
  LineChunker chunker(in, opt.chunk_bytes, opt.max_line_bytes);
  std::optional<Error> failure;
  bool done = false;
  std::vector<Batch> pool(std::max<size_t>(opt.in_flight, 1));
  std::vector<Batch*> free_list;
  for (Batch& b : pool) free_list.push_back(&b);

  auto read_stage = [&](tbb::flow_control& fc) -> Batch* {
    if (done || failure) {
      fc.stop();
      return nullptr;
    }
    Batch* batch = free_list.back();
    free_list.pop_back();
    auto more = chunker.Next(&batch->chunk);
    if (!more || !*more) {
      if (!more) failure.emplace(std::move(more).error());
      done = true;
      free_list.push_back(batch);
      fc.stop();
      return nullptr;
    }
    return batch;
  };
  auto map_stage = [&](Batch* batch) -> Batch* {
    const LineChunk& c = batch->chunk;
    batch->results.assign(c.line_count, R{});
    batch->mapped.assign(c.line_count, 0);
    tbb::parallel_for(size_t{0}, static_cast<size_t>(c.line_count), [&](size_t k) {
      const size_t begin = k ? c.line_ends[k - 1] : 0;
      std::string_view line(c.bytes.data() + begin, c.line_ends[k] - begin);
      if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) return;  // blank
      map(line, &batch->results[k]);
      batch->mapped[k] = 1;
    });
    return batch;
  };
  auto emit_stage = [&](Batch* batch) {
    const LineChunk& c = batch->chunk;
    for (size_t k = 0; k < c.line_count && !failure; ++k) {
      const uint64_t line_no = c.first_line + k;
      const bool oversized =
          std::binary_search(c.oversized_lines.begin(), c.oversized_lines.end(), line_no);
      if (!batch->mapped[k] && !oversized) continue;
      if (Status st = emit(line_no, batch->results[k], oversized); !st) {
        failure.emplace(std::move(st).error());
      }
    }
    free_list.push_back(batch);
  };
  tbb::parallel_pipeline(
      pool.size(),
      tbb::make_filter<void, Batch*>(tbb::filter_mode::serial_in_order, read_stage) &
          tbb::make_filter<Batch*, Batch*>(tbb::filter_mode::parallel, map_stage) &
          tbb::make_filter<Batch*, void>(tbb::filter_mode::serial_in_order, emit_stage));
  if (failure) return std::move(*failure);
  return OkStatus();
}

// The input loop of such a tool: calls each(stream) for every path in order
// (OpenInput: a file, gzip or not, or "-" for stdin) and stops at the first
// error. That error gets "reading 'PATH'" unless it is a cancellation (a
// closed pipe) or bad input (which names its line already). Then flushes
// *out, unless cancelled; a flush error is returned when nothing failed
// before it.
Status MapInputs(const std::vector<std::string>& paths, BufferedOutput* out,
                 const std::function<Status(InputStream* in)>& each);

}  // namespace swerl::io
