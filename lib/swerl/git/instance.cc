#include "swerl/git/instance.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include "swerl/core/c_deleter.h"
#include "swerl/git/git_handles.h"

namespace swerl::git {
namespace {

using DiffHandle = std::unique_ptr<git_diff, CDeleter<&git_diff_free>>;
using RevwalkHandle = std::unique_ptr<git_revwalk, CDeleter<&git_revwalk_free>>;

std::string Hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

std::string ModeString(uint16_t mode) {
  if (mode == 0) return "";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06o", static_cast<unsigned>(mode));
  return buf;
}

// ---- Resolution ----

// The commit `hex` names (full or unambiguous prefix of >= 4 digits), or why not.
struct Lookup {
  std::optional<git_oid> oid;
  std::string why;  // when !oid: "not in the repository", "not a hex id", ...
};

Lookup LookupCommit(git_repository* repo, std::string_view hex) {
  if (hex.size() < GIT_OID_MINPREFIXLEN || hex.size() > GIT_OID_HEXSZ ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(
                                                              static_cast<unsigned char>(c)); })) {
    return {std::nullopt, "not a hex id"};
  }
  git_oid prefix;
  if (git_oid_fromstrn(&prefix, hex.data(), hex.size()) != 0) return {std::nullopt, "not a hex id"};
  git_commit* raw = nullptr;
  const int rc = git_commit_lookup_prefix(&raw, repo, &prefix, hex.size());
  CommitHandle commit(raw);
  if (rc == GIT_EAMBIGUOUS) return {std::nullopt, "ambiguous"};
  if (rc != 0) return {std::nullopt, "not in the repository"};
  return {*git_commit_id(commit.get()), ""};
}

std::optional<git_oid> PullHead(git_repository* repo, int64_t pr) {
  if (pr <= 0) return std::nullopt;
  const std::string ref = "refs/pull/" + std::to_string(pr) + "/head";
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, ref.c_str()) != 0) return std::nullopt;
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &oid) != 0) return std::nullopt;
  CommitHandle commit(raw);
  return oid;
}

struct Resolved {
  git_oid base, head;
  std::string how;
};

Result<std::vector<git_oid>> Parents(git_repository* repo, const git_oid& oid) {
  git_commit* raw = nullptr;
  if (int rc = git_commit_lookup(&raw, repo, &oid); rc != 0) {
    return GitError(rc, "cannot read commit '" + Hex(oid) + "'");
  }
  CommitHandle commit(raw);
  std::vector<git_oid> out;
  for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
    out.push_back(*git_commit_parent_id(commit.get(), i));
  }
  return out;
}

Result<Resolved> Resolve(git_repository* repo, const InstanceRequest& req) {
  std::vector<std::string> why;
  auto note = [&why](const char* what, const std::string& sha, const Lookup& l) {
    if (sha.empty()) {
      why.push_back(std::string("no ") + what);
    } else {
      why.push_back(std::string(what) + " '" + sha + "' " + l.why);
    }
  };
  std::optional<git_oid> head;
  std::string how;
  const Lookup head_l = LookupCommit(repo, req.head_sha);
  if (head_l.oid) {
    head = head_l.oid;
    how = "head_sha";
  } else {
    note("head_sha", req.head_sha, head_l);
    if (auto pull = PullHead(repo, req.pr_number)) {
      head = pull;
      how = "pull_ref";
    } else {
      why.push_back(req.pr_number > 0
                        ? "no refs/pull/" + std::to_string(req.pr_number) + "/head"
                        : std::string("no pr number for refs/pull/<n>/head"));
    }
  }
  const Lookup base_l = LookupCommit(repo, req.base_sha);
  if (!base_l.oid) note("base_sha", req.base_sha, base_l);
  if (head && base_l.oid) return Resolved{*base_l.oid, *head, how};

  const Lookup merge_l = LookupCommit(repo, req.merge_commit_sha);
  if (!merge_l.oid) {
    note("merge_commit_sha", req.merge_commit_sha, merge_l);
    std::string msg = "cannot resolve pr " + std::to_string(req.pr_number) + ":";
    for (size_t i = 0; i < why.size(); ++i) msg += (i ? ", " : " ") + why[i];
    return Error(Code::kNotFound, std::move(msg));
  }
  SWERL_ASSIGN_OR_RETURN(const std::vector<git_oid> parents, Parents(repo, *merge_l.oid));
  if (parents.size() > 2) {
    return Error(Code::kUnsupported,
                 "merge commit '" + Hex(*merge_l.oid) + "' has " +
                     std::to_string(parents.size()) + " parents");
  }
  if (parents.empty()) {
    return Error(Code::kNotFound, "merge commit '" + Hex(*merge_l.oid) + "' has no parent");
  }
  if (head) return Resolved{parents[0], *head, how + "+merge_parent"};
  if (parents.size() == 2) return Resolved{parents[0], parents[1], "merge_parents"};
  return Resolved{parents[0], *merge_l.oid, "squash"};
}

