#include "swerl/shard/seed.h"

#include <simdjson.h>

#include "swerl/json/json_writer.h"

namespace swerl::shard {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

static_assert(kSeedPadding >= simdjson::SIMDJSON_PADDING);

void WriteFiles(json::JsonWriter* w, std::string_view key, const SeedFiles& files) {
  w->Key(key);
  w->BeginObject();
  for (const auto& [path, text] : files) {
    w->Key(path);
    w->String(text);
  }
  w->EndObject();
}

// Reads the members of one JSON object into typed fields, remembering the
// first missing or mistyped one.
class Fields {
 public:
  explicit Fields(object obj) : obj_(obj) {}

  void Str(const char* key, std::string* out) {
    std::string_view s;
    if (obj_[key].get(s) == SUCCESS) {
      out->assign(s);
    } else {
      Fail(key, "a string");
    }
  }
  // Absent is fine (fields added after version 1 of the record).
  void OptionalStr(const char* key, std::string* out) {
    std::string_view s;
    auto field = obj_[key];
    if (field.error() == simdjson::NO_SUCH_FIELD) return;
    if (field.get(s) == SUCCESS) {
      out->assign(s);
    } else {
      Fail(key, "a string");
    }
  }
  void Int(const char* key, int64_t* out) {
    if (obj_[key].get(*out) != SUCCESS) Fail(key, "an integer");
  }
  void Bool(const char* key, bool* out) {
    if (obj_[key].get(*out) != SUCCESS) Fail(key, "true or false");
  }
  bool Array(const char* key, array* out) {
    if (obj_[key].get(*out) == SUCCESS) return true;
    Fail(key, "an array");
    return false;
  }
  // Each object of array `key`, read by fill(Fields&); `what` is the shape
  // named when an object's own fields are wrong.
  template <class Fill>
  void Objects(const char* key, const char* what, Fill fill) {
    array items;
    if (!Array(key, &items)) return;
    for (element e : items) {
      object o;
      if (e.get(o) != SUCCESS) return Fail(key, "an array of objects");
      Fields g(o);
      fill(g);
      if (!g.error().empty()) Fail(key, what);
    }
  }
  // Whether `key` is present (for fields added after version 1).
  bool Has(const char* key) { return obj_[key].error() != simdjson::NO_SUCH_FIELD; }
  void Files(const char* key, SeedFiles* out) {
    object files;
    if (obj_[key].get(files) != SUCCESS) return Fail(key, "an object");
    for (auto [path, value] : files) {
      std::string_view text;
      if (value.get(text) != SUCCESS) return Fail(key, "an object of strings");
      out->emplace_back(std::string(path), std::string(text));
    }
  }
  void Fail(const char* key, const char* want) {
    if (error_.empty()) error_ = std::string("'") + key + "' must be " + want;
  }
  const std::string& error() const { return error_; }

 private:
  object obj_;
  std::string error_;
};

}  // namespace

std::string InstanceId(std::string_view repo, int64_t number) {
  std::string id(repo);
  const size_t slash = id.find('/');
  if (slash != std::string::npos) id.replace(slash, 1, "__");
  return id + "-" + std::to_string(number);
}

void AppendSeedJson(const Seed& s, std::string* out, bool contents) {
  json::JsonWriter w(out);
  w.BeginObject();
  w.Key("instance_id");
  w.String(s.instance_id);
  w.Key("repo");
  w.String(s.repo);
  w.Key("repo_id");
  w.Int(s.repo_id);
  w.Key("pull_number");
  w.Int(s.pull_number);
  w.Key("base_commit");
  w.String(s.base_commit);
  w.Key("pr_base_sha");
  w.String(s.pr_base_sha);
  w.Key("head_commit");
  w.String(s.head_commit);
  w.Key("created_at");
  w.String(s.created_at);
  w.Key("merged_at");
  w.String(s.merged_at);
  w.Key("license");
  w.String(s.license);
  w.Key("title");
  w.String(s.title);
  w.Key("body");
  w.String(s.body);
  w.Key("author");
  w.String(s.author);
  w.Key("author_type");
  w.String(s.author_type);
  w.Key("issues");
  w.BeginArray();
  for (const SeedIssue& i : s.issues) {
    w.BeginObject();
    w.Key("repo");
    w.String(i.repo);
    w.Key("number");
    w.Int(i.number);
    w.Key("closing");
    w.Bool(i.closing);
    w.Key("title");
    w.String(i.title);
    w.Key("body");
    w.String(i.body);
    w.Key("created_at");
    w.String(i.created_at);
    w.EndObject();
  }
  w.EndArray();
  w.Key("problem_statement");
  w.String(s.problem_statement);
  w.Key("stripped");
  w.BeginArray();
  for (const SeedStrip& strip : s.stripped) {
    w.BeginObject();
    w.Key("kind");
    w.String(strip.kind);
    w.Key("text");
    w.String(strip.text);
    w.EndObject();
  }
  w.EndArray();
  w.Key("patch");
  w.String(s.patch);
  w.Key("test_patch");
  w.String(s.test_patch);
  w.Key("files");
  w.BeginArray();
  for (const SeedFile& f : s.files) {
    w.BeginObject();
    w.Key("path");
    w.String(f.path);
    w.Key("old_path");
    w.String(f.old_path);
    w.Key("status");
    w.String(f.status);
    w.Key("is_test");
    w.Bool(f.is_test);
    w.Key("binary");
    w.Bool(f.binary);
    w.Key("skip");
    w.String(f.skip);
    w.Key("added_lines");
    w.Int(f.added_lines);
    w.Key("deleted_lines");
    w.Int(f.deleted_lines);
    w.EndObject();
  }
  w.EndArray();
  const SeedFiles none;
  WriteFiles(&w, "context", contents ? s.context : none);
  WriteFiles(&w, "oracle", contents ? s.oracle : none);
  w.Key("relevant_files");
  w.BeginArray();
  for (const std::string& p : s.relevant_files) w.String(p);
  w.EndArray();
  w.Key("prompt");
  w.String(contents ? s.prompt : std::string_view());
  w.Key("controls");
  w.BeginObject();
  for (const auto& [name, score] : s.controls) {
    w.Key(name);
    w.Double(score);
  }
  w.EndObject();
  // Repairs made while writing this very record count too.
  w.Key("utf8_repaired");
  w.Bool(s.utf8_repaired || w.utf8_repairs() > 0);
  w.EndObject();
  out->push_back('\n');
}

