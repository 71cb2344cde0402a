// ApiRecords: turns GitHub REST API responses (a pull request, an issue, or a
// page of issue comments, review comments or reviews) into records of the
// `swerl events` shape (schemas/records/event.md), so that `swerl enrich`
// folds them with the same code as events (Ingester::AddSnapshot).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::store {

// Which endpoint a response body came from.
enum class ApiObject : uint8_t {
  kPull,            // GET /repos/{o}/{r}/pulls/{n}: one object
  kIssue,           // GET /repos/{o}/{r}/issues/{n}: one object
  kIssueComments,   // GET /repos/{o}/{r}/issues/{n}/comments: an array
  kReviewComments,  // GET /repos/{o}/{r}/pulls/{n}/comments: an array
  kReviews,         // GET /repos/{o}/{r}/pulls/{n}/reviews: an array
};

// What the caller knows about the request. Views must outlive the call.
struct ApiRecordContext {
  std::string_view repo;        // owner/name the request used (fallback name)
  int64_t repo_id = 0;          // the store's key; the records always carry it
  int64_t number = 0;           // the PR or issue number; the records always carry it
  std::string_view fetched_at;  // 'YYYY-MM-DDTHH:MM:SSZ', the records' created_at
};

// The id digits appended to the fetch time to version API snapshots: larger
// than any 20-digit event id, so a snapshot outranks every event of the same
// second or earlier, and any later event outranks the snapshot.
inline constexpr std::string_view kSnapshotIdSuffix = "99999999999999999999";

// fetched_at followed by kSnapshotIdSuffix (the version for AddSnapshot).
std::string SnapshotVersion(std::string_view fetched_at);

// Converts one response body into record lines (compact JSON, no newline):
//  kPull           -> one PullRequestEvent with the full `pull_request`;
//  kIssue          -> one IssuesEvent with the full `issue`;
//  kIssueComments  -> one IssueCommentEvent per comment, `issue` null;
//  kReviewComments -> one PullRequestReviewCommentEvent per comment,
//                     `pull_request` null;
//  kReviews        -> one PullRequestReviewEvent per review, `pull_request`
//                     null (review states are lower-cased as in events).
// Every record has "id":"api", "era":"full", actor/actor_id/action null, and
// repo_id/number from ctx. `repo` is the current owner/name as the object
// states it (base.repo.full_name, repository_url, or the /repos/O/N part of
// the object's API URLs), else ctx.repo. The nested objects the response
// does not hold are null on purpose: a stub with null fields would erase
// the stored pull request or issue, since full-era records carry nulls.
// Elements of a list that are not objects, and objects without an integer
// id, are left out. Pure; thread-safe.
// Errors: kInvalidInput (not JSON, or not an object/array as expected).
Result<std::vector<std::string>> ApiRecords(ApiObject what, std::string_view json,
                                            const ApiRecordContext& ctx);

}  // namespace swerl::store
