// swerl-train generate: completions for NDJSON prompts with a checkpoint.
// Input lines are {"prompt": "text"} or {"ids": [1, 2, ...]} (an "id" value
// is echoed back); each output line is {"id"?, "ids", "text", "logprobs",
// "sample_logprobs", "finish_reason"} in input order.
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
  std::string stats;
  int threads = 0;
};

struct Request {
  std::string id_json;  // the raw "id" value, or empty
  std::vector<int32_t> ids;
};

// Parses one input line. Errors: kInvalidInput.
Result<Request> ParseRequest(simdjson::dom::parser& parser, const std::string& line,
                             const tok::Tokenizer& tok) {
  using simdjson::SUCCESS;
  simdjson::dom::element root;
  if (auto err = parser.parse(line).get(root); err != SUCCESS) {
    return Error(Code::kInvalidInput, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get(obj) != SUCCESS) return Error(Code::kInvalidInput, "not a JSON object");
  Request req;
  simdjson::dom::element id;
  if (obj["id"].get(id) == SUCCESS) req.id_json = simdjson::minify(id);
  std::string_view prompt;
  simdjson::dom::array ids;
  const bool has_prompt = obj["prompt"].get(prompt) == SUCCESS;
  const bool has_ids = obj["ids"].get(ids) == SUCCESS;
  if (has_prompt == has_ids) {
    return Error(Code::kInvalidInput,
                 "expected exactly one of \"prompt\" (a string) and \"ids\" (an array)");
  }
  if (has_prompt) {
    req.ids = tok.Encode(prompt, /*allow_special=*/true);
  } else {
    for (simdjson::dom::element e : ids) {
      int64_t v;
      if (e.get(v) != SUCCESS || v < 0 || v > INT32_MAX) {
        return Error(Code::kInvalidInput,
                     "\"ids\" must hold non-negative integers, got " + simdjson::minify(e));
      }
      req.ids.push_back(static_cast<int32_t>(v));
    }
  }
  if (req.ids.empty()) return Error(Code::kInvalidInput, "the prompt has no tokens");
  return req;
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
  if (opt.batch_size < 1) return fail(Error(Code::kInvalidInput, "--batch-size must be >= 1"));
  if (!opt.stats.empty() && opt.stats != "json") {
    return fail(Error(Code::kInvalidInput, "--stats '" + opt.stats + "': expected json"));
  }
  if (opt.threads < 0) return fail(Error(Code::kInvalidInput, "--threads must be >= 0"));
  if (opt.threads > 0) at::set_num_threads(opt.threads);
  auto placement = ParsePlacement(opt.device, opt.dtype);
  if (!placement) return fail(placement.error());
  auto tokenizer = tok::Tokenizer::Load(opt.tokenizer.empty() ? opt.model : opt.tokenizer);
  if (!tokenizer) return fail(std::move(tokenizer).error().With("tokenizer"));
  const auto load_start = std::chrono::steady_clock::now();
  auto model = LoadModel(opt.model, placement->device, placement->dtype);
  if (!model) return fail(model.error());
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
  uint64_t index = 0;  // prompts read so far (seeds sequence i)
  std::vector<Request> pending;
  std::string buffer;
  const auto flush = [&]() -> Status {
    if (pending.empty()) return OkStatus();
    std::vector<std::vector<int32_t>> prompts;
    for (const auto& r : pending) prompts.push_back(r.ids);
    SWERL_ASSIGN_OR_RETURN(auto completions,
                           Generate(**model, prompts, gen, decode, index - pending.size(), &stats));
    buffer.clear();
    for (size_t i = 0; i < pending.size(); ++i) {
      AppendCompletion(pending[i], completions[i], CompletionText(tok, completions[i], opt.stops),
                       &buffer);
    }
    pending.clear();
    return out.Write(buffer);
  };
  std::vector<std::string> inputs = opt.inputs.empty() ? std::vector<std::string>{"-"} : opt.inputs;
  if (opt.inputs.empty() && ::isatty(0)) {
    return fail(Error(Code::kInvalidInput,
                      "no input: pipe NDJSON prompts to stdin or name files (see --help)"));
  }
  for (const std::string& path : inputs) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      file.open(path, std::ios::binary);
      if (!file) return fail(Error(Code::kNotFound, "cannot open '" + path + "'"));
      in = &file;
    }
    const std::string name = path == "-" ? "<stdin>" : path;
    std::string line;
    for (uint64_t line_no = 1; std::getline(*in, line); ++line_no) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto req = ParseRequest(parser, line, tok);
      if (!req)
        return fail(std::move(req).error().With("'" + name + "' line " + std::to_string(line_no)));
      pending.push_back(std::move(*req));
      ++index;
      if (static_cast<int64_t>(pending.size()) == opt.batch_size) {
        if (Status st = flush(); !st) return fail(st.error());
      }
    }
    if (in->bad()) return fail(Error(Code::kIo, "cannot read '" + name + "'"));
  }
  if (Status st = flush(); !st) return fail(st.error());
  if (Status st = out.Flush(); !st) return fail(st.error());

  const int64_t decode_tokens = stats.generated_tokens - stats.prompts;
  const double prefill_tps =
      stats.prefill_seconds > 0 ? stats.prompt_tokens / stats.prefill_seconds : 0;
  const double decode_tps = stats.decode_seconds > 0 ? decode_tokens / stats.decode_seconds : 0;
  if (opt.stats == "json") {
    std::string line;
    json::JsonWriter w(&line);
    w.BeginObject();
    w.Key("prompts");
    w.Int(stats.prompts);
    w.Key("prompt_tokens");
    w.Int(stats.prompt_tokens);
    w.Key("generated_tokens");
    w.Int(stats.generated_tokens);
    w.Key("load_seconds");
    w.Double(load_seconds);
    w.Key("prefill_seconds");
    w.Double(stats.prefill_seconds);
    w.Key("decode_seconds");
    w.Double(stats.decode_seconds);
    w.Key("prefill_tokens_per_second");
    w.Double(prefill_tps);
    w.Key("decode_tokens_per_second");
    w.Double(decode_tps);
    w.EndObject();
    std::cerr << line << '\n';
  }
  log.Summary(std::to_string(stats.prompts) + " prompts (" + cli::WithCommas(stats.prompt_tokens) +
              " tokens), generated " + cli::WithCommas(stats.generated_tokens) +
              " tokens; prefill " + std::to_string(static_cast<int64_t>(prefill_tps)) +
              " tokens/s, decode " + std::to_string(static_cast<int64_t>(decode_tps)) +
              " tokens/s");
  return cli::kExitOk;
}

}  // namespace

