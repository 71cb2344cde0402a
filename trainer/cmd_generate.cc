// swerl-train generate: completions for NDJSON prompts with a checkpoint.
// Input lines are {"prompt": "text"} or {"ids": [1, 2, ...]} (an "id" value
// is echoed back); each output line is {"id"?, "ids", "text", "logprobs",
// "sample_logprobs", "finish_reason"} in input order. A bad input line is
// answered {"id"?, "error"} in its place and reported as a warning naming
// its file and line; the good lines are still answered (exit 0 unless
// --max-errors; docs/CLI.md).
#include <ATen/Parallel.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.h"
#include "swerl/io/input.h"
#include "swerl/io/line_chunker.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/device.h"
#include "trainer/generate/generator.h"
#include "trainer/model/loader.h"

namespace swerl::train {
namespace {

struct GenerateCliOptions {
  std::string model;
  std::string tokenizer;
  std::vector<std::string> inputs;
  bool greedy = false;
  int64_t max_new_tokens = 256;
  double temperature = 1.0;
  double top_p = 1.0;
  int64_t top_k = 0;
  uint64_t seed = 0;
  std::vector<std::string> stops;
  std::vector<int64_t> eos_ids;
  int64_t batch_size = 8;
  std::string device = "auto";
  std::string dtype = "auto";
  int torch_threads = 0;  // 0: LibTorch's default
  int64_t max_errors = -1;
  size_t max_line_bytes = size_t{1} << 30;
};

// One input line: a prompt, or why it cannot be one.
struct Request {
  std::string id_json;  // the raw "id" value, or empty
  std::vector<int32_t> ids;
  std::optional<std::string> error;  // set: a bad line, answered {"id"?, "error"}
};

// Parses one input line into *req (its id is kept even when the rest is
// bad). The kChunkPadding bytes after `line` must be readable. Errors:
// kInvalidInput.
Status ParseRequest(simdjson::dom::parser& parser, std::string_view line, const tok::Tokenizer& tok,
                    Request* req) {
  using simdjson::SUCCESS;
  simdjson::dom::element root;
  if (auto err = parser.parse(line.data(), line.size(), false).get(root); err != SUCCESS) {
    return Error(Code::kInvalidInput, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get(obj) != SUCCESS) return Error(Code::kInvalidInput, "not a JSON object");
  simdjson::dom::element id;
  if (obj["id"].get(id) == SUCCESS) req->id_json = simdjson::minify(id);
  std::string_view prompt;
  simdjson::dom::array ids;
  const bool has_prompt = obj["prompt"].get(prompt) == SUCCESS;
  const bool has_ids = obj["ids"].get(ids) == SUCCESS;
  if (has_prompt == has_ids) {
    return Error(Code::kInvalidInput,
                 "expected exactly one of \"prompt\" (a string) and \"ids\" (an array)");
  }
  if (has_prompt) {
    req->ids = tok.Encode(prompt, /*allow_special=*/true);
  } else {
    for (simdjson::dom::element e : ids) {
      int64_t v;
      if (e.get(v) != SUCCESS || v < 0 || v > INT32_MAX) {
        req->ids.clear();
        return Error(Code::kInvalidInput,
                     "\"ids\" must hold non-negative integers, got " + simdjson::minify(e));
      }
      req->ids.push_back(static_cast<int32_t>(v));
    }
  }
  if (req->ids.empty()) return Error(Code::kInvalidInput, "the prompt has no tokens");
  return OkStatus();
}

// The answer to a bad line: {"id"?, "error"}.
void AppendBadLine(const Request& req, std::string* out) {
  json::JsonWriter w(out);
  w.BeginObject();
  if (!req.id_json.empty()) {
    w.Key("id");
    w.Raw(req.id_json);
  }
  w.Key("error");
  w.String(*req.error);
  w.EndObject();
  out->push_back('\n');
}

// The eos_token_id of generation_config.json (int or list), if any.
std::vector<int64_t> GenerationConfigEos(const std::filesystem::path& dir) {
  std::ifstream in(dir / "generation_config.json", std::ios::binary);
  if (!in) return {};
  std::ostringstream buf;
  buf << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element root, eos;
  std::vector<int64_t> out;
  if (parser.parse(buf.str()).get(root) != simdjson::SUCCESS ||
      root["eos_token_id"].get(eos) != simdjson::SUCCESS) {
    return out;
  }
  int64_t v;
  if (eos.get(v) == simdjson::SUCCESS) out.push_back(v);
  if (eos.is_array()) {
    for (simdjson::dom::element e : eos.get_array()) {
      if (e.get(v) == simdjson::SUCCESS) out.push_back(v);
    }
  }
  return out;
}

// The completion's text: special tokens skipped, unassigned ids dropped,
// and for a stop-string finish cut before the first stop string.
std::string CompletionText(const tok::Tokenizer& tok, const Completion& c,
                           const std::vector<std::string>& stops) {
  std::vector<int32_t> known;
  for (int32_t id : c.ids) {
    if (tok.Token(id)) known.push_back(id);
  }
  auto text = tok.Decode(known, /*skip_special=*/true);
  std::string s = text ? *text : std::string();
  if (c.finish_reason == FinishReason::kStop) {
    size_t cut = std::string::npos;
    for (const auto& stop : stops) cut = std::min(cut, s.find(stop));
    if (cut != std::string::npos) s.resize(cut);
  }
  return s;
}

void AppendCompletion(const Request& req, const Completion& c, const std::string& text,
                      std::string* out) {
  json::JsonWriter w(out);
  w.BeginObject();
  if (!req.id_json.empty()) {
    w.Key("id");
    w.Raw(req.id_json);
  }
  w.Key("ids");
  w.BeginArray();
  for (int32_t id : c.ids) w.Int(id);
  w.EndArray();
  w.Key("text");
  w.String(text);
  w.Key("logprobs");
  w.BeginArray();
  for (float lp : c.logprobs) w.Double(lp);
  w.EndArray();
  w.Key("sample_logprobs");
  w.BeginArray();
  for (float lp : c.sample_logprobs) w.Double(lp);
  w.EndArray();
  w.Key("finish_reason");
  w.String(FinishReasonName(c.finish_reason));
  w.EndObject();
  out->push_back('\n');
}

int RunGenerate(const GenerateCliOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "generate");
  auto& log = cli::Log::Get();
  const auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::ExitCodeFor(e);
  };
  {
    // The same-file guard (README "Files"): stdout is the only output.
    std::vector<io::NamedPath> inputs = cli::NamedPaths("input", opt.inputs);
    if (opt.inputs.empty()) inputs.push_back({"input", "-"});
    inputs.push_back({"--model", opt.model});
    inputs.push_back({"--tokenizer", opt.tokenizer});
    if (!cli::DistinctFiles(inputs, {{"standard output", "-"}})) return cli::kExitError;
  }
  if (opt.inputs.empty() && ::isatty(0)) {
    return fail(Error(Code::kInvalidInput,
                      "no input: pipe NDJSON prompts to stdin or name files (see --help)"));
  }
  // The model directory first: every later message would name a file in it.
  std::error_code ec;
  if (!std::filesystem::is_directory(opt.model, ec)) {
    return fail(Error(Code::kNotFound,
                      "--model '" + opt.model + "': " +
                          (std::filesystem::exists(opt.model, ec)
                               ? "not a directory (give the checkpoint's directory, holding "
                                 "config.json and *.safetensors)"
                               : "no such directory")));
  }
  if (opt.torch_threads > 0) at::set_num_threads(opt.torch_threads);
  auto placement = ParsePlacement(opt.device, opt.dtype);
  if (!placement) return fail(placement.error());
  auto tokenizer = tok::Tokenizer::Load(opt.tokenizer.empty() ? opt.model : opt.tokenizer);
  if (!tokenizer) return fail(std::move(tokenizer).error().With("tokenizer"));
  const auto load_start = std::chrono::steady_clock::now();
  auto model = LoadModel(opt.model, placement->device, placement->dtype);
  if (!model) return fail(std::move(model).error().With("--model '" + opt.model + "'"));
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  GenerateOptions gen;
  gen.sampling.greedy = opt.greedy;
  gen.sampling.temperature = opt.temperature;
  gen.sampling.top_p = opt.top_p;
  gen.sampling.top_k = opt.top_k;
  gen.seed = opt.seed;
  gen.max_new_tokens = opt.max_new_tokens;
  gen.stop_strings = opt.stops;
  gen.vocab_limit = tokenizer->vocab_size();
  gen.eos_ids = (*model)->config().eos_token_ids;
  for (int64_t id : GenerationConfigEos(opt.model)) gen.eos_ids.push_back(id);
  if (auto eos = tokenizer->eos_id()) gen.eos_ids.push_back(*eos);
  for (int64_t id : opt.eos_ids) gen.eos_ids.push_back(id);
  std::sort(gen.eos_ids.begin(), gen.eos_ids.end());
  gen.eos_ids.erase(std::unique(gen.eos_ids.begin(), gen.eos_ids.end()), gen.eos_ids.end());
  if (Status st = ValidateSamplingParams(gen.sampling); !st) return fail(st.error());

