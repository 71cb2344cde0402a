// LinkNext: the rel="next" target of GitHub's Link pagination header.
#include "swerl/net/github_client.h"

#include <gtest/gtest.h>

#include "swerl/net/http_response.h"

namespace swerl::net {
namespace {

TEST(LinkNextTest, FindsNextAmongGithubLinks) {
  EXPECT_EQ(
      LinkNext("<https://api.github.com/repositories/1/issues/5/comments?per_page=100&page=2>;"
               " rel=\"next\", <https://api.github.com/repositories/1/issues/5/comments?"
               "per_page=100&page=4>; rel=\"last\""),
      "https://api.github.com/repositories/1/issues/5/comments?per_page=100&page=2");
  EXPECT_EQ(LinkNext("<http://h/x?page=1>; rel=\"prev\", <http://h/x?page=3>; rel=\"next\""),
            "http://h/x?page=3");
}

TEST(LinkNextTest, LastPageHasNoNext) {
  EXPECT_EQ(LinkNext("<http://h/x?page=1>; rel=\"first\", <http://h/x?page=2>; rel=\"prev\""), "");
  EXPECT_EQ(LinkNext(""), "");
  EXPECT_EQ(LinkNext("garbage"), "");
}

TEST(LinkNextTest, AcceptsUnquotedCaseInsensitiveAndMultiValuedRel) {
  EXPECT_EQ(LinkNext("<http://h/a,b?page=2>; rel=next"), "http://h/a,b?page=2");
  EXPECT_EQ(LinkNext("<http://h/x?page=2>;REL=\"Next\""), "http://h/x?page=2");
  EXPECT_EQ(LinkNext("<http://h/x?page=2>; title=\"n\"; rel=\"last next\""), "http://h/x?page=2");
  EXPECT_EQ(LinkNext("<http://h/x?page=2>; rel=\"nextish\""), "");
}

}  // namespace
}  // namespace swerl::net
