// Result<T>, Status, Error and the SWERL_RETURN_IF_ERROR /
// SWERL_ASSIGN_OR_RETURN macros.
#include "swerl/core/result.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace swerl {
namespace {

TEST(ErrorTest, CodeNamesAreDistinctAndStable) {
  const Code all[] = {Code::kInvalidInput, Code::kNotFound,  Code::kIo,         Code::kCorrupt,
                      Code::kExternal,     Code::kCancelled, Code::kUnsupported};
  std::vector<std::string> names;
  for (Code c : all) {
    const std::string name(CodeName(c));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown");
    for (const auto& other : names) EXPECT_NE(name, other);
    names.push_back(name);
  }
  EXPECT_EQ(CodeName(Code::kInvalidInput), "invalid input");
  EXPECT_EQ(CodeName(Code::kNotFound), "not found");
  EXPECT_EQ(CodeName(Code::kCorrupt), "corrupt data");
  EXPECT_EQ(CodeName(static_cast<Code>(200)), "unknown");
}

TEST(ErrorTest, WithPrependsContextAndKeepsCode) {
  Error e(Code::kCorrupt, "bad number");
  const Error lvalue = e.With("line 12");  // const& overload leaves e alone
  EXPECT_EQ(e.message(), "bad number");
  EXPECT_EQ(lvalue.message(), "line 12: bad number");
  EXPECT_EQ(lvalue.code(), Code::kCorrupt);

  Error chained = Error(Code::kNotFound, "no such id").With("line 12").With("reading 'x.json.gz'");
  EXPECT_EQ(chained.message(), "reading 'x.json.gz': line 12: no such id");
  EXPECT_EQ(chained.code(), Code::kNotFound);

  EXPECT_EQ(Error(Code::kIo, "").With("ctx").message(), "ctx: ");
  EXPECT_EQ(Error(Code::kIo, "m").With("").message(), ": m");
}

TEST(ErrorTest, WithOnLongStringsComposesExactly) {
  // Long enough that no small-string buffer is involved on either side.
  const std::string ctx(1000, 'c'), msg(3000, 'm');
  Error e(Code::kIo, msg);
  EXPECT_EQ(std::move(e).With(ctx).message(), ctx + ": " + msg);
}

TEST(ErrorTest, ErrnoErrorIsIoWithStrerror) {
  const Error e = ErrnoError("reading 'f'", ENOENT);
  EXPECT_EQ(e.code(), Code::kIo);
  EXPECT_EQ(e.message(), std::string("reading 'f': ") + std::strerror(ENOENT));
}

TEST(ResultTest, ValuePath) {
  Result<int> r = 42;
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  r.value() = 7;
  EXPECT_EQ(*r, 7);

  const Result<std::string> s = std::string("abc");
  EXPECT_EQ(s->size(), 3u);
  EXPECT_EQ(*s, "abc");
}

TEST(ResultTest, ErrorPath) {
  Result<int> r = Error(Code::kNotFound, "missing");
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_EQ(r.error().message(), "missing");
  const Error moved = std::move(r).error();
  EXPECT_EQ(moved.message(), "missing");

  const Error e(Code::kIo, "copied");
  Result<std::string> s = e;
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message(), "copied");
}

TEST(ResultTest, ConvertingConstructor) {
  Result<std::string> from_literal = "literal";
  ASSERT_TRUE(from_literal.has_value());
  EXPECT_EQ(*from_literal, "literal");
  Result<std::vector<int>> from_size = std::vector<int>{1, 2, 3};
  EXPECT_EQ(from_size->size(), 3u);
  Result<int64_t> widened = 5;
  EXPECT_EQ(*widened, 5);
}

TEST(ResultTest, StatusOk) {
  Status ok = OkStatus();
  EXPECT_TRUE(ok.has_value());
  Status bad = Error(Code::kCancelled, "stop");
  EXPECT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kCancelled);
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(9);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(**r, 9);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 9);

  Result<std::unique_ptr<int>> r2 = std::make_unique<int>(3);
  std::unique_ptr<int> q = *std::move(r2);
  EXPECT_EQ(*q, 3);

  // Moving the whole Result moves the value.
  Result<std::unique_ptr<int>> r3 = std::make_unique<int>(4);
  Result<std::unique_ptr<int>> r4 = std::move(r3);
  ASSERT_TRUE(r4.has_value());
  EXPECT_EQ(**r4, 4);

  Result<std::unique_ptr<int>> err = Error(Code::kIo, "x");
  EXPECT_FALSE(err.has_value());
}

// A derived type converts into a Result of its base pointer.
struct Base {
  virtual ~Base() = default;
  virtual int id() const { return 0; }
};
struct Derived : Base {
  int id() const override { return 1; }
};
Result<std::unique_ptr<Base>> MakeBase() { return std::make_unique<Derived>(); }

