#include "trainer/model/transformer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>
#include <torch/types.h>

#include <cmath>
#include <numbers>
#include <optional>
#include <string>

#include "swerl/core/check.h"

namespace swerl::train {
namespace {

// transformers' RMSNorm: normalise in float32, cast back, then scale.
torch::Tensor RmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  const auto input_dtype = x.scalar_type();
  auto h = x.to(torch::kFloat32);
  auto variance = h.pow(2).mean(-1, /*keepdim=*/true);
  h = h * torch::rsqrt(variance + eps);
  return weight * h.to(input_dtype);
}

torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return b.defined() ? torch::linear(x, w, b) : torch::linear(x, w);
}

// (x1, x2) -> (-x2, x1) over the last dimension (HF's half-split pairs).
torch::Tensor RotateHalf(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// (B, Hkv, S, D) -> (B, Hkv * n_rep, S, D), each kv head repeated n_rep
// times in a row (torch.repeat_interleave on dim 1).
torch::Tensor RepeatKv(const torch::Tensor& x, int64_t n_rep) {
  if (n_rep == 1) return x;
  const auto b = x.size(0), h = x.size(1), s = x.size(2), d = x.size(3);
  return x.unsqueeze(2).expand({b, h, n_rep, s, d}).reshape({b, h * n_rep, s, d});
}

}  // namespace

// One decoder block's parameters, registered under the HF names.
class DecoderLayer : public torch::nn::Module {
 public:
  DecoderLayer(const ModelConfig& c, const torch::TensorOptions& opt) : config_(c) {
    const int64_t q_dim = c.num_attention_heads * c.head_dim;
    const int64_t kv_dim = c.num_key_value_heads * c.head_dim;
    auto attn = register_module("self_attn", std::make_shared<torch::nn::Module>());
    auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
    const auto linear = [&](torch::nn::Module& owner, const std::string& name, int64_t out,
                            int64_t in, bool bias, torch::Tensor* w, torch::Tensor* b) {
      auto m = owner.register_module(name, std::make_shared<torch::nn::Module>());
      *w = m->register_parameter("weight", torch::empty({out, in}, opt));
      if (bias) *b = m->register_parameter("bias", torch::empty({out}, opt));
    };
    linear(*attn, "q_proj", q_dim, c.hidden_size, c.qkv_bias, &q_w_, &q_b_);
    linear(*attn, "k_proj", kv_dim, c.hidden_size, c.qkv_bias, &k_w_, &k_b_);
    linear(*attn, "v_proj", kv_dim, c.hidden_size, c.qkv_bias, &v_w_, &v_b_);
    linear(*attn, "o_proj", c.hidden_size, q_dim, c.o_bias, &o_w_, &o_b_);
    if (c.qk_norm) {
      q_norm_ = attn->register_module("q_norm", std::make_shared<torch::nn::Module>())
                    ->register_parameter("weight", torch::empty({c.head_dim}, opt));
      k_norm_ = attn->register_module("k_norm", std::make_shared<torch::nn::Module>())
                    ->register_parameter("weight", torch::empty({c.head_dim}, opt));
    }
    linear(*mlp, "gate_proj", c.intermediate_size, c.hidden_size, c.mlp_bias, &gate_w_, &gate_b_);
    linear(*mlp, "up_proj", c.intermediate_size, c.hidden_size, c.mlp_bias, &up_w_, &up_b_);
    linear(*mlp, "down_proj", c.hidden_size, c.intermediate_size, c.mlp_bias, &down_w_, &down_b_);
    in_norm_ = register_module("input_layernorm", std::make_shared<torch::nn::Module>())
                   ->register_parameter("weight", torch::empty({c.hidden_size}, opt));
    post_norm_ = register_module("post_attention_layernorm", std::make_shared<torch::nn::Module>())
                     ->register_parameter("weight", torch::empty({c.hidden_size}, opt));
  }

