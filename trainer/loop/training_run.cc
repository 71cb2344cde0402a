#include "trainer/loop/training_run.h"

#include <ATen/Parallel.h>
#include <simdjson.h>

#include <bit>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "swerl/io/atomic_file.h"
#include "swerl/json/json_writer.h"
#include "swerl/shard/shard.h"
#include "swerl/shard/shard_set.h"
#include "trainer/checkpoint/checkpoint.h"
#include "trainer/dist/launch_env.h"
#include "trainer/metrics/keys.h"
#include "trainer/model/loader.h"
#include "trainer/optim/zero_adamw.h"

namespace swerl::train {
namespace {

namespace fs = std::filesystem;

// The optimizer state as checkpoint tensors: "<param>.exp_avg", ... plus
// the step count as a rank-0 int64 tensor "step".
NamedTensors ToTensors(const OptimizerState& state) {
  NamedTensors out;
  for (const auto& [name, t] : state.tensors) out.emplace(name, t);
  out.emplace("step", torch::tensor(state.step, torch::kInt64).reshape({}));
  return out;
}

Result<OptimizerState> FromTensors(NamedTensors tensors, const std::string& label) {
  OptimizerState state;
  auto step = tensors.find("step");
  if (step == tensors.end() || step->second.numel() != 1) {
    return Error(Code::kCorrupt, "'" + label + "' has no optimizer step");
  }
  state.step = step->second.item<int64_t>();
  tensors.erase(step);
  for (auto& [name, t] : tensors) state.tensors.emplace_back(name, std::move(t));
  return state;
}

Result<std::string> ReadText(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Error(Code::kNotFound, "cannot read '" + path.string() + "': " + ec.message());
  std::string text(size, '\0');
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Error(Code::kIo, "cannot open '" + path.string() + "'");
  const size_t n = std::fread(text.data(), 1, size, f);
  std::fclose(f);
  if (n != size) return Error(Code::kIo, "short read of '" + path.string() + "'");
  return text;
}

// RUN/shards.txt: the shard files a run trains on (globs expanded), one
// "PATH<TAB>SEEDS" line each. A new run writes it; a resumed one must read
// the same shards, or its cursor would draw other seeds. Runs from before
// the file existed resume without the check.
Status CheckRunShards(const std::string& run_dir, const shard::ShardSet& shards,
                      const std::vector<std::string>& paths, bool resume) {
  std::vector<size_t> counts(paths.size(), 0);
  for (const shard::SeedRef& ref : shards.refs()) {
    ++counts[static_cast<uint64_t>(ref.seed_id) >> shard::ShardSet::kShardIdBits];
  }
  std::string listing;
  for (size_t k = 0; k < paths.size(); ++k) {
    listing += paths[k] + "\t" + std::to_string(counts[k]) + "\n";
  }
  const fs::path file = fs::path(run_dir) / "shards.txt";
  std::error_code ec;
  if (resume && fs::exists(file, ec)) {
    SWERL_ASSIGN_OR_RETURN(std::string saved, ReadText(file));
    if (saved != listing) {
      return Error(Code::kInvalidInput,
                   "the shards of --seeds are not the ones this run started with (" +
                       file.string() + " lists them with their seed counts): a resumed run must "
                       "draw from the same seeds\nstarted with:\n" + saved + "now:\n" + listing);
    }
    return OkStatus();
  }
  return io::WriteFileAtomically(file.string(), listing);
}

// Under --zero 1 each rank's optimizer part: "optimizer-rank00001-of-00004.safetensors".
std::string OptimizerPartName(int rank, int world) {
  char name[64];
  std::snprintf(name, sizeof name, "optimizer-rank%05d-of-%05d.safetensors", rank, world);
  return name;
}

// The whole optimizer state of a checkpoint: optimizer.safetensors, or the
// parts every rank of a --zero 1 run wrote (any world size), joined.
Result<OptimizerState> ReadOptimizerState(
    const fs::path& dir, const std::map<std::string, std::vector<int64_t>>& shapes) {
  const fs::path whole = dir / "optimizer.safetensors";
  std::error_code ec;
  if (fs::exists(whole, ec)) {
    SWERL_ASSIGN_OR_RETURN(NamedTensors tensors, ReadTensorFile(whole.string()));
    return FromTensors(std::move(tensors), whole.string());
  }
  int world = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    int r = 0, w = 0;
    const std::string name = entry.path().filename().string();
    if (std::sscanf(name.c_str(), "optimizer-rank%d-of-%d.safetensors", &r, &w) == 2) world = w;
  }
  if (world <= 0) {
    return Error(Code::kCorrupt, "checkpoint '" + dir.string() + "' has no optimizer state");
  }
  std::vector<OptimizerState> parts;
  for (int r = 0; r < world; ++r) {
    const fs::path part = dir / OptimizerPartName(r, world);
    if (!fs::exists(part, ec)) {
      return Error(Code::kCorrupt, "checkpoint '" + dir.string() + "' lacks '" +
                                       part.filename().string() + "' (written by rank " +
                                       std::to_string(r) + " of " + std::to_string(world) + ")");
    }
    SWERL_ASSIGN_OR_RETURN(NamedTensors tensors, ReadTensorFile(part.string()));
    SWERL_ASSIGN_OR_RETURN(OptimizerState state, FromTensors(std::move(tensors), part.string()));
    parts.push_back(std::move(state));
  }
  auto merged = MergeStatePieces(parts, shapes);
  if (!merged) return std::move(merged).error().With("checkpoint '" + dir.string() + "'");
  return merged;
}

// Equal on every rank that loaded the same weights (the same ops in the
// same order on the same values).
uint64_t WeightsFingerprint(Transformer& model) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  int64_t i = 0;
  for (const auto& p : model.parameters()) {
    sum += static_cast<double>(++i) * p.to(torch::kFloat64).sum().item<double>();
  }
  return std::bit_cast<uint64_t>(sum);
}

}  // namespace

