// swerl_zstd_study: does a trained zstd dictionary beat plain levels for the
// blob store (lib/swerl/store/blob_store.cc: one zstd frame per blob, level 3,
// default frame header: content size on, checksum off)?
//
// Input: file paths on stdin, one per line; each file is one blob. Exact
// duplicate contents are dropped (the store is content-addressed).
//
// For every strategy it prints raw bytes, stored bytes, ratio (also per size
// bucket <4 KiB, 4-32 KiB, >32 KiB) and single-thread compress/decompress
// MB/s, separately for the training sample and the held-out blobs. A
// dictionary's own size is counted once in the "all" row. Every frame is
// decompressed and compared with its input.
//
// Options:
//   --name NAME            label printed in the header
//   --levels 1,3,6,9,19    plain levels
//   --dict-sizes 16384,65536,114688
//   --dict-levels 3,9      levels used with each dictionary
//   --sample-pct 10        share of blobs (chosen by path hash) to train on
//   --sample-max-mb 8      cap on the training sample
//   --train-from FILE      train on the files listed in FILE instead (then
//                          every input blob is held out: a shared dictionary)
//   --reps 3               timing passes per strategy (the fastest is kept;
//                          only one pass once a pass takes over 5 s)
//
// Example:
//   find /usr/lib/python3.11 -name '*.py' | build-zstd/bench/swerl_zstd_study --name py
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};
using CCtx = std::unique_ptr<ZSTD_CCtx, CDeleter<&ZSTD_freeCCtx>>;
using DCtx = std::unique_ptr<ZSTD_DCtx, CDeleter<&ZSTD_freeDCtx>>;
using CDict = std::unique_ptr<ZSTD_CDict, CDeleter<&ZSTD_freeCDict>>;
using DDict = std::unique_ptr<ZSTD_DDict, CDeleter<&ZSTD_freeDDict>>;

using Clock = std::chrono::steady_clock;

struct Options {
  std::string name = "input";
  std::vector<int> levels = {1, 3, 6, 9, 19};
  std::vector<size_t> dict_sizes = {16384, 65536, 114688};
  std::vector<int> dict_levels = {3, 9};
  double sample_pct = 10;
  double sample_max_mb = 8;
  std::string train_from;
  int reps = 3;
};

struct Blob {
  std::string path;
  std::string data;
  bool in_sample = false;
};

constexpr int kBuckets = 3;
int BucketOf(size_t n) { return n < 4096 ? 0 : n < 32768 ? 1 : 2; }
const char* kBucketNames[kBuckets] = {"<4K", "4-32K", ">32K"};