  std::string eos_text;
  for (int64_t id : gen.eos_ids) eos_text += (eos_text.empty() ? "" : ",") + std::to_string(id);
  log.Info("model " + opt.model + ": " + std::string(ArchName((*model)->config().arch)) + ", " +
           std::to_string((*model)->config().num_hidden_layers) + " layers, hidden " +
           std::to_string((*model)->config().hidden_size) + ", vocab " +
           std::to_string((*model)->config().vocab_size) + " (tokenizer " +
           std::to_string(tokenizer->vocab_size()) + "), loaded in " +
           std::to_string(load_seconds) + " s");
  log.Info("device " + placement->device.str() + ", dtype " +
           std::string(c10::toString(placement->dtype)) + ", " +
           (opt.greedy ? std::string("greedy")
                       : "temperature " + std::to_string(opt.temperature) + ", top-p " +
                             std::to_string(opt.top_p) + ", top-k " + std::to_string(opt.top_k) +
                             ", seed " + std::to_string(opt.seed)) +
           ", max new tokens " + std::to_string(opt.max_new_tokens) + ", eos ids [" + eos_text +
           "]");

  const tok::Tokenizer& tok = *tokenizer;
  DecodeFn decode = [&tok](std::span<const int32_t> ids) {
    std::vector<int32_t> known;
    for (int32_t id : ids) {
      if (tok.Token(id)) known.push_back(id);
    }
    auto text = tok.Decode(known, /*skip_special=*/true);
    return text ? *text : std::string();
  };

