#include "trainer/model/config.h"

#include <simdjson.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "swerl/json/json_writer.h"

namespace swerl::train {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

Error Bad(std::string_view key, std::string_view what) {
  return Error(Code::kInvalidInput, std::string(key) + ": " + std::string(what));
}

// A JSON integer (or an integral double, as some exporters write 64.0).
Result<std::optional<int64_t>> GetInt(const object& obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != SUCCESS || e.is_null()) return std::optional<int64_t>();
  int64_t i;
  if (e.get(i) == SUCCESS) return std::optional<int64_t>(i);
  double d;
  if (e.get(d) == SUCCESS && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
    return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  return Bad(key, "expected an integer, got " + simdjson::minify(e));
}

Result<std::optional<double>> GetDouble(const object& obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != SUCCESS || e.is_null()) return std::optional<double>();
  double d;
  if (e.get(d) == SUCCESS) return std::optional<double>(d);
  int64_t i;
  if (e.get(i) == SUCCESS) return std::optional<double>(static_cast<double>(i));
  return Bad(key, "expected a number, got " + simdjson::minify(e));
}

Result<std::optional<bool>> GetBool(const object& obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != SUCCESS || e.is_null()) return std::optional<bool>();
  bool b;
  if (e.get(b) == SUCCESS) return std::optional<bool>(b);
  return Bad(key, "expected true or false, got " + simdjson::minify(e));
}

Result<std::optional<std::string>> GetString(const object& obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != SUCCESS || e.is_null()) return std::optional<std::string>();
  std::string_view s;
  if (e.get(s) == SUCCESS) return std::optional<std::string>(std::string(s));
  return Bad(key, "expected a string, got " + simdjson::minify(e));
}

Result<int64_t> RequireInt(const object& obj, std::string_view key) {
  SWERL_ASSIGN_OR_RETURN(auto v, GetInt(obj, key));
  if (!v) return Bad(key, "missing");
  return *v;
}

// Reads the RoPE settings: transformers 5 writes `rope_parameters` (with
// rope_theta inside); older files write `rope_theta` and `rope_scaling`
// (whose type key is `rope_type` or the older `type`).
Status ParseRope(const object& root, ModelConfig* c) {
  SWERL_ASSIGN_OR_RETURN(auto theta, GetDouble(root, "rope_theta"));
  // The first of rope_parameters / rope_scaling that is present and not null.
  object params;
  bool has_params = false;
  std::string key = "rope_parameters";
  for (const char* name : {"rope_parameters", "rope_scaling"}) {
    element e;
    if (root[name].get(e) != SUCCESS || e.is_null()) continue;
    key = name;
    if (e.get(params) != SUCCESS) return Bad(key, "expected an object, got " + simdjson::minify(e));
    has_params = true;
    break;
  }
  std::string type = "default";
  if (has_params) {
    if (params["layer_types"].error() == SUCCESS || params["full_attention"].error() == SUCCESS) {
      return Error(Code::kUnsupported, key + ": per-layer RoPE parameters are not supported");
    }
    SWERL_ASSIGN_OR_RETURN(auto inner_theta, GetDouble(params, "rope_theta"));
    if (inner_theta) theta = inner_theta;
    SWERL_ASSIGN_OR_RETURN(auto t1, GetString(params, "rope_type"));
    SWERL_ASSIGN_OR_RETURN(auto t2, GetString(params, "type"));
    if (t1) {
      type = *t1;
    } else if (t2) {
      type = *t2;
    }
    SWERL_ASSIGN_OR_RETURN(auto partial, GetDouble(params, "partial_rotary_factor"));
    if (partial && *partial != 1.0) {
      return Error(Code::kUnsupported, key + ".partial_rotary_factor: only 1.0 is supported");
    }
  }
  c->rope.theta = theta.value_or(10000.0);
  if (!(c->rope.theta > 0) || !std::isfinite(c->rope.theta)) {
    return Bad("rope_theta", "must be positive");
  }
  if (type == "default") {
    c->rope.type = RopeConfig::Type::kDefault;
    return OkStatus();
  }
  if (type != "llama3") {
    return Error(Code::kUnsupported,
                 key + ".rope_type '" + type + "' is not supported (expected default or llama3)");
  }
  c->rope.type = RopeConfig::Type::kLlama3;
  const auto need = [&](std::string_view name, double* out) -> Status {
    SWERL_ASSIGN_OR_RETURN(auto v, GetDouble(params, name));
    if (!v) return Bad(key + "." + std::string(name), "missing (llama3 RoPE)");
    if (!(*v > 0) || !std::isfinite(*v))
      return Bad(key + "." + std::string(name), "must be positive");
    *out = *v;
    return OkStatus();
  };
  SWERL_RETURN_IF_ERROR(need("factor", &c->rope.factor));
  SWERL_RETURN_IF_ERROR(need("low_freq_factor", &c->rope.low_freq_factor));
  SWERL_RETURN_IF_ERROR(need("high_freq_factor", &c->rope.high_freq_factor));
  if (c->rope.high_freq_factor <= c->rope.low_freq_factor) {
    return Bad(key + ".high_freq_factor", "must exceed low_freq_factor");
  }
  SWERL_ASSIGN_OR_RETURN(auto orig, GetInt(params, "original_max_position_embeddings"));
  SWERL_ASSIGN_OR_RETURN(auto orig_top, GetInt(root, "original_max_position_embeddings"));
  // transformers gives a top-level value priority, then falls back to
  // max_position_embeddings.
  if (orig_top) {
    c->rope.original_max_position_embeddings = *orig_top;
  } else if (orig) {
    c->rope.original_max_position_embeddings = *orig;
  } else {
    c->rope.original_max_position_embeddings = c->max_position_embeddings;
  }
  if (c->rope.original_max_position_embeddings <= 0) {
    return Bad(key + ".original_max_position_embeddings", "must be positive");
  }
  return OkStatus();
}