  // x (B, T, hidden); cos/sin (B, 1, T, D); mask (B, 1, T, S) bool, or
  // undefined for "every key" (causal: the plain causal pattern). With
  // k_cache/v_cache (B, Hkv, capacity, D), stores this step's keys at
  // columns [past, past + T) and attends over [0, past + T).
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, bool causal, torch::Tensor* k_cache,
                        torch::Tensor* v_cache, int64_t past) {
    const ModelConfig& c = config_;
    const int64_t batch = x.size(0), steps = x.size(1);
    const int64_t heads = c.num_attention_heads, kv_heads = c.num_key_value_heads, d = c.head_dim;

    auto h = RmsNorm(x, in_norm_, c.rms_norm_eps);
    auto q = Linear(h, q_w_, q_b_).view({batch, steps, heads, d});     // (B, T, H, D)
    auto k = Linear(h, k_w_, k_b_).view({batch, steps, kv_heads, d});  // (B, T, Hkv, D)
    auto v = Linear(h, v_w_, v_b_).view({batch, steps, kv_heads, d});
    if (c.qk_norm) {
      q = RmsNorm(q, q_norm_, c.rms_norm_eps);
      k = RmsNorm(k, k_norm_, c.rms_norm_eps);
    }
    q = q.transpose(1, 2);  // (B, H, T, D)
    k = k.transpose(1, 2);  // (B, Hkv, T, D)
    v = v.transpose(1, 2);
    q = q * cos + RotateHalf(q) * sin;
    k = k * cos + RotateHalf(k) * sin;
    if (k_cache != nullptr) {
      k_cache->narrow(2, past, steps).copy_(k);
      v_cache->narrow(2, past, steps).copy_(v);
      k = k_cache->narrow(2, 0, past + steps);
      v = v_cache->narrow(2, 0, past + steps);
    }
    const int64_t n_rep = heads / kv_heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    const std::optional<torch::Tensor> attn_mask =
        mask.defined() ? std::optional<torch::Tensor>(mask) : std::nullopt;
    torch::Tensor attn;
    if (n_rep > 1 && steps == 1) {
      // One query per row: fold each kv head's n_rep query heads into the
      // query axis, so K and V are read once (as transformers does).
      auto q_packed = q.reshape({batch, kv_heads, n_rep, d});
      attn = at::scaled_dot_product_attention(q_packed, k, v, attn_mask, 0.0, false, scale);
      attn = attn.reshape({batch, heads, 1, d});
    } else {
      attn = at::scaled_dot_product_attention(q, RepeatKv(k, n_rep), RepeatKv(v, n_rep), attn_mask,
                                              0.0, causal, scale);
    }
    attn = attn.transpose(1, 2).reshape({batch, steps, heads * d});
    auto out = x + Linear(attn, o_w_, o_b_);

    h = RmsNorm(out, post_norm_, c.rms_norm_eps);
    auto mlp = Linear(torch::silu(Linear(h, gate_w_, gate_b_)) * Linear(h, up_w_, up_b_), down_w_,
                      down_b_);
    return out + mlp;
  }

 private:
  const ModelConfig config_;
  torch::Tensor q_w_, q_b_, k_w_, k_b_, v_w_, v_b_, o_w_, o_b_;
  torch::Tensor q_norm_, k_norm_;
  torch::Tensor gate_w_, gate_b_, up_w_, up_b_, down_w_, down_b_;
  torch::Tensor in_norm_, post_norm_;
};

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Activation checkpointing of one decoder layer (LibTorch has no
// torch.utils.checkpoint). forward runs the layer without grad (autograd
// Functions' forward always does) and saves only its inputs; backward
// re-runs it with grad on a detached copy of x and differentiates that
// graph w.r.t. x and the layer's parameters. The parameters are explicit
// inputs, so their gradients return through this node (no reentrant
// accumulation into .grad behind autograd's back). Recomputation is exact:
// the layer has no randomness and the same inputs give the same ops.
class CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, DecoderLayer* layer, bool causal,
                               const torch::Tensor& x, const torch::Tensor& cos,
                               const torch::Tensor& sin, const std::optional<torch::Tensor>& mask,
                               at::TensorList params) {
    ctx->save_for_backward({x, cos, sin, mask.value_or(torch::Tensor())});
    ctx->saved_data["params"] = static_cast<int64_t>(params.size());
    // The layer outlives the graph (the model owns it); kept as an integer
    // because saved_data holds IValues.
    ctx->saved_data["layer"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(layer));
    ctx->saved_data["causal"] = causal;
    return layer->Forward(x, cos, sin, mask.value_or(torch::Tensor()), causal, nullptr, nullptr, 0);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    auto* layer =
        reinterpret_cast<DecoderLayer*>(static_cast<intptr_t>(ctx->saved_data["layer"].toInt()));
    const bool causal = ctx->saved_data["causal"].toBool();
    const torch::Tensor& mask = saved[3];
    // Variable inputs in order: x, cos, sin, [mask when defined], params.
    const size_t first_param_edge = mask.defined() ? 4 : 3;
    // The layer's own parameter tensors: the recomputed graph is built on
    // them, so they are the leaves to differentiate against.
    const std::vector<torch::Tensor> params = layer->parameters();
    const size_t n_params = params.size();
    SWERL_CHECK(static_cast<int64_t>(n_params) == ctx->saved_data["params"].toInt());

    torch::AutoGradMode grad_on(true);
    auto x = saved[0].detach().requires_grad_(ctx->needs_input_grad(0));
    auto y = layer->Forward(x, saved[1], saved[2], mask, causal, nullptr, nullptr, 0);
    std::vector<torch::Tensor> inputs;
    std::vector<size_t> slot;  // position of each input in the returned list
    if (x.requires_grad()) {
      inputs.push_back(x);
      slot.push_back(2);
    }
    for (size_t i = 0; i < n_params; ++i) {
      if (ctx->needs_input_grad(first_param_edge + i) && params[i].requires_grad()) {
        inputs.push_back(params[i]);
        slot.push_back(6 + i);
      }
    }
    variable_list out(6 + n_params);
    if (inputs.empty() || !y.requires_grad()) return out;
    auto grads = torch::autograd::grad({y}, inputs, {grad_outputs[0]}, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t i = 0; i < inputs.size(); ++i) out[slot[i]] = grads[i];
    return out;
  }
};

}  // namespace

