#include "swerl/git/mirror.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>
#include <thread>

#include "swerl/git/git_handles.h"
#include "swerl/git/socket_stream.h"
#include "swerl/net/backoff.h"

namespace swerl::git {
namespace fs = std::filesystem;
namespace {

// What the transfer progress callback sees and decides.
struct TransferState {
  uint64_t max_bytes = 0;
  MirrorObserver* observer = nullptr;
  uint64_t received = 0;
  bool too_large = false;
  std::string remote;  // the remote's sideband messages (git upload-pack's stderr), capped
};

// git upload-pack relays what goes wrong on its side (pack-objects' "fatal:
// unable to read <id>") as sideband messages, while the transfer itself
// just ends ("early EOF"); keeping them lets the failure be understood.
int OnSideband(const char* text, int len, void* payload) {
  auto* state = static_cast<TransferState*>(payload);
  constexpr size_t kKeep = 16384;
  if (len > 0 && state->remote.size() < kKeep) {
    state->remote.append(text, std::min(static_cast<size_t>(len), kKeep - state->remote.size()));
  }
  return 0;
}

// The failure of the last transfer: libgit2's error, with the remote's
// "fatal:" and "error:" lines appended (progress lines left out).
GitErrorInfo TransferError(TransferState* state) {
  GitErrorInfo info = LastGitError();
  std::string said;
  size_t start = 0;
  while (start < state->remote.size()) {
    size_t end = state->remote.find_first_of("\r\n", start);
    if (end == std::string::npos) end = state->remote.size();
    const std::string line = state->remote.substr(start, end - start);
    if (line.find("fatal:") != std::string::npos || line.find("error:") != std::string::npos) {
      said += (said.empty() ? "" : "; ") + line;
    }
    start = end + 1;
  }
  if (!said.empty()) info.message += " (remote: " + said + ")";
  state->remote.clear();
  return info;
}

int OnTransfer(const git_indexer_progress* stats, void* payload) {
  auto* state = static_cast<TransferState*>(payload);
  state->received = stats->received_bytes;
  if (state->observer) state->observer->OnBytes(state->received);
  if (state->max_bytes > 0 && state->received > state->max_bytes) {
    // Returning non-zero makes libgit2 abort the download and drop the
    // partial pack; the message set here is the one it reports.
    state->too_large = true;
    git_error_set_str(GIT_ERROR_CALLBACK,
                      ("received " + std::to_string(state->received) +
                       " bytes, more than the limit of " + std::to_string(state->max_bytes))
                          .c_str());
    return GIT_EUSER;
  }
  return 0;
}

// One fetch of `specs` from `url` into *repo, pruning refs the specs cover
// when `prune`. Returns libgit2's code.
int FetchSpecs(git_repository* repo, const std::string& url, TransferState* state,
               const std::vector<std::string>& specs, bool prune) {
  git_remote* raw = nullptr;
  if (int rc = git_remote_create_anonymous(&raw, repo, url.c_str()); rc < 0) return rc;
  RemoteHandle remote(raw);
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.callbacks.transfer_progress = OnTransfer;
  opts.callbacks.sideband_progress = OnSideband;
  opts.callbacks.payload = state;
  opts.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE;
  opts.update_fetchhead = 0;
  // The refspecs name the tags; no auto-following beyond them.
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  std::vector<char*> ptrs;
  ptrs.reserve(specs.size());
  for (const std::string& spec : specs) ptrs.push_back(const_cast<char*>(spec.c_str()));
  git_strarray refspecs{ptrs.data(), ptrs.size()};
  return git_remote_fetch(remote.get(), &refspecs, &opts, "swerl clone");
}

// HEAD follows the remote's default branch `head` when the mirror has it
// (best effort).
void FollowHead(git_repository* repo, const std::string& head) {
  if (head.empty()) return;
  git_reference* ref = nullptr;
  if (git_reference_lookup(&ref, repo, head.c_str()) == 0) {
    git_reference_free(ref);
    (void)git_repository_set_head(repo, head.c_str());
  }
}

// The remote's default branch ("refs/heads/main"), "" when unknown.
std::string DefaultBranch(git_remote* connected) {
  git_buf head = GIT_BUF_INIT;
  std::string out;
  if (git_remote_default_branch(&head, connected) == 0) out.assign(head.ptr, head.size);
  git_buf_dispose(&head);
  return out;
}

// One fetch of the mirror refspecs from `url` into *repo; then HEAD follows
// the remote's default branch (best effort). Returns libgit2's code.
int FetchOnce(git_repository* repo, const std::string& url, TransferState* state) {
  const std::vector<std::string> specs(std::begin(kMirrorRefspecs), std::end(kMirrorRefspecs));
  if (int rc = FetchSpecs(repo, url, state, specs, /*prune=*/true); rc < 0) return rc;
  git_remote* raw = nullptr;
  if (git_remote_create_anonymous(&raw, repo, url.c_str()) == 0) {
    RemoteHandle remote(raw);
    git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
    if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) == 0) {
      FollowHead(repo, DefaultBranch(remote.get()));
    }
  }
  git_error_clear();
  return 0;
}

