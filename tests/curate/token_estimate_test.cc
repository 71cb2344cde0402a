// The filter's token budget estimate (EstimateTokens) against the real
// Llama-3 tokenizer on this repository's own sources and documents: it must
// never undercount much (a seed over the budget must not slip through) and
// should not overcount wildly (good seeds would be dropped).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "swerl/curate/filter_rules.h"
#include "swerl/tok/tokenizer.h"

namespace swerl::curate {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TokenEstimateTest, CalibratedAgainstLlama3OnCodeAndProse) {
  auto tok = tok::Tokenizer::Load(std::string(SWERL_TEST_DATA) + "/tokenizers/llama3");
  ASSERT_TRUE(tok) << tok.error().message();
  const fs::path root = fs::path(SWERL_TEST_DATA).parent_path().parent_path();
  struct Kind {
    const char* name;
    std::vector<std::string> exts;
    int64_t est = 0, real = 0;
    double worst = 1e9;  // the lowest per-file estimate / real
  } kinds[] = {{"C++", {".cc", ".h"}}, {"Python", {".py"}}, {"shell", {".sh"}},
               {"Markdown", {".md"}}};
  for (const char* dir : {"lib", "tests", "scripts", "bench", "schemas", "trainer"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file() || e.file_size() < 2000 || e.file_size() > 200000) continue;
      const std::string ext = e.path().extension().string();
      for (Kind& k : kinds) {
        if (std::find(k.exts.begin(), k.exts.end(), ext) == k.exts.end()) continue;
        const std::string text = Slurp(e.path());
        const int64_t est = EstimateTokens(text);
        const auto real = static_cast<int64_t>(tok->Encode(text, /*allow_special=*/false).size());
        k.est += est;
        k.real += real;
        k.worst = std::min(k.worst, static_cast<double>(est) / static_cast<double>(real));
      }
    }
  }
  for (const Kind& k : kinds) {
    ASSERT_GT(k.real, 10000) << k.name;
    const double ratio = static_cast<double>(k.est) / static_cast<double>(k.real);
    std::printf("%-8s %9lld estimated / %9lld real tokens = %.3f (lowest file %.3f)\n", k.name,
                static_cast<long long>(k.est), static_cast<long long>(k.real), ratio, k.worst);
    EXPECT_GE(ratio, 1.0) << k.name << ": the estimate undercounts";
    EXPECT_LE(ratio, 1.6) << k.name << ": the estimate overcounts";
    EXPECT_GE(k.worst, 0.85) << k.name << ": some file is undercounted";
  }
}

}  // namespace
}  // namespace swerl::curate