void RegisterGenerate(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<GenerateCliOptions>();
  auto* cmd =
      root.add_subcommand("generate", "Sample completions for NDJSON prompts with a checkpoint");
  cmd->add_option("inputs", opt->inputs,
                  "NDJSON files of {\"prompt\": ...} or {\"ids\": [...]} (default stdin)");
  cmd->add_option("--model", opt->model, "Checkpoint directory (config.json + safetensors)")
      ->required();
  cmd->add_option("--tokenizer", opt->tokenizer, "Tokenizer file or directory (default: --model)");
  cmd->add_flag("--greedy", opt->greedy, "Argmax decoding (ignores temperature, top-p, top-k)");
  cmd->add_option("--max-new-tokens", opt->max_new_tokens, "Tokens to generate at most")
      ->capture_default_str();
  cmd->add_option("--temperature", opt->temperature, "Sampling temperature (> 0)")
      ->capture_default_str();
  cmd->add_option("--top-p", opt->top_p, "Nucleus sampling mass in (0, 1]")->capture_default_str();
  cmd->add_option("--top-k", opt->top_k, "Sample among the k most likely tokens (0 = all)")
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed,
                  "Seed; prompt i samples from a stream derived from (seed, i)")
      ->capture_default_str();
  cmd->add_option("--stop", opt->stops, "Stop string (repeatable); the text is cut before it");
  cmd->add_option("--eos-id", opt->eos_ids,
                  "Extra token id that ends a completion (repeatable; added to config.json, "
                  "generation_config.json and tokenizer eos)");
  cmd->add_option("--batch-size", opt->batch_size, "Prompts decoded together")
      ->capture_default_str();
  cmd->add_option("--device", opt->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", opt->dtype, "auto (fp32 on CPU, bf16 on CUDA), fp32, bf16 or fp16")
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads,
                  "CPU threads for LibTorch (0: its default, OMP_NUM_THREADS or the cores)")
      ->capture_default_str();
  cmd->add_option("--stats", opt->stats,
                  "json: print the timing summary as one JSON line on stderr");
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunGenerate(*opt, ctx); }; });
}

}  // namespace swerl::train