torch::Tensor RopeInvFreq(const RopeConfig& rope, int64_t head_dim) {
  // The same float32 operations as transformers' default and llama3 RoPE
  // initialisers, so the frequencies agree bit for bit. Python evaluates
  // `scalar / tensor` as tensor.reciprocal() * scalar (C++'s operator/
  // divides), hence the explicit reciprocals.
  auto exponents = torch::arange(0, head_dim, 2, torch::kInt64).to(torch::kFloat32) /
                   static_cast<double>(head_dim);
  auto inv_freq = torch::pow(rope.theta, exponents).reciprocal() * 1.0;
  if (rope.type == RopeConfig::Type::kDefault) return inv_freq;

  const double old_len = static_cast<double>(rope.original_max_position_embeddings);
  const double low_wavelen = old_len / rope.low_freq_factor;
  const double high_wavelen = old_len / rope.high_freq_factor;
  auto wavelen = inv_freq.reciprocal() * (2 * std::numbers::pi);
  auto scaled = torch::where(wavelen > low_wavelen, inv_freq / rope.factor, inv_freq);
  auto smooth = (wavelen.reciprocal() * old_len - rope.low_freq_factor) /
                (rope.high_freq_factor - rope.low_freq_factor);
  auto smoothed = (1 - smooth) * scaled / rope.factor + smooth * scaled;
  auto medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(medium, smoothed, scaled);
}