// Sums for one set of blobs under one strategy.
struct Tally {
  uint64_t blobs = 0, raw = 0, stored = 0;
  uint64_t braw[kBuckets] = {}, bstored[kBuckets] = {};
  double ctime = 0, dtime = 0;  // seconds
  void Add(size_t r, size_t s, double c, double d) {
    ++blobs;
    raw += r;
    stored += s;
    braw[BucketOf(r)] += r;
    bstored[BucketOf(r)] += s;
    ctime += c;
    dtime += d;
  }
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

[[noreturn]] void Die(const std::string& msg) {
  std::cerr << "swerl_zstd_study: " << msg << "\n";
  std::exit(2);
}

template <class T>
std::vector<T> ParseList(const std::string& s) {
  std::vector<T> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(static_cast<T>(std::stoll(item)));
  return out;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = std::move(ss).str();
  return true;
}

// Reads the listed files, dropping unreadable ones and duplicate contents.
std::vector<Blob> LoadBlobs(std::istream& list, size_t* dups) {
  std::vector<Blob> blobs;
  std::unordered_map<uint64_t, std::vector<size_t>> seen;
  std::string path;
  *dups = 0;
  while (std::getline(list, path)) {
    if (path.empty()) continue;
    Blob b;
    b.path = path;
    if (!ReadFile(path, &b.data)) {
      std::cerr << "swerl_zstd_study: cannot read '" << path << "', skipped\n";
      continue;
    }
    auto& same = seen[Fnv1a(b.data)];
    bool dup = false;
    for (size_t i : same) dup = dup || blobs[i].data == b.data;
    if (dup) {
      ++*dups;
      continue;
    }
    same.push_back(blobs.size());
    blobs.push_back(std::move(b));
  }
  return blobs;
}

// Marks a deterministic sample: blobs whose path hash falls in the first
// pct percent, taken in hash order until max_bytes.
void MarkSample(std::vector<Blob>& blobs, double pct, size_t max_bytes) {
  std::vector<std::pair<uint64_t, size_t>> order;
  for (size_t i = 0; i < blobs.size(); ++i) order.emplace_back(Fnv1a(blobs[i].path), i);
  std::sort(order.begin(), order.end());
  // 2^64 itself does not fit a uint64_t, so 100% is special.
  const uint64_t limit = pct >= 100 ? UINT64_MAX
                                    : static_cast<uint64_t>(pct / 100.0 * 18446744073709551616.0);
  size_t bytes = 0;
  for (auto [h, i] : order) {
    if (h > limit) break;
    if (bytes + blobs[i].data.size() > max_bytes) continue;
    bytes += blobs[i].data.size();
    blobs[i].in_sample = true;
  }
}

struct Dict {
  std::string bytes;
  double train_s = 0;
};

Dict Train(const std::vector<const std::string*>& samples, size_t dict_size) {
  std::string joined;
  std::vector<size_t> sizes;
  for (const std::string* s : samples) {
    joined += *s;
    sizes.push_back(s->size());
  }
  Dict d;
  d.bytes.resize(dict_size);
  const auto t0 = Clock::now();
  const size_t n = ZDICT_trainFromBuffer(d.bytes.data(), d.bytes.size(), joined.data(),
                                         sizes.data(), static_cast<unsigned>(sizes.size()));
  d.train_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (ZDICT_isError(n)) {
    std::cerr << "swerl_zstd_study: cannot train a " << dict_size
              << "-byte dictionary: " << ZDICT_getErrorName(n) << "\n";
    d.bytes.clear();
    return d;
  }
  d.bytes.resize(n);
  return d;
}

// Compresses and decompresses every blob; cdict/ddict null means plain.
void RunOnce(const std::vector<Blob>& blobs, int level, const ZSTD_CDict* cdict,
         const ZSTD_DDict* ddict, Tally* sample, Tally* held) {
  CCtx cctx(ZSTD_createCCtx());
  DCtx dctx(ZSTD_createDCtx());
  std::string frame, back;
  for (const Blob& b : blobs) {
    frame.resize(ZSTD_compressBound(b.data.size()));
    auto t0 = Clock::now();
    const size_t n =
        cdict ? ZSTD_compress_usingCDict(cctx.get(), frame.data(), frame.size(), b.data.data(),
                                         b.data.size(), cdict)
              : ZSTD_compressCCtx(cctx.get(), frame.data(), frame.size(), b.data.data(),
                                  b.data.size(), level);
    auto t1 = Clock::now();
    if (ZSTD_isError(n)) Die("cannot compress '" + b.path + "': " + ZSTD_getErrorName(n));
    back.resize(b.data.size());
    auto t2 = Clock::now();
    const size_t m = ddict ? ZSTD_decompress_usingDDict(dctx.get(), back.data(), back.size(),
                                                        frame.data(), n, ddict)
                           : ZSTD_decompressDCtx(dctx.get(), back.data(), back.size(),
                                                 frame.data(), n);
    auto t3 = Clock::now();
    if (ZSTD_isError(m) || m != b.data.size() || back != b.data) {
      Die("'" + b.path + "' does not round-trip");
    }
    (b.in_sample ? sample : held)
        ->Add(b.data.size(), n, std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t3 - t2).count());
  }
}