// ---- Commits ----

std::string IsoTime(const git_time& t) {
  const std::time_t local = static_cast<std::time_t>(t.time) + t.offset * 60;
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const int off = t.offset < 0 ? -t.offset : t.offset;
  char tz[16];
  std::snprintf(tz, sizeof tz, "%c%02d:%02d", t.offset < 0 ? '-' : '+', off / 60, off % 60);
  return std::string(buf) + tz;
}

Result<std::vector<CommitInfo>> Commits(git_repository* repo, const git_oid& merge_base,
                                        const git_oid& head) {
  git_revwalk* raw = nullptr;
  if (int rc = git_revwalk_new(&raw, repo); rc != 0) return GitError(rc, "cannot walk commits");
  RevwalkHandle walk(raw);
  if (int rc = git_revwalk_sorting(walk.get(),
                                   GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
      rc != 0) {
    return GitError(rc, "cannot walk commits");
  }
  if (int rc = git_revwalk_push(walk.get(), &head); rc != 0) {
    return GitError(rc, "cannot walk from '" + Hex(head) + "'");
  }
  if (int rc = git_revwalk_hide(walk.get(), &merge_base); rc != 0) {
    return GitError(rc, "cannot hide '" + Hex(merge_base) + "'");
  }
  std::vector<CommitInfo> out;
  git_oid oid;
  int rc = 0;
  while ((rc = git_revwalk_next(&oid, walk.get())) == 0) {
    git_commit* craw = nullptr;
    if (int lrc = git_commit_lookup(&craw, repo, &oid); lrc != 0) {
      return GitError(lrc, "cannot read commit '" + Hex(oid) + "'");
    }
    CommitHandle commit(craw);
    CommitInfo info;
    info.sha = Hex(oid);
    const char* raw_msg = git_commit_message_raw(commit.get());
    info.message = raw_msg ? raw_msg : "";
    const git_signature* a = git_commit_author(commit.get());
    info.author = std::string(a->name) + " <" + a->email + ">";
    info.author_time = IsoTime(a->when);
    out.push_back(std::move(info));
  }
  if (rc != GIT_ITEROVER) return GitError(rc, "cannot walk commits");
  return out;
}

// ---- Rename similarity as git 2.39 scores it ----
//
// git compares files by chunks: a chunk ends after a newline or after 64
// bytes (in text, a CR right before a LF is left out). Each chunk's 64-bit
// rolling value is reduced to one of kBuckets buckets, a file's signature is
// the byte count per bucket, and the bytes two files share bucket by bucket,
// over the larger size, is their similarity. The constants are git's: only
// they give the same percentages and the same rename decisions as git.

constexpr uint32_t kBuckets = 107927;
constexpr uint64_t kMaxScore = 60000;     // git's fixed-point unit for 100%
constexpr size_t kBinaryProbeBytes = 8000;  // a NUL here makes a file binary

struct Signature {
  bool regular = false;  // a regular file (symlinks and submodules never pair)
  uint64_t size = 0;
  std::vector<std::pair<uint32_t, uint64_t>> buckets;  // (bucket, bytes), by bucket
};

std::unique_ptr<Signature> Sign(const git_diff_file* file, const char* buf, size_t len) {
  auto sig = std::make_unique<Signature>();
  sig->regular = (file->mode & 0170000) == 0100000;
  sig->size = len;
  const bool text = std::memchr(buf, 0, std::min(len, kBinaryProbeBytes)) == nullptr;
  std::unordered_map<uint32_t, uint64_t> bytes_in;
  uint32_t hi = 0, lo = 0;  // the chunk's rolling value, as two halves
  uint64_t chunk = 0;       // bytes in the chunk so far
  for (size_t i = 0; i < len; ++i) {
    const unsigned char c = static_cast<unsigned char>(buf[i]);
    if (text && c == '\r' && i + 1 < len && buf[i + 1] == '\n') continue;
    // Shift the 64-bit value left by 7, each half taking the other's top
    // 7 bits, then add the byte to the high half.
    const uint32_t from_hi = hi >> 25, from_lo = lo >> 25;
    hi = ((hi << 7) ^ from_lo) + c;
    lo = (lo << 7) ^ from_hi;
    if (++chunk < 64 && c != '\n') continue;
    bytes_in[(hi + lo * 0x61) % kBuckets] += chunk;
    chunk = 0;
    hi = lo = 0;
  }
  // A final chunk without its newline is not counted (git 2.39; later
  // releases count it).
  sig->buckets.assign(bytes_in.begin(), bytes_in.end());
  std::sort(sig->buckets.begin(), sig->buckets.end());
  return sig;
}

int FileSignature(void** out, const git_diff_file* file, const char* fullpath, void*) {
  std::ifstream in(fullpath, std::ios::binary);
  if (!in) return -1;
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  *out = Sign(file, data.data(), data.size()).release();
  return 0;
}

int BufferSignature(void** out, const git_diff_file* file, const char* buf, size_t len, void*) {
  *out = Sign(file, buf, len).release();
  return 0;
}

void FreeSignature(void* sig, void*) { delete static_cast<Signature*>(sig); }

// The similarity in percent (what git prints), truncated as git truncates
// its fixed-point score; 0 when the sizes alone differ by more than the
// threshold allows, which git checks before comparing contents.
int Similarity(int* score, void* siga, void* sigb, void* payload) {
  const auto* a = static_cast<const Signature*>(siga);
  const auto* b = static_cast<const Signature*>(sigb);
  const uint64_t threshold = *static_cast<const uint16_t*>(payload);
  *score = 0;
  if (!a->regular || !b->regular || b->size == 0) return 0;
  const uint64_t larger = std::max(a->size, b->size);
  const uint64_t gap = larger - std::min(a->size, b->size);
  const uint64_t allowed = kMaxScore - threshold * kMaxScore / 100;  // of kMaxScore
  if (gap * kMaxScore > larger * allowed) return 0;
  uint64_t shared = 0;
  size_t j = 0;
  for (const auto& [bucket, bytes] : a->buckets) {
    while (j < b->buckets.size() && b->buckets[j].first < bucket) ++j;
    if (j < b->buckets.size() && b->buckets[j].first == bucket) {
      shared += std::min(bytes, b->buckets[j].second);
      ++j;
    }
  }
  const uint64_t fixed_point = shared * kMaxScore / larger;
  *score = static_cast<int>(fixed_point * 100 / kMaxScore);
  return 0;
}

// ---- Patch ----

struct PrintState {
  std::unordered_map<const git_diff_delta*, size_t> index;
  std::vector<std::string> sections;
  // Per section: where its "--- " line starts in the file header (npos:
  // none), and whether a hunk or a "Binary files" line followed.
  std::vector<size_t> old_label_at;
  std::vector<bool> has_body;
};

// git prints the "--- a/x" and "+++ b/x" lines only in front of the first
// hunk (or the binary notice); a file with no hunk has none. That happens
// for a file empty on every side that exists: added or deleted empty, or
// renamed or given a new mode while empty. libgit2 prints the two lines
// for added and deleted files regardless, so they are cut here.
void DropLabelsWithoutBody(PrintState* st) {
  for (size_t i = 0; i < st->sections.size(); ++i) {
    const size_t at = st->old_label_at[i];
    if (st->has_body[i] || at == std::string::npos) continue;
    std::string& s = st->sections[i];
    const size_t plus = s.find("\n+++ ", at);
    if (plus == std::string::npos) continue;
    const size_t end = s.find('\n', plus + 1);
    s.erase(at, (end == std::string::npos ? s.size() : end + 1) - at);
  }
}

int PrintLine(const git_diff_delta* delta, const git_diff_hunk*, const git_diff_line* line,
              void* payload) {
  auto* st = static_cast<PrintState*>(payload);
  const auto it = st->index.find(delta);
  if (it == st->index.end()) return -1;
  std::string& out = st->sections[it->second];
  // A binary file renamed or given a new mode with its contents unchanged:
  // git prints no "Binary files ... differ" (nothing differs); libgit2 does.
  if (line->origin == GIT_DIFF_LINE_BINARY && delta->status != GIT_DELTA_ADDED &&
      delta->status != GIT_DELTA_DELETED && git_oid_equal(&delta->old_file.id, &delta->new_file.id)) {
    return 0;
  }
  if (line->origin == GIT_DIFF_LINE_FILE_HDR) {
    const std::string_view hdr(line->content, line->content_len);
    const size_t label = hdr.rfind("\n--- ");
    if (label != std::string_view::npos) st->old_label_at[it->second] = out.size() + label + 1;
  } else if (line->origin == GIT_DIFF_LINE_HUNK_HDR || line->origin == GIT_DIFF_LINE_BINARY) {
    st->has_body[it->second] = true;
  }
  if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
      line->origin == GIT_DIFF_LINE_DELETION) {
    out.push_back(line->origin);
  }
  std::string_view text(line->content, line->content_len);
  if (line->origin == GIT_DIFF_LINE_HUNK_HDR && !text.empty() && text.back() == '\n') {
    // The function context after "@@": libgit2 drops trailing blanks, then
    // cuts the line to 80 bytes; git cuts first, then drops them, so a cut
    // that ends in a blank differs. Dropping them again gives git's text.
    size_t end = text.size() - 1;
    while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
    out.append(text.substr(0, end));
    out.push_back('\n');
    return 0;
  }
  out.append(text);
  return 0;
}