Transformer::Transformer(const ModelConfig& config, torch::Device device, torch::Dtype dtype)
    : config_(config), device_(device), dtype_(dtype) {
  const auto opt = torch::TensorOptions().dtype(dtype).device(device);
  const ModelConfig& c = config_;
  auto body = register_module("model", std::make_shared<torch::nn::Module>());
  embed_ = body->register_module("embed_tokens", std::make_shared<torch::nn::Module>())
               ->register_parameter("weight", torch::empty({c.vocab_size, c.hidden_size}, opt));
  auto layers = body->register_module("layers", std::make_shared<torch::nn::Module>());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layers_.push_back(
        layers->register_module(std::to_string(i), std::make_shared<DecoderLayer>(config_, opt)));
  }
  norm_ = body->register_module("norm", std::make_shared<torch::nn::Module>())
              ->register_parameter("weight", torch::empty({c.hidden_size}, opt));
  if (!c.tie_word_embeddings) {
    lm_head_ = register_module("lm_head", std::make_shared<torch::nn::Module>())
                   ->register_parameter("weight", torch::empty({c.vocab_size, c.hidden_size}, opt));
  }
  inv_freq_ = RopeInvFreq(c.rope, c.head_dim).to(device);
}

Transformer::~Transformer() = default;

const torch::Tensor& Transformer::output_weight() const {
  return lm_head_.defined() ? lm_head_ : embed_;
}

torch::Tensor Transformer::Hidden(const torch::Tensor& ids, const torch::Tensor& positions,
                                  const torch::Tensor& key_mask, KvCache* cache) {
  const int64_t batch = ids.size(0), steps = ids.size(1);
  const int64_t past = cache != nullptr ? cache->length_ : 0;
  const int64_t total = past + steps;
  SWERL_CHECK(positions.size(0) == batch && positions.size(1) == steps);
  SWERL_CHECK(key_mask.size(0) == batch && key_mask.size(1) == total);
  SWERL_CHECK(cache == nullptr || (cache->batch_ == batch && total <= cache->capacity_));

  auto x = torch::embedding(embed_, ids);  // (B, T, hidden)

  // cos/sin (B, 1, T, D), computed in float32 and cast as transformers does.
  auto freqs = positions.unsqueeze(-1).to(torch::kFloat32) * inv_freq_;  // (B, T, D/2)
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos().to(dtype_).unsqueeze(1);
  auto sin = emb.sin().to(dtype_).unsqueeze(1);

  // Without padding, a prompt needs only the causal pattern and a one-token
  // step every key, which lets SDPA pick its fused kernels (GRPO's groups
  // repeat one prompt, so they have no padding). Otherwise the mask (B, 1,
  // T, S): real keys at or before the query's column. A query always sees
  // its own column, so pad rows never softmax over nothing.
  torch::Tensor mask;
  bool causal = false;
  const bool dense = key_mask.all().item<bool>();
  if (dense && past == 0) {
    causal = steps > 1;
  } else if (!(dense && steps == 1)) {
    auto query_col = torch::arange(
        past, total, torch::TensorOptions().dtype(torch::kInt64).device(ids.device()));
    auto key_col =
        torch::arange(0, total, torch::TensorOptions().dtype(torch::kInt64).device(ids.device()));
    auto before = key_col.unsqueeze(0) <= query_col.unsqueeze(1);  // (T, S)
    auto diagonal = key_col.unsqueeze(0) == query_col.unsqueeze(1);
    mask = (before.unsqueeze(0) & key_mask.to(torch::kBool).unsqueeze(1)) | diagonal.unsqueeze(0);
    mask = mask.unsqueeze(1);
  }

  const bool checkpoint = checkpoint_layers_ && cache == nullptr && torch::GradMode::is_enabled();
  const std::optional<torch::Tensor> mask_opt =
      mask.defined() ? std::optional<torch::Tensor>(mask) : std::nullopt;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (checkpoint) {
      const std::vector<torch::Tensor> params = layers_[i]->parameters();
      x = CheckpointedLayer::apply(layers_[i].get(), causal, x, cos, sin, mask_opt,
                                   at::TensorList(params));
      continue;
    }
    x = layers_[i]->Forward(x, cos, sin, mask, causal, cache ? &cache->k_[i] : nullptr,
                            cache ? &cache->v_[i] : nullptr, past);
  }
  if (cache != nullptr) cache->length_ = total;
  return RmsNorm(x, norm_, config_.rms_norm_eps);
}