std::string TrainerStateJson(const TrainerState& s) {
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();
  w.Key("command");
  w.String(s.command);
  w.Key("step");
  w.Int(s.step);
  w.Key("cursor");
  w.Int(static_cast<int64_t>(s.cursor));
  w.Key("seed");
  w.String(std::to_string(s.seed));  // a uint64 does not fit JSON's doubles
  w.EndObject();
  out += '\n';
  return out;
}

Result<TrainerState> ParseTrainerState(std::string_view json, const std::string& label) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  TrainerState s;
  std::string_view command, seed;
  int64_t step = 0, cursor = 0;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS ||
      root["command"].get(command) != simdjson::SUCCESS ||
      root["step"].get(step) != simdjson::SUCCESS ||
      root["cursor"].get(cursor) != simdjson::SUCCESS ||
      root["seed"].get(seed) != simdjson::SUCCESS) {
    return Error(Code::kCorrupt,
                 "'" + label + "' is not a trainer state (command, step, cursor, seed)");
  }
  s.command = command;
  s.step = step;
  s.cursor = static_cast<uint64_t>(cursor);
  s.seed = std::stoull(std::string(seed));
  return s;
}

int64_t TrainingRun::pad_id() const {
  if (auto id = tokenizer_->pad_id()) return *id;
  return 0;  // pad columns are never attended to; any id will do
}

