// libswerl_parquet.so (parquet_plugin.h): rows given value by value become
// Arrow arrays, and each row group a Parquet row group, through Arrow's
// parquet::arrow::FileWriter. Built as a module of its own; it links Arrow
// and no swerl code.
#include "swerl/curate/parquet_plugin.h"

#include <arrow/api.h>
#include <arrow/io/buffered.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/thread_pool.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include <memory>

namespace swerl::curate::parquet_plugin {
namespace {

std::shared_ptr<arrow::DataType> TypeOf(const Column& c) {
  switch (c.kind) {
    case Kind::kString:
      return arrow::utf8();
    case Kind::kInt64:
      return arrow::int64();
    case Kind::kBool:
      return arrow::boolean();
    case Kind::kDouble:
      return arrow::float64();
    case Kind::kList:
      return arrow::list(arrow::field("item", TypeOf(c.children.at(0)), /*nullable=*/false));
    case Kind::kStruct: {
      arrow::FieldVector members;
      for (const Column& m : c.children) {
        members.push_back(arrow::field(m.name, TypeOf(m), /*nullable=*/false));
      }
      return arrow::struct_(std::move(members));
    }
  }
  return nullptr;
}

// Parquet's dotted path of each plain (no dictionary) leaf. Arrow writes
// lists in the compliant three-level form: "<name>.list.element".
void PlainPaths(const Column& c, const std::string& path, std::vector<std::string>* out) {
  if (c.kind == Kind::kList) {
    PlainPaths(c.children.at(0), path + ".list.element", out);
  } else if (c.kind == Kind::kStruct) {
    for (const Column& m : c.children) PlainPaths(m, path + "." + m.name, out);
  } else if (c.plain) {
    out->push_back(path);
  }
}

// An Arrow output stream over the caller's Output.
class Sink final : public arrow::io::OutputStream {
 public:
  explicit Sink(Output* out) : out_(out) {}
  arrow::Status Write(const void* data, int64_t nbytes) override {
    std::string error = out_->Write(data, nbytes);
    if (!error.empty()) {
      if (error_.empty()) error_ = error;
      return arrow::Status::IOError(error);
    }
    position_ += nbytes;
    return arrow::Status::OK();
  }
  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  arrow::Result<int64_t> Tell() const override { return position_; }
  bool closed() const override { return closed_; }
  // The Output's own message of its first failure, "" if none.
  const std::string& error() const { return error_; }

 private:
  Output* out_;
  int64_t position_ = 0;
  bool closed_ = false;
  std::string error_;
};

class Writer final : public TableWriter {
 public:
  Writer(const TableOptions& options, std::shared_ptr<Sink> sink)
      : options_(options), sink_(std::move(sink)) {}

  std::string Open() {
    arrow::FieldVector fields;
    std::vector<std::string> plain;
    for (const Column& c : options_.columns) {
      fields.push_back(arrow::field(c.name, TypeOf(c), /*nullable=*/false));
      PlainPaths(c, c.name, &plain);
    }
    std::vector<std::string> keys, values;
    for (const auto& [k, v] : options_.metadata) {
      keys.push_back(k);
      values.push_back(v);
    }
    schema_ = arrow::schema(std::move(fields), arrow::key_value_metadata(keys, values));
    auto builder = arrow::RecordBatchBuilder::Make(schema_, arrow::default_memory_pool());
    if (!builder.ok()) return builder.status().ToString();
    builder_ = std::move(*builder);

    parquet::WriterProperties::Builder props;
    props.compression(parquet::Compression::ZSTD);
    for (const std::string& path : plain) props.disable_dictionary(path);
    parquet::ArrowWriterProperties::Builder arrow_props;
    arrow_props.store_schema();  // exact types (non-null members, list names) for Arrow readers
    if (options_.threads > 1) {
      // Columns are encoded on Arrow's CPU pool and written in column order:
      // the bytes do not depend on the threads.
      if (auto st = arrow::SetCpuThreadPoolCapacity(options_.threads); !st.ok()) {
        return st.ToString();
      }
      arrow_props.set_use_threads(true);
    }
    // Parquet writes many small pieces (page headers): buffer them.
    auto buffered =
        arrow::io::BufferedOutputStream::Create(1 << 20, arrow::default_memory_pool(), sink_);
    if (!buffered.ok()) return buffered.status().ToString();
    buffered_ = *buffered;
    auto writer = parquet::arrow::FileWriter::Open(*schema_, arrow::default_memory_pool(),
                                                   buffered_, props.build(), arrow_props.build());
    if (!writer.ok()) return Failure(writer.status());
    writer_ = std::move(*writer);
    return "";
  }