Result<Seed> ParseSeedJson(std::string_view line) {
  // One parser per thread: parsing reuses its buffers.
  thread_local simdjson::dom::parser parser;
  object root;
  if (auto err = parser.parse(line.data(), line.size(), false).get(root); err != SUCCESS) {
    return Error(Code::kInvalidInput,
                 std::string("not a JSON object: ") + simdjson::error_message(err));
  }
  Seed s;
  Fields f(root);
  f.Str("instance_id", &s.instance_id);
  f.Str("repo", &s.repo);
  f.Int("repo_id", &s.repo_id);
  f.Int("pull_number", &s.pull_number);
  f.Str("base_commit", &s.base_commit);
  f.Str("pr_base_sha", &s.pr_base_sha);
  f.Str("head_commit", &s.head_commit);
  f.Str("created_at", &s.created_at);
  f.Str("merged_at", &s.merged_at);
  f.OptionalStr("license", &s.license);
  f.Str("title", &s.title);
  f.Str("body", &s.body);
  f.Str("author", &s.author);
  f.Str("author_type", &s.author_type);
  f.Objects("issues", "an array of issues (schemas/records/seed.md)", [&](Fields& g) {
    SeedIssue& i = s.issues.emplace_back();
    g.Str("repo", &i.repo);
    g.Int("number", &i.number);
    g.Bool("closing", &i.closing);
    g.Str("title", &i.title);
    g.Str("body", &i.body);
    g.OptionalStr("created_at", &i.created_at);
  });
  f.Str("problem_statement", &s.problem_statement);
  if (f.Has("stripped")) {
    f.Objects("stripped", "an array of {kind, text}", [&](Fields& g) {
      SeedStrip& strip = s.stripped.emplace_back();
      g.Str("kind", &strip.kind);
      g.Str("text", &strip.text);
    });
  }
  f.Str("patch", &s.patch);
  f.Str("test_patch", &s.test_patch);
  f.Objects("files", "an array of files (schemas/records/seed.md)", [&](Fields& g) {
    SeedFile& file = s.files.emplace_back();
    g.Str("path", &file.path);
    g.Str("old_path", &file.old_path);
    g.Str("status", &file.status);
    g.Bool("is_test", &file.is_test);
    g.Bool("binary", &file.binary);
    g.Str("skip", &file.skip);
    g.Int("added_lines", &file.added_lines);
    g.Int("deleted_lines", &file.deleted_lines);
  });
  f.Files("context", &s.context);
  f.Files("oracle", &s.oracle);
  array items;
  if (f.Array("relevant_files", &items)) {
    for (element e : items) {
      std::string_view p;
      if (e.get(p) != SUCCESS) {
        f.Fail("relevant_files", "an array of strings");
        break;
      }
      s.relevant_files.emplace_back(p);
    }
  }
  f.Str("prompt", &s.prompt);
  if (f.Has("controls")) {
    object controls;
    if (root["controls"].get(controls) != SUCCESS) {
      f.Fail("controls", "an object");
    } else {
      for (auto [name, value] : controls) {
        double score = 0;
        if (value.get(score) != SUCCESS) {
          f.Fail("controls", "an object of numbers");
          break;
        }
        s.controls.emplace_back(std::string(name), score);
      }
    }
  }
  f.Bool("utf8_repaired", &s.utf8_repaired);
  if (!f.error().empty()) return Error(Code::kInvalidInput, "seed record: " + f.error());
  return s;
}

}  // namespace swerl::shard