Result<std::unique_ptr<TrainingRun>> TrainingRun::Start(const TrainOptions& options,
                                                        const std::string& command,
                                                        const std::string& config_toml,
                                                        bool with_reference) {
  std::unique_ptr<TrainingRun> run(new TrainingRun());
  run->options_ = options;
  run->command_ = command;
  if (options.seeds.empty()) return Error(Code::kInvalidInput, "--seeds is required");
  if (options.model.empty()) return Error(Code::kInvalidInput, "--model is required");
  if (options.out.empty() && options.resume.empty()) {
    return Error(Code::kInvalidInput, "give --out RUN (a new run) or --resume RUN");
  }
  if (options.torch_threads > 0) at::set_num_threads(options.torch_threads);
  SWERL_ASSIGN_OR_RETURN(run->placement_, ParsePlacement(options.device, options.dtype));
  run->run_dir_ = options.resume.empty() ? options.out : options.resume;
  const std::string& run_dir = run->run_dir_;

  // Data parallel when a launcher says so; each rank on its local GPU.
  SWERL_ASSIGN_OR_RETURN(run->launch_, dist::ReadLaunchEnv());
  if (options.zero != 0 && options.zero != 1) {
    return Error(Code::kInvalidInput, "--zero " + std::to_string(options.zero) + " (0 or 1)");
  }
  if (run->launch_.distributed()) {
    if (run->placement_.device.is_cuda() &&
        (options.device == "auto" || options.device == "cuda")) {
      run->placement_.device = torch::Device(torch::kCUDA, run->launch_.local_rank);
    }
    SWERL_ASSIGN_OR_RETURN(dist::BackendKind kind,
                           dist::ParseBackend(options.backend, run->placement_.device));
    if (!(options.dist_timeout > 0)) {
      return Error(Code::kInvalidInput, "--dist-timeout must be positive");
    }
    dist::CommOptions co;
    co.backend = kind;
    co.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.dist_timeout * 1000));
    co.device =
        kind == dist::BackendKind::kNccl ? run->placement_.device : torch::Device(torch::kCPU);
    SWERL_ASSIGN_OR_RETURN(run->comm_, dist::Comm::Connect(run->launch_, co));
  }
  const bool main = run->main_rank();

  // The run directory (rank 0): a new run must not overwrite an old one's results.
  std::error_code ec;
  std::optional<std::string> latest;
  Status setup = OkStatus();
  if (main) {
    setup = [&]() -> Status {
      if (options.resume.empty()) {
        SWERL_ASSIGN_OR_RETURN(auto found, LatestCheckpoint(run_dir));
        if (found || fs::exists(fs::path(run_dir) / "metrics.jsonl", ec)) {
          return Error(Code::kInvalidInput, "'" + run_dir +
                                                "' already holds a run: continue it with "
                                                "--resume " +
                                                run_dir + ", or give a new --out");
        }
        fs::create_directories(run_dir, ec);
        if (ec || !fs::is_directory(run_dir)) {
          return Error(Code::kIo, "cannot create the run directory '" + run_dir +
                                      "': " + (ec ? ec.message() : "not a directory"));
        }
      } else if (!fs::is_directory(run_dir, ec)) {
        return Error(Code::kNotFound, "--resume '" + run_dir + "' is not a run directory");
      }
      if (Status st =
              io::WriteFileAtomically((fs::path(run_dir) / "config.toml").string(), config_toml);
          !st) {
        return std::move(st).error().With("the run directory '" + run_dir + "'");
      }
      return OkStatus();
    }();
  }
  if (run->comm_) {
    SWERL_ASSIGN_OR_RETURN(bool ok, run->comm_->AllOk(static_cast<bool>(setup), "run set-up"));
    if (setup && !ok) {
      return Error(Code::kInvalidInput, "rank 0 could not set up the run directory '" + run_dir +
                                            "' (its message says why)");
    }
  }
  if (!setup) return std::move(setup).error();
  if (!options.resume.empty()) {
    SWERL_ASSIGN_OR_RETURN(latest, LatestCheckpoint(run_dir));
  }

  // Weights: the latest checkpoint, else the starting model.
  TrainerState state{command, 0, 0, options.seed};
  run->model_dir_ = latest ? *latest : options.model;
  if (latest) {
    SWERL_ASSIGN_OR_RETURN(std::string text, ReadText(fs::path(*latest) / "trainer_state.json"));
    SWERL_ASSIGN_OR_RETURN(state, ParseTrainerState(text, *latest + "/trainer_state.json"));
    if (state.command != command) {
      return Error(Code::kInvalidInput, "'" + *latest + "' is a checkpoint of swerl-train " +
                                            state.command + ", not " + command);
    }
    run->resumed_from_ = *latest;
  }
  run->start_step_ = state.step;
  const std::string tok_path = !options.tokenizer.empty() ? options.tokenizer : options.model;
  SWERL_ASSIGN_OR_RETURN(tok::Tokenizer tokenizer, tok::Tokenizer::Load(tok_path));
  run->tokenizer_ = std::move(tokenizer);
  SWERL_ASSIGN_OR_RETURN(run->policy_,
                         LoadModel(run->model_dir_, run->placement_.device, run->placement_.dtype));
  const int64_t rows = run->policy_->config().vocab_size;
  if (rows < run->tokenizer_->vocab_size()) {
    return Error(Code::kInvalidInput, "model '" + run->model_dir_ + "' has " +
                                          std::to_string(rows) +
                                          " embedding rows, fewer than the " +
                                          std::to_string(run->tokenizer_->vocab_size()) +
                                          " ids of tokenizer '" + tok_path + "'");
  }
  if (with_reference) {
    // The reference is the starting model, also after a resume.
    SWERL_ASSIGN_OR_RETURN(run->reference_,
                           LoadModel(options.model, run->placement_.device, run->placement_.dtype));
    run->reference_->eval();
    for (auto& p : run->reference_->parameters()) p.set_requires_grad(false);
  }

  AdamWOptions adam;
  adam.beta1 = options.adam_beta1;
  adam.beta2 = options.adam_beta2;
  adam.eps = options.adam_eps;
  adam.weight_decay = options.weight_decay;
  std::vector<NamedTensor> params;
  for (const auto& item : run->policy_->named_parameters())
    params.emplace_back(item.key(), item.value());
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& [name, p] : params) shapes[name] = p.sizes().vec();
  if (run->comm_) {
    dist::GradSyncOptions gs;
    gs.bucket_bytes = static_cast<int64_t>(options.bucket_mb * (1 << 20));
    gs.zero = options.zero == 1;
    run->sync_ = std::make_unique<dist::GradientSync>(*run->comm_, params, gs);
  }
  if (run->sync_ && options.zero == 1) {
    run->optimizer_ = std::make_unique<ZeroAdamW>(*run->sync_, *run->comm_, adam);
  } else {
    run->optimizer_ = std::make_unique<AdamW>(std::move(params), adam);
  }
  if (latest) {
    SWERL_ASSIGN_OR_RETURN(OptimizerState opt, ReadOptimizerState(*latest, shapes));
    if (Status st = run->optimizer_->ImportState(opt); !st) {
      return std::move(st).error().With("the optimizer state of '" + *latest + "'");
    }
  }

  SWERL_ASSIGN_OR_RETURN(std::vector<std::string> shard_paths,
                         shard::ExpandShardPatterns(options.seeds));
  SWERL_ASSIGN_OR_RETURN(shard::ShardSet shards, shard::ShardSet::Open(shard_paths));
  Status same_shards = OkStatus();
  if (main) same_shards = CheckRunShards(run_dir, shards, shard_paths, !options.resume.empty());
  if (run->comm_) {
    SWERL_ASSIGN_OR_RETURN(bool ok, run->comm_->AllOk(static_cast<bool>(same_shards), "shards"));
    if (same_shards && !ok) {
      return Error(Code::kInvalidInput, "rank 0 refused the shards of --seeds (its message says why)");
    }
  }
  SWERL_RETURN_IF_ERROR(same_shards);
  SWERL_ASSIGN_OR_RETURN(ChatPrompt chat,
                         ChatPrompt::Create(*run->tokenizer_, shards.system_prompt()));
  SeedStreamOptions so;
  so.split = shard::Split::kTrain;
  so.eval_fraction = options.eval_fraction;
  so.seed = state.seed;
  so.max_prompt_tokens = options.max_prompt_tokens;
  SWERL_ASSIGN_OR_RETURN(SeedStream stream, SeedStream::Open(std::move(shards), std::move(chat), so));
  stream.Seek(state.cursor);
  run->stream_.emplace(std::move(stream));

  run->schedule_.lr = options.lr;
  run->schedule_.warmup = options.warmup;
  SWERL_ASSIGN_OR_RETURN(run->schedule_.kind, ParseScheduleKind(options.schedule));
  run->schedule_.total_steps = options.steps;
  run->schedule_.min_lr = options.min_lr;
  SWERL_RETURN_IF_ERROR(run->schedule_.Validate());

  if (run->comm_) {
    // Every rank must start from the same settings, weights and seeds.
    SWERL_RETURN_IF_ERROR(
        run->comm_->ExpectSame(std::hash<std::string>{}(config_toml), "the configuration"));
    SWERL_RETURN_IF_ERROR(run->comm_->ExpectSame(WeightsFingerprint(*run->policy_), "the weights"));
    SWERL_RETURN_IF_ERROR(run->comm_->ExpectSame(
        run->stream_->size() * 1000003u + run->stream_->cursor(), "the training seeds"));
  }

  if (main) {
    metrics::RunLogOptions log_options;
    log_options.tensorboard = options.tensorboard;
    SWERL_ASSIGN_OR_RETURN(
        metrics::RunLog log,
        metrics::RunLog::Open(
            run_dir, options.resume.empty() ? std::nullopt : std::optional<int64_t>(state.step),
            log_options));
    run->log_.emplace(std::move(log));
  }
  return run;
}

