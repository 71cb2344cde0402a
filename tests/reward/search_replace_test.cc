#include "swerl/reward/search_replace.h"

#include <gtest/gtest.h>

#include <string>

namespace swerl::reward {
namespace {

std::string Block(std::string_view path, std::string_view search, std::string_view replace,
                  std::string_view fence = "python") {
  return "```" + std::string(fence) + "\n### " + std::string(path) + "\n<<<<<<< SEARCH\n" +
         std::string(search) + "\n=======\n" + std::string(replace) + "\n>>>>>>> REPLACE\n```";
}

TEST(ExtractThoughtAndAnswer, TagsMustOccurOnce) {
  auto ok =
      ExtractThoughtAndAnswer("pre <think>\n t \n</think>\n<solution>\n s \n</solution> post");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->thought, "t");
  EXPECT_EQ(ok->answer, "s");
  for (const char* bad : {"<think>t</think>", "<think>t</think><solution>s</solution></think>",
                          "<think>t<think></think><solution>s</solution>",
                          "<think>t</think><solution>s</solution></solution>", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ExtractThoughtAndAnswer(bad));
  }
}

TEST(ExtractThoughtAndAnswer, EmptyThoughtFailsAndOrderIsNotChecked) {
  auto empty = ExtractThoughtAndAnswer("<think> \n\t</think><solution>s</solution>");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "the thought is empty");
  // </think> before <think>: the thought runs to the end of the output.
  auto swapped = ExtractThoughtAndAnswer("</think><solution>s</solution><think> t ");
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->thought, "t");
  EXPECT_EQ(swapped->answer, "s");
}

TEST(ParseEdits, FencesPathsAndGrouping) {
  const std::string answer = Block("a.py", "x", "y", "") + "\ntext\n" + Block("b.py ", "p", "q") +
                             "\n" + Block("a.py", "y", "z", "diff") + "\n" +
                             Block("c.py\r", "", "new");
  auto edits = ParseEdits(answer);
  ASSERT_TRUE(edits);
  ASSERT_EQ(edits->size(), 3u);
  EXPECT_EQ((*edits)[0].path, "a.py");
  ASSERT_EQ((*edits)[0].edits.size(), 2u);
  EXPECT_EQ((*edits)[0].edits[1].search, "y");
  EXPECT_EQ((*edits)[0].edits[1].replace, "z");
  EXPECT_EQ((*edits)[1].path, "b.py ");  // untrimmed
  EXPECT_EQ((*edits)[2].path, "c.py\r");
  EXPECT_EQ((*edits)[2].edits[0].search, "");
}

TEST(ParseEdits, MalformedBlocks) {
  // No closing fence right after REPLACE, no REPLACE marker, no block.
  EXPECT_FALSE(ParseEdits("```python\n### a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"));
  EXPECT_FALSE(ParseEdits("```python\n### a.py\n<<<<<<< SEARCH\nx\n=======\ny\n```"));
  EXPECT_FALSE(ParseEdits("just text"));
  EXPECT_FALSE(ParseEdits(""));
  // Path line must follow the fence line directly.
  EXPECT_FALSE(ParseEdits("```\n\n### a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```"));
}

TEST(ParseEdits, MalformedBlockIsSwallowedIntoTheNextReplace) {
  // The first block lacks its REPLACE marker: the lazy REPLACE body runs on
  // to the second block's end marker, as Python's regex does.
  const std::string broken = "```python\n### a.py\n<<<<<<< SEARCH\nx\n=======\ny\n```\n";
  const std::string answer = broken + Block("b.py", "p", "q");
  auto edits = ParseEdits(answer);
  ASSERT_TRUE(edits);
  ASSERT_EQ(edits->size(), 1u);
  EXPECT_EQ(edits->at(0).path, "a.py");
  EXPECT_EQ(edits->at(0).edits[0].search, "x");
  EXPECT_EQ(edits->at(0).edits[0].replace,
            "y\n```\n```python\n### b.py\n<<<<<<< SEARCH\np\n=======\nq");
}

TEST(ParseEdits, PathologicalInputsStayLinear) {
  // 200k fences that start blocks but never finish them: Python's regex
  // retries each one; the parser must stop after the first failed search.
  std::string s;
  for (int i = 0; i < 200000; ++i) s += "```\n### a\n<<<<<<< SEARCH\nx\n";
  EXPECT_FALSE(ParseEdits(s));
  EXPECT_FALSE(ParseEdits(std::string(2'000'000, '`')));
}

FileMap Ctx() { return {{"a.py", "x=1\ny=2\n"}}; }

TEST(ApplyEdits, EmptySearchInsertsAfterEveryLineBreak) {
  auto r = ApplyEdits(Ctx(), {{"a.py", {{"", "# c"}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("a.py"), "# cx=1\n# cy=2\n# c");
}

TEST(ApplyEdits, ReplaceAllAndLineStartAnchoring) {
  auto all = ApplyEdits({{"f", "pass\nx\npass\n"}}, {{"f", {{"pass", "return"}}}});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->at("f"), "return\nx\nreturn\n");
  auto anchored = ApplyEdits({{"f", "  foo(1)\nfoo(2)\n"}}, {{"f", {{"foo", "bar"}}}});
  ASSERT_TRUE(anchored);
  EXPECT_EQ(anchored->at("f"), "  foo(1)\nbar(2)\n");
}

TEST(ApplyEdits, FormatErrors) {
  EXPECT_FALSE(ApplyEdits(Ctx(), {{"a.py", {{"x=1", "x=1"}}}}));   // identical
  EXPECT_FALSE(ApplyEdits(Ctx(), {{"a.py", {{"x=3", "x=4"}}}}));   // absent
  EXPECT_FALSE(ApplyEdits(Ctx(), {{"a.py", {{" x=1", "x=4"}}}}));  // indentation
  // The same block twice: the second SEARCH is gone.
  EXPECT_FALSE(ApplyEdits(Ctx(), {{"a.py", {{"x=1", "x=5"}, {"x=1", "x=5"}}}}));
  // Later edits see earlier results.
  auto chained = ApplyEdits(Ctx(), {{"a.py", {{"x=1", "x=5"}, {"x=5", "x=6"}}}});
  ASSERT_TRUE(chained);
  EXPECT_EQ(chained->at("a.py"), "x=6\ny=2\n");
}

TEST(ApplyEdits, UnknownPathsAreEmptyFilesAndNeverTouchTheDisk) {
  auto r = ApplyEdits(Ctx(), {{"../../etc/passwd", {{"", "root::0:0::/:/bin/sh"}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("../../etc/passwd"), "root::0:0::/:/bin/sh");
  EXPECT_FALSE(ApplyEdits(Ctx(), {{"/nonexistent", {{"x", "y"}}}}));
}

TEST(ApplyEdits, SizeGuard) {
  const FileMap big = {{"f", std::string(100000, '\n')}};
  auto r = ApplyEdits(big, {{"f", {{"", std::string(1000, 'x')}}}}, /*max_file_bytes=*/1 << 20);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("size guard"), std::string::npos);
  EXPECT_TRUE(ApplyEdits(big, {{"f", {{"", "x"}}}}, 1 << 20));
}

}  // namespace
}  // namespace swerl::reward
