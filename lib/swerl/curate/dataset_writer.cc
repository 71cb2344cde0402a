#include "swerl/curate/dataset_writer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>

#include "swerl/core/check.h"
#include "swerl/core/utf8.h"
#include "swerl/curate/dataset_rows.h"
#include "swerl/curate/parquet_plugin.h"
#include "swerl/io/atomic_file.h"

#ifndef SWERL_PARQUET_PLUGIN
#define SWERL_PARQUET_PLUGIN ""
#endif

namespace swerl::curate {
namespace {

namespace pp = parquet_plugin;
using pp::Column;
using pp::Kind;

// The plugin's open function, loaded once per process (parquet_plugin.h says
// why it is a plugin). Looked for at $SWERL_PARQUET_PLUGIN, beside the
// running binary, then where the build put it.
Result<pp::OpenFunction> LoadPlugin() {
  static std::once_flag once;
  static Result<pp::OpenFunction> loaded = Error(Code::kNotFound, "");
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("SWERL_PARQUET_PLUGIN"); env && *env) {
      candidates.push_back(env);
    } else {
      std::error_code ec;
      const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
      if (!ec) candidates.push_back((exe.parent_path() / "libswerl_parquet.so").string());
      if (*SWERL_PARQUET_PLUGIN) candidates.push_back(SWERL_PARQUET_PLUGIN);
    }
    // DEEPBIND: Arrow's libraries bind to their own simdjson, not swerl's.
    // The sanitizers refuse it; there Arrow's simdjson calls (none on the
    // write path) would reach swerl's.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    const int flags = RTLD_NOW | RTLD_LOCAL;
#else
    const int flags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif
    std::string why;
    for (const std::string& path : candidates) {
      if (::access(path.c_str(), F_OK) != 0) {
        why += (why.empty() ? "" : "; ") + ("no '" + path + "'");
        continue;
      }
      void* handle = ::dlopen(path.c_str(), flags);  // kept for the process's life
      void* open = handle ? ::dlsym(handle, pp::kOpenSymbol) : nullptr;
      if (open) {
        loaded = reinterpret_cast<pp::OpenFunction>(open);
        return;
      }
      const char* e = ::dlerror();
      why += (why.empty() ? "" : "; ") + std::string(e ? e : path + ": no " + pp::kOpenSymbol);
    }
    loaded = Error(Code::kNotFound,
                   "cannot load swerl's Parquet writer (libswerl_parquet.so, "
                   "built with swerl; SWERL_PARQUET_PLUGIN names another): " +
                       why);
  });
  return loaded;
}

Column Text(std::string name, bool plain = false) {
  return {std::move(name), Kind::kString, {}, plain};
}
Column Int(std::string name) { return {std::move(name), Kind::kInt64, {}, false}; }
Column Flag(std::string name) { return {std::move(name), Kind::kBool, {}, false}; }
Column Struct(std::string name, std::vector<Column> members) {
  return {std::move(name), Kind::kStruct, std::move(members), false};
}
Column ListOf(std::string name, Column element) {
  element.name = "item";
  return {std::move(name), Kind::kList, {std::move(element)}, false};
}
Column Files(std::string name) {
  return ListOf(std::move(name), Struct("", {Text("path"), Text("content", true)}));
}

// schemas/export_hf.md: SWE-bench's twelve columns in SWE-bench's order,
// then swerl's, in the order of the seed record. Long, mostly distinct
// texts are plain (a dictionary would be abandoned after its first
// megabyte anyway).
std::vector<Column> HfColumns() {
  return {
      Text("repo"),
      Text("instance_id"),
      Text("base_commit"),
      Text("patch", true),
      Text("test_patch", true),
      Text("problem_statement", true),
      Text("hints_text"),
      Text("created_at"),
      Text("version"),
      Text("FAIL_TO_PASS"),
      Text("PASS_TO_PASS"),
      Text("environment_setup_commit"),
      Int("repo_id"),
      Int("pull_number"),
      Text("pr_base_sha"),
      Text("head_commit"),
      Text("merged_at"),
      Text("license"),
      Text("title"),
      Text("body", true),
      Text("author"),
      Text("author_type"),
      ListOf("issues", Struct("", {Text("repo"), Int("number"), Flag("closing"), Text("title"),
                                   Text("body", true), Text("created_at")})),
      ListOf("stripped", Struct("", {Text("kind"), Text("text")})),
      ListOf("files",
             Struct("", {Text("path"), Text("old_path"), Text("status"), Flag("is_test"),
                         Flag("binary"), Text("skip"), Int("added_lines"), Int("deleted_lines")})),
      Files("context"),
      Files("oracle"),
      ListOf("relevant_files", Text("")),
      Text("prompt", true),
      ListOf("controls", Struct("", {Text("name"), {"reward", Kind::kDouble, {}, false}})),
      Flag("utf8_repaired"),
      Text("split"),
  };
}

