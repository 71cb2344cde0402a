#include "swerl/st/reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "st/st_test_util.h"
#include "testing/testing.h"

namespace swerl::st {
namespace {

using ::swerl::st::testing::RawFile;
using ::swerl::st::testing::Str;
using ::testing::HasSubstr;

// A tensor entry of the header.
std::string Entry(std::string_view name, std::string_view dtype, std::string_view shape,
                  uint64_t begin, uint64_t end) {
  std::string out = "\"";
  out += name;
  out += "\":{\"dtype\":\"";
  out += dtype;
  out += "\",\"shape\":";
  out += shape;
  out += ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
  return out;
}

// Parses `bytes` and returns the error message, or "" when it validated.
std::string ParseError(const std::string& bytes) {
  auto file = File::Parse(bytes, "t.safetensors");
  if (file) return "";
  EXPECT_EQ(file.error().code(), Code::kCorrupt);
  EXPECT_THAT(file.error().message(), HasSubstr("'t.safetensors'"));
  return file.error().message();
}

TEST(FileTest, ReadsTensorsInOffsetOrderWithTheirBytes) {
  const std::string bytes =
      RawFile("{\"__metadata__\":{\"format\":\"pt\"}," + Entry("b", "F32", "[2]", 2, 10) + "," +
                  Entry("a", "U8", "[2,1]", 0, 2) + "," + Entry("scalar", "F16", "[]", 10, 12) +
                  "," + Entry("empty", "F32", "[0,3]", 12, 12) + "}  ",
              std::string("\x01\x02"
                          "ABCDEFGH"
                          "\x00\x3c",
                          12));
  auto file = File::Parse(bytes, "t.safetensors");
  ASSERT_TRUE(file) << file.error().message();
  ASSERT_EQ(file->tensors().size(), 4u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  EXPECT_EQ(file->tensors()[1].name, "b");
  EXPECT_EQ(file->tensors()[2].name, "scalar");
  EXPECT_EQ(file->tensors()[3].name, "empty");
  const TensorInfo* b = file->Find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, Dtype::kF32);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(b->begin, 2u);
  EXPECT_EQ(b->end, 10u);
  EXPECT_EQ(Str(b->data), "ABCDEFGH");
  EXPECT_EQ(b->numel(), 2);
  EXPECT_EQ(file->Find("scalar")->numel(), 1);
  EXPECT_TRUE(file->Find("scalar")->shape.empty());
  EXPECT_EQ(Str(file->Find("scalar")->data), std::string("\x00\x3c", 2));
  EXPECT_EQ(file->Find("empty")->numel(), 0);
  EXPECT_TRUE(file->Find("empty")->data.empty());
  EXPECT_EQ(file->Find("nope"), nullptr);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->data_size(), 12u);
  EXPECT_EQ(file->path(), "t.safetensors");
}

TEST(FileTest, AcceptsWhatPythonAccepts) {
  // Each of these loads with safetensors 0.8.0 (tests/oracles/st_diff_test.py
  // checks the same verdicts against the library itself).
  EXPECT_EQ(ParseError(RawFile("{}")), "");
  EXPECT_EQ(ParseError(RawFile("{}      ")), "");
  EXPECT_EQ(ParseError(RawFile(" \n\t{}\r")), "");
  EXPECT_EQ(ParseError(RawFile("{\"__metadata__\":null}")), "");
  EXPECT_EQ(ParseError(RawFile("{\"__metadata__\":{}}")), "");
  // Unknown fields inside a tensor are ignored, whatever they hold.
  EXPECT_EQ(ParseError(RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],"
                               "\"x\":[1.5,{\"k\":1,\"k\":2},null]}}",
                               "z")),
            "");
  // Two empty tensors at the same offset; an empty name; escapes in names.
  EXPECT_EQ(ParseError(RawFile("{" + Entry("x", "U8", "[0]", 0, 0) + "," +
                               Entry("", "I64", "[5,0]", 0, 0) + "," +
                               Entry("\\u00e9\\n", "U8", "[0]", 0, 0) + "}")),
            "");
  // A zero dimension after huge ones is fine (the fold stays at 0).
  EXPECT_EQ(ParseError(RawFile("{" + Entry("z", "U8", "[0,9223372036854775807,4]", 0, 0) + "}")),
            "");
  // Sub-byte dtypes that fill whole bytes.
  EXPECT_EQ(ParseError(RawFile("{" + Entry("f4", "F4", "[4]", 0, 2) + "," +
                                   Entry("f6", "F6_E2M3", "[2,2]", 2, 5) + "}",
                               "abcde")),
            "");
  // 127 levels of nesting (serde_json's limit is 128).
  const std::string deep = std::string(125, '[') + std::string(125, ']');
  EXPECT_EQ(ParseError(RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],"
                               "\"x\":" +
                               deep + "}}")),
            "");
}

