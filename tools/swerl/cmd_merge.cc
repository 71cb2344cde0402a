// swerl merge: the stores of sharded workers (each a copy of one base store
// that ran the per-repository stages with --shard K/N) united into one. The
// pass is store::MergeStores (lib/swerl/store/merge.h); this file holds its
// flags, the progress line and the summary.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "swerl/store/merge.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct MergeFlags {
  std::string db;
  std::vector<std::string> inputs;
  size_t batch = 10000;
};

class MergeReporter : public store::MergeObserver {
 public:
  explicit MergeReporter(bool progress) : progress_(progress, [this] { return Render(); }) {}
  void OnProgress(const store::MergeProgress& progress) override {
    last_ = progress;
    progress_.Tick();
  }
  void Done() { progress_.Done(); }

 private:
  std::string Render() const {
    return "input " + std::to_string(last_.input + 1) + "/" + std::to_string(last_.inputs) + ", " +
           last_.table + ": " + cli::WithCommas(last_.rows) + " rows";
  }
  store::MergeProgress last_;
  cli::Progress progress_;
};

// "12.3/s" for a count over a duration; "-" when the duration is 0.
std::string Rate(uint64_t n, double seconds) {
  if (seconds <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f/s", static_cast<double>(n) / seconds);
  return buf;
}

int RunMerge(const MergeFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "merge");
  auto& log = cli::Log::Get();
  if (!cli::DistinctFiles(cli::NamedPaths("input", flags.inputs), {{"--db", flags.db}})) {
    return cli::kExitError;
  }
  // Every input is checked (a store, one schema version, disjoint shards)
  // before the output is created, so a typo leaves no empty store behind.
  if (Status st = store::CheckMergeInputs(flags.inputs); !st) {
    log.Error(st.error().message());
    return cli::kExitError;
  }
  auto out = OpenStoreOrLog(flags.db, db::Db::Mode::kCreate);
  if (!out) return cli::kExitError;
  store::MergeOptions options;
  options.inputs = flags.inputs;
  options.batch_rows = flags.batch;
  MergeReporter reporter(cli::ProgressEnabled(ctx.progress));
  auto result = store::MergeStores(&*out, options, &reporter);
  reporter.Done();
  if (!result) {
    log.Error(result.error().message());
    return cli::kExitError;
  }
  uint64_t added = 0, same = 0, others = 0;
  for (const store::MergeTableCounts& t : result->tables) {
    added += t.added;
    same += t.same;
    others += t.others;
  }
  const double seconds = std::chrono::duration<double>(result->elapsed).count();
  const store::MergeTableCounts instances = result->Counts("instances");
  const store::MergeTableCounts blobs = result->Counts("blobs");
  log.Summary(cli::WithCommas(result->inputs) + " stores merged into " + flags.db + ": " +
              cli::WithCommas(instances.added) + " instances (" + Rate(instances.added, seconds) +
              "), " + cli::WithCommas(blobs.added) + " blobs (" + Rate(blobs.added, seconds) +
              ") and " + cli::WithCommas(added) + " rows in all added, " + cli::WithCommas(same) +
              " already there, " + cli::WithCommas(others) +
              " left to the input whose shard holds them, in " + Seconds(result->elapsed));
  if (ctx.json) {
    cli::JsonSummary summary;
    summary.Add("inputs", static_cast<uint64_t>(result->inputs))
        .Add("added", added)
        .Add("same", same)
        .Add("others", others);
    json::JsonWriter& w = summary.writer();
    w.Key("tables");
    w.BeginObject();
    for (const store::MergeTableCounts& t : result->tables) {
      w.Key(t.table);
      w.BeginObject();
      w.Key("added");
      w.Uint(t.added);
      w.Key("same");
      w.Uint(t.same);
      w.Key("others");
      w.Uint(t.others);
      w.EndObject();
    }
    w.EndObject();
    summary.Add("seconds", seconds).Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterMerge(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd = root.add_subcommand(
      "merge",
      "Unite stores that ran the per-repository stages with --shard K/N, each on its own copy "
      "of one base store, into one store: instances, blobs (once per id), relevant files, "
      "clone outcomes, filter decisions and the rest (schemas/store.md, \"Many machines\"). "
      "Idempotent; inputs are only read");
  cmd->add_option("--db", flags->db,
                  "The merged store: a new file, or one an earlier run of this merge wrote")
      ->required();
  cmd->add_option("inputs", flags->inputs, "The stores to merge (each opened read-only)")
      ->required();
  cmd->add_option("--batch", flags->batch, "Rows written per transaction of the merged store")
      ->capture_default_str()
      ->check(cli::AtLeast(1));
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Rows of a repository come from the input whose worker_shards holds its shard (that "
      "input is authoritative for it); every other row must be equal in all inputs, blobs "
      "equal by contents. Refused before anything is written: an input that is not a store, "
      "inputs of different schema versions, two inputs whose shards overlap. A key whose rows "
      "differ stops the merge naming the table, the key, the input and the column. A killed "
      "merge keeps the committed transactions (an instance only after its files and blobs) "
      "and a rerun completes it; rerunning a finished merge changes nothing. Run the steps "
      "that need all seeds at once (license, filter's dedup, export) on the merged store. "
      "Exit status: 0 on success; 2 on usage, refused inputs, differing rows, database or I/O "
      "errors.");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunMerge(*flags, ctx); }; });
}

}  // namespace swerl::tools
