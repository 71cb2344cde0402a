#include "swerl/link/issue_refs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "swerl/link/py_re_classes.h"

namespace swerl::link {
namespace {

constexpr std::string_view kRepo = "acme/widget";

// "Fixes #1, o/r#2, #3": closing references with their keyword as written,
// other repositories as owner/name, in the order returned.
std::string Show(const std::vector<IssueRef>& refs) {
  std::string out;
  for (const IssueRef& r : refs) {
    if (!out.empty()) out += ", ";
    if (r.closing) out += r.keyword + " ";
    if (!r.owner.empty()) out += r.owner + "/" + r.name;
    out += '#';
    out += std::to_string(r.number);
  }
  return out;
}

std::string Swerl(std::string_view text) { return Show(FindIssueRefs(text, kRepo)); }
std::string SweBench(std::string_view text) {
  return Show(FindIssueRefs(text, kRepo, RefRule::kSweBench));
}

// ---------------------------------------------------------------------------
// kSwerl: keywords.

TEST(IssueRefsTest, AllNineKeywordsInAnyCaseClose) {
  for (std::string kw :
       {"close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"}) {
    std::string upper = kw, capital = kw, mixed = kw;
    for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
    capital[0] = upper[0];
    mixed[1] = upper[1];
    for (const std::string& written : {kw, upper, capital, mixed}) {
      EXPECT_EQ(Swerl(written + " #12"), written + " #12") << written;
    }
  }
}

TEST(IssueRefsTest, KeywordsAreWholeWords) {
  EXPECT_EQ(Swerl("prefixes #1"), "#1");
  EXPECT_EQ(Swerl("unfixed #2"), "#2");
  EXPECT_EQ(Swerl("fixing #3"), "#3");
  EXPECT_EQ(Swerl("fixes_ #4"), "#4");
  EXPECT_EQ(Swerl("fix2 #5"), "#5");
  EXPECT_EQ(Swerl("pr\xC3\xA9"
                  "fixes #6"),
            "#6");  // préfixes: a non-ASCII letter joins the word
  EXPECT_EQ(Swerl("(fixes #7)"), "fixes #7");
  EXPECT_EQ(Swerl("- [x] Closes #8."), "Closes #8");
}

TEST(IssueRefsTest, ColonAndWhitespaceBetweenKeywordAndReference) {
  EXPECT_EQ(Swerl("Fixes: #3"), "Fixes #3");
  EXPECT_EQ(Swerl("Fixes:#3"), "Fixes #3");
  EXPECT_EQ(Swerl("Fixes \t #3"), "Fixes #3");
  EXPECT_EQ(Swerl("Fixes\n#3"), "Fixes #3");  // a soft line break is whitespace
  EXPECT_EQ(Swerl("Fixes : #3"), "#3");       // the colon must touch the keyword
  EXPECT_EQ(Swerl("Fixes:: #3"), "#3");
  EXPECT_EQ(Swerl("fixes#3"), "");           // '#' glued to a word is no reference
  EXPECT_EQ(Swerl("Fixes issue #3"), "#3");  // GitHub closes only KEYWORD REF
}

TEST(IssueRefsTest, AKeywordClosesOnlyTheReferenceRightAfterIt) {
  EXPECT_EQ(Swerl("fixes #1, fixes #2"), "fixes #1, fixes #2");
  EXPECT_EQ(Swerl("Fixes #1, #2 and #3"), "Fixes #1, #2, #3");
  EXPECT_EQ(Swerl("Resolves #10, resolves #123, resolves octo-org/octo-repo#100"),
            "Resolves #10, resolves #123, resolves octo-org/octo-repo#100");
}

// ---------------------------------------------------------------------------
// kSwerl: reference forms.

TEST(IssueRefsTest, CrossRepositoryReferences) {
  EXPECT_EQ(Swerl("Fixes octo/lib#4"), "Fixes octo/lib#4");
  EXPECT_EQ(Swerl("see octo/lib#5"), "octo/lib#5");
  EXPECT_EQ(Swerl("fixes o/my.repo_x-1#6"), "fixes o/my.repo_x-1#6");
  EXPECT_EQ(Swerl("fixes fix/fix#7"), "fixes fix/fix#7");
  EXPECT_EQ(Swerl("fix/repo#8"), "fix/repo#8");  // an owner that looks like a keyword
  const std::string owner39(39, 'a');
  EXPECT_EQ(Swerl(owner39 + "/r#9"), owner39 + "/r#9");
  EXPECT_EQ(Swerl(std::string(40, 'a') + "/r#9"), "");
  EXPECT_EQ(Swerl("-o/r#9"), "");   // owners start with a letter or digit
  EXPECT_EQ(Swerl("a/b/c#9"), "");  // a path, not a repository
  EXPECT_EQ(Swerl("o/..#9 o/.#9"), "");
  EXPECT_EQ(Swerl("o/" + std::string(100, 'r') + "#1"), "o/" + std::string(100, 'r') + "#1");
  EXPECT_EQ(Swerl("o/" + std::string(101, 'r') + "#1"), "");
}

TEST(IssueRefsTest, IssueAndPullUrls) {
  EXPECT_EQ(Swerl("Fixes https://github.com/octo/lib/issues/6"), "Fixes octo/lib#6");
  EXPECT_EQ(Swerl("fixes https://github.com/octo/lib/pull/7"), "fixes octo/lib#7");
  EXPECT_EQ(Swerl("fixes http://github.com/octo/lib/issues/8"), "fixes octo/lib#8");
  EXPECT_EQ(Swerl("fixes www.github.com/octo/lib/issues/9"), "fixes octo/lib#9");
  EXPECT_EQ(Swerl("fixes HTTPS://WWW.GitHub.com/octo/lib/issues/10"), "fixes octo/lib#10");
  EXPECT_EQ(Swerl("(fixes https://github.com/octo/lib/issues/11)."), "fixes octo/lib#11");
  EXPECT_EQ(Swerl("see https://github.com/octo/lib/issues/12#issuecomment-987654"), "octo/lib#12");
  EXPECT_EQ(Swerl("see <https://github.com/octo/lib/pull/13/files#diff-1>"), "octo/lib#13");
  EXPECT_EQ(Swerl("[#14](https://github.com/octo/lib/issues/14)"), "#14, octo/lib#14");
  // Not issue URLs.
  EXPECT_EQ(Swerl("https://github.com/octo/lib/blob/main/a.py#L10"), "");
  EXPECT_EQ(Swerl("https://gitlab.com/octo/lib/-/issues/15"), "");
  EXPECT_EQ(Swerl("github.com/octo/lib/issues/16"), "");  // GitHub does not autolink it
  EXPECT_EQ(Swerl("https://github.com/octo/lib/issues/17abc"), "");
  EXPECT_EQ(Swerl("https://github.com/octo/lib/discussions/18"), "");
  EXPECT_EQ(Swerl("https://example.com/a/b#19"), "");
}

TEST(IssueRefsTest, GhNumberIsAMentionOnly) {
  EXPECT_EQ(Swerl("see GH-12"), "#12");
  EXPECT_EQ(Swerl("Fixes GH-12"), "#12");
  EXPECT_EQ(Swerl("gh-13"), "#13");
  EXPECT_EQ(Swerl("xGH-12 GH-12a"), "");
  EXPECT_EQ(Swerl("gh-pages/site#3"), "gh-pages/site#3");
}

TEST(IssueRefsTest, ThingsThatAreNotReferences) {
  EXPECT_EQ(Swerl("abc#12"), "");
  EXPECT_EQ(Swerl("&#123; &#x7b;"), "");  // HTML entities
  EXPECT_EQ(Swerl("##12"), "");
  EXPECT_EQ(Swerl("color: #fff; #12abc"), "");
  EXPECT_EQ(Swerl("#0 #00"), "");
  EXPECT_EQ(Swerl("#2147483648 #99999999999 #12345678901"), "");
  EXPECT_EQ(Swerl("x/#5 a.b#4 user@host#3 a-#2 50%#1"), "");
  EXPECT_EQ(Swerl("#"), "");
  EXPECT_EQ(Swerl(""), "");
}

TEST(IssueRefsTest, MentionsAndTheirBoundaries) {
  EXPECT_EQ(Swerl("#1"), "#1");
  EXPECT_EQ(Swerl("see #2147483647."), "#2147483647");
  EXPECT_EQ(Swerl("(#12) [#13] **#14** #15, #16; #17-rc"), "#12, #13, #14, #15, #16, #17");
  EXPECT_EQ(Swerl("\xE4\xBF\xAE\xE5\xA4\x8D#12"), "#12");  // 修复#12: CJK needs no space
  EXPECT_EQ(Swerl("#007"), "#7");
}

TEST(IssueRefsTest, SelfReferencesAreSameRepository) {
  EXPECT_EQ(Swerl("Fixes ACME/Widget#3"), "Fixes #3");
  EXPECT_EQ(Swerl("fixes https://github.com/acme/widget/issues/4"), "fixes #4");
  EXPECT_EQ(Show(FindIssueRefs("fixes acme/widget#4", "")), "fixes acme/widget#4");
  EXPECT_EQ(Show(FindIssueRefs("fixes acme/widget#4", "bad")), "fixes acme/widget#4");
}

TEST(IssueRefsTest, OneReferencePerRepositoryAndNumber) {
  EXPECT_EQ(Swerl("see #5, then fixes #5"), "fixes #5");
  EXPECT_EQ(Swerl("fixes #5 and #5, Closes #5"), "fixes #5");
  EXPECT_EQ(Swerl("#5 acme/widget#5 https://github.com/acme/widget/issues/5"), "#5");
  EXPECT_EQ(Swerl("o/r#5 O/R#5 #5"), "o/r#5, #5");
  // The kept occurrence is the first closing one, else the first mention.
  const std::string text = "see #5 and o/r#6; fixes #5";
  const auto refs = FindIssueRefs(text, kRepo);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].number, 6);
  EXPECT_EQ(refs[0].offset, text.find("o/r#6"));
  EXPECT_EQ(refs[1].number, 5);
  EXPECT_EQ(refs[1].offset, text.rfind("#5"));
}