// Whether the mirror refspecs take remote ref `name`.
bool Mirrored(std::string_view name) {
  if (name.size() >= 3 && name.substr(name.size() - 3) == "^{}") return false;
  return name.rfind("refs/heads/", 0) == 0 || name.rfind("refs/tags/", 0) == 0 ||
         (name.rfind("refs/pull/", 0) == 0 && name.size() > 15 &&
          name.substr(name.size() - 5) == "/head");
}

// The outcome of fetching ref by ref: libgit2's code of the first failure
// that is not a missing object (0: none), with its error.
struct RefByRef {
  int rc = 0;
  GitErrorInfo error;
  std::vector<SkippedRef> skipped;
};

constexpr size_t kRefGroup = 1024;  // refs per fetch before splitting

std::string SkipMessage(const std::string& ref, const std::string& object,
                        const std::string& why) {
  return "left out " + ref + ": the remote lacks object " +
         (object.empty() ? std::string("(unnamed)") : object) + " that it needs (" + why +
         "); the rest of the repository is mirrored. The remote is partial or damaged " +
         "(git fsck there names what is missing): mirror it from a complete copy, or run " +
         "swerl clone --refresh once it is repaired, to get this ref";
}

// Where the groups are fetched from. libgit2's local transport (file://)
// packs everything reachable from every ref of the remote, whatever the
// refspecs ask for, so one broken ref fails every fetch from the remote
// itself. For a file:// remote each group is therefore fetched from a
// "view": a bare repository beside the mirror that borrows the remote's
// objects (objects/info/alternates) and has only the group's refs.
struct Source {
  std::string url;            // the remote
  std::string local_objects;  // file:// remotes: the remote's object directory; else ""
  fs::path view;              // where views are made (file:// only)
};

struct RemoteRef {
  std::string name;
  git_oid oid;
};

// Makes source.view the view of refs[lo, hi); returns its URL, or "" and
// sets libgit2's error text when it cannot be written.
std::string MakeView(const Source& source, const std::vector<RemoteRef>& refs, size_t lo,
                     size_t hi) {
  std::error_code ec;
  fs::remove_all(source.view, ec);
  fs::create_directories(source.view / "objects" / "info", ec);
  fs::create_directories(source.view / "refs", ec);
  std::string packed;
  for (size_t i = lo; i < hi; ++i) {
    packed += std::string(git_oid_tostr_s(&refs[i].oid)) + " " + refs[i].name + "\n";
  }
  const std::pair<fs::path, std::string> files[] = {
      {source.view / "HEAD", "ref: refs/heads/main\n"},
      {source.view / "config", "[core]\n\trepositoryformatversion = 0\n\tbare = true\n"},
      {source.view / "objects" / "info" / "alternates", source.local_objects + "\n"},
      {source.view / "packed-refs", packed}};
  for (const auto& [path, text] : files) {
    std::FILE* f = ec ? nullptr : std::fopen(path.c_str(), "wb");
    const bool ok = f && std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (f && std::fclose(f) != 0) f = nullptr;
    if (!ok || !f) {
      git_error_set_str(GIT_ERROR_OS, ("cannot write '" + path.string() + "'").c_str());
      return "";
    }
  }
  return "file://" + source.view.string();
}

