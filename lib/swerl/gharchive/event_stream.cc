#include "swerl/gharchive/event_stream.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "swerl/core/check.h"
#include "swerl/gharchive/recent_ids.h"
#include "swerl/io/line_chunker.h"

namespace swerl::gharchive {
namespace {

// One work item: a chunk of lines from one file, or a file-level error that
// must be reported at this point of the input order.
struct Batch {
  size_t file_index = 0;
  io::LineChunk chunk;
  std::optional<Error> file_error;  // reported after this batch's lines
  bool file_opened = false;         // first batch of a newly opened file
  bool damaged = false;             // file_error is damage, not unreadability

  // Filled by the parallel stage.
  std::string out;
  std::vector<RecordSpan> spans;
  struct Diag {
    uint64_t line;
    std::optional<Error> error;  // set: skipped line; unset: repaired
    std::string repair;
    bool oversized = false;
  };
  std::vector<Diag> diags;
  uint64_t skipped_type = 0;
  uint64_t skipped_timeline = 0;

  void ResetOutputs() {
    out.clear();
    spans.clear();
    diags.clear();
    skipped_type = skipped_timeline = 0;
  }
};

// Produces batches in input order: opens files one after another and cuts
// them into chunks. Runs in the pipeline's serial first stage.
class Reader {
 public:
  Reader(const std::vector<std::string>& inputs, const EventStreamOptions& options)
      : inputs_(inputs), options_(options) {}

  // Fills *batch; false when all inputs are done.
  bool Next(Batch* batch) {
    batch->file_error.reset();
    batch->file_opened = false;
    batch->damaged = false;
    batch->chunk.size = 0;
    batch->chunk.line_count = 0;
    batch->chunk.line_ends.clear();
    batch->chunk.oversized_lines.clear();
    for (;;) {
      if (!chunker_) {
        if (next_file_ >= inputs_.size()) return false;
        batch->file_index = next_file_;
        auto in = io::OpenInput(inputs_[next_file_++], options_.gzip);
        if (!in) {
          batch->file_error.emplace(std::move(in).error());
          return true;
        }
        stream_ = std::move(*in);
        chunker_.emplace(stream_.get(), options_.chunk_bytes, options_.max_line_bytes);
        batch->file_opened = true;
      }
      batch->file_index = next_file_ - 1;
      auto more = chunker_->Next(&batch->chunk);
      if (!more) {
        Error e = std::move(more).error();
        if (e.code() == Code::kCorrupt && chunker_->partial_lost()) {
          e = Error(e.code(), e.message() + "; dropped the unfinished line after it (" +
                                  std::to_string(chunker_->partial_lost()) + " bytes)");
        }
        batch->damaged = e.code() == Code::kCorrupt;
        batch->file_error.emplace(std::move(e));
        Close();
        return true;
      }
      if (*more) return true;
      Close();
      if (batch->file_opened) return true;  // an empty file still counts as opened
    }
  }

 private:
  void Close() {
    chunker_.reset();
    stream_.reset();
  }

  const std::vector<std::string>& inputs_;
  const EventStreamOptions& options_;
  size_t next_file_ = 0;
  std::unique_ptr<io::InputStream> stream_;
  std::optional<io::LineChunker> chunker_;
};

// Hands out batches filled by a Reader, in input order, and takes them back
// once written. With `ahead`, a thread of its own fills them: decompression
// is the stream's one serial step, so it gets a core to itself and the
// pipeline's threads parse (TBB's pipeline would run the serial first stage
// only when a thread happens to be free, stalling it behind parsing).
// Without, the calling thread fills each batch on demand. Next and Release
// are thread-safe.
class BatchSource {
 public:
  BatchSource(Reader* reader, size_t count, bool ahead) : reader_(reader) {
    for (size_t i = 0; i < count; ++i) {
      batches_.push_back(std::make_unique<Batch>());
      free_.push_back(batches_.back().get());
    }
    if (ahead) thread_ = std::thread([this] { FillAhead(); });
  }
  ~BatchSource() {
    Cancel();
    if (thread_.joinable()) thread_.join();
  }