TEST(FileTest, RejectsShortOrOversizedHeaders) {
  EXPECT_THAT(ParseError(""), HasSubstr("0 bytes, shorter than the 8-byte header length"));
  EXPECT_THAT(ParseError(std::string("\x02\0\0\0", 4)), HasSubstr("shorter than the 8-byte"));
  EXPECT_THAT(ParseError(RawFile("{}", "", 100'000'001)), HasSubstr("exceeds the limit"));
  EXPECT_THAT(ParseError(RawFile("{}", "", UINT64_MAX - 1)), HasSubstr("exceeds the limit"));
  EXPECT_THAT(ParseError(RawFile("{}", "", 100'000'000)), HasSubstr("runs past the end"));
  EXPECT_THAT(ParseError(RawFile("{}", "", 3)), HasSubstr("header length 3 runs past the end"));
  EXPECT_THAT(ParseError(RawFile("")), HasSubstr("header is empty"));
}

TEST(FileTest, RejectsMalformedJson) {
  EXPECT_THAT(ParseError(RawFile("{\"a\":")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("{} x")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile(std::string("{}\0\0", 4))), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("{}\f")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("\xEF\xBB\xBF{}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("{\"\xff\":1}")), HasSubstr("not valid UTF-8"));
  EXPECT_THAT(ParseError(RawFile("{\"\\ud800\":{}}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("{\"a\tb\":{}}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("[]")), HasSubstr("must be a JSON object, got an array"));
  EXPECT_THAT(ParseError(RawFile("null")), HasSubstr("must be a JSON object, got null"));
  const std::string deep = std::string(126, '[') + std::string(126, ']');
  EXPECT_THAT(ParseError(RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],"
                                 "\"x\":" +
                                 deep + "}}")),
              HasSubstr("too deep"));
}

TEST(FileTest, RejectsBadTensorEntriesNamingTheTensor) {
  EXPECT_THAT(ParseError(RawFile("{\"w\":5}")), HasSubstr("tensor 'w': expected an object"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "F128", "[1]", 0, 16) + "}", "0123456789abcdef")),
              HasSubstr("tensor 'w': unknown dtype \"F128\""));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "f32", "[1]", 0, 4) + "}", "0123")),
              HasSubstr("unknown dtype \"f32\""));
  EXPECT_THAT(ParseError(RawFile("{\"w\":{\"dtype\":{\"F32\":null},\"shape\":[1],"
                                 "\"data_offsets\":[0,4]}}",
                                 "0123")),
              HasSubstr("\"dtype\" must be a string"));
  EXPECT_THAT(
      ParseError(RawFile("{" + Entry("w", "U8", "[-1]", 0, 0) + "}")),
      HasSubstr("tensor 'w': shape entries must be non-negative integers, got the integer -1"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "U8", "[1.0]", 0, 1) + "}", "x")),
              HasSubstr("got a floating-point number"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "U8", "[\"1\"]", 0, 1) + "}", "x")),
              HasSubstr("got a string"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "U8", "[-0]", 0, 0) + "}")), HasSubstr("-0"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "U8", "[18446744073709551616]", 0, 0) + "}")),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "U8", "[9223372036854775808,0]", 0, 0) + "}")),
              HasSubstr("exceeds 2^63 - 1"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("w", "U8", "null", 0, 0) + "}")),
              HasSubstr("\"shape\" must be an array, got null"));
  EXPECT_THAT(
      ParseError(RawFile("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,1]}}", "x")),
      HasSubstr(
          "tensor 'w': \"data_offsets\" must be an array of two integers, got an array of 3"));
  EXPECT_THAT(
      ParseError(RawFile("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,-1]}}", "x")),
      HasSubstr("non-negative integers"));
  EXPECT_THAT(ParseError(RawFile("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", "x")),
              HasSubstr("tensor 'w': missing field \"data_offsets\""));
  EXPECT_THAT(ParseError(RawFile("{\"w\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],"
                                 "\"data_offsets\":[0,1]}}",
                                 "x")),
              HasSubstr("tensor 'w': duplicate field \"dtype\""));
}