Status TrainingRun::SaveCheckpoint(int64_t step) {
  const OptimizerState state = optimizer_->ExportState();
  const NamedTensors opt = ToTensors(state);
  const bool parts = comm_ != nullptr && options_.zero == 1;
  CheckpointWrite w;
  w.step = step;
  w.model_dtype = placement_.dtype;
  w.tokenizer_dir = fs::is_directory(options_.tokenizer) ? options_.tokenizer
                    : options_.tokenizer.empty()         ? options_.model
                                                         : std::string();
  w.optimizer_state = parts ? nullptr : &opt;
  w.trainer_state_json = TrainerStateJson({command_, step, stream_->cursor(), options_.seed});
  w.keep_last = static_cast<int>(options_.keep_last);
  if (!comm_) return WriteTrainingCheckpoint(run_dir_, *policy_, w);

  // Every rank runs three agreements, whatever fails: (1) rank 0's files
  // are in the partial directory, (2) every rank's optimizer part is there
  // too, (3) rank 0 committed (DONE, rename). All ranks return one outcome.
  const std::string what = "checkpoint " + std::to_string(step);
  auto write_part = [&](const std::string& partial) -> Status {
    if (!parts) return OkStatus();
    return WriteTensorFile((fs::path(partial) / OptimizerPartName(rank(), world())).string(), opt);
  };
  if (main_rank()) {
    bool reached = false;
    w.before_done = [&](const std::string& partial) -> Status {
      reached = true;
      SWERL_RETURN_IF_ERROR(comm_->AllOk(true, what));
      Status mine = write_part(partial);
      SWERL_ASSIGN_OR_RETURN(bool all, comm_->AllOk(static_cast<bool>(mine), what));
      if (!mine) return mine;
      if (!all) {
        return Error(Code::kIo,
                     "another rank could not write its optimizer part (its message "
                     "says why)");
      }
      return OkStatus();
    };
    Status st = WriteTrainingCheckpoint(run_dir_, *policy_, w);
    if (!reached) {
      for (int i = 0; i < 2; ++i) SWERL_RETURN_IF_ERROR(comm_->AllOk(false, what));
    }
    SWERL_RETURN_IF_ERROR(comm_->AllOk(static_cast<bool>(st), what));
    return st;
  }
  SWERL_ASSIGN_OR_RETURN(bool ready, comm_->AllOk(true, what));
  Status mine = ready ? write_part(PartialCheckpointDir(run_dir_, step)) : OkStatus();
  SWERL_RETURN_IF_ERROR(comm_->AllOk(ready && static_cast<bool>(mine), what));
  SWERL_ASSIGN_OR_RETURN(bool committed, comm_->AllOk(true, what));
  if (!mine) return std::move(mine).error().With("writing " + what);
  if (!committed) {
    return Error(Code::kIo, "rank 0 could not complete " + what +
                                " (its message says why); the previous checkpoint is intact");
  }
  return OkStatus();
}

