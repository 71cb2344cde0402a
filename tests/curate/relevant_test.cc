// swerl relevant's pure parts: the code-aware tokenizer, BM25 ranking
// properties, and extracting paths from a model's answer.
#include "swerl/curate/relevant.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "swerl/curate/bm25.h"

namespace swerl::curate {
namespace {

using ::testing::ElementsAre;

TEST(TokenizeTest, SplitsIdentifiersAndKeepsThemWhole) {
  EXPECT_THAT(Tokenize("parseConfigFile"),
              ElementsAre("parseconfigfile", "parse", "config", "file"));
  EXPECT_THAT(Tokenize("load_yaml_config"),
              ElementsAre("load_yaml_config", "load", "yaml", "config"));
  EXPECT_THAT(Tokenize("HTTPServer"), ElementsAre("httpserver", "http", "server"));
  EXPECT_THAT(Tokenize("parseURL"), ElementsAre("parseurl", "parse", "url"));
  EXPECT_THAT(Tokenize("utf8 base64Encode"),
              ElementsAre("utf8", "base64encode", "base64", "encode"));
  EXPECT_THAT(Tokenize("src/swerl/bm25.cc"), ElementsAre("src", "swerl", "bm25", "cc"));
}

TEST(TokenizeTest, DropsShortTokensLongNumbersAndStopWords) {
  // "x" is 1 byte; 12345 has more than 4 digits; "the", "is", "return" are stop words.
  EXPECT_THAT(Tokenize("The x is 12345 but 2024 return Value"), ElementsAre("2024", "value"));
  EXPECT_THAT(Tokenize("__init__ a_b"), ElementsAre("__init__", "init", "a_b"));
  EXPECT_THAT(Tokenize(std::string(65, 'q') + " caf\xc3\xa9"), ElementsAre("caf"));
  EXPECT_TRUE(Tokenize("").empty());
  EXPECT_TRUE(IsStopWord("self"));
  EXPECT_FALSE(IsStopWord("config"));
}

struct Corpus {
  Vocabulary vocab;
  std::vector<Document> docs;
  std::vector<std::string> paths;

  void Add(const std::string& path, const std::string& content) {
    paths.push_back(path);
    docs.push_back(MakeDocument(path, content, &vocab));
  }
  std::vector<std::string> Rank(const std::string& query, size_t k) {
    std::vector<const Document*> ptrs;
    std::vector<std::string_view> names;
    for (size_t i = 0; i < docs.size(); ++i) {
      ptrs.push_back(&docs[i]);
      names.push_back(paths[i]);
    }
    std::vector<std::string> out;
    for (const Bm25Hit& hit : RankBm25(ptrs, names, Tokenize(query), vocab, k)) {
      out.push_back(paths[hit.doc]);
    }
    return out;
  }
  double Score(const std::string& query, const std::string& path) {
    std::vector<const Document*> ptrs;
    std::vector<std::string_view> names;
    for (size_t i = 0; i < docs.size(); ++i) {
      ptrs.push_back(&docs[i]);
      names.push_back(paths[i]);
    }
    for (const Bm25Hit& hit : RankBm25(ptrs, names, Tokenize(query), vocab, docs.size())) {
      if (paths[hit.doc] == path) return hit.score;
    }
    return 0;
  }
};

TEST(Bm25Test, DocumentCountsPathTokensThreeTimes) {
  Vocabulary vocab;
  const Document doc = MakeDocument("lib/config.py", "config loader", &vocab);
  EXPECT_EQ(doc.Frequency(static_cast<uint32_t>(vocab.Find("config"))), kPathWeight + 1);
  EXPECT_EQ(doc.Frequency(static_cast<uint32_t>(vocab.Find("loader"))), 1u);
  EXPECT_EQ(doc.Frequency(static_cast<uint32_t>(vocab.Find("lib"))), kPathWeight);
  EXPECT_EQ(doc.length, 3 * kPathWeight + 2);
  EXPECT_EQ(vocab.Find("absent"), -1);
}

TEST(Bm25Test, FileMatchingByPathAndContentRanksFirst) {
  Corpus c;
  c.Add("docs/guide.md", "How to write a yaml configuration for the loader.");
  c.Add("src/util.py", "def helper():\n    return loader\n");
  c.Add("src/config_loader.py", "class ConfigLoader:\n    def load_yaml(self, text): ...\n");
  c.Add("README.md", "A widget library.");
  const auto ranked = c.Rank("ConfigLoader crashes on empty yaml", 10);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(ranked[0], "src/config_loader.py");
  // README.md shares no term with the query: it has no positive score.
  EXPECT_EQ(std::find(ranked.begin(), ranked.end(), "README.md"), ranked.end());
  EXPECT_EQ(c.Rank("ConfigLoader crashes on empty yaml", 1).size(), 1u);
  EXPECT_TRUE(c.Rank("nothing matches zzz", 5).empty());
  EXPECT_TRUE(c.Rank("", 5).empty());
}

TEST(Bm25Test, RarerTermsWeighMore) {
  // "alpha" is in one document of six, "beta" in four: same frequency and
  // length, so the alpha document scores higher on "alpha beta".
  Corpus c;
  c.Add("a.txt", "alpha gamma");
  c.Add("b.txt", "beta gamma");
  c.Add("c.txt", "beta delta");
  c.Add("d.txt", "beta delta");
  c.Add("e.txt", "beta delta");
  c.Add("f.txt", "delta delta");
  EXPECT_GT(c.Score("alpha", "a.txt"), c.Score("beta", "b.txt"));
  EXPECT_EQ(c.Rank("alpha beta", 1), std::vector<std::string>{"a.txt"});
  // More occurrences of a term score higher, with diminishing returns.
  Corpus t;
  t.Add("one.txt", "omega pad pad pad");
  t.Add("two.txt", "omega omega pad pad");
  t.Add("none.txt", "pad pad pad pad");
  const double one = t.Score("omega", "one.txt"), two = t.Score("omega", "two.txt");
  EXPECT_GT(two, one);
  EXPECT_LT(two, 2 * one);
}

TEST(Bm25Test, TiesBreakByPath) {
  Corpus c;
  c.Add("z.txt", "needle");
  c.Add("m.txt", "needle");
  c.Add("a.txt", "needle");
  c.Add("other.txt", "hay");
  EXPECT_EQ(c.Rank("needle", 3), (std::vector<std::string>{"a.txt", "m.txt", "z.txt"}));
  EXPECT_EQ(c.Rank("needle", 2), (std::vector<std::string>{"a.txt", "m.txt"}));
}

TEST(ParseModelPathsTest, StripsListMarkupAndDropsUnsafePaths) {
  const std::string answer =
      "Here are the relevant files:\n"
      "1. `src/config_loader.py`\n"
      "2) src/util.py\n"
      "- \"docs/guide.md\"\n"
      "* ./README.md\r\n"
      "+ lib/a b.py\n"
      "../etc/passwd\n"
      "src/../secret.py\n"
      "/etc/passwd\n"
      "src//x.py\n"
      "\n"
      "src/util.py";
  EXPECT_THAT(ParseModelPaths(answer), ElementsAre("src/config_loader.py", "src/util.py",
                                                   "docs/guide.md", "README.md", "src/util.py"));
  EXPECT_TRUE(ParseModelPaths("").empty());
}

}  // namespace
}  // namespace swerl::curate