FileStatus StatusOf(git_delta_t s) {
  switch (s) {
    case GIT_DELTA_ADDED: return FileStatus::kAdded;
    case GIT_DELTA_DELETED: return FileStatus::kDeleted;
    case GIT_DELTA_RENAMED: return FileStatus::kRenamed;
    case GIT_DELTA_COPIED: return FileStatus::kCopied;
    case GIT_DELTA_TYPECHANGE: return FileStatus::kTypeChange;
    default: return FileStatus::kModified;
  }
}

Result<TreeHandle> TreeOf(git_repository* repo, const git_oid& oid) {
  git_commit* craw = nullptr;
  if (int rc = git_commit_lookup(&craw, repo, &oid); rc != 0) {
    return GitError(rc, "cannot read commit '" + Hex(oid) + "'");
  }
  CommitHandle commit(craw);
  git_tree* traw = nullptr;
  if (int rc = git_commit_tree(&traw, commit.get()); rc != 0) {
    return GitError(rc, "cannot read the tree of '" + Hex(oid) + "'");
  }
  return TreeHandle(traw);
}

Status Diff(git_repository* repo, const git_oid& from, const git_oid& to,
            const AssembleOptions& opts, Instance* inst) {
  SWERL_ASSIGN_OR_RETURN(TreeHandle old_tree, TreeOf(repo, from));
  SWERL_ASSIGN_OR_RETURN(TreeHandle new_tree, TreeOf(repo, to));
  git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
  dopts.flags |= GIT_DIFF_INDENT_HEURISTIC;  // on by default in git since 2.14
  dopts.context_lines = opts.context_lines;
  dopts.interhunk_lines = 0;
  dopts.id_abbrev = GIT_OID_HEXSZ;
  dopts.old_prefix = "a";
  dopts.new_prefix = "b";
  git_diff* draw = nullptr;
  if (int rc = git_diff_tree_to_tree(&draw, repo, old_tree.get(), new_tree.get(), &dopts);
      rc != 0) {
    return GitError(rc, "cannot diff '" + Hex(from) + "' and '" + Hex(to) + "'");
  }
  DiffHandle diff(draw);
  uint16_t threshold = opts.rename_threshold;
  git_diff_similarity_metric metric = {FileSignature, BufferSignature, FreeSignature, Similarity,
                                       &threshold};
  git_diff_find_options fopts = GIT_DIFF_FIND_OPTIONS_INIT;
  fopts.flags = GIT_DIFF_FIND_RENAMES;
  fopts.rename_threshold = opts.rename_threshold;
  fopts.rename_limit = opts.rename_limit;
  fopts.metric = &metric;
  if (int rc = git_diff_find_similar(diff.get(), &fopts); rc != 0) {
    return GitError(rc, "cannot detect renames");
  }
  const size_t n = git_diff_num_deltas(diff.get());
  PrintState st;
  st.sections.resize(n);
  st.old_label_at.assign(n, std::string::npos);
  st.has_body.assign(n, false);
  for (size_t i = 0; i < n; ++i) st.index[git_diff_get_delta(diff.get(), i)] = i;
  if (int rc = git_diff_print(diff.get(), GIT_DIFF_FORMAT_PATCH, PrintLine, &st); rc != 0) {
    return GitError(rc, "cannot format the patch");
  }
  DropLabelsWithoutBody(&st);
  // libgit2 splits a type change into the addition, then the deletion, of
  // one path; git prints the deletion first.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = 0; i + 1 < n; ++i) {
    const git_diff_delta* a = git_diff_get_delta(diff.get(), i);
    const git_diff_delta* b = git_diff_get_delta(diff.get(), i + 1);
    if (a->status == GIT_DELTA_ADDED && b->status == GIT_DELTA_DELETED &&
        std::strcmp(a->new_file.path, b->old_file.path) == 0) {
      std::swap(order[i], order[i + 1]);
      ++i;
    }
  }
  for (const size_t i : order) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    ChangedFile f;
    f.status = StatusOf(d->status);
    const bool has_old = d->status != GIT_DELTA_ADDED;
    const bool has_new = d->status != GIT_DELTA_DELETED;
    f.old_path = d->old_file.path ? d->old_file.path : "";
    f.new_path = d->new_file.path ? d->new_file.path : "";
    if (has_old) {
      f.old_mode = ModeString(d->old_file.mode);
      f.old_blob = Hex(d->old_file.id);
    }
    if (has_new) {
      f.new_mode = ModeString(d->new_file.mode);
      f.new_blob = Hex(d->new_file.id);
    }
    f.binary = (d->flags & GIT_DIFF_FLAG_BINARY) != 0;
    f.is_test = IsTestPath(f.old_path) || IsTestPath(f.new_path);
    f.similarity = d->status == GIT_DELTA_RENAMED ? d->similarity : 0;
    inst->patch += st.sections[i];
    (f.is_test ? inst->test_patch : inst->code_patch) += st.sections[i];
    inst->files.push_back(std::move(f));
  }
  return OkStatus();
}

