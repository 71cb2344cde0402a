// swerl license end to end (lib/swerl/curate/repo_license.h): repositories
// built with the git CLI, mirrored, read at their instances' merge bases.
#include <gtest/gtest.h>

#include "git/git_testing.h"
#include "swerl/curate/license.h"
#include "swerl/db/sqlite.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

std::string Fixture(const std::string& name) {
  return testing::ReadFile(testing::DataPath("licenses/" + name));
}

// swerl license end to end: three repositories built with the git CLI (an
// MIT LICENSE filled in, none, NVIDIA's SDK agreement as COPYING), read at
// their instances' merge bases into repo_licenses.
TEST(LicenseCliTest, StoresEachRepositorysLicence) {
  testing::TempDir dir;
  const std::string mit = [] {
    for (const LicenseText& l : ShippedLicenses()) {
      if (l.spdx == "MIT") return l.text;
    }
    return std::string();
  }();
  ASSERT_FALSE(mit.empty());
  struct Repo {
    int64_t id;
    std::string name, file, text;
  };
  std::string filled = mit;
  filled.replace(filled.find("[year]"), 6, "2021");
  filled.replace(filled.find("[fullname]"), 10, "Acme Corp");
  const std::vector<Repo> repos = {{1, "acme/widget", "LICENSE", filled},
                                   {2, "acme/bare", "", ""},
                                   {3, "nv/sdk", "COPYING", Fixture("nvidia-cudnn-License.txt")}};
  const std::string db_path = dir.Join("swerl.db");
  auto db = store::OpenStore(db_path, /*create=*/true);
  ASSERT_TRUE(db.has_value()) << db.error().message();
  for (const Repo& r : repos) {
    const std::string work = dir.Join("work-" + std::to_string(r.id));
    testing::InitWorkTree(work);
    testing::WriteFile(work + "/a.py", "print('hi')\n");
    if (!r.file.empty()) testing::WriteFile(work + "/" + r.file, r.text);
    const std::string sha = testing::CommitAll(work, "initial");
    testing::Git({"clone", "-q", "--mirror", work, dir.Join("repos/" + r.name + ".git")});
    ASSERT_TRUE(db->Exec(
        "INSERT INTO repos (repo_id, name) VALUES (" + std::to_string(r.id) + ", '" + r.name +
        "'); INSERT INTO instances (repo_id, number, status, "
        "merge_base, assembled_at) VALUES (" +
        std::to_string(r.id) + ", 5, 'assembled', '" + sha + "', '2024-01-01T00:00:00Z')"));
  }
  auto r = testing::RunSwerl({"license", "--db", db_path, "--repos", dir.Join("repos")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("3 repositories: MIT 1, none 1, unknown 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning: 1 repositories have a licence file that matches no shipped"),
            std::string::npos)
      << r.err;
  auto q = db->Prepare("SELECT repo_id, spdx, path, closest FROM repo_licenses ORDER BY repo_id");
  ASSERT_TRUE(q.has_value());
  std::string rows;
  while (*q->Step()) {
    rows += std::to_string(q->Int(0)) + " " + std::string(q->Text(1)) + " " +
            std::string(q->Text(2)) + " " + std::string(q->Text(3)) + "\n";
  }
  EXPECT_EQ(rows, "1 MIT LICENSE MIT\n2 none  \n3 unknown COPYING EPL-2.0\n");
}

}  // namespace
}  // namespace swerl::curate