// schemas/export_verl.md: verl's RL dataset (its RLHFDataset and reward
// managers read these names).
std::vector<Column> VerlColumns() {
  return {
      Text("data_source"),
      ListOf("prompt", Struct("", {Text("role"), Text("content", true)})),
      Text("ability"),
      Struct("reward_model", {Text("style"), Text("ground_truth", true)}),
      Struct("extra_info",
             {Int("index"), Text("split"), Text("instance_id"), Text("repo"), Int("pull_number"),
              Text("base_commit"), Text("created_at"), Text("license")}),
  };
}

// The bytes go to an io::AtomicFile; its own Error is kept for the caller.
class FileOutput final : public pp::Output {
 public:
  explicit FileOutput(io::AtomicFile file) : file_(std::move(file)) {}
  std::string Write(const void* data, int64_t size) override {
    Status st = file_.Append(std::string_view(static_cast<const char*>(data), size));
    if (st) return "";
    if (!error_) error_ = st.error();
    return st.error().message();
  }
  Status Commit() { return file_.Commit(); }
  const std::optional<Error>& error() const { return error_; }

 private:
  io::AtomicFile file_;
  std::optional<Error> error_;
};

// Hands a seed's values to the plugin, repairing text that is not UTF-8
// (as the NDJSON record does).
class RowEmitter {
 public:
  explicit RowEmitter(pp::TableWriter* w) : w_(w) {}

  void Text(std::string_view s) {
    if (IsValidUtf8(s)) return w_->String(s);
    repaired_.clear();
    AppendRepairedUtf8(&repaired_, s);
    w_->String(repaired_);
  }
  void Files(const shard::SeedFiles& files) {
    w_->BeginList();
    for (const auto& [path, content] : files) {
      w_->BeginStruct();
      Text(path);
      Text(content);
      w_->EndStruct();
    }
    w_->EndList();
  }

  void Hf(const shard::Seed& s, double eval_fraction) {
    for (std::string_view v :
         {std::string_view(s.repo), std::string_view(s.instance_id),
          std::string_view(s.base_commit), std::string_view(s.patch),
          std::string_view(s.test_patch), std::string_view(s.problem_statement), std::string_view(),
          std::string_view(s.created_at), std::string_view(), kNoTests, kNoTests,
          std::string_view()}) {
      Text(v);  // hints_text, version and environment_setup_commit are ""
    }
    w_->Int64(s.repo_id);
    w_->Int64(s.pull_number);
    for (const std::string* v : {&s.pr_base_sha, &s.head_commit, &s.merged_at, &s.license, &s.title,
                                 &s.body, &s.author, &s.author_type}) {
      Text(*v);
    }
    w_->BeginList();
    for (const shard::SeedIssue& issue : s.issues) {
      w_->BeginStruct();
      Text(issue.repo);
      w_->Int64(issue.number);
      w_->Bool(issue.closing);
      Text(issue.title);
      Text(issue.body);
      Text(issue.created_at);
      w_->EndStruct();
    }
    w_->EndList();
    w_->BeginList();
    for (const shard::SeedStrip& strip : s.stripped) {
      w_->BeginStruct();
      Text(strip.kind);
      Text(strip.text);
      w_->EndStruct();
    }
    w_->EndList();
    w_->BeginList();
    for (const shard::SeedFile& f : s.files) {
      w_->BeginStruct();
      Text(f.path);
      Text(f.old_path);
      Text(f.status);
      w_->Bool(f.is_test);
      w_->Bool(f.binary);
      Text(f.skip);
      w_->Int64(f.added_lines);
      w_->Int64(f.deleted_lines);
      w_->EndStruct();
    }
    w_->EndList();
    Files(s.context);
    Files(s.oracle);
    w_->BeginList();
    for (const std::string& path : s.relevant_files) Text(path);
    w_->EndList();
    Text(s.prompt);
    w_->BeginList();
    for (const auto& [name, reward] : s.controls) {
      w_->BeginStruct();
      Text(name);
      w_->Double(reward);
      w_->EndStruct();
    }
    w_->EndList();
    w_->Bool(s.utf8_repaired);
    Text(SplitOf(s, eval_fraction));
  }

