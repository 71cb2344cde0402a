// swerl-train tokenize: text to token ids and back with a tokenizer.json
// (lib/swerl/tok). NDJSON in, one line out per input line, in order:
//   {"text": S}      -> {"ids": [N, ...]}
//   --decode: {"ids": [N, ...]} -> {"text": S}
// Blank lines are skipped. A malformed line is answered {"error": MSG} in
// its place (so output lines stay aligned with input lines) and reported as
// a warning naming the file and line; --max-errors N turns more than N such
// lines into exit 2 (docs/CLI.md). Lines are processed in parallel.
#include <simdjson.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "command.h"
#include "swerl/io/input.h"
#include "swerl/io/line_map.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"
#include "swerl/tok/tokenizer.h"

static_assert(swerl::io::kChunkPadding >= simdjson::SIMDJSON_PADDING);

namespace swerl::train {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::vector<std::string> inputs;
  bool decode = false;
  bool no_special = false;
  int jobs = 0;  // 0: one per core
  size_t max_line_bytes = size_t{1} << 30;
  int64_t max_errors = -1;
};

struct Totals {
  uint64_t lines = 0;
  uint64_t bad_lines = 0;
  uint64_t text_bytes = 0;
  uint64_t tokens = 0;
};

// One input line once converted: its output line (no newline) and sizes,
// or why it is bad.
struct Converted {
  std::string result;
  uint64_t text_bytes = 0, tokens = 0;
  std::optional<std::string> error;
};