TEST(IssueRefsTest, FieldsAndOffsets) {
  const std::string text = "Fixes: owner/repo#4 and https://github.com/a/b/pull/9 GH-7 #2";
  const auto refs = FindIssueRefs(text, kRepo);
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0], (IssueRef{"owner", "repo", 4, true, "Fixes", text.find("owner")}));
  EXPECT_EQ(refs[1], (IssueRef{"a", "b", 9, false, "", text.find("https")}));
  EXPECT_EQ(refs[2], (IssueRef{"", "", 7, false, "", text.find("GH-")}));
  EXPECT_EQ(refs[3], (IssueRef{"", "", 2, false, "", text.find("#2")}));
}

// ---------------------------------------------------------------------------
// kSwerl: what GitHub does not scan.

TEST(IssueRefsTest, HtmlCommentsAreIgnored) {
  EXPECT_EQ(Swerl("<!-- Fixes #1 -->\nFixes #2"), "Fixes #2");
  EXPECT_EQ(Swerl("<!--\nPlease write: Fixes #<issue>, e.g. fixes #123\n-->\nfixes #4"),
            "fixes #4");
  EXPECT_EQ(Swerl("fixes #1 <!-- unterminated fixes #2"), "fixes #1");
  EXPECT_EQ(Swerl("fi<!-- -->xes #3"), "#3");  // a comment separates, never joins
  EXPECT_EQ(Swerl("Fixes <!-- x --> #3"), "#3");
  EXPECT_EQ(Swerl("<!-- a --> fixes #5 <!-- b -->"), "fixes #5");
}

