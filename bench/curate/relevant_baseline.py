#!/usr/bin/env python3
"""The baseline for `swerl relevant` (BM25): the same ranking job in Python,
as a user would script it without swerl (bench/curate/README.md).

For each assembled instance of the store (instances.status = 'assembled',
in (repo_id, number) order, or every K-th of them with --every):

  1. the query: the closing issues' "title\\n\\nbody\\n\\n" (issue_links
     joined with issues, as lib/swerl/curate/relevant.cc selects them), the
     PR's title and body, and its changed paths (old and new, sorted, unique);
  2. the candidates: the regular files (modes 100644, 100755) of the tree at
     the merge base, read through ONE `git cat-file --batch` process (the
     commit, then its trees, cached by tree id; then the blobs), minus the
     changed paths and vendored paths (store::VendoredPath), minus binary
     files (a NUL in the first 8000 bytes) and files over --max-file-bytes;
  3. every candidate's document: the tokens of its path, 3 times each, and of
     its contents; documents are cached by (blob id, path) across instances
     and forgotten like swerl's cache (unused ones once it holds more than
     twice the used ones plus 1024), so a file unchanged between merge bases
     is tokenized once;
  4. Okapi BM25 (k1 = 1.2, b = 0.75) of every candidate against the query,
     the best k with a score > 0, by score descending, ties by path.

The tokenizer mirrors lib/swerl/curate/bm25.cc: words are maximal runs of
ASCII letters, digits and '_'; each is lowercased and kept whole and, when it
has several snake_case / camelCase parts (or surrounding underscores), also
split into them; tokens of 1 byte, over 64 bytes, of more than 4 digits only,
or stop words are dropped. Terms get ids in first-seen order and a score sums
its terms in id order, as swerl does, so on a run over every instance the
scores are bit-identical to `swerl relevant -j 1`'s.

It does less than swerl: it writes nothing to the store (no relevant_files
or relevant_runs rows, no zstd blobs of the chosen files, no transactions);
it prints its ranking instead.

    relevant_baseline.py DB MIRROR [--every K] [-k 5] [--max-file-bytes N]
                         [--out RANKS.tsv]

MIRROR is the bare repository of the store's one repository. Writes one
line per ranked file to --out (number, rank, path, score as repr) and one
summary line to stdout: "instances N failed F files M docs D".
"""
import argparse
import math
import re
import sqlite3
import subprocess
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("db")
ap.add_argument("mirror")
ap.add_argument("--every", type=int, default=1)
ap.add_argument("-k", type=int, default=5)
ap.add_argument("--max-file-bytes", type=int, default=1 << 20)
ap.add_argument("--out", default="/dev/null")
args = ap.parse_args()

K1, B = 1.2, 0.75
PATH_WEIGHT = 3
BINARY_PROBE = 8000

# ------------------------------------------------------------ tokenizer --

STOP = frozenset(w.encode() for w in (
    "a about after all also am an and any are as at be been but by can class const could def "
    "do does else end false for from func function get had has have if import in int into is "
    "it its let may me my new nil no none not null of on or our private pub public return self "
    "should so static that the their them then there these they this to true us use var void "
    "was we were what when which while will with would you your").split())
WORD = re.compile(rb"[A-Za-z0-9_]+")
ALL_DIGITS = re.compile(rb"[0-9]+")


def keep(token, out):
    if len(token) < 2 or len(token) > 64:
        return
    if len(token) > 4 and ALL_DIGITS.fullmatch(token):
        return
    if token in STOP:
        return
    out.append(token)


def parts_of(word):
    """bm25.cc's Parts(): the snake_case and camelCase parts of a word."""
    parts = []
    for piece in word.split(b"_"):
        if not piece:
            continue
        start = 0
        n = len(piece)
        for i in range(1, n):
            c = piece[i]
            if not 65 <= c <= 90:  # not upper
                continue
            prev = piece[i - 1]
            next_lower = i + 1 < n and 97 <= piece[i + 1] <= 122
            if i == start:
                continue
            if not 65 <= prev <= 90 or next_lower:
                parts.append(piece[start:i])
                start = i
        parts.append(piece[start:])
    return parts