bool IsTestWord(std::string word) {
  while (!word.empty() && std::isdigit(static_cast<unsigned char>(word.back()))) word.pop_back();
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view kWords[] = {
      "test",      "tests",     "testing", "testdata", "testcase", "testcases",
      "unittest", "unittests", "conftest", "e2e",     "spec",     "specs"};
  return std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords);
}

}  // namespace

std::string_view FileStatusName(FileStatus status) {
  switch (status) {
    case FileStatus::kAdded: return "added";
    case FileStatus::kDeleted: return "deleted";
    case FileStatus::kModified: return "modified";
    case FileStatus::kRenamed: return "renamed";
    case FileStatus::kCopied: return "copied";
    case FileStatus::kTypeChange: return "typechange";
  }
  return "modified";
}

bool IsTestPath(std::string_view path) {
  auto is_alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  auto is_upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  auto is_lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    bool cut = i == path.size() || !is_alnum(path[i]);
    // camelCase: "fooTest" cuts before T; "HTTPTest" cuts before the T of Test.
    const bool boundary = i > start && i < path.size() && is_upper(path[i]) &&
                          (is_lower(path[i - 1]) ||
                           (is_upper(path[i - 1]) && i + 1 < path.size() && is_lower(path[i + 1])));
    if ((cut || boundary) && i > start && IsTestWord(std::string(path.substr(start, i - start)))) {
      return true;
    }
    if (cut) {
      start = i + 1;
    } else if (boundary) {
      start = i;
    }
  }
  return false;
}

