// git::UpdateMirror against real repositories built with the git CLI, over
// file://, a git daemon on 127.0.0.1, and a proxy that cuts or stalls the
// transfer: the mirror's refs equal ls-remote of the source, and every
// failure leaves the status it should and no partial directory.
#include "swerl/git/mirror.h"

#include <git2.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "git_testing.h"
#include "swerl/git/git_handles.h"
#include "testing/testing.h"

namespace swerl::git {
namespace {

namespace fs = std::filesystem;
using testing::CutProxy;
using testing::Git;
using testing::GitDaemon;
using testing::MirrorRefs;
using testing::RemoteRefs;
using testing::TempDir;

class MirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(global_.status());
    bare_ = testing::MakeSourceRepo(src_.path(), "acme", "widget");
  }

  MirrorRequest Request(const std::string& url) const {
    MirrorRequest r;
    r.url = url;
    r.path = out_.Join("acme/widget.git");
    r.retries = 0;
    r.retry_base_ms = 1;
    r.stall_timeout_ms = 10000;
    return r;
  }

  MirrorOutcome Update(const MirrorRequest& r) {
    auto outcome = UpdateMirror(r, nullptr);
    EXPECT_TRUE(outcome) << outcome.error().message();
    return outcome ? *outcome : MirrorOutcome{};
  }

  // Neither the mirror nor its temporary sibling exists.
  bool NothingLeft() const {
    return !fs::exists(out_.Join("acme/widget.git")) &&
           !fs::exists(out_.Join("acme/widget.git.tmp"));
  }

  GitGlobal global_;
  TempDir src_, out_;
  std::string bare_;
};