// Repeats RunOnce, keeping the fastest compress and decompress times.
void Run(const std::vector<Blob>& blobs, int level, const ZSTD_CDict* cdict,
         const ZSTD_DDict* ddict, int reps, Tally* sample, Tally* held) {
  RunOnce(blobs, level, cdict, ddict, sample, held);
  for (int r = 1; r < reps && sample->ctime + held->ctime < 5.0; ++r) {
    Tally s, h;
    RunOnce(blobs, level, cdict, ddict, &s, &h);
    if (s.ctime + h.ctime < sample->ctime + held->ctime) {
      sample->ctime = s.ctime;
      held->ctime = h.ctime;
    }
    if (s.dtime + h.dtime < sample->dtime + held->dtime) {
      sample->dtime = s.dtime;
      held->dtime = h.dtime;
    }
  }
}

std::string Ratio(uint64_t raw, uint64_t stored) {
  if (stored == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(raw) / static_cast<double>(stored));
  return buf;
}

void PrintHeader() {
  std::printf("%-14s %-10s %7s %12s %11s %7s %7s %7s %7s %8s %8s\n", "strategy", "set", "blobs",
              "raw", "stored", "ratio", "<4K", "4-32K", ">32K", "cMB/s", "dMB/s");
}

void PrintRow(const std::string& strategy, const char* set, const Tally& t, uint64_t extra) {
  if (t.blobs == 0) return;
  const double mb = static_cast<double>(t.raw) / 1e6;
  std::printf("%-14s %-10s %7llu %12llu %11llu %7s %7s %7s %7s %8.1f %8.1f\n", strategy.c_str(),
              set, static_cast<unsigned long long>(t.blobs),
              static_cast<unsigned long long>(t.raw),
              static_cast<unsigned long long>(t.stored + extra),
              Ratio(t.raw, t.stored + extra).c_str(), Ratio(t.braw[0], t.bstored[0]).c_str(),
              Ratio(t.braw[1], t.bstored[1]).c_str(), Ratio(t.braw[2], t.bstored[2]).c_str(),
              t.ctime > 0 ? mb / t.ctime : 0.0, t.dtime > 0 ? mb / t.dtime : 0.0);
}