MEMO = {}  # word -> tuple of its tokens


def word_tokens(word):
    toks = MEMO.get(word)
    if toks is None:
        out = []
        parts = parts_of(word)
        if parts:
            keep(word.lower(), out)
            if len(parts) > 1 or len(parts[0]) != len(word):
                for p in parts:
                    keep(p.lower(), out)
        toks = MEMO[word] = tuple(out)
    return toks


def tokenize(text):
    out = []
    for w in WORD.findall(text):
        out.extend(word_tokens(w))
    return out


def term_freqs(text, weight, tf):
    """Adds the tokens of text, `weight` each, to tf (insertion order: first
    occurrence)."""
    counts = {}
    for w in WORD.findall(text):
        counts[w] = counts.get(w, 0) + 1
    for w, c in counts.items():
        for t in word_tokens(w):
            tf[t] = tf.get(t, 0) + c * weight


# ------------------------------------------------------------------ git --

class CatFile:
    """One `git cat-file --batch` process: objects by hex id."""

    def __init__(self, repo):
        self.p = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 16)

    def get(self, oid):
        self.p.stdin.write(oid + b"\n")
        self.p.stdin.flush()
        header = self.p.stdout.readline().split()
        if len(header) != 3:
            return None, None
        size = int(header[2])
        data = self.p.stdout.read(size)
        self.p.stdout.read(1)  # the newline after the contents
        return header[1], data

    def close(self):
        self.p.stdin.close()
        self.p.wait()


git = CatFile(args.mirror)
TREES = {}  # tree id -> [(relative path, blob hex id)] of its regular files, in git's order


def tree_files(oid):
    files = TREES.get(oid)
    if files is not None:
        return files
    kind, data = git.get(oid)
    if kind != b"tree":
        raise RuntimeError("tree %s: not a tree" % oid.decode())
    files = []
    i = 0
    n = len(data)
    while i < n:
        sp = data.index(b" ", i)
        nul = data.index(b"\0", sp)
        mode, name = data[i:sp], data[sp + 1:nul]
        child = data[nul + 1:nul + 21].hex().encode()
        i = nul + 21
        if mode == b"40000":
            for path, blob in tree_files(child):
                files.append((name + b"/" + path, blob))
        elif mode in (b"100644", b"100755"):
            files.append((name, child))
    TREES[oid] = files
    return files


def commit_files(hex_id):
    kind, data = git.get(hex_id.encode())
    if kind != b"commit":
        raise RuntimeError("merge base %s: not a commit" % hex_id)
    first = data.split(b"\n", 1)[0]
    if not first.startswith(b"tree "):
        raise RuntimeError("merge base %s: no tree" % hex_id)
    return tree_files(first[5:])


VENDOR_DIRS = {b"vendor", b"vendors", b"node_modules", b"third_party", b"bower_components",
               b"dist"}
VENDOR_SUFFIXES = (b".min.js", b".min.css", b".map", b".lock", b".pb.go")
LOCK_FILES = {b"package-lock.json", b"npm-shrinkwrap.json", b"yarn.lock", b"pnpm-lock.yaml",
              b"Cargo.lock", b"go.sum", b"poetry.lock", b"Pipfile.lock", b"composer.lock",
              b"Gemfile.lock"}


def vendored(path):
    dirs = path.split(b"/")
    name = dirs.pop()
    if any(d in VENDOR_DIRS for d in dirs):
        return True
    return name.endswith(VENDOR_SUFFIXES) or name in LOCK_FILES


# ------------------------------------------------------------ documents --

VOCAB = {}  # term -> id, in first-seen order (swerl's Vocabulary)
DOCS = {}  # (blob id, path) -> [tf dict, length, generation] or [None, 0, generation]
generation = 0


def document(path, blob):
    key = (blob, path)
    entry = DOCS.get(key)
    if entry is None:
        kind, data = git.get(blob)
        if kind != b"blob":
            raise RuntimeError("blob %s: missing" % blob.decode())
        if len(data) > args.max_file_bytes or b"\0" in data[:BINARY_PROBE]:
            entry = [None, 0, generation]
        else:
            tf = {}
            term_freqs(path, PATH_WEIGHT, tf)
            term_freqs(data, 1, tf)
            for t in tf:
                if t not in VOCAB:
                    VOCAB[t] = len(VOCAB)
            entry = [tf, sum(tf.values()), generation]
        DOCS[key] = entry
    entry[2] = generation
    return entry