torch::Tensor Transformer::Logits(const torch::Tensor& hidden) const {
  return torch::linear(hidden, output_weight());
}

KvCache::KvCache(const Transformer& model, int64_t batch, int64_t capacity)
    : batch_(batch), capacity_(capacity) {
  const ModelConfig& c = model.config();
  const auto opt = torch::TensorOptions().dtype(model.dtype()).device(model.device());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    k_.push_back(torch::empty({batch, c.num_key_value_heads, capacity, c.head_dim}, opt));
    v_.push_back(torch::empty({batch, c.num_key_value_heads, capacity, c.head_dim}, opt));
  }
}

void KvCache::SelectRows(const torch::Tensor& rows) {
  if (2 * length_ < capacity_) {
    SelectRows(rows, capacity_);  // copying the filled columns twice is the cheaper way
    return;
  }
  for (size_t i = 0; i < k_.size(); ++i) {
    auto index = rows.to(k_[i].device());
    k_[i] = k_[i].index_select(0, index);
    v_[i] = v_[i].index_select(0, index);
  }
  batch_ = rows.size(0);
}

void KvCache::SelectRows(const torch::Tensor& rows, int64_t capacity) {
  SWERL_CHECK(length_ <= capacity);
  const int64_t n = rows.size(0);
  for (size_t i = 0; i < k_.size(); ++i) {
    auto index = rows.to(k_[i].device());
    for (torch::Tensor* t : {&k_[i], &v_[i]}) {
      auto fresh = torch::empty({n, t->size(1), capacity, t->size(3)}, t->options());
      fresh.narrow(2, 0, length_).copy_(t->narrow(2, 0, length_).index_select(0, index));
      *t = std::move(fresh);
    }
  }
  batch_ = n;
  capacity_ = capacity;
}

PaddedBatch LeftPad(const std::vector<std::vector<int32_t>>& rows, torch::Device device,
                    int64_t pad_id) {
  PaddedBatch out;
  const int64_t batch = static_cast<int64_t>(rows.size());
  int64_t width = 0;
  for (const auto& row : rows) {
    SWERL_CHECK(!row.empty());
    out.lengths.push_back(static_cast<int64_t>(row.size()));
    width = std::max<int64_t>(width, static_cast<int64_t>(row.size()));
  }
  auto ids = torch::full({batch, width}, pad_id, torch::kInt64);
  auto positions = torch::zeros({batch, width}, torch::kInt64);
  auto mask = torch::zeros({batch, width}, torch::kBool);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto pos_a = positions.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<bool, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t len = out.lengths[b];
    for (int64_t t = 0; t < len; ++t) {
      ids_a[b][width - len + t] = rows[b][t];
      pos_a[b][width - len + t] = t;
      mask_a[b][width - len + t] = true;
    }
  }
  out.ids = ids.to(device);
  out.positions = positions.to(device);
  out.key_mask = mask.to(device);
  return out;
}

void InitRandom(Transformer& model, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double std_dev = model.config().initializer_range;
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    torch::Tensor value;
    if (name.ends_with(".bias")) {
      value = torch::zeros(p.sizes(), torch::kFloat32);
    } else if (name.ends_with("norm.weight")) {
      value = torch::ones(p.sizes(), torch::kFloat32);
    } else {
      value =
          at::normal(0.0, std_dev, p.sizes(), gen, torch::TensorOptions().dtype(torch::kFloat32));
    }
    p.copy_(value);
  }
}

}  // namespace swerl::train