std::string TrainingRun::DescribeDistribution() const {
  if (!comm_) return "a single process";
  return dist::Describe(launch_) + ", " + std::string(dist::BackendName(comm_->backend())) +
         (options_.zero == 1 ? ", ZeRO-1" : "");
}

std::span<const DrawnSeed> TrainingRun::RankSeeds(const std::vector<DrawnSeed>& step_seeds) const {
  const shard::Slice s = shard::RankSlice(step_seeds.size(), rank(), world());
  return std::span<const DrawnSeed>(step_seeds).subspan(s.offset, s.length);
}

void TrainingRun::BeginStep(int64_t step) {
  if (comm_) {
    comm_->set_step(step);
    comm_bytes_at_step_ = comm_->bytes();
  }
  // Fault injection for the failure tests: SWERL_TEST_RANK_FAULT=R:S:kill
  // kills rank R as step S begins (SIGKILL, as a crashed node would);
  // R:S:hang:N makes it stop answering for N seconds first.
  if (const char* fault = std::getenv("SWERL_TEST_RANK_FAULT")) {
    int r = -1, seconds = 0;
    long long s = -1;
    char how[8] = {};
    const int n = std::sscanf(fault, "%d:%lld:%7[a-z]:%d", &r, &s, how, &seconds);
    if (n >= 3 && r == rank() && s == step) {
      if (std::string_view(how) == "kill") std::raise(SIGKILL);
      if (std::string_view(how) == "hang")
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
    }
  }
}