Tally Sum(const Tally& a, const Tally& b) {
  Tally s = a;
  s.blobs += b.blobs;
  s.raw += b.raw;
  s.stored += b.stored;
  for (int k = 0; k < kBuckets; ++k) {
    s.braw[k] += b.braw[k];
    s.bstored[k] += b.bstored[k];
  }
  s.ctime += b.ctime;
  s.dtime += b.dtime;
  return s;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("option '" + a + "' needs a value");
      return argv[++i];
    };
    if (a == "--name") o.name = next();
    else if (a == "--levels") o.levels = ParseList<int>(next());
    else if (a == "--dict-sizes") o.dict_sizes = ParseList<size_t>(next());
    else if (a == "--dict-levels") o.dict_levels = ParseList<int>(next());
    else if (a == "--sample-pct") o.sample_pct = std::stod(next());
    else if (a == "--sample-max-mb") o.sample_max_mb = std::stod(next());
    else if (a == "--train-from") o.train_from = next();
    else if (a == "--reps") o.reps = std::max(1, std::stoi(next()));
    else Die("unknown option '" + a + "' (paths come on stdin)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  size_t dups = 0;
  std::vector<Blob> blobs = LoadBlobs(std::cin, &dups);
  if (blobs.empty()) Die("no input files (give paths on stdin)");

  // Training sample: from the input itself, or from a separate list.
  std::vector<Blob> external;
  std::vector<const std::string*> samples;
  const size_t max_bytes = static_cast<size_t>(o.sample_max_mb * 1e6);
  if (o.train_from.empty()) {
    MarkSample(blobs, o.sample_pct, max_bytes);
    for (const Blob& b : blobs)
      if (b.in_sample) samples.push_back(&b.data);
  } else {
    std::ifstream list(o.train_from);
    if (!list) Die("cannot open '" + o.train_from + "'");
    size_t edups = 0;
    external = LoadBlobs(list, &edups);
    MarkSample(external, o.sample_pct, max_bytes);
    for (const Blob& b : external)
      if (b.in_sample) samples.push_back(&b.data);
  }
  uint64_t sample_bytes = 0;
  for (const std::string* s : samples) sample_bytes += s->size();

  uint64_t total = 0, bcount[kBuckets] = {}, bbytes[kBuckets] = {};
  for (const Blob& b : blobs) {
    total += b.data.size();
    ++bcount[BucketOf(b.data.size())];
    bbytes[BucketOf(b.data.size())] += b.data.size();
  }
  std::printf("== %s: %zu blobs (%zu duplicates dropped), %llu raw bytes, zstd %s\n",
              o.name.c_str(), blobs.size(), dups, static_cast<unsigned long long>(total),
              ZSTD_versionString());
  for (int k = 0; k < kBuckets; ++k) {
    std::printf("   bucket %-5s %7llu blobs (%5.1f%%) %12llu bytes (%5.1f%%)\n", kBucketNames[k],
                static_cast<unsigned long long>(bcount[k]), 100.0 * bcount[k] / blobs.size(),
                static_cast<unsigned long long>(bbytes[k]), 100.0 * bbytes[k] / total);
  }
  std::printf("   training sample: %zu blobs, %llu bytes (%s)\n", samples.size(),
              static_cast<unsigned long long>(sample_bytes),
              o.train_from.empty() ? "from the input, rows 'train'" : o.train_from.c_str());
  std::printf("   ratio columns <4K 4-32K >32K are per-bucket ratios without the dictionary;\n"
              "   'all' counts the dictionary once.\n\n");

  PrintHeader();
  // Plain per-level held-out tallies, for break-even numbers below.
  std::unordered_map<int, Tally> plain_held;
  for (int level : o.levels) {
    Tally s, h;
    Run(blobs, level, nullptr, nullptr, o.reps, &s, &h);
    const std::string name = "plain-L" + std::to_string(level);
    PrintRow(name, "all", Sum(s, h), 0);
    PrintRow(name, "train", s, 0);
    PrintRow(name, "held-out", h, 0);
    plain_held[level] = h;
  }

  struct Trained {
    size_t target;
    Dict dict;
  };
  std::vector<Trained> dicts;
  for (size_t size : o.dict_sizes) dicts.push_back({size, Train(samples, size)});

  std::vector<std::string> notes;
  for (const Trained& t : dicts) {
    if (t.dict.bytes.empty()) continue;
    DDict ddict(ZSTD_createDDict(t.dict.bytes.data(), t.dict.bytes.size()));
    for (int level : o.dict_levels) {
      CDict cdict(ZSTD_createCDict(t.dict.bytes.data(), t.dict.bytes.size(), level));
      if (!cdict || !ddict) Die("cannot create dictionary contexts");
      Tally s, h;
      Run(blobs, level, cdict.get(), ddict.get(), o.reps, &s, &h);
      const std::string name =
          "dict" + std::to_string(t.target / 1024) + "K-L" + std::to_string(level);
      PrintRow(name, "all+dict", Sum(s, h), t.dict.bytes.size());
      PrintRow(name, "train", s, 0);
      PrintRow(name, "held-out", h, 0);
      char buf[256];
      auto it = plain_held.find(level);
      if (it != plain_held.end() && h.blobs > 0) {
        const double saved = static_cast<double>(it->second.stored) - static_cast<double>(h.stored);
        const double per_blob = saved / static_cast<double>(h.blobs);
        if (per_blob > 0) {
          std::snprintf(buf, sizeof buf,
                        "%-14s dict %6zu B, trained in %6.2f s; held-out saves %7.1f B/blob "
                        "(%5.1f%%) vs plain-L%d; break-even %.0f blobs",
                        name.c_str(), t.dict.bytes.size(), t.dict.train_s, per_blob,
                        100.0 * saved / it->second.stored, level,
                        static_cast<double>(t.dict.bytes.size()) / per_blob);
        } else {
          std::snprintf(buf, sizeof buf,
                        "%-14s dict %6zu B, trained in %6.2f s; held-out is %.1f B/blob worse "
                        "than plain-L%d: never breaks even",
                        name.c_str(), t.dict.bytes.size(), t.dict.train_s, -per_blob, level);
        }
        notes.push_back(buf);
      }
    }
  }
  std::printf("\n");
  for (const std::string& n : notes) std::printf("%s\n", n.c_str());
  std::printf("\n");
  return 0;
}
