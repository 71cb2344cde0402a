// GRPO rollout speed of GenerateGroups (bench/trainer/rollout.sh runs it
// beside transformers' generate): groups of G samples sharing a prompt,
// sampled at a temperature with no EOS, so every completion has exactly
// --max-new-tokens tokens. Prints one JSON line of timings on stdout.
//
// Usage: swerl_rollout_bench --model DIR --prompts FILE.jsonl
//          [--group 8] [--groups-per-batch 4] [--max-new-tokens 64]
//          [--temperature 1] [--threads 1] [--repeat 1] [--seed 0]
// FILE.jsonl: one {"ids": [...]} per line; each batch takes the next
// --groups-per-batch prompts, --repeat times over the file.
#include <ATen/Parallel.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "trainer/generate/generator.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"

namespace {

// The integers of a line like {"ids": [1, 2, 3]} (no JSON library needed
// for the bench's own files).
std::vector<int32_t> ParseIds(const std::string& line) {
  std::vector<int32_t> ids;
  const size_t open = line.find('[');
  const size_t close = line.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return ids;
  const char* p = line.c_str() + open + 1;
  const char* end = line.c_str() + close;
  while (p < end) {
    char* next = nullptr;
    const long v = std::strtol(p, &next, 10);
    if (next == p) {
      ++p;
      continue;
    }
    ids.push_back(static_cast<int32_t>(v));
    p = next;
  }
  return ids;
}

// CPU time of the process: on a shared machine it moves less than wall
// time when other jobs take the cores.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "swerl_rollout_bench: %s\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_dir, prompts_path;
  int64_t group = 8, groups_per_batch = 4, max_new = 64, threads = 1, repeat = 1;
  double temperature = 1.0;
  uint64_t seed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) Usage(("missing value after " + a).c_str());
    const char* v = argv[++i];
    if (a == "--model")
      model_dir = v;
    else if (a == "--prompts")
      prompts_path = v;
    else if (a == "--group")
      group = std::atol(v);
    else if (a == "--groups-per-batch")
      groups_per_batch = std::atol(v);
    else if (a == "--max-new-tokens")
      max_new = std::atol(v);
    else if (a == "--temperature")
      temperature = std::atof(v);
    else if (a == "--threads")
      threads = std::atol(v);
    else if (a == "--repeat")
      repeat = std::atol(v);
    else if (a == "--seed")
      seed = std::strtoull(v, nullptr, 10);
    else
      Usage(("unknown flag " + a).c_str());
  }
  if (model_dir.empty() || prompts_path.empty()) Usage("--model and --prompts are required");
  at::set_num_threads(static_cast<int>(threads));

  std::vector<std::vector<int32_t>> prompts;
  std::ifstream in(prompts_path);
  for (std::string line; std::getline(in, line);) {
    if (auto ids = ParseIds(line); !ids.empty()) prompts.push_back(std::move(ids));
  }
  if (prompts.empty()) Usage("no prompts");
  auto model = swerl::train::LoadModel(model_dir, torch::kCPU, torch::kFloat32);
  if (!model) Usage(model.error().message().c_str());

  swerl::train::GenerateOptions opt;
  opt.sampling.temperature = temperature;
  opt.max_new_tokens = max_new;  // no eos_ids: every completion runs to the limit
  swerl::train::GenerateStats stats;
  double seconds = 0, cpu_seconds = 0;
  uint64_t seed_id = 0;
  for (int64_t r = 0; r < repeat; ++r) {
    for (size_t first = 0; first < prompts.size(); first += groups_per_batch) {
      std::vector<swerl::train::PromptGroup> groups;
      for (size_t i = first; i < std::min(prompts.size(), first + groups_per_batch); ++i) {
        groups.push_back({prompts[i], swerl::train::RolloutKeys(seed, 0, seed_id++, group)});
      }
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = CpuSeconds();
      auto out = swerl::train::GenerateGroups(**model, groups, opt, {}, &stats);
      cpu_seconds += CpuSeconds() - cpu_start;
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!out) Usage(out.error().message().c_str());
    }
  }
  const int64_t decode_tokens = stats.generated_tokens - stats.completions;
  std::printf(
      "{\"prompts\": %ld, \"prompt_tokens\": %ld, \"completions\": %ld, "
      "\"generated_tokens\": %ld, \"prefill_seconds\": %.6f, \"decode_seconds\": %.6f, "
      "\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"tokens_per_second\": %.3f, "
      "\"decode_tokens_per_second\": %.3f, \"tokens_per_cpu_second\": %.3f}\n",
      static_cast<long>(stats.prompts), static_cast<long>(stats.prompt_tokens),
      static_cast<long>(stats.completions), static_cast<long>(stats.generated_tokens),
      stats.prefill_seconds, stats.decode_seconds, seconds, cpu_seconds,
      stats.generated_tokens / seconds, decode_tokens / stats.decode_seconds,
      stats.generated_tokens / cpu_seconds);
  return 0;
}
