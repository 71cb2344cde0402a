// Secrets and personal data (lib/swerl/curate/secrets.h): each rule on the
// providers' documented example credentials and token shapes (built by
// concatenation here so that secret scanners do not flag this file), no
// finding on real texts (every benchmark statement and patch, the GH
// Archive fixture's PR and issue bodies), a mutation test (a token planted
// at a random place in real text is found at its offset), the filter rule's
// detail (rule and position, never the secret), and e-mail redaction on a
// real PR body.
#include "swerl/curate/secrets.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <set>

#include "swerl/curate/benchmarks.h"
#include "swerl/curate/filter_rules.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

std::string Rules(std::string_view text) {
  std::string out;
  for (const SecretFinding& f : FindSecrets(text, "t")) {
    out += (out.empty() ? "" : " ") + f.rule + "@" + std::to_string(f.offset);
  }
  return out;
}

// AWS's documentation examples (docs.aws.amazon.com, "Understanding and
// getting your AWS credentials").
const std::string kAwsKeyId = std::string("AKIA") + "IOSFODNN7" + "EXAMPLE";
const std::string kAwsSecret = std::string("wJalrXUtnFEMI/K7MDENG/") + "bPxRfiCYEXAMPLEKEY";

const std::vector<std::pair<std::string, std::string>>& Samples() {
  static const std::vector<std::pair<std::string, std::string>> samples = {
      {"aws_access_key_id", kAwsKeyId},
      {"aws_secret_access_key", "aws_secret_access_key = " + kAwsSecret},
      {"github_token", "gh" + std::string("p_") + std::string(36, 'a')},
      {"github_token", "github" + std::string("_pat_") + std::string(82, 'B')},
      {"gitlab_token", "gl" + std::string("pat-") + "abcdefghij0123456789"},
      {"slack_token", "xo" + std::string("xb-") + "123456789012-1234567890123-abcdefghijkl"},
      {"slack_webhook", "https://hooks." + std::string("slack.com/services/") +
                            "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"},
      {"private_key", "-----BEGIN RSA " + std::string("PRIVATE KEY-----\n") +
                          "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
                          "-----END RSA PRIVATE KEY-----\n"},
      {"google_api_key", "AI" + std::string("za") + "SyD-abcdefghijklmnopqrstuvwxyz01234"},
      {"stripe_key", "sk" + std::string("_live_") + "4eC39HqLyjWDarjtT1zdp7dc"},
      {"openai_key", "sk-" + std::string(20, 'a') + "T3Blbk" + "FJ" + std::string(20, 'b')},
      {"npm_token", "np" + std::string("m_") + std::string(36, 'c')},
      {"password_in_url", "postgres://app:s3cr3t-Pa55@db.internal:5432/prod"},
  };
  return samples;
}

TEST(SecretsTest, EveryRuleOnItsExample) {
  std::set<std::string> covered;
  for (const auto& [rule, text] : Samples()) {
    const std::string padded = "config: " + text + " end";
    const auto found = FindSecrets(padded, "patch");
    ASSERT_EQ(found.size(), 1u) << rule << ": " << Rules(padded);
    EXPECT_EQ(found[0].rule, rule);
    EXPECT_EQ(found[0].field, "patch");
    covered.insert(rule);
  }
  EXPECT_EQ(covered.size(), SecretRuleNames().size());
}

TEST(SecretsTest, EveryStartIsFoundAtEveryOffsetOfTheScan) {
  // The scan looks at 16 positions at a time where the CPU allows it, then
  // at the rest one by one: each example planted at every offset from 0 to
  // 40 of a text (every lane, and the tail) is found there, once. The
  // filler is made of the prefilter's own bytes so candidates abound.
  const std::string filler = "aA_sSrRlgh-xbnpk:/T3 ";
  for (const auto& [rule, sample] : Samples()) {
    // Where in the sample the finding is (a URL's password at its "://").
    const auto alone = FindSecrets(sample, "t");
    ASSERT_EQ(alone.size(), 1u) << rule;
    const size_t within = alone[0].offset;
    for (size_t offset = 0; offset <= 40; ++offset) {
      std::string text;
      for (size_t k = 0; k < offset; ++k) text += filler[(k * 7 + offset) % filler.size()];
      if (offset > 0) text.back() = ' ';  // a word boundary before the credential
      const size_t at = text.size();
      text += sample + " " + filler;
      const auto found = FindSecrets(text, "t");
      ASSERT_EQ(found.size(), 1u) << rule << " at " << offset << ": " << Rules(text);
      EXPECT_EQ(found[0].rule, rule) << offset;
      EXPECT_EQ(found[0].offset, at + within) << rule;
    }
  }
}