Result<Instance> AssembleInstance(git_repository* repo, const InstanceRequest& req,
                                  const AssembleOptions& opts) {
  SWERL_ASSIGN_OR_RETURN(const Resolved r, Resolve(repo, req));
  Instance inst;
  inst.base_commit = Hex(r.base);
  inst.head_commit = Hex(r.head);
  inst.how = r.how;
  git_oid mb;
  if (int rc = git_merge_base(&mb, repo, &r.base, &r.head); rc != 0) {
    if (rc == GIT_ENOTFOUND) {
      return Error(Code::kNotFound,
                   "no merge base of '" + inst.base_commit + "' and '" + inst.head_commit + "'");
    }
    return GitError(rc, "cannot compute the merge base");
  }
  inst.merge_base = Hex(mb);
  SWERL_ASSIGN_OR_RETURN(inst.commits, Commits(repo, mb, r.head));
  SWERL_RETURN_IF_ERROR(Diff(repo, mb, r.head, opts, &inst));
  return inst;
}

Result<std::string> ReadBlob(git_repository* repo, std::string_view hex_id) {
  git_oid oid;
  if (hex_id.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, hex_id.data(), hex_id.size()) != 0) {
    return Error(Code::kInvalidInput, "not a blob id '" + std::string(hex_id) + "'");
  }
  git_blob* raw = nullptr;
  if (int rc = git_blob_lookup(&raw, repo, &oid); rc != 0) {
    return Error(Code::kNotFound, "no blob '" + std::string(hex_id) + "': " + LastGitError().message);
  }
  BlobHandle blob(raw);
  const auto* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(data, static_cast<size_t>(git_blob_rawsize(blob.get())));
}

}  // namespace swerl::git