// Fetches refs[lo, hi) as one group; a group failing for a missing object
// is split in halves until single refs fail, which are skipped.
void FetchGroup(git_repository* repo, const Source& source, TransferState* state,
                const std::vector<RemoteRef>& refs, size_t lo, size_t hi, RefByRef* out) {
  if (out->rc != 0 || lo >= hi) return;
  std::vector<std::string> specs;
  specs.reserve(hi - lo);
  for (size_t i = lo; i < hi; ++i) specs.push_back("+" + refs[i].name + ":" + refs[i].name);
  git_error_clear();
  state->remote.clear();
  std::string url = source.url;
  if (!source.local_objects.empty()) url = MakeView(source, refs, lo, hi);
  const int rc = url.empty() ? -1 : FetchSpecs(repo, url, state, specs, /*prune=*/false);
  if (rc == 0) return;
  GitErrorInfo info = TransferError(state);
  std::string object;
  if (url.empty() || state->too_large || !IsMissingObject(info.klass, info.message, &object)) {
    out->rc = rc;
    out->error = std::move(info);
    return;
  }
  if (hi - lo == 1) {
    out->skipped.push_back(
        {refs[lo].name, object, SkipMessage(refs[lo].name, object, info.message)});
    return;
  }
  const size_t mid = lo + (hi - lo) / 2;
  FetchGroup(repo, source, state, refs, lo, mid, out);
  FetchGroup(repo, source, state, refs, mid, hi, out);
}

// The object directory of the repository a file:// URL names, or "".
std::string LocalObjects(const std::string& url) {
  if (url.rfind("file://", 0) != 0) return "";
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, url.c_str() + 7, GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    git_error_clear();
    return "";
  }
  RepoHandle remote(raw);
  std::error_code ec;
  const fs::path objects =
      fs::canonical(fs::path(git_repository_path(remote.get())) / "objects", ec);
  return ec ? "" : objects.string();
}