TEST(FileTest, RejectsDuplicatesAndBadMetadata) {
  // Python keeps the last duplicate; a checkpoint that names a tensor twice is
  // ambiguous, so we refuse it.
  EXPECT_THAT(
      ParseError(RawFile(
          "{" + Entry("w", "U8", "[1]", 0, 1) + "," + Entry("w", "U8", "[1]", 0, 1) + "}", "x")),
      HasSubstr("tensor 'w': duplicate tensor name"));
  EXPECT_THAT(ParseError(RawFile("{\"__metadata__\":{\"a\":\"b\"},\"__metadata__\":{}}")),
              HasSubstr("duplicate \"__metadata__\""));
  EXPECT_THAT(ParseError(RawFile("{\"__metadata__\":{\"a\":\"b\",\"a\":\"c\"}}")),
              HasSubstr("duplicate \"__metadata__\" key \"a\""));
  EXPECT_THAT(ParseError(RawFile("{\"__metadata__\":{\"a\":1}}")),
              HasSubstr("\"__metadata__\" value of \"a\" must be a string, got the integer 1"));
  EXPECT_THAT(ParseError(RawFile("{\"__metadata__\":[]}")),
              HasSubstr("\"__metadata__\" must be an object of strings"));
}

TEST(FileTest, RejectsOffsetsThatDoNotTileTheData) {
  EXPECT_THAT(ParseError(RawFile(
                  "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 2, 6) + "}",
                  "012345")),
              HasSubstr("tensor 'b': data_offsets [2, 6] overlap tensor 'a', which ends at 4"));
  EXPECT_THAT(
      ParseError(RawFile(
          "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}",
          "0123456789ab")),
      HasSubstr("tensor 'b': data_offsets [8, 12] leave a hole of 4 bytes after tensor 'a'"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F32", "[1]", 4, 8) + "}", "01234567")),
              HasSubstr("hole of 4 bytes after the start of the data"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F32", "[0]", 4, 0) + "}")),
              HasSubstr("tensor 'a': data_offsets [4, 0] end before they begin"));
  EXPECT_THAT(
      ParseError(RawFile("{" + Entry("a", "F32", "[2]", 0, 4) + "}", "0123")),
      HasSubstr("tensor 'a': shape [2] of F32 needs 8 bytes but data_offsets [0, 4] span 4"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F32", "[1]", 0, 4) + "}", "01")),
              HasSubstr("the tensors need 4 data bytes but the file holds 2"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F32", "[1]", 0, 4) + "}", "012345")),
              HasSubstr("the file has 2 bytes after the last tensor's data"));
  EXPECT_THAT(ParseError(RawFile("{}", "x")), HasSubstr("1 bytes after"));
  EXPECT_THAT(
      ParseError(RawFile(
          "{" + Entry("a", "F32", "[0]", 18446744073709551615u, 18446744073709551615u) + "}")),
      HasSubstr("hole"));
}

TEST(FileTest, RejectsSizeOverflowAndPartialBytes) {
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "U8", "[4294967296,4294967296,0]", 0, 0) + "}")),
              HasSubstr("tensor 'a': shape [4294967296, 4294967296, 0] overflows 64 bits"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F32", "[4611686018427387904]", 0, 0) + "}")),
              HasSubstr("of F32 overflows 64 bits"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F4", "[3]", 0, 1) + "}", "x")),
              HasSubstr("tensor 'a': 3 elements of F4 do not fill a whole number of bytes"));
  EXPECT_THAT(ParseError(RawFile("{" + Entry("a", "F6_E3M2", "[3]", 0, 2) + "}", "xx")),
              HasSubstr("do not fill a whole number of bytes"));
}

TEST(FileTest, OpenMapsTheFileAndSurvivesMoves) {
  swerl::testing::TempDir dir;
  const std::string path = dir.Join("m.safetensors");
  swerl::testing::WriteFile(path, RawFile("{" + Entry("w", "I16", "[2]", 0, 4) + "}",
                                          std::string("\x01\x00\x02\x00", 4)));
  auto opened = File::Open(path);
  ASSERT_TRUE(opened) << opened.error().message();
  File moved = std::move(opened).value();
  File again = std::move(moved);
  ASSERT_NE(again.Find("w"), nullptr);
  EXPECT_EQ(Str(again.Find("w")->data), std::string("\x01\x00\x02\x00", 4));
  EXPECT_EQ(again.path(), path);

  auto missing = File::Open(dir.Join("absent.safetensors"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_THAT(missing.error().message(), HasSubstr("absent.safetensors"));

  auto directory = File::Open(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code(), Code::kInvalidInput);

  swerl::testing::WriteFile(dir.Join("empty"), "");
  auto empty = File::Open(dir.Join("empty"));
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().message(), HasSubstr("empty'"));
  EXPECT_THAT(empty.error().message(), HasSubstr("0 bytes"));
}

}  // namespace
}  // namespace swerl::st