  void String(std::string_view utf8) override {
    if (auto* b = Next(Kind::kString)) {
      bytes_ += static_cast<int64_t>(utf8.size());
      Check(static_cast<arrow::StringBuilder*>(b)->Append(utf8));
    }
  }
  void Int64(int64_t v) override {
    if (auto* b = Next(Kind::kInt64)) Check(static_cast<arrow::Int64Builder*>(b)->Append(v));
  }
  void Bool(bool v) override {
    if (auto* b = Next(Kind::kBool)) Check(static_cast<arrow::BooleanBuilder*>(b)->Append(v));
  }
  void Double(double v) override {
    if (auto* b = Next(Kind::kDouble)) Check(static_cast<arrow::DoubleBuilder*>(b)->Append(v));
  }
  void BeginList() override {
    const Column* column = nullptr;
    if (auto* b = Next(Kind::kList, &column)) {
      Check(static_cast<arrow::ListBuilder*>(b)->Append());
      stack_.push_back({b, column, 0});
    }
  }
  void EndList() override { End(Kind::kList); }
  void BeginStruct() override {
    const Column* column = nullptr;
    if (auto* b = Next(Kind::kStruct, &column)) {
      Check(static_cast<arrow::StructBuilder*>(b)->Append());
      stack_.push_back({b, column, 0});
    }
  }
  void EndStruct() override { End(Kind::kStruct); }

  std::string EndRow() override {
    if (error_.empty() && (!stack_.empty() || column_ != options_.columns.size())) {
      error_ = "a row ended after " + std::to_string(column_) + " of " +
               std::to_string(options_.columns.size()) + " columns";
    }
    if (!error_.empty()) return error_;
    column_ = 0;
    ++rows_;
    if (rows_ >= options_.row_group_rows || bytes_ >= options_.row_group_bytes) {
      return WriteRowGroup();
    }
    return "";
  }

  std::string Finish() override {
    if (!error_.empty()) return error_;
    if (std::string e = WriteRowGroup(); !e.empty()) return e;
    arrow::Status st = writer_->Close();
    if (st.ok()) st = buffered_->Close();
    if (!st.ok()) return Failure(st);
    return "";
  }

  uint64_t row_groups() const override { return row_groups_; }

 private:
  struct Frame {
    arrow::ArrayBuilder* builder;
    const Column* column;
    size_t next;  // a struct's next member
  };

  // The builder of the next value, checked to be of `kind`; null after an
  // error.
  arrow::ArrayBuilder* Next(Kind kind, const Column** column = nullptr) {
    if (!error_.empty()) return nullptr;
    const Column* c = nullptr;
    arrow::ArrayBuilder* b = nullptr;
    if (stack_.empty()) {
      if (column_ < options_.columns.size()) {
        c = &options_.columns[column_];
        b = builder_->GetField(static_cast<int>(column_++));
      }
    } else if (Frame& f = stack_.back(); f.column->kind == Kind::kList) {
      c = &f.column->children[0];
      b = static_cast<arrow::ListBuilder*>(f.builder)->value_builder();
    } else if (f.next < f.column->children.size()) {
      c = &f.column->children[f.next];
      b = static_cast<arrow::StructBuilder*>(f.builder)->field_builder(static_cast<int>(f.next++));
    }
    if (c == nullptr || c->kind != kind) {
      error_ = "a value of the wrong kind" +
               (c ? " for '" + c->name + "'" : std::string(" after the last column"));
      return nullptr;
    }
    if (column) *column = c;
    return b;
  }
  void End(Kind kind) {
    if (!error_.empty()) return;
    if (stack_.empty() || stack_.back().column->kind != kind ||
        (kind == Kind::kStruct && stack_.back().next != stack_.back().column->children.size())) {
      error_ = "an unmatched or incomplete list or struct";
      return;
    }
    stack_.pop_back();
  }
  void Check(const arrow::Status& st) {
    if (!st.ok() && error_.empty()) error_ = st.ToString();
  }
  // The Output's own message when it failed, else Arrow's.
  std::string Failure(const arrow::Status& st) {
    if (error_.empty()) error_ = sink_->error().empty() ? st.ToString() : sink_->error();
    return error_;
  }

  std::string WriteRowGroup() {
    if (rows_ == 0) return "";
    auto batch = builder_->Flush();
    if (!batch.ok()) return Failure(batch.status());
    auto table = arrow::Table::FromRecordBatches({*batch});
    if (!table.ok()) return Failure(table.status());
    const arrow::Status st = writer_->WriteTable(**table, rows_);
    if (!st.ok()) return Failure(st);
    rows_ = 0;
    bytes_ = 0;
    ++row_groups_;
    return "";
  }

  const TableOptions options_;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<arrow::RecordBatchBuilder> builder_;
  std::shared_ptr<arrow::io::BufferedOutputStream> buffered_;
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
  std::vector<Frame> stack_;
  size_t column_ = 0;  // the next top-level column of the row
  int64_t rows_ = 0;   // buffered
  int64_t bytes_ = 0;  // of text, buffered
  uint64_t row_groups_ = 0;
  std::string error_;
};

}  // namespace
}  // namespace swerl::curate::parquet_plugin

extern "C" __attribute__((visibility("default"))) swerl::curate::parquet_plugin::TableWriter*
swerl_parquet_open(int abi, const swerl::curate::parquet_plugin::TableOptions& options,
                   swerl::curate::parquet_plugin::Output* output, std::string* error) {
  namespace pp = swerl::curate::parquet_plugin;
  if (abi != pp::kAbiVersion) {
    *error = "the Parquet plugin speaks version " + std::to_string(pp::kAbiVersion) +
             " of its interface, not " + std::to_string(abi) + " (rebuild swerl)";
    return nullptr;
  }
  auto writer = std::make_unique<pp::Writer>(options, std::make_shared<pp::Sink>(output));
  *error = writer->Open();
  return error->empty() ? writer.release() : nullptr;
}