// The mirror refspecs, fetched ref by ref in groups (see UpdateMirror), then
// the refs the remote no longer has pruned and HEAD set.
RefByRef FetchRefByRef(git_repository* repo, const std::string& url, const fs::path& view,
                       TransferState* state) {
  RefByRef out;
  git_remote* raw = nullptr;
  if (int rc = git_remote_create_anonymous(&raw, repo, url.c_str()); rc < 0) {
    out.rc = rc;
    out.error = LastGitError();
    return out;
  }
  RemoteHandle remote(raw);
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  if (int rc = git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr);
      rc < 0) {
    out.rc = rc;
    out.error = LastGitError();
    return out;
  }
  const git_remote_head** heads = nullptr;
  size_t n_heads = 0;
  if (int rc = git_remote_ls(&heads, &n_heads, remote.get()); rc < 0) {
    out.rc = rc;
    out.error = LastGitError();
    return out;
  }
  std::vector<RemoteRef> refs;
  for (size_t i = 0; i < n_heads; ++i) {
    if (Mirrored(heads[i]->name)) refs.push_back({heads[i]->name, heads[i]->oid});
  }
  const std::string head = DefaultBranch(remote.get());
  (void)git_remote_disconnect(remote.get());
  remote.reset();
  std::sort(refs.begin(), refs.end(),
            [](const RemoteRef& a, const RemoteRef& b) { return a.name < b.name; });
  refs.erase(std::unique(refs.begin(), refs.end(),
                         [](const RemoteRef& a, const RemoteRef& b) { return a.name == b.name; }),
             refs.end());
  std::vector<std::string> names;
  for (const RemoteRef& r : refs) names.push_back(r.name);
  const Source source{url, LocalObjects(url), view};
  // In name order (branches, pull heads, tags), kRefGroup refs a fetch;
  // each fetch sends only what the mirror lacks so far.
  for (size_t lo = 0; lo < refs.size() && out.rc == 0; lo += kRefGroup) {
    FetchGroup(repo, source, state, refs, lo, std::min(refs.size(), lo + kRefGroup), &out);
  }
  std::error_code ec;
  fs::remove_all(view, ec);
  if (out.rc != 0) return out;
  if (!refs.empty() && out.skipped.size() == refs.size()) {
    // Nothing could be fetched: not a few broken refs but a broken
    // repository (or a corrupt local one); fail it rather than call an
    // empty mirror cloned.
    out.rc = -1;
    out.error = {GIT_ERROR_ODB, "every ref lacks objects: " + out.skipped.front().error};
    out.skipped.clear();
    return out;
  }
  // Prune: mirrored refs the remote no longer lists (skipped ones are listed).
  std::vector<std::string> stale;
  git_reference_iterator* it_raw = nullptr;
  if (git_reference_iterator_new(&it_raw, repo) == 0) {
    ReferenceIterHandle it(it_raw);
    git_reference* ref_raw = nullptr;
    while (git_reference_next(&ref_raw, it.get()) == 0) {
      ReferenceHandle ref(ref_raw);
      const char* name = git_reference_name(ref.get());
      if (Mirrored(name) && !std::binary_search(names.begin(), names.end(), std::string(name))) {
        stale.emplace_back(name);
      }
    }
  }
  for (const std::string& name : stale) {
    git_reference* ref_raw = nullptr;
    if (git_reference_lookup(&ref_raw, repo, name.c_str()) == 0) {
      ReferenceHandle ref(ref_raw);
      (void)git_reference_delete(ref.get());
    }
  }
  FollowHead(repo, head);
  git_error_clear();
  return out;
}

// "" when every direct reference of *repo points at an object present in
// its database, else what is missing.
std::string MissingRefTargets(git_repository* repo) {
  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, repo) < 0)
    return "cannot open the object database: " + LastGitError().message;
  OdbHandle odb(odb_raw);
  git_reference_iterator* it_raw = nullptr;
  if (git_reference_iterator_new(&it_raw, repo) < 0) {
    return "cannot list references: " + LastGitError().message;
  }
  ReferenceIterHandle it(it_raw);
  git_reference* ref_raw = nullptr;
  int rc = 0;
  while ((rc = git_reference_next(&ref_raw, it.get())) == 0) {
    ReferenceHandle ref(ref_raw);
    if (git_reference_type(ref.get()) != GIT_REFERENCE_DIRECT) continue;
    const git_oid* target = git_reference_target(ref.get());
    if (!git_odb_exists(odb.get(), target)) {
      return std::string("reference '") + git_reference_name(ref.get()) + "' points at missing " +
             "object " + git_oid_tostr_s(target);
    }
  }
  if (rc != GIT_ITEROVER) return "cannot list references: " + LastGitError().message;
  return "";
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Status RemoveAll(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Error(Code::kIo, "cannot remove '" + path.string() + "': " + ec.message());
  return OkStatus();
}

}  // namespace

std::string_view MirrorStatusName(MirrorStatus status) {
  switch (status) {
    case MirrorStatus::kCloned:
      return "cloned";
    case MirrorStatus::kNotFound:
      return "not_found";
    case MirrorStatus::kAuthRequired:
      return "auth_required";
    case MirrorStatus::kTooLarge:
      return "too_large";
    case MirrorStatus::kTimedOut:
      return "timed_out";
    case MirrorStatus::kCorrupt:
      return "corrupt";
    case MirrorStatus::kFailed:
      return "failed";
  }
  return "failed";
}