Status ParseEos(const object& root, ModelConfig* c) {
  element e;
  if (root["eos_token_id"].get(e) != SUCCESS || e.is_null()) {
    if (c->arch == Arch::kLlama && root["eos_token_id"].error() != SUCCESS) {
      c->eos_token_ids = {2};  // LlamaConfig's default
    }
    return OkStatus();
  }
  if (e.is_array()) {
    for (element item : e.get_array()) {
      int64_t id;
      if (item.get(id) != SUCCESS || id < 0) {
        return Bad("eos_token_id", "expected non-negative integers, got " + simdjson::minify(e));
      }
      c->eos_token_ids.push_back(id);
    }
    return OkStatus();
  }
  int64_t id;
  if (e.get(id) != SUCCESS || id < 0) {
    return Bad("eos_token_id", "expected an integer or a list, got " + simdjson::minify(e));
  }
  c->eos_token_ids = {id};
  return OkStatus();
}

std::string Quote(std::string_view s) {
  std::string out;
  json::AppendJsonString(&out, s);
  return out;
}

std::string Num(double v) {
  std::string out;
  json::AppendPythonRepr(&out, v);
  return out;
}

std::string OptInt(const std::optional<int64_t>& v) {
  return v ? std::to_string(*v) : std::string("null");
}

}  // namespace

std::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kLlama:
      return "llama";
    case Arch::kQwen2:
      return "qwen2";
    case Arch::kQwen3:
      return "qwen3";
  }
  return "?";
}

Result<Arch> ParseArch(std::string_view name) {
  if (name == "llama") return Arch::kLlama;
  if (name == "qwen2") return Arch::kQwen2;
  if (name == "qwen3") return Arch::kQwen3;
  return Error(Code::kUnsupported, "model type '" + std::string(name) +
                                       "' is not supported (expected llama, qwen2 or qwen3)");
}