TEST_F(MirrorTest, FileUrlMirrorsHeadsTagsAndPullRefs) {
  const MirrorOutcome o = Update(Request("file://" + bare_));
  ASSERT_EQ(o.status, MirrorStatus::kCloned) << o.error;
  EXPECT_TRUE(o.created);
  EXPECT_EQ(o.attempts, 1);
  EXPECT_GT(o.disk_bytes, 200'000u);  // the incompressible blob arrived
  const std::string mirror = out_.Join("acme/widget.git");
  const std::string refs = MirrorRefs(mirror);
  EXPECT_EQ(refs, RemoteRefs(bare_));
  for (const char* ref : {"refs/heads/main", "refs/heads/dev", "refs/heads/feature", "refs/tags/v0",
                          "refs/tags/v1", "refs/pull/1/head", "refs/pull/2/head"}) {
    EXPECT_NE(refs.find(std::string(" ") + ref + "\n"), std::string::npos) << ref;
  }
  EXPECT_EQ(Git({"-C", mirror, "rev-parse", "--is-bare-repository"}), "true\n");
  EXPECT_EQ(Git({"-C", mirror, "symbolic-ref", "HEAD"}), "refs/heads/main\n");
  EXPECT_EQ(Git({"-C", mirror, "cat-file", "-t", "v1"}), "tag\n");  // annotated, not peeled
  Git({"-C", mirror, "fsck", "--no-progress"});
  EXPECT_FALSE(fs::exists(mirror + ".tmp"));
}

TEST_F(MirrorTest, GitDaemonClonesThenFetchesNewRefsAndPrunesDeletedOnes) {
  GitDaemon daemon(src_.path());
  const std::string url = "git://127.0.0.1:" + std::to_string(daemon.port()) + "/acme/widget.git";
  const MirrorOutcome first = Update(Request(url));
  ASSERT_EQ(first.status, MirrorStatus::kCloned) << first.error;
  EXPECT_TRUE(first.created);
  EXPECT_EQ(MirrorRefs(out_.Join("acme/widget.git")), RemoteRefs(url));

  // New commits on main, a new branch and pull ref, a new tag; dev deleted.
  const std::string work = testing::WorkTree(src_.path(), "acme", "widget");
  testing::WriteFile(work + "/more.txt", "more\n");
  Git({"-C", work, "add", "more.txt"});
  Git({"-C", work, "commit", "-q", "-m", "more"});
  Git({"-C", work, "branch", "topic"});
  Git({"-C", work, "update-ref", "refs/pull/3/head", "topic"});
  Git({"-C", work, "tag", "v2"});
  Git({"-C", work, "branch", "-D", "dev"});
  testing::PushAll(src_.path(), "acme", "widget");

  const MirrorOutcome second = Update(Request(url));
  ASSERT_EQ(second.status, MirrorStatus::kCloned) << second.error;
  EXPECT_FALSE(second.created);
  EXPECT_LT(second.received_bytes, 100'000u);  // only the new objects, not the blob again
  const std::string refs = MirrorRefs(out_.Join("acme/widget.git"));
  EXPECT_EQ(refs, RemoteRefs(url));
  EXPECT_NE(refs.find(" refs/pull/3/head\n"), std::string::npos);
  EXPECT_NE(refs.find(" refs/tags/v2\n"), std::string::npos);
  EXPECT_EQ(refs.find(" refs/heads/dev\n"), std::string::npos);
  EXPECT_EQ(Git({"-C", out_.Join("acme/widget.git"), "rev-parse", "main"}),
            Git({"-C", work, "rev-parse", "main"}));
}

TEST_F(MirrorTest, MissingRepositoryIsNotFoundOverFileAndGitDaemon) {
  GitDaemon daemon(src_.path());
  for (const std::string& url :
       {"file://" + src_.Join("acme/gone.git"),
        "git://127.0.0.1:" + std::to_string(daemon.port()) + "/acme/gone.git"}) {
    MirrorRequest r = Request(url);
    r.retries = 3;
    const MirrorOutcome o = Update(r);
    EXPECT_EQ(o.status, MirrorStatus::kNotFound) << url << ": " << o.error;
    EXPECT_EQ(o.attempts, 1) << url;  // not retried
    EXPECT_FALSE(o.error.empty());
    EXPECT_TRUE(NothingLeft()) << url;
  }
}

TEST_F(MirrorTest, ServerDyingMidTransferIsRetriedUntilItSucceeds) {
  GitDaemon daemon(src_.path());
  // The first two connections are closed after 20 kB of the ~260 kB pack.
  CutProxy proxy(daemon.port(), 20'000, 2, "close");
  MirrorRequest r = Request("git://127.0.0.1:" + std::to_string(proxy.port()) + "/acme/widget.git");
  r.retries = 3;
  const MirrorOutcome o = Update(r);
  ASSERT_EQ(o.status, MirrorStatus::kCloned) << o.error;
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(MirrorRefs(out_.Join("acme/widget.git")), RemoteRefs(bare_));
  Git({"-C", out_.Join("acme/widget.git"), "fsck", "--no-progress"});
}

TEST_F(MirrorTest, ServerAlwaysDyingFailsAfterRetriesAndLeavesNothing) {
  GitDaemon daemon(src_.path());
  CutProxy proxy(daemon.port(), 20'000, -1, "close");
  MirrorRequest r = Request("git://127.0.0.1:" + std::to_string(proxy.port()) + "/acme/widget.git");
  r.retries = 2;
  const MirrorOutcome o = Update(r);
  EXPECT_EQ(o.status, MirrorStatus::kFailed);
  EXPECT_EQ(o.attempts, 3);
  EXPECT_NE(o.error.find("EOF"), std::string::npos) << o.error;
  EXPECT_TRUE(NothingLeft());
}

TEST_F(MirrorTest, StalledServerTimesOut) {
  GitDaemon daemon(src_.path());
  CutProxy proxy(daemon.port(), 20'000, -1, "stall");
  MirrorRequest r = Request("git://127.0.0.1:" + std::to_string(proxy.port()) + "/acme/widget.git");
  r.retries = 1;
  r.stall_timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  const MirrorOutcome o = Update(r);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.status, MirrorStatus::kTimedOut) << o.error;
  EXPECT_EQ(o.attempts, 2);  // a stall is transient: retried once
  EXPECT_NE(o.error.find("timed out"), std::string::npos) << o.error;
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_TRUE(NothingLeft());
}

TEST_F(MirrorTest, TransferBeyondMaxBytesIsTooLargeAndRemoved) {
  GitDaemon daemon(src_.path());
  for (const std::string& url :
       {"file://" + bare_,
        "git://127.0.0.1:" + std::to_string(daemon.port()) + "/acme/widget.git"}) {
    MirrorRequest r = Request(url);
    r.max_bytes = 50'000;
    r.retries = 3;
    const MirrorOutcome o = Update(r);
    EXPECT_EQ(o.status, MirrorStatus::kTooLarge) << url << ": " << o.error;
    EXPECT_EQ(o.attempts, 1) << url;
    EXPECT_GT(o.received_bytes, 50'000u) << url;
    EXPECT_EQ(o.disk_bytes, 0u);
    EXPECT_TRUE(NothingLeft()) << url;
    // Under the limit the same repository clones.
    r.max_bytes = 10'000'000;
    EXPECT_EQ(Update(r).status, MirrorStatus::kCloned) << url;
    fs::remove_all(out_.Join("acme"));
  }
}

TEST_F(MirrorTest, LeftoverTemporaryDirectoryOfAKilledRunIsReplaced) {
  fs::create_directories(out_.Join("acme/widget.git.tmp/objects"));
  testing::WriteFile(out_.Join("acme/widget.git.tmp/objects/junk"), "half a pack");
  const MirrorOutcome o = Update(Request("file://" + bare_));
  ASSERT_EQ(o.status, MirrorStatus::kCloned) << o.error;
  EXPECT_FALSE(fs::exists(out_.Join("acme/widget.git.tmp")));
  EXPECT_EQ(MirrorRefs(out_.Join("acme/widget.git")), RemoteRefs(bare_));
}

TEST_F(MirrorTest, UnreadableOrBrokenMirrorIsCorruptAndLeftAlone) {
  // Not a repository at all.
  fs::create_directories(out_.Join("acme/widget.git"));
  testing::WriteFile(out_.Join("acme/widget.git/garbage"), "x");
  MirrorOutcome o = Update(Request("file://" + bare_));
  EXPECT_EQ(o.status, MirrorStatus::kCorrupt) << o.error;
  EXPECT_EQ(o.attempts, 0);
  EXPECT_TRUE(fs::exists(out_.Join("acme/widget.git/garbage")));
  fs::remove_all(out_.Join("acme/widget.git"));

  // A mirror whose objects were lost.
  ASSERT_EQ(Update(Request("file://" + bare_)).status, MirrorStatus::kCloned);
  fs::remove_all(out_.Join("acme/widget.git/objects/pack"));
  fs::create_directories(out_.Join("acme/widget.git/objects/pack"));
  o = Update(Request("file://" + bare_));
  EXPECT_EQ(o.status, MirrorStatus::kCorrupt) << o.error;
  EXPECT_NE(o.error.find("missing object"), std::string::npos) << o.error;
  EXPECT_TRUE(fs::exists(out_.Join("acme/widget.git/HEAD")));
}

// A remote made partial on purpose: two pull heads reach blobs deleted from
// it. Every other ref is mirrored, the two are left out and named with their
// missing objects, over file:// and over git daemon, new and fetched.
TEST_F(MirrorTest, RefsWhoseObjectsTheRemoteLacksAreSkippedAndTheRestMirrored) {
  const std::string root = fs::path(bare_).parent_path().parent_path().string();
  const std::string lost7 = testing::BreakPullRef(root, "acme", "widget", 7, "lost seven\n");
  const std::string lost9 = testing::BreakPullRef(root, "acme", "widget", 9, "lost nine\n");
  ASSERT_NE(testing::Run({"git", "-C", bare_, "fsck", "--no-progress"}).exit_code, 0);
  auto without_broken = [](std::string refs) {
    std::string out;
    std::istringstream lines(refs);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" refs/pull/7/head") == std::string::npos &&
          line.find(" refs/pull/9/head") == std::string::npos) {
        out += line + "\n";
      }
    }
    return out;
  };
  auto check = [&](const MirrorOutcome& o, const char* how) {
    SCOPED_TRACE(how);
    ASSERT_EQ(o.status, MirrorStatus::kCloned) << o.error;
    ASSERT_EQ(o.skipped_refs.size(), 2u);
    EXPECT_EQ(o.skipped_refs[0].ref, "refs/pull/7/head");
    EXPECT_EQ(o.skipped_refs[0].object, lost7);
    EXPECT_EQ(o.skipped_refs[1].ref, "refs/pull/9/head");
    EXPECT_EQ(o.skipped_refs[1].object, lost9);
    for (const SkippedRef& r : o.skipped_refs) {
      EXPECT_NE(r.error.find("left out " + r.ref + ": the remote lacks object " + r.object),
                std::string::npos)
          << r.error;
      EXPECT_NE(r.error.find("the rest of the repository is mirrored"), std::string::npos);
      EXPECT_NE(r.error.find("swerl clone --refresh"), std::string::npos) << r.error;
    }
    const std::string mirror = out_.Join("acme/widget.git");
    const std::string refs = MirrorRefs(mirror);
    EXPECT_EQ(refs, without_broken(RemoteRefs(bare_)));
    EXPECT_NE(refs.find(" refs/pull/2/head\n"), std::string::npos);
    EXPECT_EQ(Git({"-C", mirror, "symbolic-ref", "HEAD"}), "refs/heads/main\n");
    Git({"-C", mirror, "fsck", "--no-progress"});
    EXPECT_FALSE(fs::exists(mirror + ".tmp"));
  };
  check(Update(Request("file://" + bare_)), "new over file://");
  check(Update(Request("file://" + bare_)), "fetched over file://");
  fs::remove_all(out_.Join("acme/widget.git"));
  GitDaemon daemon(root);
  const std::string url = "git://127.0.0.1:" + std::to_string(daemon.port()) + "/acme/widget.git";
  check(Update(Request(url)), "new over git daemon");
  // A branch the remote deleted meanwhile is pruned in this mode too.
  Git({"-C", bare_, "update-ref", "-d", "refs/heads/dev"});
  const MirrorOutcome again = Update(Request(url));
  check(again, "fetched over git daemon");
  EXPECT_EQ(MirrorRefs(out_.Join("acme/widget.git")).find(" refs/heads/dev\n"), std::string::npos);
}

// When no ref can be fetched the repository is not "cloned" with nothing in
// it: a remote whose first commit lacks a blob fails as a whole.
TEST_F(MirrorTest, RemoteWhereEveryRefLacksObjectsFails) {
  std::string readme = Git({"-C", bare_, "rev-parse", "main:README"});
  readme.resize(40);
  const std::string loose = bare_ + "/objects/" + readme.substr(0, 2) + "/" + readme.substr(2);
  ASSERT_TRUE(fs::remove(loose)) << "no loose object " << loose;
  const MirrorOutcome o = Update(Request("file://" + bare_));
  EXPECT_EQ(o.status, MirrorStatus::kFailed);
  EXPECT_NE(o.error.find("every ref lacks objects"), std::string::npos) << o.error;
  EXPECT_TRUE(o.skipped_refs.empty());
  EXPECT_TRUE(NothingLeft());
}

TEST(IsMissingObjectTest, RecognisesMissingObjectsAndNamesThem) {
  std::string object;
  EXPECT_TRUE(IsMissingObject(GIT_ERROR_ODB,
                              "object not found - no match for id "
                              "(968094c367bb87b3bc9f7bb3a1d5148063c9bed0)",
                              &object));
  EXPECT_EQ(object, "968094c367bb87b3bc9f7bb3a1d5148063c9bed0");
  EXPECT_TRUE(IsMissingObject(GIT_ERROR_NET,
                              "remote: fatal: unable to read "
                              "ab94c367bb87b3bc9f7bb3a1d5148063c9bed0cd",
                              &object));
  EXPECT_EQ(object, "ab94c367bb87b3bc9f7bb3a1d5148063c9bed0cd");
  EXPECT_FALSE(IsMissingObject(GIT_ERROR_NET, "early EOF", &object));
  EXPECT_EQ(object, "");
  EXPECT_FALSE(IsMissingObject(GIT_ERROR_NET, "unexpected http status code: 404", nullptr));
}

TEST(ClassifyFailureTest, MapsLibgit2ErrorsToStatuses) {
  auto status = [](int rc, int klass, const char* msg, bool existing = false) {
    return ClassifyFailure(rc, klass, msg, existing, false, false);
  };
  EXPECT_EQ(status(GIT_EAUTH, GIT_ERROR_HTTP, "remote authentication required but no callback set")
                .status,
            MirrorStatus::kAuthRequired);
  EXPECT_EQ(status(-1, GIT_ERROR_HTTP, "unexpected http status code: 403").status,
            MirrorStatus::kAuthRequired);
  EXPECT_EQ(status(-1, GIT_ERROR_HTTP, "unexpected http status code: 404").status,
            MirrorStatus::kNotFound);
  EXPECT_EQ(
      status(-1, GIT_ERROR_NET, "remote error: access denied or repository not exported: /a/b.git")
          .status,
      MirrorStatus::kNotFound);
  const FailureClass bad_gateway = status(-1, GIT_ERROR_HTTP, "unexpected http status code: 502");
  EXPECT_EQ(bad_gateway.status, MirrorStatus::kFailed);
  EXPECT_TRUE(bad_gateway.transient);
  EXPECT_TRUE(status(-1, GIT_ERROR_NET, "early EOF").transient);
  EXPECT_FALSE(status(-1, GIT_ERROR_HTTP, "unexpected http status code: 400").transient);
  EXPECT_EQ(status(-1, GIT_ERROR_ODB, "object not found - no match for id", true).status,
            MirrorStatus::kCorrupt);
  EXPECT_EQ(ClassifyFailure(-1, GIT_ERROR_NET, "x", false, true, false).status,
            MirrorStatus::kTimedOut);
  EXPECT_EQ(ClassifyFailure(GIT_EUSER, GIT_ERROR_CALLBACK, "x", false, false, true).status,
            MirrorStatus::kTooLarge);
}

}  // namespace
}  // namespace swerl::git
