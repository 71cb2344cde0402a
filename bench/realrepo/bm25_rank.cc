// The rank of given files under `swerl relevant`'s BM25 over a whole tree
// (bench/realrepo/bm25_recall.py drives it; issue 20). The same candidates
// (regular text files of the tree, at most 1 MiB, not vendored), the same
// documents (curate::MakeDocument: path tokens weighted, code-aware
// tokenizer) and the same ranker (curate::RankBm25) as the relevant pass,
// but the changed files are NOT excluded and the query is the text given.
//
//   swerl_bm25_rank < requests.ndjson > ranks.ndjson
//
// Input lines: {"id": str, "mirror": path, "commit": hex, "gold": [path...],
// "query": str}. Output lines, in input order: {"id": str, "candidates": N,
// "ranks": [rank of each gold path, 1-based, or 0 when not ranked]}, or
// {"id": str, "error": str}.
#include <git2.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "swerl/curate/bm25.h"
#include "swerl/git/git_handles.h"
#include "swerl/json/json_writer.h"
#include "swerl/store/assemble.h"

namespace {

using swerl::curate::Document;

struct TreeFile {
  std::string path;
  git_oid oid;
};

int Collect(const char* root, const git_tree_entry* entry, void* payload) {
  const git_filemode_t mode = git_tree_entry_filemode(entry);
  if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
    static_cast<std::vector<TreeFile>*>(payload)->push_back(
        {std::string(root) + git_tree_entry_name(entry), *git_tree_entry_id(entry)});
  }
  return 0;
}

// The ranks, or an error message.
std::string Rank(git_repository* repo, const std::string& commit,
                 const std::vector<std::string>& gold, const std::string& query_text,
                 std::vector<int>* ranks, size_t* candidates) {
  git_oid oid;
  if (git_oid_fromstrn(&oid, commit.data(), commit.size()) != 0) return "bad commit " + commit;
  git_commit* craw = nullptr;
  if (git_commit_lookup(&craw, repo, &oid) != 0) return "no commit " + commit;
  swerl::git::CommitHandle c(craw);
  git_tree* traw = nullptr;
  if (git_commit_tree(&traw, c.get()) != 0) return "no tree for " + commit;
  swerl::git::TreeHandle tree(traw);
  std::vector<TreeFile> files;
  if (git_tree_walk(tree.get(), GIT_TREEWALK_PRE, &Collect, &files) != 0) return "tree walk failed";
  swerl::curate::Vocabulary vocab;
  std::vector<std::unique_ptr<Document>> owned;
  std::vector<const Document*> docs;
  std::vector<std::string_view> names;
  for (const TreeFile& f : files) {
    if (swerl::store::VendoredPath(f.path)) continue;
    git_blob* braw = nullptr;
    if (git_blob_lookup(&braw, repo, &f.oid) != 0) continue;
    swerl::git::BlobHandle blob(braw);
    const auto size = static_cast<size_t>(git_blob_rawsize(braw));
    if (size > (1u << 20)) continue;
    const std::string_view data(static_cast<const char*>(git_blob_rawcontent(braw)), size);
    if (std::memchr(data.data(), '\0', std::min<size_t>(size, 8000))) continue;
    owned.push_back(std::make_unique<Document>(swerl::curate::MakeDocument(f.path, data, &vocab)));
    docs.push_back(owned.back().get());
    names.push_back(f.path);
  }
  *candidates = docs.size();
  const std::vector<std::string> query = swerl::curate::Tokenize(query_text);
  const auto hits = swerl::curate::RankBm25(docs, names, query, vocab, docs.size());
  std::unordered_map<std::string_view, int> rank_of;
  for (size_t i = 0; i < hits.size(); ++i) rank_of[names[hits[i].doc]] = static_cast<int>(i + 1);
  for (const std::string& g : gold) {
    const auto it = rank_of.find(g);
    ranks->push_back(it == rank_of.end() ? 0 : it->second);
  }
  return "";
}

// A string field of `doc`, "" when absent or not a string.
std::string Field(simdjson::dom::element doc, const char* key) {
  std::string_view v;
  if (doc[key].get(v)) return "";
  return std::string(v);
}

}  // namespace

int main() {
  swerl::git::GitGlobal global;
  if (!global.status()) return 2;
  simdjson::dom::parser parser;
  std::unordered_map<std::string, swerl::git::RepoHandle> repos;
  std::string line;
  while (std::getline(std::cin, line)) {
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc)) return 2;
    const std::string id = Field(doc, "id");
    const std::string mirror = Field(doc, "mirror");
    const std::string commit = Field(doc, "commit");
    const std::string query = Field(doc, "query");
    std::vector<std::string> gold;
    simdjson::dom::array gold_array;
    if (doc["gold"].get(gold_array)) return 2;
    for (simdjson::dom::element g : gold_array) {
      std::string_view path;
      if (g.get(path)) return 2;
      gold.emplace_back(path);
    }
    auto& repo = repos[mirror];
    if (!repo) {
      git_repository* raw = nullptr;
      if (git_repository_open_bare(&raw, mirror.c_str()) != 0) return 2;
      repo.reset(raw);
    }
    std::vector<int> ranks;
    size_t candidates = 0;
    const std::string error = Rank(repo.get(), commit, gold, query, &ranks, &candidates);
    std::string out;
    swerl::json::JsonWriter w(&out);
    w.BeginObject();
    w.Key("id");
    w.String(id);
    if (!error.empty()) {
      w.Key("error");
      w.String(error);
    } else {
      w.Key("candidates");
      w.Int(static_cast<int64_t>(candidates));
      w.Key("ranks");
      w.BeginArray();
      for (int r : ranks) w.Int(r);
      w.EndArray();
    }
    w.EndObject();
    std::cout << out << "\n";
  }
  return 0;
}