TEST(IssueRefsTest, CodeIsIgnored) {
  EXPECT_EQ(Swerl("```\nfixes #1\n```\nfixes #2"), "fixes #2");
  EXPECT_EQ(Swerl("  ```python\nfixes #1\n  ```  \r\nfixes #2"), "fixes #2");
  EXPECT_EQ(Swerl("~~~~\nfixes #1\n~~~\nfixes #3\n~~~~\nfixes #2"), "fixes #2");
  EXPECT_EQ(Swerl("```\nfixes #1 (never closed)"), "");
  EXPECT_EQ(Swerl("`fixes #1` fixes #2"), "fixes #2");
  EXPECT_EQ(Swerl("Fixes `#1`"), "");
  EXPECT_EQ(Swerl("`` a ` fixes #1 `` fixes #2"), "fixes #2");
  EXPECT_EQ(Swerl("``` inline fixes #1 ``` fixes #2"), "fixes #2");  // not a fence: closes inline
  // A lone backtick is literal; code spans do not cross a blank line; an
  // escaped backtick opens nothing.
  EXPECT_EQ(Swerl("it's a ` tick: fixes #1"), "fixes #1");
  EXPECT_EQ(Swerl("`a\n\nfixes #1 `"), "fixes #1");
  EXPECT_EQ(Swerl("\\`fixes #1\\`"), "fixes #1");
  EXPECT_EQ(Swerl("`<!--` fixes #1 `-->`"), "fixes #1");  // the code span starts first
  EXPECT_EQ(Swerl("<!-- ` --> fixes #1 `"), "fixes #1");  // the comment starts first
}

