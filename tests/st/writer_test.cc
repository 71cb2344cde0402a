#include "swerl/st/writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "st/st_test_util.h"
#include "swerl/st/reader.h"
#include "testing/testing.h"

namespace swerl::st {
namespace {

using ::swerl::st::testing::Bytes;
using ::swerl::st::testing::Str;
using ::testing::HasSubstr;

// What safetensors 0.8.0 writes for these tensors (safetensors.numpy.save of
// b=float32[1.5,-2], a=int8[[1],[-1]], "é\"\n\x01\x7f/"=float64[0],
// z=bool scalar True, h=float16[1,2,3], metadata {"format": "pt"}).
const std::string kPythonBytes(
    "@\x01\x00\x00\x00\x00\x00\x00"
    "{\"__metadata__\":{\"format\":\"pt\"},\"\xc3\xa9\\\"\\n\\u0001\x7f/\":{\"dtype\":\"F64\","
    "\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
    "\"data_offsets\":[0,8]},\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[8,14]},"
    "\"a\":{\"dtype\":\"I8\",\"shape\":[2,1],\"data_offsets\":[14,16]},\"z\":{\"dtype\":\"BOOL\","
    "\"shape\":[],\"data_offsets\":[16,17]}}    "
    "\x00\x00\xc0?\x00\x00\x00\xc0\x00<\x00@\x00"
    "B\x01\xff\x01",
    345);

const std::string kB("\x00\x00\xc0?\x00\x00\x00\xc0", 8);
const std::string kA("\x01\xff", 2);
const std::string kH(
    "\x00<\x00@\x00"
    "B",
    6);
const std::string kZ("\x01", 1);

std::vector<TensorRef> PythonTensors() {
  return {
      {"b", Dtype::kF32, {2}, Bytes(kB)},
      {"a", Dtype::kI8, {2, 1}, Bytes(kA)},
      {"\xc3\xa9\"\n\x01\x7f/", Dtype::kF64, {0}, {}},
      {"z", Dtype::kBool, {}, Bytes(kZ)},
      {"h", Dtype::kF16, {3}, Bytes(kH)},
  };
}

TEST(WriterTest, SerializeMatchesPythonByteForByte) {
  auto bytes = Serialize(PythonTensors(), {{"format", "pt"}});
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(*bytes, kPythonBytes);
}

TEST(WriterTest, WriteFileWritesTheSameBytesAtomically) {
  swerl::testing::TempDir dir;
  const std::string path = dir.Join("model.safetensors");
  swerl::testing::WriteFile(path, "old contents");
  ASSERT_TRUE(WriteFile(path, PythonTensors(), {{"format", "pt"}}));
  EXPECT_EQ(swerl::testing::ReadFile(path), kPythonBytes);
  // Only the final file remains: no temporary left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriterTest, RoundTripsThroughTheReader) {
  // Enough tensors to order by dtype and name, and one large enough to take
  // the direct-write path.
  std::vector<std::string> blobs;
  std::vector<TensorRef> tensors;
  blobs.reserve(40);
  for (int i = 0; i < 39; ++i) {
    const auto dtype = static_cast<Dtype>(i % kDtypeCount);
    const int64_t elems = (i % 5) * 8;
    blobs.push_back(std::string(elems * DtypeBits(dtype) / 8, static_cast<char>('a' + i % 26)));
    tensors.push_back({"t" + std::to_string(i), dtype, {elems / 8, 8}, Bytes(blobs.back())});
  }
  blobs.push_back(std::string(3 << 20, 'L'));
  tensors.push_back({"large", Dtype::kBF16, {3 << 19}, Bytes(blobs.back())});
  swerl::testing::TempDir dir;
  const std::string path = dir.Join("x.safetensors");
  ASSERT_TRUE(WriteFile(path, tensors, {{"k1", "v1"}, {"k0", "\n"}}));
  auto file = File::Open(path);
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->header_size() % 8, 0u);
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{{"k0", "\n"}, {"k1", "v1"}}));
  ASSERT_EQ(file->tensors().size(), tensors.size());
  for (const TensorRef& t : tensors) {
    const TensorInfo* got = file->Find(t.name);
    ASSERT_NE(got, nullptr) << t.name;
    EXPECT_EQ(got->dtype, t.dtype);
    EXPECT_EQ(got->shape, t.shape);
    EXPECT_EQ(Str(got->data), Str(t.data)) << t.name;
  }
  // File order: descending dtype, then name.
  for (size_t i = 1; i < file->tensors().size(); ++i) {
    const TensorInfo& a = file->tensors()[i - 1];
    const TensorInfo& b = file->tensors()[i];
    if (a.begin == b.begin) continue;  // empty tensors share an offset
    EXPECT_TRUE(a.dtype > b.dtype || (a.dtype == b.dtype && a.name < b.name))
        << a.name << " before " << b.name;
  }
  // Serialize and WriteFile agree.
  auto bytes = Serialize(tensors, {{"k1", "v1"}, {"k0", "\n"}});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, swerl::testing::ReadFile(path));
}