// Converts one line into *out (no newline). Errors: kInvalidInput.
Status ConvertLine(std::string_view line, const tok::Tokenizer& tok, const TokenizeOptions& opt,
                   simdjson::dom::parser& parser, std::vector<int32_t>& ids, std::string* out,
                   uint64_t* text_bytes, uint64_t* tokens) {
  simdjson::dom::element doc;
  // The chunk's padding follows every line, so simdjson parses in place.
  if (auto err = parser.parse(line.data(), line.size(), false).get(doc); err != simdjson::SUCCESS) {
    return Error(Code::kInvalidInput, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  json::JsonWriter w(out);
  w.BeginObject();
  if (!opt.decode) {
    std::string_view text;
    if (doc["text"].get(text) != simdjson::SUCCESS) {
      return Error(Code::kInvalidInput, "expected an object with a string \"text\"");
    }
    ids.clear();
    tok::EncodeOptions options;
    options.allow_special = !opt.no_special;
    tok.EncodeInto(text, options, &ids);
    w.Key("ids");
    w.BeginArray();
    for (int32_t id : ids) w.Int(id);
    w.EndArray();
    *text_bytes = text.size();
    *tokens = ids.size();
  } else {
    simdjson::dom::array list;
    if (doc["ids"].get(list) != simdjson::SUCCESS) {
      return Error(Code::kInvalidInput, "expected an object with an array \"ids\"");
    }
    ids.clear();
    for (simdjson::dom::element v : list) {
      int64_t id;
      if (v.get(id) != simdjson::SUCCESS || id < INT32_MIN || id > INT32_MAX) {
        return Error(Code::kInvalidInput,
                     "\"ids\" holds " + simdjson::minify(v) + ", not a token id");
      }
      ids.push_back(static_cast<int32_t>(id));
    }
    auto text = tok.Decode(ids, /*skip_special=*/opt.no_special);
    if (!text) return std::move(text).error();
    w.Key("text");
    w.ValidString(*text);  // Decode returns valid UTF-8
    *text_bytes = text->size();
    *tokens = ids.size();
  }
  w.EndObject();
  return OkStatus();
}

// Converts one input stream, writing results in input order. Errors: more
// than --max-errors bad lines (kInvalidInput), I/O, or a closed stdout.
Status ConvertStream(io::InputStream* in, const tok::Tokenizer& tok, const TokenizeOptions& opt,
                     int threads, io::BufferedOutput* out, Totals* totals) {
  tbb::enumerable_thread_specific<simdjson::dom::parser> parsers;
  tbb::enumerable_thread_specific<std::vector<int32_t>> id_buffers;
  io::LineMapOptions map_opt;
  map_opt.max_line_bytes = opt.max_line_bytes;
  map_opt.in_flight = static_cast<size_t>(threads) * 2;
  return io::MapLines<Converted>(
      in, map_opt,
      [&](std::string_view line, Converted* c) {
        Status st = ConvertLine(line, tok, opt, parsers.local(), id_buffers.local(), &c->result,
                                &c->text_bytes, &c->tokens);
        if (!st) c->error = st.error().message();
      },
      [&](uint64_t line_no, Converted& c, bool oversized) -> Status {
        if (oversized) {
          c.error =
              "line longer than --max-line-bytes (" + std::to_string(opt.max_line_bytes) + ")";
        }
        if (c.error) {
          ++totals->bad_lines;
          cli::Log::Get().Warning("'" + in->name() + "' line " + std::to_string(line_no) + ": " +
                                  *c.error);
          c.result.clear();
          json::JsonWriter w(&c.result);
          w.BeginObject();
          w.Key("error");
          w.String(*c.error);
          w.EndObject();
          c.result.push_back('\n');
          SWERL_RETURN_IF_ERROR(out->Write(c.result));
          if (opt.max_errors >= 0 && totals->bad_lines > static_cast<uint64_t>(opt.max_errors)) {
            return Error(Code::kInvalidInput,
                         "more than " + std::to_string(opt.max_errors) + " bad lines");
          }
          return OkStatus();
        }
        c.result.push_back('\n');
        ++totals->lines;
        totals->text_bytes += c.text_bytes;
        totals->tokens += c.tokens;
        return out->Write(c.result);
      });
}

int RunTokenize(const TokenizeOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "tokenize");
  auto& log = cli::Log::Get();
  std::vector<std::string> inputs = opt.inputs.empty() ? std::vector<std::string>{"-"} : opt.inputs;
  {
    std::vector<io::NamedPath> named = cli::NamedPaths("input", inputs);
    named.push_back({"--tokenizer", opt.tokenizer});
    if (!cli::DistinctFiles(named, {{"standard output", "-"}})) return cli::kExitError;
  }
  for (const std::string& path : inputs) {
    if (path == "-" && ::isatty(0)) {
      log.Error("reading NDJSON from a terminal; give FILES or pipe input (see --help)");
      return cli::kExitError;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto tokenizer = tok::Tokenizer::Load(opt.tokenizer);
  if (!tokenizer) {
    log.Error(tokenizer.error().message());
    return cli::kExitError;
  }
  const int threads = opt.jobs > 0 ? opt.jobs : cli::CoreCount();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  io::BufferedOutput out(1, "standard output");
  Totals totals;
  Status st = io::MapInputs(inputs, &out, [&](io::InputStream* in) {
    return ConvertStream(in, *tokenizer, opt, threads, &out, &totals);
  });
  if (!st && cli::ExitCodeFor(st.error()) == cli::kExitOk) return cli::kExitOk;  // closed pipe
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char rate[96];
  std::snprintf(rate, sizeof rate, " in %.2f s (%.1f MB/s of text)", secs,
                static_cast<double>(totals.text_bytes) / 1e6 / std::max(secs, 1e-9));
  log.Summary(cli::WithCommas(totals.lines) + " lines, " +
              cli::HumanBytes(static_cast<double>(totals.text_bytes)) + " of text, " +
              cli::WithCommas(totals.tokens) + " tokens, " + cli::WithCommas(totals.bad_lines) +
              " bad lines" + rate);
  if (!st) log.Error(st.error().message());
  if (ctx.json) {
    cli::JsonSummary()
        .Add("lines", totals.lines)
        .Add("bad_lines", totals.bad_lines)
        .Add("text_bytes", totals.text_bytes)
        .Add("tokens", totals.tokens)
        .Add("seconds", secs)
        .Emit();
  }
  return st ? cli::kExitOk : cli::kExitError;
}

}  // namespace

void RegisterTokenize(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = root.add_subcommand(
      "tokenize",
      "Text to token ids with a tokenizer.json (byte-level BPE: Llama-3, Qwen2/2.5/3; the same ids "
      "as Hugging Face tokenizers): {\"text\"} lines in, {\"ids\"} lines out, in order; --decode "
      "the reverse");
  cmd->add_option("--tokenizer", opt->tokenizer,
                  "tokenizer.json(.zst), or a directory holding it and tokenizer_config.json")
      ->required();
  cmd->add_option("inputs", opt->inputs, "NDJSON files (may be gzip); '-' or none = stdin");
  cmd->add_flag("--decode", opt->decode, "Read {\"ids\"} lines and write {\"text\"} lines");
  cmd->add_flag("--no-special", opt->no_special,
                "Encode: special-token strings in the text stay text (non-special added tokens "
                "such as Qwen3's <think> still match); decode: leave special tokens out");
  cli::AddJobsOption(cmd, &opt->jobs, "Worker threads (default: the number of cores)");
  cli::AddHiddenAlias(cmd, "--threads", &opt->jobs, cli::InRange(1, 1024));
  cli::AddSizeOption(cmd, "--max-line-bytes", &opt->max_line_bytes, "Longer lines are bad lines",
                     /*min=*/1, /*max=*/uint64_t{1} << 40);
  cmd->add_option("--max-errors", opt->max_errors,
                  "Exit 2 once more than N bad lines were seen; default: no limit")
      ->check(cli::AtLeast(0));
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunTokenize(*opt, ctx); }; });
}

}  // namespace swerl::train