def end_instance(used):
    global generation, DOCS
    if len(DOCS) > 2 * used + 1024:
        DOCS = {k: v for k, v in DOCS.items() if v[2] == generation}
    generation += 1


def rank(docs, names, query_tokens, k):
    counts = {}
    for t in query_tokens:
        if t in VOCAB:
            counts[t] = counts.get(t, 0) + 1
    if not docs or not counts:
        return []
    n = float(len(docs))
    avgdl = max(sum(d[1] for d in docs) / n, 1.0)
    terms = sorted(counts.items(), key=lambda kv: VOCAB[kv[0]])
    columns = []
    for t, c in terms:
        col = [d[0].get(t, 0) for d in docs]
        df = len(col) - col.count(0)
        idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        columns.append((c, idf, col))
    hits = []
    for i, d in enumerate(docs):
        norm = K1 * (1.0 - B + B * d[1] / avgdl)
        score = 0.0
        for c, idf, col in columns:
            f = col[i]
            if f > 0:
                score += c * idf * f * (K1 + 1.0) / (f + norm)
        if score > 0:
            hits.append((-score, names[i], score))
    hits.sort()
    return [(name, score) for _, name, score in hits[:k]]


# ---------------------------------------------------------------- store --

db = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
jobs = db.execute(
    "SELECT p.repo_id, p.number, i.merge_base, coalesce(p.title, ''), coalesce(p.body, '') "
    "FROM prs p JOIN instances i ON i.repo_id = p.repo_id AND i.number = p.number "
    "AND i.status = 'assembled' ORDER BY p.repo_id, p.number").fetchall()
ISSUES = ("SELECT coalesce(s.title, ''), coalesce(s.body, '') FROM issue_links l "
          "JOIN issues s ON s.repo_id = CASE WHEN l.target_repo = '' THEN l.repo_id "
          "ELSE l.target_repo_id END AND s.number = l.target_number "
          "WHERE l.repo_id = ? AND l.pr_number = ? AND l.closing = 1 "
          "ORDER BY l.target_repo, l.target_number")
FILES = ("SELECT coalesce(old_path, ''), coalesce(new_path, '') FROM instance_files "
         "WHERE repo_id = ? AND number = ?")


def as_bytes(v):
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogateescape")


out = open(args.out, "w")
ranked = failed = files_out = 0
for idx, (repo_id, number, merge_base, title, body) in enumerate(jobs):
    if idx % args.every:
        continue
    issues = b"".join(as_bytes(t) + b"\n\n" + as_bytes(bd) + b"\n\n"
                      for t, bd in db.execute(ISSUES, (repo_id, number)))
    changed = set()
    for old, new in db.execute(FILES, (repo_id, number)):
        for p in (old, new):
            if p:
                changed.add(as_bytes(p))
    changed = sorted(changed)
    changed_set = set(changed)
    try:
        tree = commit_files(merge_base)
    except RuntimeError as e:
        failed += 1
        print("relevant_baseline: #%d: %s" % (number, e), file=sys.stderr)
        continue
    docs, names = [], []
    for path, blob in tree:
        if path in changed_set or vendored(path):
            continue
        entry = document(path, blob)
        if entry[0] is None:
            continue
        docs.append(entry)
        names.append(path)
    query = tokenize(issues) + tokenize(as_bytes(title)) + tokenize(as_bytes(body))
    for p in changed:
        query += tokenize(p)
    hits = rank(docs, names, query, args.k)
    end_instance(len(docs))
    for r, (path, score) in enumerate(hits):
        out.write("%d\t%d\t%s\t%r\n" % (number, r, path.decode("utf-8", "replace"), score))
    files_out += len(hits)
    ranked += 1
out.close()
git.close()
print("instances %d failed %d files %d docs %d" % (ranked, failed, files_out, len(VOCAB)))