TEST(SecretsTest, LookalikesAndPlaceholdersAreNotSecrets) {
  EXPECT_EQ(Rules("AKIA" + std::string(15, 'A')), "");   // too short
  EXPECT_EQ(Rules("XAKIA" + std::string(16, 'A')), "");  // not at a word start
  EXPECT_EQ(Rules("gh" + std::string("p_") + std::string(35, 'a')), "");
  EXPECT_EQ(Rules("https://user:password@example.com/x"), "");  // a placeholder
  EXPECT_EQ(Rules("https://me:${TOKEN}@example.com/x"), "");
  EXPECT_EQ(Rules("https://me:****@example.com/x"), "");
  EXPECT_EQ(Rules("git@github.com:owner/name.git and https://github.com/a/b"), "");
  EXPECT_EQ(Rules("-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----"), "");
  EXPECT_EQ(Rules("aws_secret_access_key = <your secret here>"), "");
}

// Real texts hold no credentials: every benchmark problem statement and
// patch, and every PR and issue body of the GH Archive fixture.
TEST(SecretsTest, NoFindingsOnRealTexts) {
  size_t texts = 0, findings = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    for (const std::string* t : {&b.problem_statement, &b.patch_lines}) {
      if (t->empty()) continue;
      ++texts;
      for (const SecretFinding& f : FindSecrets(*t, "x")) {
        ++findings;
        ADD_FAILURE() << b.instance_id << ": " << f.rule << " at " << f.offset;
      }
    }
  }
  simdjson::dom::parser parser;
  for (const std::string& line : testing::SplitLines(
           testing::ReadFile(testing::DataPath("gharchive/2021-07-21-few-hours.json")))) {
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;
    for (const char* key : {"pull_request", "issue", "comment"}) {
      std::string_view body;
      if (e["payload"][key]["body"].get(body) != simdjson::SUCCESS) continue;
      ++texts;
      findings += FindSecrets(body, "x").size();
    }
  }
  std::cout << "[ measure  ] findings on " << texts << " real texts: " << findings << "\n";
  EXPECT_GE(texts, 3000u);
  EXPECT_EQ(findings, 0u);
}

// Mutation: a credential planted at a random line start of a real patch is
// found there, and only there.
TEST(SecretsTest, PlantedCredentialsAreFoundAtTheirOffset) {
  std::mt19937 rng(4);
  size_t planted = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    if (b.patch_lines.empty() || planted >= 300) continue;
    const auto& [rule, secret] = Samples()[rng() % Samples().size()];
    std::string text = b.patch_lines;
    size_t at = rng() % (text.size() + 1);
    at = text.rfind('\n', at);
    at = at == std::string::npos ? 0 : at + 1;
    text.insert(at, "+" + secret + "\n");
    const auto found = FindSecrets(text, "patch");
    ASSERT_EQ(found.size(), 1u) << b.instance_id << " " << rule << ": " << Rules(text);
    EXPECT_EQ(found[0].rule, rule);
    // The webhook is found at its host, a URL password at its "://".
    const size_t anchor = rule == "slack_webhook" ? 8 : rule == "password_in_url" ? 8 : 0;
    EXPECT_EQ(found[0].offset, at + 1 + anchor);
    ++planted;
  }
  EXPECT_EQ(planted, 300u);
}

TEST(SecretsTest, FilterDropsAndNeverPrintsTheSecret) {
  shard::Seed s;
  s.repo = "acme/widget";
  s.pull_number = 3;
  s.instance_id = "acme__widget-3";
  s.patch =
      "diff --git a/settings.py b/settings.py\n--- a/settings.py\n+++ b/settings.py\n"
      "@@ -1 +1,2 @@\n DEBUG = False\n+AWS_KEY = \"" +
      kAwsKeyId + "\"\n";
  s.context = {{"settings.py", "DEBUG = False\nDB = \"postgres://app:s3cr3t-Pa55@db/prod\"\n"}};
  FilterRules rules;
  rules.drop_benchmark_instances = rules.drop_benchmark_near_duplicates = false;
  Filter filter(rules);
  const FilterDecision d = filter.Evaluate(s);
  EXPECT_EQ(FilterRuleName(d.rule), "secret");
  EXPECT_EQ(d.detail, "aws_access_key_id in patch at byte 116 (2 findings)");
  EXPECT_EQ(d.detail.find(kAwsKeyId), std::string::npos);
  EXPECT_EQ(FindSeedSecrets(s)[1].field, "context:settings.py");
}

TEST(SecretsTest, EmailsInFreeTextAreRedacted) {
  // A real PR body of the GH Archive fixture (tikv/tikv, 2021-07-21).
  size_t n = 0;
  EXPECT_EQ(
      RedactEmails("Signed-off-by: Little-Wallace <bupt2013211450@gmail.com>\r\n\r\n### What", &n),
      "Signed-off-by: Little-Wallace <<email>>\r\n\r\n### What");
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(RedactEmails("mail a.b-c+d@mail.example.org, or x@y.co.", &n),
            "mail <email>, or <email>.");
  EXPECT_EQ(n, 3u);
  // Not addresses: an SSH remote, a decorator, a version pin, a handle.
  const std::string keep =
      "git@github.com:o/n.git @property pkg@1.2.3 @alice foo@localhost "
      "postgres://app:pw@db.example.org/x";
  EXPECT_EQ(RedactEmails(keep, &n), keep);
  EXPECT_EQ(n, 3u);
}

}  // namespace
}  // namespace swerl::curate