FailureClass ClassifyFailure(int rc, int klass, std::string_view message, bool existing,
                             bool timed_out, bool too_large) {
  if (too_large) return {MirrorStatus::kTooLarge, false};
  if (timed_out) return {MirrorStatus::kTimedOut, true};
  std::string m(message);
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // HTTP: libgit2 asks for credentials on 401 (no callback: GIT_EAUTH) and
  // reports other statuses as "unexpected http status code: N".
  if (rc == GIT_EAUTH || Contains(m, "authentication required") ||
      Contains(m, "status code: 401") || Contains(m, "status code: 403") ||
      Contains(m, "permission denied") || Contains(m, "authentication failed")) {
    return {MirrorStatus::kAuthRequired, false};
  }
  // git daemon: "access denied or repository not exported" (or "repository
  // not found" with --informative-errors); file://: "could not find
  // repository"; HTTP 404.
  if (Contains(m, "repository not found") || Contains(m, "not exported") ||
      Contains(m, "could not find repository") || Contains(m, "status code: 404") ||
      (!existing && Contains(m, "failed to resolve path")) ||
      Contains(m, "does not appear to be a git repository") ||
      (!existing && rc == GIT_ENOTFOUND && klass == GIT_ERROR_REPOSITORY)) {
    return {MirrorStatus::kNotFound, false};
  }
  if (existing && (klass == GIT_ERROR_ODB || klass == GIT_ERROR_OBJECT || klass == GIT_ERROR_ZLIB ||
                   klass == GIT_ERROR_REFERENCE)) {
    return {MirrorStatus::kCorrupt, false};
  }
  // Network trouble, a server that hung up mid-transfer (the pack or the
  // pkt-line stream ends early), HTTP 5xx.
  const bool transient =
      klass == GIT_ERROR_NET || klass == GIT_ERROR_SSL || Contains(m, "early eof") ||
      Contains(m, "unexpected eof") || Contains(m, "unexpected disconnect") ||
      Contains(m, "connection reset") || Contains(m, "broken pipe") || Contains(m, "truncated") ||
      Contains(m, "timed out") || Contains(m, "failed to connect") ||
      Contains(m, "status code: 5") || Contains(m, "incomplete") || rc == GIT_EEOF;
  return {MirrorStatus::kFailed, transient};
}

bool IsMissingObject(int klass, std::string_view message, std::string* object) {
  std::string m(message);
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // libgit2 reading its own (local transport) or the received objects:
  // "object not found - no match for id (...)", "failed to read ... cannot
  // read header for ..."; git upload-pack on the other side: "unable to
  // read <id>", "bad object <id>", "missing blob object '<id>'",
  // "did not send all necessary objects".
  const bool missing =
      klass == GIT_ERROR_ODB || Contains(m, "object not found") ||
      Contains(m, "cannot read header") || Contains(m, "unable to read") ||
      Contains(m, "bad object") || (Contains(m, "missing") && Contains(m, "object")) ||
      Contains(m, "did not send all necessary objects");
  if (object) {
    object->clear();
    for (size_t i = 0; i + 40 <= m.size(); ++i) {
      size_t j = i;
      while (j < m.size() && std::isxdigit(static_cast<unsigned char>(m[j]))) ++j;
      if (j - i == 40 && (i == 0 || !std::isalnum(static_cast<unsigned char>(m[i - 1])))) {
        *object = m.substr(i, 40);
        break;
      }
      i = j;
    }
  }
  return missing;
}