  io::BufferedOutput out(1, "standard output");
  simdjson::dom::parser parser;
  GenerateStats stats;
  uint64_t index = 0;      // good prompts read so far (prompt i samples from (seed, i))
  uint64_t bad_lines = 0;  // answered {"error"}
  // Lines read but not answered yet, in input order: the good ones wait for
  // a full batch, and a bad one waits behind them.
  std::vector<Request> pending;
  size_t pending_prompts = 0;
  std::string buffer;
  cli::Progress progress(cli::ProgressEnabled(ctx.progress), [&] {
    return cli::WithCommas(stats.prompts) + " prompts, " + cli::WithCommas(stats.generated_tokens) +
           " tokens generated, " + cli::WithCommas(bad_lines) + " bad lines";
  });
  const auto flush = [&]() -> Status {
    if (pending.empty()) return OkStatus();
    std::vector<std::vector<int32_t>> prompts;
    for (const auto& r : pending) {
      if (!r.error) prompts.push_back(r.ids);
    }
    std::vector<Completion> completions;
    if (!prompts.empty()) {
      SWERL_ASSIGN_OR_RETURN(
          completions, Generate(**model, prompts, gen, decode, index - prompts.size(), &stats));
    }
    buffer.clear();
    size_t next = 0;
    for (const Request& r : pending) {
      if (r.error) {
        AppendBadLine(r, &buffer);
        continue;
      }
      AppendCompletion(r, completions[next], CompletionText(tok, completions[next], opt.stops),
                       &buffer);
      ++next;
    }
    pending.clear();
    pending_prompts = 0;
    progress.Tick();
    return out.Write(buffer);
  };
  std::vector<std::string> inputs = opt.inputs.empty() ? std::vector<std::string>{"-"} : opt.inputs;
  Status st = OkStatus();
  for (const std::string& path : inputs) {
    auto in = io::OpenInput(path);
    if (!in) {
      st = std::move(in).error();
      break;
    }
    const std::string name = (*in)->name();
    io::LineChunker chunker(in->get(), 1 << 20, opt.max_line_bytes);
    io::LineChunk chunk;
    for (;;) {
      auto more = chunker.Next(&chunk);
      if (!more) {
        st = std::move(more).error();
        break;
      }
      if (!*more) break;
      size_t oversized = 0;
      for (uint64_t k = 0; k < chunk.line_count && st; ++k) {
        const uint64_t line_no = chunk.first_line + k;
        const size_t begin = k ? chunk.line_ends[k - 1] : 0;
        const std::string_view line(chunk.bytes.data() + begin, chunk.line_ends[k] - begin - 1);
        Request req;
        if (oversized < chunk.oversized_lines.size() &&
            chunk.oversized_lines[oversized] == line_no) {
          ++oversized;
          req.error = "line longer than --max-line-bytes (" + std::to_string(opt.max_line_bytes) +
                      " bytes)";
        } else if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
          continue;
        } else if (Status parsed = ParseRequest(parser, line, tok, &req); !parsed) {
          req.error = parsed.error().message();
        }
        if (req.error) {
          ++bad_lines;
          log.Warning("'" + name + "' line " + std::to_string(line_no) + ": " + *req.error);
          pending.push_back(std::move(req));
          if (opt.max_errors >= 0 && bad_lines > static_cast<uint64_t>(opt.max_errors)) {
            // Answer what was read, then stop.
            st = flush();
            if (st) {
              st = Error(Code::kInvalidInput,
                         "more than " + std::to_string(opt.max_errors) + " bad lines");
            }
          } else if (pending_prompts == 0) {
            st = flush();  // nothing to wait for: answer it now (memory stays bounded)
          }
          continue;
        }
        pending.push_back(std::move(req));
        ++index;
        if (static_cast<int64_t>(++pending_prompts) == opt.batch_size) st = flush();
      }
      if (!st) break;
    }
    if (!st) break;
  }
  if (st) st = flush();
  // What was answered is written even when the run stops on --max-errors.
  if (Status flushed = out.Flush(); st) st = std::move(flushed);
  progress.Done();
  if (!st && cli::ExitCodeFor(st.error()) == cli::kExitOk) return cli::kExitOk;  // closed pipe