TEST(IssueRefsTest, ManyUnmatchedBacktickRunsStayLinear) {
  // Runs of every length, none closed: each search must not rescan.
  std::string text;
  for (int len = 1; len <= 2000; ++len) text += std::string(len, '`') + " x ";
  text += "fixes #1";
  EXPECT_EQ(Swerl(text), "fixes #1");
}

// ---------------------------------------------------------------------------
// kSweBench, side by side with kSwerl where they differ.

TEST(IssueRefsTest, SweBenchKeepsOnlyTheLastNumberOfARepeatedWord) {
  EXPECT_EQ(Swerl("fixes #1, fixes #2"), "fixes #1, fixes #2");
  EXPECT_EQ(SweBench("fixes #1, fixes #2"), "fixes #2");
  EXPECT_EQ(SweBench("Fixes #1, fixes #2"), "Fixes #1, fixes #2");  // dict keys are case-sensitive
  // Dict order: the first appearance of each word, its last number.
  EXPECT_EQ(SweBench("resolves #4. Fixes #1. resolves #7"), "resolves #7, Fixes #1");
  const std::string text = "fixes #1, fixes #2";
  EXPECT_EQ(FindIssueRefs(text, kRepo, RefRule::kSweBench)[0].offset, text.rfind('#'));
}

TEST(IssueRefsTest, SweBenchMissesTheColonFormCrossRepoAndUrls) {
  EXPECT_EQ(Swerl("Fixes: #3"), "Fixes #3");
  EXPECT_EQ(SweBench("Fixes: #3"), "");
  EXPECT_EQ(Swerl("Fixes owner/repo#4"), "Fixes owner/repo#4");
  EXPECT_EQ(SweBench("Fixes owner/repo#4"), "");
  EXPECT_EQ(Swerl("Fixes https://github.com/acme/widget/issues/5"), "Fixes #5");
  EXPECT_EQ(SweBench("Fixes https://github.com/acme/widget/issues/5"), "");
  EXPECT_EQ(Swerl("see #6"), "#6");  // SWE-bench has no mentions
  EXPECT_EQ(SweBench("see #6"), "");
  EXPECT_EQ(Swerl("Fixes ACME/Widget#6"), "Fixes #6");
  EXPECT_EQ(SweBench("Fixes ACME/Widget#6"), "");
  EXPECT_EQ(Swerl("Fixes GH-12"), "#12");
  EXPECT_EQ(SweBench("Fixes GH-12"), "");
}