uint64_t DirectoryBytes(const fs::path& path) {
  std::error_code ec;
  uint64_t total = 0;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

Result<MirrorOutcome> UpdateMirror(const MirrorRequest& request, MirrorObserver* observer) {
  MirrorOutcome out;
  std::error_code ec;
  const bool existing = fs::exists(request.path, ec);
  fs::path work = request.path;
  RepoHandle repo;
  if (existing) {
    git_repository* raw = nullptr;
    if (git_repository_open_bare(&raw, request.path.c_str()) < 0) {
      out.status = MirrorStatus::kCorrupt;
      out.error = "cannot open the mirror: " + LastGitError().message;
      out.disk_bytes = DirectoryBytes(request.path);
      return out;
    }
    repo.reset(raw);
    if (std::string missing = MissingRefTargets(repo.get()); !missing.empty()) {
      out.status = MirrorStatus::kCorrupt;
      out.error = std::move(missing);
      out.disk_bytes = DirectoryBytes(request.path);
      return out;
    }
  } else {
    work += ".tmp";
    fs::create_directories(request.path.parent_path(), ec);
    if (ec) {
      return Error(Code::kIo,
                   "cannot create '" + request.path.parent_path().string() + "': " + ec.message());
    }
  }

  net::Backoff backoff({request.retry_base_ms, 60000}, request.seed);
  StallTimeoutScope stall(request.stall_timeout_ms);
  for (int attempt = 1;; ++attempt) {
    out.attempts = attempt;
    stall.Reset();
    if (!existing) {
      // A fresh directory each attempt: a killed run's or a failed
      // attempt's leftovers never mix into the mirror.
      SWERL_RETURN_IF_ERROR(RemoveAll(work));
      git_repository* raw = nullptr;
      if (git_repository_init(&raw, work.c_str(), /*is_bare=*/1) < 0) {
        Error e = GitError(-1, "cannot create '" + work.string() + "'");
        (void)RemoveAll(work);
        return e;
      }
      repo.reset(raw);
    }
    TransferState state;
    state.max_bytes = request.max_bytes;
    state.observer = observer;
    git_error_clear();
    int rc = FetchOnce(repo.get(), request.url, &state);
    GitErrorInfo info = TransferError(&state);
    if (rc != 0 && !state.too_large && !stall.timed_out() &&
        IsMissingObject(info.klass, info.message, nullptr)) {
      // A partial or damaged remote: mirror what it can send, ref by ref.
      fs::path view = request.path;
      view += ".view";
      RefByRef by_ref = FetchRefByRef(repo.get(), request.url, view, &state);
      rc = by_ref.rc;
      info = std::move(by_ref.error);
      out.skipped_refs = std::move(by_ref.skipped);
    }
    out.received_bytes = state.received;
    if (rc == 0) break;
    out.skipped_refs.clear();
    const FailureClass fc =
        ClassifyFailure(rc, info.klass, info.message, existing, stall.timed_out(), state.too_large);
    if (!existing) {
      repo.reset();
      SWERL_RETURN_IF_ERROR(RemoveAll(work));
    }
    if (!fc.transient || attempt > request.retries) {
      out.status = fc.status;
      out.error = info.message;
      out.disk_bytes = existing ? DirectoryBytes(request.path) : 0;
      return out;
    }
    const std::chrono::milliseconds delay = backoff.Delay(attempt);
    if (observer) observer->OnRetry(attempt, info.message, delay);
    std::this_thread::sleep_for(delay);
  }
  if (!existing) {
    repo.reset();
    fs::rename(work, request.path, ec);
    if (ec) {
      (void)RemoveAll(work);
      return Error(Code::kIo, "cannot rename '" + work.string() + "' to '" + request.path.string() +
                                  "': " + ec.message());
    }
    out.created = true;
  }
  out.status = MirrorStatus::kCloned;
  out.disk_bytes = DirectoryBytes(request.path);
  return out;
}

Result<RepoHandle> OpenMirror(const std::filesystem::path& repos_dir, std::string_view repo,
                              int64_t repo_id) {
  const size_t slash = repo.find('/');
  if (slash == std::string_view::npos) {
    return Error(Code::kNotFound,
                 "repository " + std::to_string(repo_id) + " has no known owner/name");
  }
  const std::filesystem::path path =
      repos_dir / std::string(repo.substr(0, slash)) / (std::string(repo.substr(slash + 1)) + ".git");
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    return Error(Code::kNotFound, "no mirror at '" + path.string() + "'");
  }
  git_repository* raw = nullptr;
  if (int rc = git_repository_open_bare(&raw, path.string().c_str()); rc != 0) {
    return GitError(rc, "cannot open '" + path.string() + "'");
  }
  return RepoHandle(raw);
}

}  // namespace swerl::git