  // The next batch, or nullptr when the inputs are done (or after Cancel).
  // REQUIRES (without `ahead`): fewer than `count` batches held by callers.
  Batch* Next() {
    std::unique_lock lock(mu_);
    if (!thread_.joinable()) {
      if (done_ || cancelled_) return nullptr;
      SWERL_CHECK(!free_.empty());  // never drop input for want of a batch
      Batch* batch = free_.back();
      free_.pop_back();
      lock.unlock();
      if (reader_->Next(batch)) return batch;
      Release(batch);
      lock.lock();
      done_ = true;
      return nullptr;
    }
    cv_.wait(lock, [&] { return !ready_.empty() || done_ || cancelled_; });
    if (ready_.empty() || cancelled_) return nullptr;
    Batch* batch = ready_.front();
    ready_.pop_front();
    return batch;
  }

  void Release(Batch* batch) {
    std::lock_guard lock(mu_);
    free_.push_back(batch);
    cv_.notify_all();
  }

  // Stops filling; Next returns nullptr from now on.
  void Cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  void FillAhead() {
    for (;;) {
      Batch* batch;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !free_.empty() || cancelled_; });
        if (cancelled_) return;
        batch = free_.back();
        free_.pop_back();
      }
      const bool more = reader_->Next(batch);
      std::lock_guard lock(mu_);
      if (!more) {
        free_.push_back(batch);
        done_ = true;
      } else {
        ready_.push_back(batch);
      }
      cv_.notify_all();
      if (!more) return;
    }
  }

  Reader* reader_;
  std::vector<std::unique_ptr<Batch>> batches_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch*> free_;
  std::deque<Batch*> ready_;  // filled, in input order
  bool done_ = false, cancelled_ = false;
  std::thread thread_;  // last: started once the rest is set up
};

void NormalizeBatch(Normalizer& normalizer, size_t max_line_bytes, Batch* batch) {
  batch->ResetOutputs();
  const io::LineChunk& chunk = batch->chunk;
  const char* data = chunk.bytes.data();
  uint64_t line_no = chunk.first_line;
  auto oversized = chunk.oversized_lines.begin();
  size_t begin = 0;
  for (const size_t end : chunk.line_ends) {
    std::string_view line(data + begin, end - 1 - begin);  // without the '\n'
    begin = end;
    const uint64_t this_line = line_no++;
    if (oversized != chunk.oversized_lines.end() && *oversized == this_line) {
      ++oversized;
      batch->diags.push_back(
          {this_line,
           Error(Code::kInvalidInput,
                 "line longer than the line limit of " + std::to_string(max_line_bytes) + " bytes"),
           {},
           /*oversized=*/true});
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto result = normalizer.Normalize(line, &batch->out, &batch->spans);
    if (!result) {
      batch->diags.push_back({this_line, std::move(result).error(), {}});
      continue;
    }
    batch->skipped_type += result->skipped_type;
    batch->skipped_timeline += result->skipped_timeline;
    if (!result->repair.empty())
      batch->diags.push_back({this_line, std::nullopt, std::move(result->repair)});
  }
}

}  // namespace