TEST(IssueRefsTest, BothRulesAgreeOnTheCommonCases) {
  for (const char* text : {"Fixes #1", "closes\n#2", "RESOLVED #3", "fixes#4",
                           "Fixes #1, #2 and #3", "<!-- fixes #6 -->"}) {
    std::vector<IssueRef> closing;
    for (IssueRef& r : FindIssueRefs(text, kRepo)) {
      if (r.closing) closing.push_back(std::move(r));
    }
    EXPECT_EQ(Show(closing), SweBench(text)) << text;
  }
  EXPECT_EQ(Swerl("prefixes #5"), "#5");
  EXPECT_EQ(SweBench("prefixes #5"), "");
}

TEST(IssueRefsTest, BothIgnoreCommentsButSweBenchJoinsAcrossThem) {
  EXPECT_EQ(Swerl("<!-- fixes #1 --> fixes #2"), "fixes #2");
  EXPECT_EQ(SweBench("<!-- fixes #1 --> fixes #2"), "fixes #2");
  EXPECT_EQ(Swerl("fi<!-- -->xes #3"), "#3");
  EXPECT_EQ(SweBench("fi<!-- -->xes #3"), "fixes #3");
  // An unterminated comment: SWE-bench's regex removes nothing.
  EXPECT_EQ(Swerl("<!-- fixes #4"), "");
  EXPECT_EQ(SweBench("<!-- fixes #4"), "fixes #4");
  // Offsets point into the original text.
  const std::string text = "<!-- x -->fi<!-- -->xes #3 <!-- y --> fixes #9";
  const auto refs = FindIssueRefs(text, kRepo, RefRule::kSweBench);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].number, 9);
  EXPECT_EQ(refs[0].offset, text.rfind('#'));
}

TEST(IssueRefsTest, SweBenchReadsCode) {
  EXPECT_EQ(Swerl("```\nfixes #1\n```"), "");
  EXPECT_EQ(SweBench("```\nfixes #1\n```"), "fixes #1");
  EXPECT_EQ(Swerl("`closes #2`"), "");
  EXPECT_EQ(SweBench("`closes #2`"), "closes #2");
}

TEST(IssueRefsTest, SweBenchUsesPythonUnicodeClasses) {
  // \s: NBSP, ideographic space, U+001C; kSwerl wants ASCII whitespace.
  EXPECT_EQ(SweBench("fixes\xC2\xA0#1"), "fixes #1");
  EXPECT_EQ(Swerl("fixes\xC2\xA0#1"), "#1");
  EXPECT_EQ(SweBench("fixes\xE3\x80\x80#2 closes\x1C#3"), "fixes #2, closes #3");
  // \d: any decimal digit; int() reads it. ٣ = 3, １２ (fullwidth) = 12.
  EXPECT_EQ(SweBench("fixes #\xD9\xA3"), "fixes #3");
  EXPECT_EQ(SweBench("fixes #\xEF\xBC\x91\xEF\xBC\x92"), "fixes #12");
  EXPECT_EQ(Swerl("fixes #\xD9\xA3"), "");
  // ² is \w but not \d.
  EXPECT_EQ(SweBench("fixes #\xC2\xB2"), "");
  // \w: a Unicode letter joins the word; only ASCII letters lowercase to a keyword.
  EXPECT_EQ(SweBench("pr\xC3\xA9"
                     "fixes #4"),
            "");
  EXPECT_EQ(SweBench("F\xC4\xB0X #5"), "");      // FİX
  EXPECT_EQ(SweBench("\xEF\xBD\x86ix #6"), "");  // ｆix (fullwidth f)
}

