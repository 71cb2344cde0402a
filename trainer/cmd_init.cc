// swerl-train init: writes a randomly initialised Llama / Qwen2 / Qwen3
// checkpoint that transformers loads (config.json, model.safetensors, the
// tokenizer files), for tests, benchmarks and smoke runs.
#include <filesystem>

#include "command.h"
#include "swerl/io/atomic_file.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/model/config.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

struct InitOptions {
  std::string arch;
  std::string tokenizer;
  std::string out;
  int64_t hidden = 128;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;
  int64_t intermediate = 0;  // 0: 3 * hidden rounded up to 64
  int64_t head_dim = 0;      // 0: hidden / heads
  int64_t vocab_size = 0;    // 0: the tokenizer's, rounded up to 128
  int64_t max_positions = 0;
  bool untied = false;
  uint64_t seed = 0;
  std::string dtype = "fp32";
};

// The files of a tokenizer given as a directory or as a tokenizer.json(.zst).
struct TokenizerFiles {
  std::filesystem::path json;    // tokenizer.json or tokenizer.json.zst
  std::filesystem::path config;  // tokenizer_config.json (may not exist)
};

TokenizerFiles FindTokenizerFiles(const std::filesystem::path& path) {
  TokenizerFiles f;
  const std::filesystem::path dir = std::filesystem::is_directory(path) ? path : path.parent_path();
  if (std::filesystem::is_directory(path)) {
    f.json = path / "tokenizer.json";
    if (!std::filesystem::exists(f.json)) f.json = path / "tokenizer.json.zst";
  } else {
    f.json = path;
  }
  f.config = dir / "tokenizer_config.json";
  return f;
}

Result<ModelConfig> BuildConfig(const InitOptions& opt, const tok::Tokenizer& tokenizer) {
  ModelConfig c;
  SWERL_ASSIGN_OR_RETURN(c.arch, ParseArch(opt.arch));
  const int64_t tok_vocab = tokenizer.vocab_size();
  // Real checkpoints pad the embedding past the tokenizer (Llama-3: 128,256
  // rows, Qwen: 151,936); we round up to a multiple of 128.
  c.vocab_size = opt.vocab_size > 0 ? opt.vocab_size : (tok_vocab + 127) / 128 * 128;
  if (c.vocab_size < tok_vocab) {
    return Error(Code::kInvalidInput, "--vocab-size " + std::to_string(c.vocab_size) +
                                          " is smaller than the tokenizer's " +
                                          std::to_string(tok_vocab));
  }
  c.hidden_size = opt.hidden;
  c.num_hidden_layers = opt.layers;
  c.num_attention_heads = opt.heads;
  c.num_key_value_heads = opt.kv_heads;
  c.intermediate_size = opt.intermediate > 0 ? opt.intermediate : (3 * opt.hidden + 63) / 64 * 64;
  c.head_dim = opt.head_dim > 0 ? opt.head_dim : (opt.heads > 0 ? opt.hidden / opt.heads : 0);
  c.tie_word_embeddings = !opt.untied;
  switch (c.arch) {
    case Arch::kLlama:  // Llama-3.2's settings
      c.rms_norm_eps = 1e-5;
      c.rope.theta = 500000.0;
      c.rope.type = RopeConfig::Type::kLlama3;
      c.rope.factor = 32.0;
      c.rope.low_freq_factor = 1.0;
      c.rope.high_freq_factor = 4.0;
      c.rope.original_max_position_embeddings = 8192;
      c.max_position_embeddings = 131072;
      break;
    case Arch::kQwen2:  // Qwen2.5's
      c.rms_norm_eps = 1e-6;
      c.rope.theta = 1000000.0;
      c.qkv_bias = true;
      c.max_position_embeddings = 32768;
      break;
    case Arch::kQwen3:  // Qwen3's
      c.rms_norm_eps = 1e-6;
      c.rope.theta = 1000000.0;
      c.qk_norm = true;
      c.max_position_embeddings = 40960;
      break;
  }
  if (opt.max_positions > 0) c.max_position_embeddings = opt.max_positions;
  if (auto bos = tokenizer.bos_id()) c.bos_token_id = *bos;
  if (auto eos = tokenizer.eos_id()) c.eos_token_ids = {*eos};
  const auto flag_names = [](Error e) {
    // The config keys of ValidateModelConfig are this command's flags.
    std::string m = e.message();
    for (auto [key, flag] : {std::pair{"num_key_value_heads", "--kv-heads"},
                             {"num_attention_heads", "--heads"},
                             {"num_hidden_layers", "--layers"},
                             {"intermediate_size", "--intermediate"},
                             {"hidden_size", "--hidden"},
                             {"head_dim", "--head-dim"}}) {
      for (size_t at = m.find(key); at != std::string::npos; at = m.find(key, at)) {
        m.replace(at, std::string_view(key).size(), flag);
      }
    }
    return Error(e.code(), m);
  };
  if (Status st = ValidateModelConfig(c); !st) return flag_names(st.error());
  return c;
}

