// CommitInOrder: the write side of a pass whose workers compute outcomes
// (core/ordered_pipeline.h) and whose calling thread stores them: outcomes
// are written in job order inside transactions, committed whenever the
// workers have nothing more ready (so a slow job never holds finished ones
// uncommitted) and at least every kMaxUncommitted jobs, and reported only
// once their transaction has committed. A killed pass therefore loses at
// most the uncommitted batch, which its rerun redoes (swerl assemble,
// swerl relevant).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "swerl/core/ordered_pipeline.h"
#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::db {

inline constexpr size_t kMaxUncommitted = 64;

// For i = 0 .. n-1: takes job i's outcome from `pipe`, calls write(i, out)
// inside a transaction on `db`, and after that transaction commits calls
// committed(i, out) for each job it held, in order. `name(i)` names job i in
// errors. Errors: write's (returned as they are; the open transaction rolls
// back) or the commit's, "storing <name>: ...".
template <class Outcome>
Status CommitInOrder(Db* db, OrderedPipeline<Outcome>& pipe, size_t n,
                     const std::function<Status(size_t, Outcome&)>& write,
                     const std::function<void(size_t, Outcome&)>& committed,
                     const std::function<std::string(size_t)>& name) {
  std::vector<std::pair<size_t, Outcome>> batch;
  std::optional<Txn> txn;
  for (size_t i = 0; i < n; ++i) {
    bool more_ready;
    Outcome out = pipe.Take(i, &more_ready);
    if (!txn) {
      SWERL_ASSIGN_OR_RETURN(Txn t, Txn::Begin(db));
      txn.emplace(std::move(t));
    }
    SWERL_RETURN_IF_ERROR(write(i, out));
    batch.emplace_back(i, std::move(out));
    if (more_ready && batch.size() < kMaxUncommitted && i + 1 < n) continue;
    if (Status c = txn->Commit(); !c) return std::move(c).error().With("storing " + name(i));
    txn.reset();
    for (auto& [k, done] : batch) committed(k, done);
    batch.clear();
  }
  return OkStatus();
}

}  // namespace swerl::db
