// OrderedPipeline: worker threads compute the outcomes of jobs 0..n-1 while
// the calling thread consumes them in job order. Workers take jobs in order
// and at most `window` ahead of the consumer, so memory stays bounded and
// what the consumer writes does not depend on the number of workers. Used by
// the passes that read git and write the store (assemble, relevant).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace swerl {

template <class Outcome>
class OrderedPipeline {
 public:
  // Computes one job's outcome on a worker thread.
  using Compute = std::function<Outcome(size_t job)>;

  // n_workers >= 1 threads, each with its own Compute from make_worker()
  // (called on that thread, so per-worker state such as an open repository
  // lives in the closure). The window is a few jobs per worker.
  OrderedPipeline(size_t n_jobs, size_t n_workers, const std::function<Compute()>& make_worker)
      : outcomes_(n_jobs), window_(4 * n_workers + 4) {
    for (size_t w = 0; w < n_workers; ++w) {
      threads_.emplace_back([this, make_worker] { Work(make_worker()); });
    }
  }

  // Stops the workers (a job in progress finishes) and joins them.
  ~OrderedPipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  OrderedPipeline(const OrderedPipeline&) = delete;
  OrderedPipeline& operator=(const OrderedPipeline&) = delete;

  // The outcome of job i, waiting for it. REQUIRES: called for i = 0, 1, ...
  // in order, each once. *next_ready: whether job i+1's outcome is ready too.
  Outcome Take(size_t i, bool* next_ready) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outcomes_[i].has_value(); });
    Outcome out = std::move(*outcomes_[i]);
    outcomes_[i].reset();
    consumed_ = i + 1;
    *next_ready = i + 1 < outcomes_.size() && outcomes_[i + 1].has_value();
    lock.unlock();
    cv_.notify_all();
    return out;
  }

 private:
  void Work(const Compute& compute) {
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] {
          return stop_ || next_ >= outcomes_.size() || next_ < consumed_ + window_;
        });
        if (stop_ || next_ >= outcomes_.size()) return;
        i = next_++;
      }
      Outcome out = compute(i);
      {
        std::lock_guard<std::mutex> lock(mu_);
        outcomes_[i].emplace(std::move(out));
      }
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;  // an outcome arrived, the consumer advanced, or stop
  std::vector<std::optional<Outcome>> outcomes_;
  const size_t window_;
  size_t next_ = 0;      // the next job a worker takes
  size_t consumed_ = 0;  // jobs the consumer has taken
  bool stop_ = false;
  std::vector<std::thread> threads_;  // last: started after the state above exists
};

}  // namespace swerl