int RunInit(const InitOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "init");
  auto& log = cli::Log::Get();
  const auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::kExitError;
  };
  // The same-file guard (README "Files") over the files init reads
  // and the files it writes into --out.
  const TokenizerFiles files = FindTokenizerFiles(opt.tokenizer);
  const std::filesystem::path out = opt.out;
  std::vector<io::NamedPath> outputs = {{"--out", opt.out}};
  for (const char* name :
       {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
    outputs.push_back({"--out", (out / name).string()});
  }
  if (!cli::DistinctFiles({{"--tokenizer", opt.tokenizer},
                           {"--tokenizer", files.json.string()},
                           {"--tokenizer", files.config.string()}},
                          outputs)) {
    return cli::kExitError;
  }
  torch::Dtype dtype;
  if (opt.dtype == "fp32") {
    dtype = torch::kFloat32;
  } else if (opt.dtype == "bf16") {
    dtype = torch::kBFloat16;
  } else if (opt.dtype == "fp16") {
    dtype = torch::kFloat16;
  } else {
    return fail(
        Error(Code::kInvalidInput, "--dtype '" + opt.dtype + "': expected fp32, bf16 or fp16"));
  }
  auto tokenizer = tok::Tokenizer::Load(opt.tokenizer);
  if (!tokenizer) return fail(std::move(tokenizer).error().With("--tokenizer"));
  auto config = BuildConfig(opt, *tokenizer);
  if (!config) return fail(config.error());

  if (std::filesystem::exists(out / "config.json")) {
    return fail(Error(Code::kInvalidInput,
                      "'" + out.string() + "' already holds a checkpoint (config.json)"));
  }
  // Build and fill the model in float32 on the CPU, then store it as asked.
  Transformer model(*config, torch::kCPU, torch::kFloat32);
  InitRandom(model, opt.seed);
  if (Status st = SaveModel(model, out, dtype); !st) return fail(st.error());

  // Each file is written beside its name and renamed into place.
  auto json = tok::ReadMaybeZstd(files.json.string());
  if (!json) return fail(json.error());
  if (Status st = io::WriteFileAtomically((out / "tokenizer.json").string(), *json); !st) {
    return fail(st.error());
  }
  if (std::filesystem::exists(files.config)) {
    auto config_text = tok::ReadMaybeZstd(files.config.string());
    if (!config_text) return fail(config_text.error());
    if (Status st = io::WriteFileAtomically((out / "tokenizer_config.json").string(), *config_text);
        !st) {
      return fail(st.error());
    }
  }
  int64_t params = 0;
  for (const auto& p : model.parameters()) params += p.numel();
  log.Summary("wrote a " + std::string(ArchName(config->arch)) + " model (" +
              cli::WithCommas(params) + " parameters, vocab " +
              cli::WithCommas(config->vocab_size) + ", " + opt.dtype + ") to '" + out.string() +
              "'");
  if (ctx.json) {
    cli::JsonSummary()
        .Add("arch", ArchName(config->arch))
        .Add("parameters", params)
        .Add("vocab_size", config->vocab_size)
        .Add("dtype", opt.dtype)
        .Add("out", out.string())
        .Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterInit(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<InitOptions>();
  auto* cmd =
      root.add_subcommand("init", "Write a randomly initialised Llama/Qwen2/Qwen3 checkpoint");
  cmd->add_option("--arch", opt->arch, "Architecture: llama, qwen2 or qwen3")
      ->required()
      ->check(CLI::IsMember({"llama", "qwen2", "qwen3"}));
  cmd->add_option("--tokenizer", opt->tokenizer, "tokenizer.json(.zst) or a directory holding it")
      ->required();
  cmd->add_option("--out", opt->out, "Output directory (must not hold a checkpoint)")->required();
  cmd->add_option("--hidden", opt->hidden, "hidden_size")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--layers", opt->layers, "num_hidden_layers")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--heads", opt->heads, "num_attention_heads")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--kv-heads", opt->kv_heads, "num_key_value_heads (GQA)")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--intermediate", opt->intermediate,
                  "intermediate_size (0: 3 * hidden, rounded to 64)")
      ->check(cli::AtLeast(0));
  cmd->add_option("--head-dim", opt->head_dim, "head_dim (0: hidden / heads)")
      ->check(cli::AtLeast(0));
  cmd->add_option("--vocab-size", opt->vocab_size,
                  "Embedding rows (0: the tokenizer's size rounded up to a multiple of 128)")
      ->check(cli::AtLeast(0));
  cmd->add_option("--max-position-embeddings", opt->max_positions,
                  "max_position_embeddings (0: the architecture's)")
      ->check(cli::AtLeast(0));
  cmd->add_flag("--untied", opt->untied, "Separate lm_head (default: tied to the embeddings)");
  cmd->add_option("--seed", opt->seed, "Seed of the N(0, 0.02) initialisation")
      ->check(cli::AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--dtype", opt->dtype, "Stored dtype: fp32, bf16 or fp16")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
      ->capture_default_str();
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunInit(*opt, ctx); }; });
}

}  // namespace swerl::train