TEST(ResultTest, ConvertsDerivedUniquePtr) {
  auto r = MakeBase();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->id(), 1);
}

// --- macros -----------------------------------------------------------------

int g_calls = 0;

Result<int> Parse(int v) {
  ++g_calls;
  if (v < 0) return Error(Code::kInvalidInput, "negative: " + std::to_string(v));
  return v * 2;
}

Status Check(int v) {
  if (v < 0) return Error(Code::kInvalidInput, "check " + std::to_string(v));
  return OkStatus();
}

Result<int> SumParsed(int a, int b) {
  SWERL_ASSIGN_OR_RETURN(int x, Parse(a));
  SWERL_ASSIGN_OR_RETURN(const int y, Parse(b));
  return x + y;
}

Status CheckBoth(int a, int b, int* reached) {
  SWERL_RETURN_IF_ERROR(Check(a));
  *reached = 1;
  SWERL_RETURN_IF_ERROR(Parse(b));  // a Result<int> works as well
  *reached = 2;
  return OkStatus();
}

Result<std::unique_ptr<int>> MakeBox(int v) {
  if (v == 0) return Error(Code::kNotFound, "zero");
  return std::make_unique<int>(v);
}

Result<int> Unbox(int v) {
  SWERL_ASSIGN_OR_RETURN(auto box, MakeBox(v));
  SWERL_ASSIGN_OR_RETURN(std::unique_ptr<int> again, MakeBox(*box + 1));
  return *box * 100 + *again;
}

Result<std::string> Assigned(int v) {
  std::string s = "init";
  SWERL_ASSIGN_OR_RETURN(s, Result<std::string>(v ? Result<std::string>("set")
                                                  : Result<std::string>(Error(Code::kIo, "io"))));
  return s;
}

TEST(ResultMacrosTest, AssignOrReturn) {
  g_calls = 0;
  auto ok = SumParsed(2, 3);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 10);
  EXPECT_EQ(g_calls, 2);

  g_calls = 0;
  auto first_bad = SumParsed(-1, 3);
  ASSERT_FALSE(first_bad.has_value());
  EXPECT_EQ(first_bad.error().message(), "negative: -1");
  EXPECT_EQ(g_calls, 1);  // returned before evaluating the second

  g_calls = 0;
  auto second_bad = SumParsed(1, -7);
  ASSERT_FALSE(second_bad.has_value());
  EXPECT_EQ(second_bad.error().code(), Code::kInvalidInput);
  EXPECT_EQ(second_bad.error().message(), "negative: -7");
  EXPECT_EQ(g_calls, 2);
}

TEST(ResultMacrosTest, AssignOrReturnMoveOnlyAndExistingVariable) {
  auto r = Unbox(5);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 506);
  auto e = Unbox(0);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), Code::kNotFound);

  EXPECT_EQ(*Assigned(1), "set");
  EXPECT_EQ(Assigned(0).error().message(), "io");
}

TEST(ResultMacrosTest, ReturnIfError) {
  int reached = 0;
  EXPECT_TRUE(CheckBoth(1, 1, &reached).has_value());
  EXPECT_EQ(reached, 2);

  reached = 0;
  Status s = CheckBoth(-3, 1, &reached);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message(), "check -3");
  EXPECT_EQ(reached, 0);

  reached = 0;
  s = CheckBoth(1, -4, &reached);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message(), "negative: -4");
  EXPECT_EQ(reached, 1);
}

// The macro evaluates its argument exactly once.
TEST(ResultMacrosTest, EvaluatesOnce) {
  g_calls = 0;
  auto f = []() -> Status {
    SWERL_RETURN_IF_ERROR(Parse(1));
    return OkStatus();
  };
  EXPECT_TRUE(f().has_value());
  EXPECT_EQ(g_calls, 1);
}

// --- CHECK failures -----------------------------------------------------------

using ResultDeathTest = ::testing::Test;

TEST_F(ResultDeathTest, ValueOnErrorAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Result<int> r = Error(Code::kIo, "boom");
  EXPECT_DEATH((void)r.value(), "BUG: .*check failed: has_value\\(\\)");
  EXPECT_DEATH((void)*r, "check failed");
  Result<std::string> s = Error(Code::kIo, "boom");
  EXPECT_DEATH((void)s->size(), "check failed");
  EXPECT_DEATH((void)std::move(s).value(), "check failed");
}

TEST_F(ResultDeathTest, ErrorOnValueAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Result<int> r = 1;
  EXPECT_DEATH((void)r.error(), "check failed: !has_value\\(\\)");
}

TEST_F(ResultDeathTest, CheckMacro) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  int x = 1;
  SWERL_CHECK(x == 1);  // passes: no effect
  EXPECT_DEATH(SWERL_CHECK(x == 2), "result_test.cc:[0-9]+: check failed: x == 2");
}

}  // namespace
}  // namespace swerl