  const int64_t decode_tokens = stats.generated_tokens - stats.prompts;
  const double prefill_tps =
      stats.prefill_seconds > 0 ? stats.prompt_tokens / stats.prefill_seconds : 0;
  const double decode_tps = stats.decode_seconds > 0 ? decode_tokens / stats.decode_seconds : 0;
  log.Summary(std::to_string(stats.prompts) + " prompts (" + cli::WithCommas(stats.prompt_tokens) +
              " tokens), " + cli::WithCommas(bad_lines) + " bad lines, generated " +
              cli::WithCommas(stats.generated_tokens) + " tokens; prefill " +
              std::to_string(static_cast<int64_t>(prefill_tps)) + " tokens/s, decode " +
              std::to_string(static_cast<int64_t>(decode_tps)) + " tokens/s");
  if (!st) log.Error(st.error().message());
  if (ctx.json) {
    cli::JsonSummary()
        .Add("prompts", static_cast<int64_t>(stats.prompts))
        .Add("bad_lines", bad_lines)
        .Add("prompt_tokens", static_cast<int64_t>(stats.prompt_tokens))
        .Add("generated_tokens", static_cast<int64_t>(stats.generated_tokens))
        .Add("load_seconds", load_seconds)
        .Add("prefill_seconds", stats.prefill_seconds)
        .Add("decode_seconds", stats.decode_seconds)
        .Add("prefill_tokens_per_second", prefill_tps)
        .Add("decode_tokens_per_second", decode_tps)
        .Emit();
  }
  return st ? cli::kExitOk : cli::kExitError;
}

}  // namespace

void RegisterGenerate(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<GenerateCliOptions>();
  auto* cmd =
      root.add_subcommand("generate", "Sample completions for NDJSON prompts with a checkpoint");
  cmd->add_option("inputs", opt->inputs,
                  "NDJSON files (may be gzip) of {\"prompt\": ...} or {\"ids\": [...]}; '-' or "
                  "none = stdin");
  cmd->add_option("--model", opt->model, "Checkpoint directory (config.json + safetensors)")
      ->required();
  cmd->add_option("--tokenizer", opt->tokenizer, "Tokenizer file or directory (default: --model)");
  cmd->add_flag("--greedy", opt->greedy, "Argmax decoding (ignores temperature, top-p, top-k)");
  cmd->add_option("--max-new-tokens", opt->max_new_tokens, "Tokens to generate at most")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--temperature", opt->temperature, "Sampling temperature")
      ->check(cli::Above(0))
      ->capture_default_str();
  cmd->add_option("--top-p", opt->top_p, "Nucleus sampling mass")
      ->check(cli::AboveAtMost(0, 1))
      ->capture_default_str();
  cmd->add_option("--top-k", opt->top_k, "Sample among the k most likely tokens (0 = all)")
      ->check(cli::AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed,
                  "Seed; prompt i samples from a stream derived from (seed, i), i counting the "
                  "good prompts")
      ->check(cli::AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--stop", opt->stops, "Stop string (repeatable); the text is cut before it");
  cmd->add_option("--eos-id", opt->eos_ids,
                  "Extra token id that ends a completion (repeatable; added to config.json, "
                  "generation_config.json and tokenizer eos)")
      ->check(cli::AtLeast(0));
  cmd->add_option("--batch-size", opt->batch_size, "Prompts decoded together")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--device", opt->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", opt->dtype, "auto (fp32 on CPU, bf16 on CUDA), fp32, bf16 or fp16")
      ->capture_default_str();
  cmd->add_option("--torch-threads", opt->torch_threads,
                  "LibTorch's intra-op CPU threads (0: its default, OMP_NUM_THREADS or the cores)")
      ->check(cli::AtLeast(0))
      ->capture_default_str();
  cli::AddHiddenAlias(cmd, "--threads", &opt->torch_threads, cli::AtLeast(0));
  cmd->add_option("--max-errors", opt->max_errors,
                  "Exit 2 once more than N bad input lines were seen; default: no limit")
      ->check(cli::AtLeast(0));
  cli::AddSizeOption(cmd, "--max-line-bytes", &opt->max_line_bytes,
                     "Longer input lines are bad lines", /*min=*/1, /*max=*/uint64_t{1} << 40);
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunGenerate(*opt, ctx); }; });
}

}  // namespace swerl::train
