#include "trainer/loop/training_run.h"

#include <ATen/Parallel.h>
#include <simdjson.h>

#include <filesystem>

#include "swerl/io/atomic_file.h"
#include "swerl/json/json_writer.h"
#include "swerl/shard/shard.h"
#include "trainer/checkpoint/checkpoint.h"
#include "trainer/model/loader.h"

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

  // The run directory: a new run must not overwrite an old one's results.
  std::error_code ec;
  std::optional<std::string> latest;
  if (options.resume.empty()) {
    SWERL_ASSIGN_OR_RETURN(latest, LatestCheckpoint(run_dir));
    if (latest || fs::exists(fs::path(run_dir) / "metrics.jsonl", ec)) {
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
  } else {
    if (!fs::is_directory(run_dir, ec)) {
      return Error(Code::kNotFound, "--resume '" + run_dir + "' is not a run directory");
    }
    SWERL_ASSIGN_OR_RETURN(latest, LatestCheckpoint(run_dir));
  }
  if (Status st =
          io::WriteFileAtomically((fs::path(run_dir) / "config.toml").string(), config_toml);
      !st) {
    return std::move(st).error().With("the run directory '" + run_dir + "'");
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
  run->optimizer_ = std::make_unique<AdamW>(std::move(params), adam);
  if (latest) {
    const std::string path = (fs::path(*latest) / "optimizer.safetensors").string();
    SWERL_ASSIGN_OR_RETURN(NamedTensors tensors, ReadTensorFile(path));
    SWERL_ASSIGN_OR_RETURN(OptimizerState opt, FromTensors(std::move(tensors), path));
    if (Status st = run->optimizer_->ImportState(opt); !st) return std::move(st).error().With(path);
  }

  SWERL_ASSIGN_OR_RETURN(shard::ShardReader reader, shard::ShardReader::Open(options.seeds));
  SWERL_ASSIGN_OR_RETURN(std::string system, reader.Meta("system_prompt"));
  if (system.empty()) {
    return Error(Code::kCorrupt, "shard '" + options.seeds + "' has no system_prompt");
  }
  SWERL_ASSIGN_OR_RETURN(ChatPrompt chat, ChatPrompt::Create(*run->tokenizer_, system));
  SeedStreamOptions so;
  so.split = shard::Split::kTrain;
  so.eval_fraction = options.eval_fraction;
  so.seed = state.seed;
  so.max_prompt_tokens = options.max_prompt_tokens;
  SWERL_ASSIGN_OR_RETURN(SeedStream stream, SeedStream::Open(options.seeds, std::move(chat), so));
  stream.Seek(state.cursor);
  run->stream_.emplace(std::move(stream));

  run->schedule_.lr = options.lr;
  run->schedule_.warmup = options.warmup;
  SWERL_ASSIGN_OR_RETURN(run->schedule_.kind, ParseScheduleKind(options.schedule));
  run->schedule_.total_steps = options.steps;
  run->schedule_.min_lr = options.min_lr;
  SWERL_RETURN_IF_ERROR(run->schedule_.Validate());

  metrics::RunLogOptions log_options;
  log_options.tensorboard = options.tensorboard;
  SWERL_ASSIGN_OR_RETURN(
      metrics::RunLog log,
      metrics::RunLog::Open(
          run_dir, options.resume.empty() ? std::nullopt : std::optional<int64_t>(state.step),
          log_options));
  run->log_.emplace(std::move(log));
  return run;
}

Status TrainingRun::SaveCheckpoint(int64_t step) {
  const NamedTensors opt = ToTensors(optimizer_->ExportState());
  CheckpointWrite w;
  w.step = step;
  w.model_dtype = placement_.dtype;
  w.tokenizer_dir = fs::is_directory(options_.tokenizer) ? options_.tokenizer
                    : options_.tokenizer.empty()         ? options_.model
                                                         : std::string();
  w.optimizer_state = &opt;
  w.trainer_state_json = TrainerStateJson({command_, step, stream_->cursor(), options_.seed});
  w.keep_last = static_cast<int>(options_.keep_last);
  return WriteTrainingCheckpoint(run_dir_, *policy_, w);
}

}  // namespace swerl::train
