#include "swerl/shard/shard.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "swerl/core/sha256.h"
#include "swerl/core/utc_time.h"
#include "swerl/db/file_kind.h"
#include "swerl/db/migrate.h"
#include "swerl/prompt/prompt.h"
#include "swerl/shard/shard_sql.h"  // generated from schemas/shard.sql: kShardSql

namespace swerl::shard {
namespace {

// zstd level of shard blobs: written once, read by every training run.
constexpr int kZstdLevel = 9;

}  // namespace

int ShardVersion() { return db::LatestVersion(kShardSql); }

Result<ShardWriter> ShardWriter::Create(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Error(Code::kInvalidInput, "'" + path + "' exists: a shard is written to a new file");
  }
  SWERL_ASSIGN_OR_RETURN(db::Db db,
                         db::OpenFileOfKind(path, db::kShardKind, kShardSql, db::Db::Mode::kCreate,
                                            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"));
  SWERL_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=NORMAL;"));
  SWERL_ASSIGN_OR_RETURN(db::BlobWriter blobs, db::BlobWriter::Create(&db, kZstdLevel));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt seed,
      db.Prepare("INSERT INTO seeds(seed_id, instance_id, repo, pull_number, base_commit, "
                 "problem_statement, prompt, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt file,
      db.Prepare("INSERT INTO seed_files(seed_id, role, path, blob_id) VALUES (?, ?, ?, ?)"));
  return ShardWriter(std::move(db), std::move(blobs), std::move(seed), std::move(file));
}

Status ShardWriter::Add(const Seed& seed) {
  std::string record;  // without what has columns and rows of its own
  AppendSeedJson(seed, &record, /*contents=*/false);
  record.pop_back();  // the '\n'
  SWERL_ASSIGN_OR_RETURN(db::Txn txn, db::Txn::Begin(&db_));
  const int64_t id = static_cast<int64_t>(seeds_);
  seed_.BindInt(1, id);
  seed_.BindText(2, seed.instance_id);
  seed_.BindText(3, seed.repo);
  seed_.BindInt(4, seed.pull_number);
  seed_.BindText(5, seed.base_commit);
  seed_.BindText(6, seed.problem_statement);
  seed_.BindText(7, seed.prompt);
  seed_.BindText(8, record);
  if (Status st = seed_.Run(); !st) {
    return std::move(st).error().With("adding seed '" + seed.instance_id + "'");
  }
  for (const auto* files : {&seed.context, &seed.oracle}) {
    const char* role = files == &seed.context ? "context" : "oracle";
    for (const auto& [path, text] : *files) {
      const std::string blob_id = Sha256::Hex(text);
      if (auto put = blobs_.Put(blob_id, text); !put) return std::move(put).error();
      file_.BindInt(1, id);
      file_.BindText(2, role);
      file_.BindText(3, path);
      file_.BindText(4, blob_id);
      SWERL_RETURN_IF_ERROR(file_.Run());
    }
  }
  SWERL_RETURN_IF_ERROR(txn.Commit());
  ++seeds_;
  return OkStatus();
}

Status ShardWriter::Finish(const std::vector<std::pair<std::string, std::string>>& meta) {
  SWERL_ASSIGN_OR_RETURN(db::Stmt put,
                         db_.Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"));
  std::vector<std::pair<std::string, std::string>> all = meta;
  all.emplace_back("shard_version", std::to_string(ShardVersion()));
  // created_at from the caller (swerl export: from the inputs, so that a
  // rebuild gives the same bytes), else the clock.
  if (std::none_of(meta.begin(), meta.end(), [](const auto& kv) { return kv.first == "created_at"; })) {
    all.emplace_back("created_at", FormatUtc(static_cast<int64_t>(std::time(nullptr))));
  }
  all.emplace_back("system_prompt", std::string(prompt::ThinkingSystem()));
  all.emplace_back("seeds", std::to_string(seeds_));
  SWERL_ASSIGN_OR_RETURN(db::Txn txn, db::Txn::Begin(&db_));
  for (const auto& [key, value] : all) {
    put.BindText(1, key);
    put.BindText(2, value);
    SWERL_RETURN_IF_ERROR(put.Run());
  }
  SWERL_RETURN_IF_ERROR(txn.Commit());
  // One file, no -wal beside it: a shard is copied around as is.
  return db_.Exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
}

Result<ShardReader> ShardReader::Open(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(
      db::Db db, db::OpenFileOfKind(path, db::kShardKind, kShardSql, db::Db::Mode::kReadOnly));
  return ShardReader(std::move(db));
}

Result<std::string> ShardReader::Meta(const std::string& key) {
  SWERL_ASSIGN_OR_RETURN(db::Stmt q, db_.Prepare("SELECT value FROM meta WHERE key = ?"));
  q.BindText(1, key);
  SWERL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? std::string(q.Text(0)) : std::string();
}

Result<int64_t> ShardReader::Count() {
  SWERL_ASSIGN_OR_RETURN(db::Stmt q, db_.Prepare("SELECT count(*) FROM seeds"));
  SWERL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

Result<std::vector<SeedRef>> ShardReader::List() {
  SWERL_ASSIGN_OR_RETURN(db::Stmt q,
                         db_.Prepare("SELECT seed_id, instance_id FROM seeds ORDER BY seed_id"));
  std::vector<SeedRef> refs;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    refs.push_back({q.Int(0), std::string(q.Text(1))});
  }
  return refs;
}

Status ShardReader::Prepare() {
  if (blobs_) return OkStatus();
  SWERL_ASSIGN_OR_RETURN(
      by_id_, db_.Prepare("SELECT seed_id, record, prompt FROM seeds WHERE seed_id = ?"));
  SWERL_ASSIGN_OR_RETURN(
      files_,
      db_.Prepare(
          "SELECT role, path, blob_id FROM seed_files WHERE seed_id = ? ORDER BY role, path"));
  SWERL_ASSIGN_OR_RETURN(db::BlobReader blobs, db::BlobReader::Create(&db_));
  blobs_ = std::make_unique<db::BlobReader>(std::move(blobs));
  return OkStatus();
}

Result<Seed> ShardReader::Fill(db::Stmt& row) {
  const int64_t id = row.Int(0);
  padded_.assign(row.Text(1));
  const size_t size = padded_.size();
  padded_.append(kSeedPadding, ' ');
  auto seed = ParseSeedJson(std::string_view(padded_.data(), size));
  if (!seed) {
    return Error(Code::kCorrupt,
                 "'" + path() + "': seed " + std::to_string(id) + ": " + seed.error().message());
  }
  seed->prompt.assign(row.Text(2));
  files_.BindInt(1, id);
  for (;;) {
    auto more = files_.Step();
    if (!more) {
      files_.Reset();
      return std::move(more).error();
    }
    if (!*more) break;
    const std::string_view role = files_.Text(0);
    const std::string_view file_path = files_.Text(1);
    Status valid = ValidateSeedPath(file_path);
    auto text = valid ? blobs_->Read(files_.Text(2)) : Result<std::string>(valid.error());
    if (!text) {
      Error e(Code::kCorrupt, "'" + path() + "': seed '" + seed->instance_id +
                                  "': " + std::string(role) + " file '" + std::string(file_path) +
                                  "': " + text.error().message());
      files_.Reset();
      return e;
    }
    (role == "context" ? seed->context : seed->oracle)
        .emplace_back(std::string(file_path), std::move(*text));
  }
  files_.Reset();
  return seed;
}

Result<Seed> ShardReader::Read(int64_t seed_id) {
  SWERL_RETURN_IF_ERROR(Prepare());
  by_id_.BindInt(1, seed_id);
  auto row = by_id_.Step();
  if (!row || !*row) {
    by_id_.Reset();
    if (!row) return std::move(row).error();
    return Error(Code::kNotFound, "'" + path() + "' has no seed " + std::to_string(seed_id));
  }
  auto seed = Fill(by_id_);
  by_id_.Reset();
  return seed;
}

Status ShardReader::ForEach(const std::function<Status(Seed&)>& fn) {
  SWERL_RETURN_IF_ERROR(Prepare());
  SWERL_ASSIGN_OR_RETURN(db::Stmt seeds,
                         db_.Prepare("SELECT seed_id, record, prompt FROM seeds ORDER BY seed_id"));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, seeds.Step());
    if (!row) break;
    SWERL_ASSIGN_OR_RETURN(Seed seed, Fill(seeds));
    SWERL_RETURN_IF_ERROR(fn(seed));
  }
  return OkStatus();
}

Result<std::vector<ShardReader::BadBlob>> ShardReader::VerifyBlobs(uint64_t* checked) {
  *checked = 0;
  SWERL_RETURN_IF_ERROR(Prepare());
  SWERL_ASSIGN_OR_RETURN(db::Stmt ids, db_.Prepare("SELECT blob_id FROM blobs ORDER BY blob_id"));
  std::vector<BadBlob> bad;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, ids.Step());
    if (!row) break;
    ++*checked;
    const std::string id(ids.Text(0));
    auto text = blobs_->Read(id);
    if (!text) {
      bad.push_back({id, text.error().message(), {}});
      continue;
    }
    // Ids are lowercase hex (ShardWriter); any other spelling is damage too.
    const std::string actual = Sha256::Hex(*text);
    if (actual != id) {
      bad.push_back({id, "holds contents whose sha256 is " + actual + ", not its id", {}});
    }
  }
  if (bad.empty()) return bad;
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt users,
      db_.Prepare("SELECT s.instance_id, f.role, f.path FROM seed_files f JOIN seeds s "
                  "ON s.seed_id = f.seed_id WHERE f.blob_id = ? ORDER BY f.seed_id, f.role, "
                  "f.path"));
  for (BadBlob& b : bad) {
    users.BindText(1, b.blob_id);
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool row, users.Step());
      if (!row) break;
      b.users.push_back("seed '" + std::string(users.Text(0)) + "' " + std::string(users.Text(1)) +
                        " file '" + std::string(users.Text(2)) + "'");
    }
    users.Reset();
  }
  return bad;
}

Status ValidateSeedPath(std::string_view path) {
  auto bad = [&](const char* why) { return Error(Code::kCorrupt, "path " + std::string(why)); };
  if (path.empty()) return bad("is empty");
  if (path.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (path.front() == '/') return bad("is absolute");
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty()) return bad("has an empty component (\"//\" or a trailing '/')");
    if (part == "." || part == "..") return bad("has a '.' or '..' component");
    if (end == path.size()) return OkStatus();
    start = end + 1;
  }
}

}  // namespace swerl::shard