Status RunEventStream(const std::vector<std::string>& inputs, const EventStreamOptions& options,
                      RecordSink* sink, EventStreamReporter* reporter, EventStreamStats* stats) {
  *stats = EventStreamStats{};
  const int threads = std::max(1, options.threads);
  // With 2+ threads, one decompresses ahead (BatchSource) and the others
  // run the pipeline.
  const bool ahead = threads > 1;
  const int pipeline_threads = ahead ? threads - 1 : threads;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, pipeline_threads);

  const size_t tokens = static_cast<size_t>(pipeline_threads) * 2 + 1;
  const size_t batch_count = tokens + (ahead ? 2 : 0);  // 2 decoded ahead of the pipeline
  EventStreamOptions bounded = options;
  bounded.chunk_bytes = std::max<size_t>(
      1, std::min(options.chunk_bytes, std::max<size_t>((48 << 20) / batch_count, 256 << 10)));
  Reader reader(inputs, bounded);
  std::vector<std::string> names;  // for messages: "-" reads as <stdin>
  for (const auto& input : inputs) names.push_back(input == "-" ? "<stdin>" : input);
  RecentIds seen(options.dedup_window);
  tbb::enumerable_thread_specific<Normalizer> normalizers(options.types, options.strict);

  std::optional<Error> failure;  // written by the last (serial) stage only
  std::atomic<bool> stop{false};
  BatchSource source(&reader, batch_count, ahead);  // after all it uses: destroyed first

  auto read_stage = [&](tbb::flow_control& fc) -> Batch* {
    Batch* batch = stop.load(std::memory_order_relaxed) ? nullptr : source.Next();
    if (batch == nullptr) {
      source.Cancel();
      fc.stop();
    }
    return batch;
  };
  auto parse_stage = [&](Batch* batch) -> Batch* {
    if (batch && batch->chunk.size)
      NormalizeBatch(normalizers.local(), options.max_line_bytes, batch);
    else if (batch)
      batch->ResetOutputs();
    return batch;
  };
  auto write_stage = [&](Batch* batch) {
    if (!batch) return;
    const std::string& file = names[batch->file_index];
    if (!stop.load(std::memory_order_relaxed)) {
      if (batch->file_opened) ++stats->files;
      stats->lines += batch->chunk.line_count;
      stats->input_bytes += batch->chunk.size;
      stats->skipped_type += batch->skipped_type;
      stats->skipped_timeline += batch->skipped_timeline;
      for (const auto& d : batch->diags) {
        if (d.error) {
          ++(d.oversized ? stats->oversized : stats->malformed);
          reporter->LineError(file, d.line, *d.error);
        } else {
          ++stats->repaired;
          reporter->LineRepaired(file, d.line, d.repair);
        }
      }
      // Keep the first occurrence of each id, in input order; write runs of
      // kept records straight from the batch.
      size_t run_begin = 0, run_end = 0;
      auto flush_run = [&] {
        if (run_end > run_begin && !failure) {
          if (Status st =
                  sink->Write(std::string_view(batch->out).substr(run_begin, run_end - run_begin));
              !st) {
            failure.emplace(std::move(st).error());
            stop = true;
          }
        }
      };
      for (const RecordSpan& span : batch->spans) {
        if (!seen.Insert(span.id_key)) {
          ++stats->duplicates;
          continue;
        }
        ++stats->emitted;
        ++stats->per_type[static_cast<int>(span.type)];
        if (span.begin != run_end) {
          flush_run();
          run_begin = span.begin;
        }
        run_end = span.end;
      }
      flush_run();
      if (batch->file_error) {
        if (batch->damaged)
          ++stats->damaged_files;
        else
          ++stats->unreadable_files;
        reporter->FileError(file, *batch->file_error);
      }
      reporter->Progress(*stats);
      if (!failure && options.max_errors >= 0 &&
          stats->errors() > static_cast<uint64_t>(options.max_errors)) {
        failure.emplace(Code::kInvalidInput, "too many errors (" + std::to_string(stats->errors()) +
                                                 ", --max-errors " +
                                                 std::to_string(options.max_errors) + ")");
        stop = true;
      }
    }
    source.Release(batch);
  };

  tbb::parallel_pipeline(
      tokens, tbb::make_filter<void, Batch*>(tbb::filter_mode::serial_in_order, read_stage) &
                  tbb::make_filter<Batch*, Batch*>(tbb::filter_mode::parallel, parse_stage) &
                  tbb::make_filter<Batch*, void>(tbb::filter_mode::serial_in_order, write_stage));

  if (failure) return std::move(*failure);
  return OkStatus();
}

}  // namespace swerl::gharchive