TEST(IssueRefsTest, SweBenchMatchesWhereTheRegexDoes) {
  EXPECT_EQ(SweBench("prefixes #1"), "");
  EXPECT_EQ(SweBench("FIXES #9"), "FIXES #9");
  EXPECT_EQ(SweBench("closes\n\t #8"), "closes #8");
  EXPECT_EQ(SweBench("fixes#8"), "");
  EXPECT_EQ(SweBench("Fixes #1, #2 and #3"), "Fixes #1");
  EXPECT_EQ(SweBench("fixes #12abc fixes #13"), "fixes #13");  // the scan resumes after "12"
  EXPECT_EQ(SweBench("x fixes #12fixes #14"), "fixes #14");
  EXPECT_EQ(SweBench("fix_ #3 fix2 #4"), "");
  // Numbers SWE-bench keeps as strings but that name no issue are dropped.
  EXPECT_EQ(SweBench("fixes #0"), "");
  EXPECT_EQ(SweBench("fixes #2147483648"), "");
  EXPECT_EQ(SweBench("fixes #007"), "fixes #7");
  // A repeated word whose last number is invalid loses its earlier one too.
  EXPECT_EQ(SweBench("fixes #5 fixes #0"), "");
}

TEST(IssueRefsTest, SweBenchTextJoinsTitleBodyAndCommits) {
  EXPECT_EQ(SweBenchText("Fix", "body", {"c1", "c2"}), "Fix\nbody\nc1\nc2");
  EXPECT_EQ(SweBenchText("", "", {}), "\n\n");
  // The parts run together: a keyword at the end of the body closes a
  // number at the start of a commit message.
  EXPECT_EQ(SweBench(SweBenchText("Title", "This fixes", {"#3 and more"})), "fixes #3");
}

TEST(IssueRefsTest, ParseRefRule) {
  EXPECT_EQ(*ParseRefRule("swerl"), RefRule::kSwerl);
  EXPECT_EQ(*ParseRefRule("swebench"), RefRule::kSweBench);
  auto bad = ParseRefRule("github");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidInput);
  EXPECT_EQ(RefRuleName(RefRule::kSweBench), "swebench");
  EXPECT_EQ(RefRuleName(RefRule::kSwerl), "swerl");
}

TEST(PyReClassesTest, AsciiAndSomeUnicode) {
  EXPECT_TRUE(IsPyReWord('a') && IsPyReWord('_') && IsPyReWord('7'));
  EXPECT_FALSE(IsPyReWord('#') || IsPyReWord(' ') || IsPyReWord(0xFFFD));
  EXPECT_TRUE(IsPyReWord(0x4FEE) && IsPyReWord(0xB2));  // 修, ²
  EXPECT_TRUE(IsPyReSpace(0xA0) && IsPyReSpace(0x3000) && IsPyReSpace(0x1C));
  EXPECT_FALSE(IsPyReSpace(0x200B));  // zero width space is not whitespace
  EXPECT_EQ(PyReDigitValue('7'), 7);
  EXPECT_EQ(PyReDigitValue(0x663), 3);    // ٣
  EXPECT_EQ(PyReDigitValue(0x1D7CF), 1);  // mathematical bold 1
  EXPECT_EQ(PyReDigitValue(0xB2), -1);
  EXPECT_EQ(PyReUnicodeVersion(), "14.0.0");
  std::string s = "a\xC3\xA9\xE4\xBF\xAE\xF0\x9D\x9F\x8F\xFF\xE4\xBF";
  size_t pos = 0;
  std::vector<uint32_t> cps;
  while (pos < s.size()) cps.push_back(DecodeUtf8At(s, &pos));
  EXPECT_EQ(cps, (std::vector<uint32_t>{'a', 0xE9, 0x4FEE, 0x1D7CF, 0xFFFD, 0xFFFD, 0xFFFD}));
}

}  // namespace
}  // namespace swerl::link