std::function<void()> TrainingRun::ArmHook() {
  if (!sync_) return nullptr;
  return [this] { sync_->Arm(); };
}

std::function<Status()> TrainingRun::ReduceGradientsHook() {
  if (!sync_) return nullptr;
  return [this] { return sync_->Finish(); };
}

namespace {

// Sums doubles over ranks in one all-reduce (float64 on the group's device).
Status SumOverRanks(dist::Comm& comm, std::vector<double*> values, std::string_view what) {
  std::vector<double> host;
  for (double* v : values) host.push_back(*v);
  torch::Tensor t = torch::tensor(host, torch::kFloat64).to(comm.device());
  SWERL_RETURN_IF_ERROR(comm.AllReduce(t, dist::Op::kSum, what));
  t = t.cpu();
  for (size_t i = 0; i < values.size(); ++i) *values[i] = t[static_cast<int64_t>(i)].item<double>();
  return OkStatus();
}

}  // namespace

std::function<Status(Normaliser*)> TrainingRun::NormaliserReducer() {
  if (!comm_) return nullptr;
  return [this](Normaliser* n) -> Status {
    return SumOverRanks(*comm_, {&n->tokens, &n->sequences}, "the step's token counts");
  };
}

std::function<Status(RewardMoments*)> TrainingRun::MomentsReducer() {
  if (!comm_) return nullptr;
  return [this](RewardMoments* m) -> Status {
    double count = static_cast<double>(m->count);
    SWERL_RETURN_IF_ERROR(SumOverRanks(*comm_, {&m->sum, &m->sum_sq, &count}, "reward moments"));
    m->count = static_cast<int64_t>(count);
    return OkStatus();
  };
}

Status TrainingRun::LogStep(int64_t step, metrics::StepMetrics& m) {
  if (comm_) {
    namespace key = metrics::key;
    m.AddMax(key::kCommBytes, static_cast<double>(comm_->bytes() - comm_bytes_at_step_));
    m.AddMax(key::kCommWaitS, sync_->TakeWaitSeconds());
    m.AddMin(key::kCommOverlapped, static_cast<double>(sync_->overlapped_buckets()));
    m.AddMax(key::kOptimizerMib, static_cast<double>(optimizer_->StateBytes()) / (1 << 20));
    SWERL_RETURN_IF_ERROR(
        comm_->ExpectSame(std::hash<std::string>{}(m.Layout()), "the step's metric names"));
    metrics::StepMetrics::Packed packed = m.Pack();
    const std::pair<std::vector<double>*, dist::Op> parts[] = {{&packed.sums, dist::Op::kSum},
                                                               {&packed.maxes, dist::Op::kMax},
                                                               {&packed.mins, dist::Op::kMin}};
    for (const auto& [values, op] : parts) {
      if (values->empty()) continue;
      torch::Tensor t = torch::tensor(*values, torch::kFloat64).to(comm_->device());
      SWERL_RETURN_IF_ERROR(comm_->AllReduce(t, op, "step metrics"));
      t = t.cpu().contiguous();
      std::copy(t.data_ptr<double>(), t.data_ptr<double>() + t.numel(), values->begin());
    }
    SWERL_RETURN_IF_ERROR(m.Unpack(packed));
  }
  if (!main_rank()) return OkStatus();
  return log_->LogStep(step, m);
}

Status TrainingRun::LogRollouts(int64_t step, const std::vector<metrics::RolloutSample>& samples) {
  if (!comm_) return log_->LogRollouts(step, samples);
  std::string lines;
  for (const auto& s : samples) metrics::AppendRolloutLine(step, s, &lines);
  SWERL_ASSIGN_OR_RETURN(std::vector<std::string> all, comm_->AllGatherBytes(lines, "rollouts"));
  if (!main_rank()) return OkStatus();
  std::string joined;
  for (const std::string& part : all) joined += part;
  return log_->LogRolloutLines(step, joined);
}

}  // namespace swerl::train