  void Verl(const shard::Seed& s, const DatasetOptions& options, int64_t index) {
    Text(DataSource(options.data_source, s));
    w_->BeginList();
    for (const auto& [role, content] :
         {std::pair<std::string_view, std::string_view>{"system", options.system_prompt},
          {"user", s.prompt}}) {
      w_->BeginStruct();
      Text(role);
      Text(content);
      w_->EndStruct();
    }
    w_->EndList();
    Text(kVerlAbility);
    w_->BeginStruct();
    Text(kVerlRewardStyle);
    Text(RewardGroundTruth(s));  // valid UTF-8: JsonWriter repairs
    w_->EndStruct();
    w_->BeginStruct();
    w_->Int64(index);
    Text(SplitOf(s, options.eval_fraction));
    Text(s.instance_id);
    Text(s.repo);
    w_->Int64(s.pull_number);
    Text(s.base_commit);
    Text(s.created_at);
    Text(s.license);
    w_->EndStruct();
  }

 private:
  pp::TableWriter* w_;
  std::string repaired_;
};

}  // namespace

std::string_view DatasetFormatName(DatasetFormat format) {
  return format == DatasetFormat::kHf ? "hf" : "verl";
}

struct DatasetWriter::Impl {
  DatasetOptions options;
  std::unique_ptr<FileOutput> output;
  std::unique_ptr<pp::TableWriter> table;
  uint64_t rows = 0;
  uint64_t row_groups = 0;  // once the table is finished
  bool finished = false;

  // A failure the plugin reported: the file's own error when writing
  // failed (kIo), else kExternal.
  Error Failed(const std::string& message, std::string_view what) const {
    if (output->error()) return *output->error();
    return Error(Code::kExternal, std::string(what) + ": " + message);
  }
};

DatasetWriter::DatasetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DatasetWriter::DatasetWriter(DatasetWriter&&) noexcept = default;
DatasetWriter& DatasetWriter::operator=(DatasetWriter&&) noexcept = default;
DatasetWriter::~DatasetWriter() {
  if (impl_) impl_->table.reset();  // before the output it writes to
}

Result<DatasetWriter> DatasetWriter::Create(const std::string& path, DatasetOptions options) {
  SWERL_ASSIGN_OR_RETURN(pp::OpenFunction open, LoadPlugin());
  SWERL_ASSIGN_OR_RETURN(io::AtomicFile file, io::AtomicFile::Create(path));
  auto impl = std::make_unique<Impl>();
  impl->output = std::make_unique<FileOutput>(std::move(file));

  pp::TableOptions table;
  table.columns = options.format == DatasetFormat::kHf ? HfColumns() : VerlColumns();
  table.row_group_rows = options.row_group_rows;
  table.row_group_bytes = options.row_group_bytes;
  table.threads = options.threads;
  table.metadata = {{"swerl.format", std::string(DatasetFormatName(options.format))},
                    {"swerl.schema_version", std::to_string(kDatasetSchemaVersion)},
                    {"swerl.system_prompt", options.system_prompt}};
  table.metadata.insert(table.metadata.end(), options.metadata.begin(), options.metadata.end());
  for (auto& kv : table.metadata) {  // Parquet's metadata is UTF-8 text too
    for (std::string* s : {&kv.first, &kv.second}) {
      if (IsValidUtf8(*s)) continue;
      std::string repaired;
      AppendRepairedUtf8(&repaired, *s);
      *s = std::move(repaired);
    }
  }
  std::string error;
  impl->table.reset(open(pp::kAbiVersion, table, impl->output.get(), &error));
  if (!impl->table) return impl->Failed(error, "creating '" + path + "'");
  impl->options = std::move(options);
  return DatasetWriter(std::move(impl));
}

Status DatasetWriter::Add(const shard::Seed& seed) {
  Impl& m = *impl_;
  SWERL_CHECK(!m.finished);
  RowEmitter row(m.table.get());
  if (m.options.format == DatasetFormat::kHf) {
    row.Hf(seed, m.options.eval_fraction);
  } else {
    row.Verl(seed, m.options, static_cast<int64_t>(m.rows));
  }
  if (std::string e = m.table->EndRow(); !e.empty()) {
    return m.Failed(e, "seed '" + seed.instance_id + "'");
  }
  ++m.rows;
  return OkStatus();
}

Status DatasetWriter::Finish() {
  Impl& m = *impl_;
  SWERL_CHECK(!m.finished);
  m.finished = true;
  if (std::string e = m.table->Finish(); !e.empty()) return m.Failed(e, "writing the file");
  m.row_groups = m.table->row_groups();
  m.table.reset();
  return m.output->Commit();
}

uint64_t DatasetWriter::rows() const { return impl_->rows; }
uint64_t DatasetWriter::row_groups() const {
  return impl_->table ? impl_->table->row_groups() : impl_->row_groups;
}

}  // namespace swerl::curate