TEST(WriterTest, PadsTheHeaderToAMultipleOfEight) {
  for (int len = 1; len <= 16; ++len) {
    auto bytes = Serialize({{std::string(len, 'n'), Dtype::kU8, {1}, Bytes("x")}});
    ASSERT_TRUE(bytes);
    auto file = File::Parse(*bytes, "pad");
    ASSERT_TRUE(file) << file.error().message();
    EXPECT_EQ(file->header_size() % 8, 0u);
    const std::string header = bytes->substr(8, file->header_size());
    EXPECT_EQ(header.find_last_not_of(' ') + 1, header.rfind('}') + 1);
    EXPECT_LT(header.size() - header.rfind('}') - 1, 8u);
  }
  auto empty = Serialize({});
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
}

TEST(WriterTest, RejectsInvalidTensorsNamingThem) {
  auto error = [](std::vector<TensorRef> tensors) {
    auto r = Serialize(std::move(tensors));
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code(), Code::kInvalidInput);
    return r.error().message();
  };
  EXPECT_THAT(error({{"w", Dtype::kU8, {1}, Bytes("x")}, {"w", Dtype::kU8, {1}, Bytes("y")}}),
              HasSubstr("tensor 'w': duplicate tensor name"));
  EXPECT_THAT(error({{"__metadata__", Dtype::kU8, {1}, Bytes("x")}}), HasSubstr("reserved"));
  EXPECT_THAT(error({{"w", Dtype::kF32, {2}, Bytes("abcd")}}),
              HasSubstr("tensor 'w': the shape needs 8 bytes of F32 but the data has 4"));
  EXPECT_THAT(error({{"w", Dtype::kU8, {-1}, {}}}), HasSubstr("negative dimension -1"));
  EXPECT_THAT(error({{"w", Dtype::kF4, {3}, Bytes("ab")}}),
              HasSubstr("do not fill a whole number of bytes"));
  EXPECT_THAT(error({{"\xff", Dtype::kU8, {0}, {}}}), HasSubstr("not valid UTF-8"));
  EXPECT_THAT(error({{"w", Dtype::kU8, {INT64_MAX, INT64_MAX}, {}}}), HasSubstr("overflows"));
  auto bad_meta = Serialize({}, {{"k", "\xc3"}});
  ASSERT_FALSE(bad_meta);
  EXPECT_THAT(bad_meta.error().message(), HasSubstr("not valid UTF-8"));
}

TEST(WriterTest, WriteFileReportsIoErrors) {
  swerl::testing::TempDir dir;
  auto st = WriteFile(dir.Join("no/such/dir/x.safetensors"), PythonTensors());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kIo);
  EXPECT_THAT(st.error().message(), HasSubstr("no/such/dir/x.safetensors"));
}

}  // namespace
}  // namespace swerl::st