Result<ModelConfig> ParseModelConfig(std::string_view json_text) {
  simdjson::dom::parser parser;
  element root_el;
  if (auto err = parser.parse(json_text.data(), json_text.size(), true).get(root_el);
      err != SUCCESS) {
    return Error(Code::kInvalidInput, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  object root;
  if (root_el.get(root) != SUCCESS) return Error(Code::kInvalidInput, "not a JSON object");

  ModelConfig c;
  SWERL_ASSIGN_OR_RETURN(auto model_type, GetString(root, "model_type"));
  if (!model_type) {
    // Fall back on architectures[0] (LlamaForCausalLM, ...).
    element arches;
    std::string_view first;
    if (root["architectures"].get(arches) == SUCCESS && arches.is_array() &&
        arches.at(0).get(first) == SUCCESS) {
      if (first == "LlamaForCausalLM") model_type = "llama";
      if (first == "Qwen2ForCausalLM") model_type = "qwen2";
      if (first == "Qwen3ForCausalLM") model_type = "qwen3";
    }
    if (!model_type) return Bad("model_type", "missing (and no known architectures entry)");
  }
  auto arch = ParseArch(*model_type);
  if (!arch) return std::move(arch).error().With("model_type");
  c.arch = *arch;

  SWERL_ASSIGN_OR_RETURN(c.vocab_size, RequireInt(root, "vocab_size"));
  SWERL_ASSIGN_OR_RETURN(c.hidden_size, RequireInt(root, "hidden_size"));
  SWERL_ASSIGN_OR_RETURN(c.intermediate_size, RequireInt(root, "intermediate_size"));
  SWERL_ASSIGN_OR_RETURN(c.num_hidden_layers, RequireInt(root, "num_hidden_layers"));
  SWERL_ASSIGN_OR_RETURN(c.num_attention_heads, RequireInt(root, "num_attention_heads"));
  SWERL_ASSIGN_OR_RETURN(auto kv_heads, GetInt(root, "num_key_value_heads"));
  c.num_key_value_heads = kv_heads.value_or(c.num_attention_heads);
  SWERL_ASSIGN_OR_RETURN(auto head_dim, GetInt(root, "head_dim"));
  if (head_dim) {
    c.head_dim = *head_dim;
  } else if (c.arch == Arch::kQwen3) {
    c.head_dim = 128;  // Qwen3Config's default
  } else if (c.num_attention_heads > 0) {
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  SWERL_ASSIGN_OR_RETURN(auto max_pos, GetInt(root, "max_position_embeddings"));
  c.max_position_embeddings = max_pos.value_or(c.arch == Arch::kLlama ? 2048 : 32768);
  SWERL_ASSIGN_OR_RETURN(auto eps, GetDouble(root, "rms_norm_eps"));
  c.rms_norm_eps = eps.value_or(1e-6);
  SWERL_ASSIGN_OR_RETURN(auto init_range, GetDouble(root, "initializer_range"));
  c.initializer_range = init_range.value_or(0.02);
  SWERL_ASSIGN_OR_RETURN(auto tie, GetBool(root, "tie_word_embeddings"));
  c.tie_word_embeddings = tie.value_or(false);

  SWERL_ASSIGN_OR_RETURN(auto act, GetString(root, "hidden_act"));
  if (act && *act != "silu") {
    return Error(Code::kUnsupported, "hidden_act '" + *act + "' is not supported (expected silu)");
  }
  SWERL_ASSIGN_OR_RETURN(auto attn_bias, GetBool(root, "attention_bias"));
  SWERL_ASSIGN_OR_RETURN(auto mlp_bias, GetBool(root, "mlp_bias"));
  switch (c.arch) {
    case Arch::kLlama:
      c.qkv_bias = c.o_bias = attn_bias.value_or(false);
      c.mlp_bias = mlp_bias.value_or(false);
      break;
    case Arch::kQwen2:
      c.qkv_bias = true;
      c.o_bias = false;
      break;
    case Arch::kQwen3:
      c.qkv_bias = c.o_bias = attn_bias.value_or(false);
      c.qk_norm = true;
      break;
  }
  if (c.arch != Arch::kLlama) {
    SWERL_ASSIGN_OR_RETURN(auto sliding, GetBool(root, "use_sliding_window"));
    if (sliding.value_or(false)) {
      return Error(Code::kUnsupported,
                   "use_sliding_window: sliding-window attention is not supported");
    }
  }
  element layer_types;
  if (root["layer_types"].get(layer_types) == SUCCESS && layer_types.is_array()) {
    for (element t : layer_types.get_array()) {
      std::string_view s;
      if (t.get(s) != SUCCESS || s != "full_attention") {
        return Error(Code::kUnsupported,
                     "layer_types: only full_attention is supported, got " + simdjson::minify(t));
      }
    }
  }
  SWERL_RETURN_IF_ERROR(ParseRope(root, &c));

  SWERL_ASSIGN_OR_RETURN(auto bos, GetInt(root, "bos_token_id"));
  if (!bos && c.arch == Arch::kLlama && root["bos_token_id"].error() != SUCCESS) bos = 1;
  c.bos_token_id = bos;
  SWERL_ASSIGN_OR_RETURN(c.pad_token_id, GetInt(root, "pad_token_id"));
  SWERL_RETURN_IF_ERROR(ParseEos(root, &c));
  SWERL_ASSIGN_OR_RETURN(auto dtype, GetString(root, "dtype"));
  SWERL_ASSIGN_OR_RETURN(auto torch_dtype, GetString(root, "torch_dtype"));
  c.dtype = dtype.value_or(torch_dtype.value_or("float32"));
  SWERL_RETURN_IF_ERROR(ValidateModelConfig(c));
  return c;
}

Status ValidateModelConfig(const ModelConfig& c) {
  const auto positive = [](std::string_view key, int64_t v) -> Status {
    if (v <= 0) return Bad(key, "must be positive, got " + std::to_string(v));
    return OkStatus();
  };
  SWERL_RETURN_IF_ERROR(positive("vocab_size", c.vocab_size));
  SWERL_RETURN_IF_ERROR(positive("hidden_size", c.hidden_size));
  SWERL_RETURN_IF_ERROR(positive("intermediate_size", c.intermediate_size));
  SWERL_RETURN_IF_ERROR(positive("num_hidden_layers", c.num_hidden_layers));
  SWERL_RETURN_IF_ERROR(positive("num_attention_heads", c.num_attention_heads));
  SWERL_RETURN_IF_ERROR(positive("num_key_value_heads", c.num_key_value_heads));
  SWERL_RETURN_IF_ERROR(positive("head_dim", c.head_dim));
  SWERL_RETURN_IF_ERROR(positive("max_position_embeddings", c.max_position_embeddings));
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    return Bad("num_key_value_heads", std::to_string(c.num_key_value_heads) +
                                          " does not divide num_attention_heads " +
                                          std::to_string(c.num_attention_heads));
  }
  if (c.head_dim % 2 != 0) {
    return Bad("head_dim", "must be even for RoPE, got " + std::to_string(c.head_dim));
  }
  if (c.arch == Arch::kLlama && c.hidden_size % c.num_attention_heads != 0) {
    return Bad("hidden_size", std::to_string(c.hidden_size) +
                                  " is not a multiple of num_attention_heads " +
                                  std::to_string(c.num_attention_heads));
  }
  if (!(c.rms_norm_eps > 0) || !std::isfinite(c.rms_norm_eps)) {
    return Bad("rms_norm_eps", "must be positive");
  }
  for (int64_t id : c.eos_token_ids) {
    if (id >= c.vocab_size) {
      return Bad("eos_token_id",
                 std::to_string(id) + " is not below vocab_size " + std::to_string(c.vocab_size));
    }
  }
  if (c.bos_token_id && (*c.bos_token_id < 0 || *c.bos_token_id >= c.vocab_size)) {
    return Bad("bos_token_id", std::to_string(*c.bos_token_id) + " is outside the vocabulary");
  }
  return OkStatus();
}

Result<ModelConfig> LoadModelConfig(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(std::filesystem::exists(path) ? Code::kIo : Code::kNotFound,
                 "cannot open '" + path.string() + "'");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error(Code::kIo, "cannot read '" + path.string() + "'");
  auto config = ParseModelConfig(buf.str());
  if (!config) return std::move(config).error().With("'" + path.string() + "'");
  return config;
}

std::string ModelConfigToJson(const ModelConfig& c) {
  // Keys in the sorted order transformers' save_pretrained writes.
  std::string out = "{\n";
  bool first = true;
  const auto add = [&](std::string_view key, const std::string& value) {
    if (!first) out += ",\n";
    first = false;
    out += "  " + Quote(key) + ": " + value;
  };
  const char* arch_class = c.arch == Arch::kLlama   ? "LlamaForCausalLM"
                           : c.arch == Arch::kQwen2 ? "Qwen2ForCausalLM"
                                                    : "Qwen3ForCausalLM";
  add("architectures", std::string("[\n    ") + Quote(arch_class) + "\n  ]");
  if (c.arch != Arch::kQwen2) add("attention_bias", c.qkv_bias ? "true" : "false");
  add("attention_dropout", "0.0");
  add("bos_token_id", OptInt(c.bos_token_id));
  add("dtype", Quote(c.dtype));
  if (c.eos_token_ids.empty()) {
    add("eos_token_id", "null");
  } else if (c.eos_token_ids.size() == 1) {
    add("eos_token_id", std::to_string(c.eos_token_ids[0]));
  } else {
    std::string list = "[\n";
    for (size_t i = 0; i < c.eos_token_ids.size(); ++i) {
      list += "    " + std::to_string(c.eos_token_ids[i]) +
              (i + 1 < c.eos_token_ids.size() ? ",\n" : "\n");
    }
    add("eos_token_id", list + "  ]");
  }
  if (c.arch != Arch::kQwen2) add("head_dim", std::to_string(c.head_dim));
  add("hidden_act", Quote("silu"));
  add("hidden_size", std::to_string(c.hidden_size));
  add("initializer_range", Num(c.initializer_range));
  add("intermediate_size", std::to_string(c.intermediate_size));
  if (c.arch != Arch::kLlama) {
    std::string list = "[\n";
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
      list += std::string("    \"full_attention\"") + (i + 1 < c.num_hidden_layers ? ",\n" : "\n");
    }
    add("layer_types", list + "  ]");
  }
  add("max_position_embeddings", std::to_string(c.max_position_embeddings));
  if (c.arch != Arch::kLlama) add("max_window_layers", std::to_string(c.num_hidden_layers));
  if (c.arch == Arch::kLlama) add("mlp_bias", c.mlp_bias ? "true" : "false");
  add("model_type", Quote(ArchName(c.arch)));
  add("num_attention_heads", std::to_string(c.num_attention_heads));
  add("num_hidden_layers", std::to_string(c.num_hidden_layers));
  add("num_key_value_heads", std::to_string(c.num_key_value_heads));
  add("pad_token_id", OptInt(c.pad_token_id));
  if (c.arch == Arch::kLlama) add("pretraining_tp", "1");
  add("rms_norm_eps", Num(c.rms_norm_eps));
  std::string rope = "{\n";
  if (c.rope.type == RopeConfig::Type::kLlama3) {
    rope += "    \"factor\": " + Num(c.rope.factor) + ",\n";
    rope += "    \"high_freq_factor\": " + Num(c.rope.high_freq_factor) + ",\n";
    rope += "    \"low_freq_factor\": " + Num(c.rope.low_freq_factor) + ",\n";
    rope += "    \"original_max_position_embeddings\": " +
            std::to_string(c.rope.original_max_position_embeddings) + ",\n";
  }
  rope += "    \"rope_theta\": " + Num(c.rope.theta) + ",\n";
  rope += std::string("    \"rope_type\": ") +
          (c.rope.type == RopeConfig::Type::kLlama3 ? "\"llama3\"" : "\"default\"") + "\n  }";
  add("rope_parameters", rope);
  if (c.arch != Arch::kLlama) add("sliding_window", "null");
  add("tie_word_embeddings", c.tie_word_embeddings ? "true" : "false");
  add("use_cache", "true");
  if (c.arch != Arch::kLlama) add("use_sliding_window", "false");
  add("vocab_size", std::to_string(c.vocab_size));

  out += "\n}\n";
  return out;
}

}  // namespace swerl::train
