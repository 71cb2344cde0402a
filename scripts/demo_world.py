#!/usr/bin/env python3
"""Generates the demo's "sample world", deterministically: small but real git
repositories with the kinds of pull requests GitHub is full of, and the GH
Archive hours that tell of them, so `make demo` can run every stage of the
pipeline offline.

    demo_world.py OUTDIR [--date 2021-07-21] [--first-hour 10]

Writes:
  OUTDIR/git/<owner>/<name>.git  bare repositories with refs/pull/N/head for
                                 every pull request (as GitHub keeps them)
  OUTDIR/hours/<date>-<H>.json.gz  GH Archive hours (Events API objects of
                                 the 2015+ shape, one per line, gzip), three
                                 hours from --first-hour on
  OUTDIR/expected.tsv            repo, number, and what the seed filter
                                 should decide ("kept" or the rule's name):
                                 the demo checks the real run against it

The world (every pull request is merged unless said otherwise):
  acme/textkit  (Python)      bug fixes closing issues (merge commit, squash,
                              rebase merge), a feature without an issue, a
                              Dependabot bump, a lock-file-only update, a
                              README-only fix, a refactor that closes an
                              issue but fixes nothing, a closed unmerged PR
  acme/webcalc  (JavaScript)  bug fixes, a Renovate bump, a docs-only PR
  nimbus/kvstore (Go)         bug fixes, a vendoring PR touching 60 files
  nimbus/rowparse (Rust)      bug fixes, a Cargo.lock update
  orbit/geo     (Python)      bug fixes
  orbit-labs/geo              a fork whose PR repeats one of orbit/geo's
                              (dropped as a duplicate patch)
  django/django, hana/django  a SWE-bench repository and a fork of it
                              (decontaminated)
  Contamination (issue 21), all dropped:
  sharkdp/bat                 a PR whose number is a Multi-SWE-bench instance
                              (benchmark_instance)
  hana/geo-notes              an issue re-reporting SWE-bench Verified's
                              django__django-16485 word for word
                              (benchmark_near_duplicate)
  orbit-labs/geo              a second PR backporting orbit/geo's parse fix
                              with a marker line, opened later (near_duplicate)
  acme/legacy                 a fix closing an issue from 2019, before the
                              demo's --created-after 2020-01-01 (created_window)
  dana/geo-tools              an issue that pastes the fix and was edited to
                              say "Fixed in #2" (the trailer is stripped; the
                              seed is dropped as leaked_fix)
  nimbus/deployer             an issue pasting a DSN with a password (secret)
  freecalc/webcalc            a GPL-3.0 repository: its LICENSE is identified
                              by `swerl license`, outside the default
                              allowlist of permissive licences (license)
  acme/quota                  a one-character fix among long lines: a blank
                              line at the fix site earns almost the whole
                              reward (degenerate_reward)
  ghost/vanished              in the events only: the repository is gone,
                              so cloning it fails and is recorded
Issues are opened in the first hour; pull requests are opened and merged in
the second and third, with comments and push events around them.
"""
import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("outdir")
ap.add_argument("--date", default="2021-07-21")
ap.add_argument("--first-hour", type=int, default=10)
args = ap.parse_args()

rng = random.Random(20210721)
OUT = os.path.abspath(args.outdir)

# ---------------------------------------------------------------- code ---
# Each repository is a dict path -> text. A bug is (path, before, after):
# `before` must occur exactly once in the file, and the fix replaces it.

TEXTKIT = {
    "README.md": "# textkit\n\nSmall text utilities: chunking, slugs, statistics, wrapping.\n\n"
                 "```python\nfrom textkit.slug import slugify\nslugify('Hello World')  # 'hello-world'\n```\n",
    "requirements.txt": "regex==2021.4.4\n",
    "requirements.lock": "".join(f"pkg{i}=={rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)} "
                                 f"--hash=sha256:{rng.getrandbits(256):064x}\n" for i in range(40)),
    "textkit/__init__.py": '"""textkit: small text utilities."""\n__version__ = "1.4.0"\n',
    "textkit/chunks.py": '''"""Splitting sequences into fixed-size pieces."""


def chunk(items, size):
    """Returns consecutive slices of `items`, each `size` long except the last."""
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i:i + size] for i in range(0, len(items) - size + 1, size)]


def pairwise(items):
    """Returns the overlapping pairs (a, b), (b, c), ... of `items`."""
    return list(zip(items, items[1:]))


def flatten(nested):
    """Flattens one level of nesting."""
    out = []
    for part in nested:
        out.extend(part)
    return out
''',
    "textkit/stats.py": '''"""Descriptive statistics over sequences of numbers."""
import math


def mean(values):
    """The arithmetic mean of `values`."""
    return sum(values) / len(values)


def variance(values):
    """The population variance of `values`."""
    m = mean(values)
    return sum((v - m) ** 2 for v in values) / len(values)


def stdev(values):
    """The population standard deviation of `values`."""
    return math.sqrt(variance(values))


def median(values):
    """The median of `values` (the mean of the middle two for even lengths)."""
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
''',
    "textkit/slug.py": '''"""URL slugs from titles."""
import re

_UNSAFE = re.compile(r"[^a-z0-9-]")


def slugify(title):
    """Lower-cases `title` and joins its words with dashes: 'Hello World' -> 'hello-world'."""
    text = title.strip().lower().replace(" ", "-")
    return _UNSAFE.sub("", text)


def unslugify(slug):
    """The words of a slug, capitalized: 'hello-world' -> 'Hello World'."""
    return " ".join(word.capitalize() for word in slug.split("-") if word)
''',
    "textkit/wrap.py": '''"""Shortening and wrapping text for terminals."""


def truncate(text, width, ellipsis="..."):
    """Cuts `text` to at most `width` characters, marking the cut with `ellipsis`."""
    return text[:width - len(ellipsis)] + ellipsis


def wrap(text, width):
    """Splits `text` into lines of at most `width` characters at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines
''',
    "textkit/config.py": '''"""Loading textkit's settings from the environment."""
import os

DEFAULTS = {"width": 80, "ellipsis": "...", "encoding": "utf-8"}


def load(environ=os.environ):
    settings = dict(DEFAULTS)
    if "TEXTKIT_WIDTH" in environ:
        settings["width"] = int(environ["TEXTKIT_WIDTH"])
    if "TEXTKIT_ELLIPSIS" in environ:
        settings["ellipsis"] = environ["TEXTKIT_ELLIPSIS"]
    return settings
''',
    "tests/test_chunks.py": '''from textkit.chunks import chunk, pairwise


def test_chunk_even():
    assert chunk([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]


def test_pairwise():
    assert pairwise("abc") == [("a", "b"), ("b", "c")]
''',
    "tests/test_stats.py": '''from textkit.stats import mean, median


def test_mean():
    assert mean([1, 2, 3]) == 2


def test_median():
    assert median([3, 1, 2]) == 2
''',
    "tests/test_slug.py": '''from textkit.slug import slugify


def test_slugify():
    assert slugify("Hello World") == "hello-world"
''',
}
TEXTKIT_BUGS = [
    dict(path="textkit/chunks.py",
         before="range(0, len(items) - size + 1, size)", after="range(0, len(items), size)",
         test=("tests/test_chunks.py", "\n\ndef test_chunk_keeps_the_last_partial_chunk():\n"
               "    assert chunk([1, 2, 3], 2) == [[1, 2], [3]]\n"),
         issue=("chunk() drops the last partial chunk",
                "`chunk([1, 2, 3], 2)` returns `[[1, 2]]`; the docstring says the last slice may be "
                "shorter, so I expected `[[1, 2], [3]]`. Items silently go missing."),
         pr="Fix chunk() losing the trailing items", merge="merge"),
    dict(path="textkit/stats.py",
         before='    """The arithmetic mean of `values`."""\n    return sum(values) / len(values)',
         after='    """The arithmetic mean of `values`; ValueError when there are none."""\n'
               '    if not values:\n        raise ValueError("mean of an empty sequence")\n'
               '    return sum(values) / len(values)',
         test=("tests/test_stats.py", "\n\ndef test_mean_of_nothing():\n    import pytest\n"
               "    with pytest.raises(ValueError):\n        mean([])\n"),
         issue=("mean([]) crashes with ZeroDivisionError",
                "Calling `textkit.stats.mean([])` raises\n\n```\nTraceback (most recent call last):\n"
                "  File \"stats.py\", line 7, in mean\nZeroDivisionError: division by zero\n```\n\n"
                "An empty input should give a clear error instead."),
         pr="stats: raise ValueError for the mean of an empty sequence", merge="squash"),
    dict(path="textkit/slug.py",
         before='    return _UNSAFE.sub("", text)',
         after='    text = _UNSAFE.sub("", text)\n    return re.sub(r"-{2,}", "-", text).strip("-")',
         test=("tests/test_slug.py", "\n\ndef test_slugify_collapses_dashes():\n"
               "    assert slugify(\"Hello,  World!\") == \"hello-world\"\n"),
         issue=("slugify leaves double dashes",
                "`slugify('Hello,  World!')` gives `hello--world`. Repeated separators should be "
                "collapsed; this is wrong in every URL we generate from titles with punctuation."),
         pr="Collapse repeated dashes in slugify", merge="rebase"),
    dict(path="textkit/wrap.py",
         before='    return text[:width - len(ellipsis)] + ellipsis',
         after='    if len(text) <= width:\n        return text\n'
               '    return text[:width - len(ellipsis)] + ellipsis',
         test=None,
         issue=("truncate() adds an ellipsis to short strings",
                "`truncate('abc', 10)` returns `'abc...'`. Strings that already fit should come "
                "back unchanged; this is a regression since 1.3."),
         pr="Don't truncate text that already fits", merge="merge"),
]

GEO = {
    "README.md": "# geo\n\nPoints, bounding boxes and great-circle distances.\n",
    "geo/__init__.py": "",
    "geo/bbox.py": '''"""Axis-aligned bounding boxes in degrees."""
from dataclasses import dataclass


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    def contains(self, lon, lat):
        """Whether the point lies inside the box or on its border."""
        return self.west < lon < self.east and self.south < lat < self.north

    def union(self, other):
        return BBox(min(self.west, other.west), min(self.south, other.south),
                    max(self.east, other.east), max(self.north, other.north))
''',
    "geo/distance.py": '''"""Great-circle distances."""
import math

EARTH_RADIUS_KM = 6371.0


def haversine(lon1, lat1, lon2, lat2):
    """The great-circle distance in kilometres between two points given in degrees."""
    dlon = lon2 - lon1
    dlat = lat2 - lat1
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
''',
    "geo/parse.py": '''"""Parsing "lon,lat" strings."""


def parse_point(text):
    """Parses "lon,lat" into a (lon, lat) tuple of floats."""
    lon, lat = text.split(",")
    return float(lon), float(lat)


def format_point(lon, lat, digits=5):
    return f"{lon:.{digits}f},{lat:.{digits}f}"
''',
    "tests/test_bbox.py": "from geo.bbox import BBox\n\n\ndef test_inside():\n"
                          "    assert BBox(0, 0, 1, 1).contains(0.5, 0.5)\n",
}
GEO_BUGS = [
    dict(path="geo/bbox.py",
         before="self.west < lon < self.east and self.south < lat < self.north",
         after="self.west <= lon <= self.east and self.south <= lat <= self.north",
         test=("tests/test_bbox.py", "\n\ndef test_border_is_inside():\n"
               "    assert BBox(0, 0, 1, 1).contains(1, 0)\n"),
         issue=("BBox.contains is false for points on the border",
                "The docstring says points on the border are inside, but `BBox(0, 0, 1, 1)"
                ".contains(1, 0)` returns False, which is wrong for tiles that share an edge."),
         pr="Include the border in BBox.contains", merge="squash"),
    dict(path="geo/distance.py",
         before="    dlon = lon2 - lon1\n    dlat = lat2 - lat1\n",
         after="    lon1, lat1, lon2, lat2 = map(math.radians, (lon1, lat1, lon2, lat2))\n"
               "    dlon = lon2 - lon1\n    dlat = lat2 - lat1\n",
         test=None,
         issue=("haversine distances are wrong",
                "Paris to London comes out as 4,000 km. The inputs are degrees but the function "
                "passes them to `math.sin` as if they were radians."),
         pr="Convert degrees to radians in haversine", merge="merge"),
    dict(path="geo/parse.py",
         before='    lon, lat = text.split(",")\n',
         after='    parts = [p.strip() for p in text.split(",")]\n    if len(parts) != 2:\n'
               '        raise ValueError(f"expected \'lon,lat\', got {text!r}")\n    lon, lat = parts\n',
         test=None,
         issue=("parse_point fails on '1.5, 2.5, 3'",
                "Three values raise `ValueError: too many values to unpack` with no hint of "
                "the input; the error message should name the text."),
         pr="Better error for malformed points", merge="rebase"),
]

WEBCALC = {
    "README.md": "# webcalc\n\nMoney formatting, durations and ranges for the browser.\n",
    "package.json": '{\n  "name": "webcalc",\n  "version": "2.1.0",\n  "main": "src/index.js",\n'
                    '  "dependencies": {\n    "lodash": "^4.17.20"\n  }\n}\n',
    "package-lock.json": json.dumps({"name": "webcalc", "lockfileVersion": 2, "packages": {
        f"node_modules/dep{i}": {"version": f"1.{i}.0", "integrity": f"sha512-{rng.getrandbits(200):050x}"}
        for i in range(30)}}, indent=2) + "\n",
    "docs/usage.md": "# Usage\n\nCall `formatMoney(5)` to get `$5.00`.\n",
    "src/index.js": "export { formatMoney } from './format.js';\nexport { parseDuration } from './parse.js';\n"
                    "export { range } from './range.js';\n",
    "src/format.js": '''// Money formatting.

export function formatMoney(amount, symbol = '$') {
  const fixed = amount.toFixed(2);
  return symbol + fixed;
}

export function formatPercent(ratio, digits = 1) {
  return (ratio * 100).toFixed(digits) + '%';
}
''',
    "src/parse.js": '''// Parsing human durations such as "1h30m" into seconds.

const UNITS = { h: 3600, m: 60, s: 1 };

export function parseDuration(text) {
  const match = /^(\\d+)([hms])/.exec(text.trim());
  if (!match) throw new Error(`bad duration: ${text}`);
  return Number(match[1]) * UNITS[match[2]];
}
''',
    "src/range.js": '''// Integer ranges.

export function range(start, end, step = 1) {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  const out = [];
  for (let i = start; i <= end; i += step) out.push(i);
  return out;
}
''',
    "test/format.test.js": "import { formatMoney } from '../src/format.js';\n\n"
                           "test('formats', () => expect(formatMoney(5)).toBe('$5.00'));\n",
}
WEBCALC_BUGS = [
    dict(path="src/format.js",
         before="  const fixed = amount.toFixed(2);\n  return symbol + fixed;",
         after="  const fixed = Math.abs(amount).toFixed(2);\n"
               "  return (amount < 0 ? '-' : '') + symbol + fixed;",
         test=("test/format.test.js", "\ntest('negative amounts', () => "
               "expect(formatMoney(-5)).toBe('-$5.00'));\n"),
         issue=("formatMoney(-5) gives $-5.00",
                "Negative amounts come out as `$-5.00`; accounting reports expect `-$5.00`. "
                "This looks wrong in every invoice with a refund."),
         pr="Fix the sign of negative money amounts", merge="merge"),
    dict(path="src/parse.js",
         before='''  const match = /^(\\d+)([hms])/.exec(text.trim());
  if (!match) throw new Error(`bad duration: ${text}`);
  return Number(match[1]) * UNITS[match[2]];''',
         after='''  const parts = [...text.trim().matchAll(/(\\d+)([hms])/g)];
  if (parts.length === 0) throw new Error(`bad duration: ${text}`);
  return parts.reduce((total, [, n, unit]) => total + Number(n) * UNITS[unit], 0);''',
         test=None,
         issue=("parseDuration ignores everything after the first unit",
                "`parseDuration('1h30m')` returns 3600 instead of 5400: the minutes are "
                "silently dropped. Incorrect timers everywhere."),
         pr="Sum every unit in parseDuration", merge="squash"),
    dict(path="src/range.js",
         before="for (let i = start; i <= end; i += step)",
         after="for (let i = start; i < end; i += step)",
         test=None,
         issue=("range(3) returns four numbers",
                "`range(3)` gives `[0, 1, 2, 3]` but should stop before `end` like Python. "
                "Off by one, breaks pagination."),
         pr="range: make the end exclusive", merge="merge"),
]

KVSTORE = {
    "README.md": "# kvstore\n\nAn in-memory key-value store with expiry.\n",
    "go.mod": "module github.com/nimbus/kvstore\n\ngo 1.16\n",
    "go.sum": "".join(f"github.com/dep/m{i} v1.{i}.0 h1:{rng.getrandbits(160):040x}=\n" for i in range(20)),
    "store/store.go": '''package store

import (
	"sync"
	"time"
)

// Store maps keys to values, each with an optional expiry time.
type Store struct {
	mu      sync.Mutex
	values  map[string]string
	expires map[string]time.Time
	now     func() time.Time
}

// New returns an empty store using the wall clock.
func New() *Store {
	return &Store{values: map[string]string{}, expires: map[string]time.Time{}, now: time.Now}
}

// Set stores value under key; ttl 0 means no expiry.
func (s *Store) Set(key, value string, ttl time.Duration) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = value
	if ttl > 0 {
		s.expires[key] = s.now().Add(ttl)
	}
	return nil
}

// Get returns the value of key, if present and not expired.
func (s *Store) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if expired(s.expires, key, s.now()) {
		delete(s.values, key)
		return "", false
	}
	v, ok := s.values[key]
	return v, ok
}
''',
    "store/ttl.go": '''package store

import "time"

// expired reports whether key has an expiry that is already past at now.
func expired(expires map[string]time.Time, key string, now time.Time) bool {
	at, ok := expires[key]
	return ok && now.Before(at)
}
''',
    "store/keys.go": '''package store

import (
	"errors"
	"strings"
)

// ErrBadKey is returned for keys the store cannot hold.
var ErrBadKey = errors.New("store: bad key")

// ValidateKey rejects keys with whitespace.
func ValidateKey(key string) error {
	if strings.ContainsAny(key, " \\t\\n") {
		return ErrBadKey
	}
	return nil
}
''',
    "store/store_test.go": '''package store

import "testing"

func TestSetGet(t *testing.T) {
	s := New()
	if err := s.Set("a", "1", 0); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("a"); !ok || v != "1" {
		t.Fatalf("got %q %v", v, ok)
	}
}
''',
}
KVSTORE_BUGS = [
    dict(path="store/ttl.go", before="return ok && now.Before(at)", after="return ok && !now.Before(at)",
         test=("store/store_test.go", '''
func TestExpiry(t *testing.T) {
	s := New()
	_ = s.Set("a", "1", -1)
	if _, ok := s.Get("a"); !ok {
		t.Fatal("a key without expiry vanished")
	}
}
'''),
         issue=("Keys with a TTL are never returned",
                "After `Set(\"k\", \"v\", time.Minute)`, `Get(\"k\")` reports the key missing right "
                "away, and keys whose TTL passed are returned. The expiry check is inverted."),
         pr="store: fix the inverted expiry check", merge="merge"),
    dict(path="store/keys.go",
         before="\tif strings.ContainsAny(key, \" \\t\\n\") {",
         after="\tif key == \"\" || strings.ContainsAny(key, \" \\t\\n\") {",
         test=None,
         issue=("Empty keys are accepted",
                "`Set(\"\", \"v\", 0)` succeeds, and later dumps fail with an unexpected error "
                "because the empty key cannot be written."),
         pr="Reject empty keys", merge="squash"),
]

ROWPARSE = {
    "README.md": "# rowparse\n\nParsing and pretty-printing table rows.\n",
    "Cargo.toml": '[package]\nname = "rowparse"\nversion = "0.3.1"\nedition = "2018"\n',
    "Cargo.lock": "".join(f'[[package]]\nname = "dep{i}"\nversion = "0.{i}.1"\n'
                          f'checksum = "{rng.getrandbits(256):064x}"\n\n' for i in range(25)),
    "src/lib.rs": "pub mod values;\npub mod width;\n",
    "src/values.rs": '''//! Typed cell values.

/// Parses a boolean cell.
pub fn parse_bool(cell: &str) -> Option<bool> {
    match cell {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Parses an integer cell, allowing surrounding spaces.
pub fn parse_int(cell: &str) -> Option<i64> {
    cell.trim().parse().ok()
}
''',
    "src/width.rs": '''//! Column widths for aligned output.

/// The display width of a cell.
pub fn cell_width(cell: &str) -> usize {
    cell.len()
}

/// The width of each column over all rows.
pub fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell_width(cell);
            if i == widths.len() {
                widths.push(w);
            } else if w > widths[i] {
                widths[i] = w;
            }
        }
    }
    widths
}
''',
}
ROWPARSE_BUGS = [
    dict(path="src/values.rs",
         before='    match cell {\n        "true" => Some(true),\n        "false" => Some(false),',
         after='    match cell.trim().to_ascii_lowercase().as_str() {\n'
               '        "true" | "yes" | "1" => Some(true),\n        "false" | "no" | "0" => Some(false),',
         test=None,
         issue=("parse_bool fails on TRUE and yes",
                "Spreadsheets export `TRUE`, `Yes` and `1`; `parse_bool` returns None for all of "
                "them, so valid rows are reported as invalid."),
         pr="Accept common spellings in parse_bool", merge="merge"),
    dict(path="src/width.rs", before="    cell.len()\n", after="    cell.chars().count()\n",
         test=None,
         issue=("Columns misaligned with non-ASCII text",
                "A cell with `café` is padded as if it were 5 wide: `cell_width` counts bytes, "
                "not characters. The table output is broken for any accented text."),
         pr="Count characters, not bytes, in cell_width", merge="rebase"),
]

DJANGO = {
    "README.rst": "Django is a high-level Python web framework.\n",
    "django/__init__.py": "VERSION = (3, 2, 0)\n",
    "django/utils/__init__.py": "",
    "django/utils/text.py": '''def capfirst(x):
    """Capitalize the first letter of a string."""
    return x[0].upper() + x[1:]
''',
}
DJANGO_BUGS = [
    dict(path="django/utils/text.py", before="    return x[0].upper() + x[1:]",
         after="    if not x:\n        return x\n    return x[0].upper() + x[1:]", test=None,
         issue=("capfirst crashes on the empty string",
                "`capfirst('')` raises IndexError: string index out of range."),
         pr="Fixed #32000 -- Made capfirst() handle empty strings.", merge="squash"),
]

# A module of long lines where a fix is one character: the reward can hardly
# tell a blank line at the fix site from the fix (degenerate_reward).
LIMITS = {
    "README.md": "# limits\n\nQuota checks for the billing service.\n",
    "limits/__init__.py": "",
    "limits/quota.py": '''"""Quota checks: each plan has a monthly limit per resource kind, and usage at the limit is allowed."""

PLAN_LIMITS = {"free": {"requests": 10000, "storage_mb": 512, "seats": 1, "projects": 3, "webhooks": 2},
               "team": {"requests": 500000, "storage_mb": 51200, "seats": 25, "projects": 100, "webhooks": 50}}


def within_quota(plan_name: str, resource_kind: str, current_usage_this_month: int) -> bool:
    """True when `current_usage_this_month` of `resource_kind` is within the plan's monthly limit, which it may reach."""
    used, cap = current_usage_this_month, PLAN_LIMITS[plan_name][resource_kind]  # the plan's monthly cap for this kind
    return used < cap
''',
}
LIMITS_BUG = dict(
    path="limits/quota.py",
    before="    return used < cap",
    after="    return used <= cap",
    test=None,
    issue=("within_quota is wrong at the limit",
           "The docstring says usage at the limit is allowed, but `within_quota('free', 'seats', 1)` "
           "returns False, so a free user cannot use their one seat."),
    pr="Allow usage at the limit", merge="squash")

def shipped_license(spdx):
    """The text of `spdx` from data/licenses/licenses.txt."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "licenses",
                        "licenses.txt")
    text = open(path, encoding="utf-8").read()
    start = text.index(f"%%license {spdx} ")
    start = text.index("\n", start) + 1
    end = text.find("\n%%license ", start)
    return text[start:end + 1 if end >= 0 else len(text)]


# ------------------------------------------------------------- the git ---

GIT_ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=os.path.join(OUT, ".home"),
               GIT_AUTHOR_NAME="World", GIT_AUTHOR_EMAIL="world@example.com",
               GIT_COMMITTER_NAME="World", GIT_COMMITTER_EMAIL="world@example.com")
clock = [1626861600]  # 2021-07-21T10:00:00Z; every commit a minute later


def git(work, *argv, env=None):
    clock[0] += 60
    e = dict(GIT_ENV, **(env or {}))
    e["GIT_AUTHOR_DATE"] = e["GIT_COMMITTER_DATE"] = f"{clock[0]} +0000"
    r = subprocess.run(["git", "-C", work, *argv], env=e, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"demo_world: git {' '.join(argv)} failed in {work}:\n{r.stderr}")
    return r.stdout.strip()


def write(work, path, text):
    full = os.path.join(work, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def read(work, path):
    with open(os.path.join(work, path), encoding="utf-8") as f:
        return f.read()


def commit_all(work, message, author=None):
    git(work, "add", "-A")
    env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@users.noreply.example"} if author else None
    git(work, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return git(work, "rev-parse", "HEAD")


class Repo:
    """A work tree whose main branch collects merged pull requests."""

    def __init__(self, full_name, repo_id, files):
        self.name, self.id = full_name, repo_id
        self.work = os.path.join(OUT, "work", full_name)
        self.next_number = 1
        self.issues, self.prs = [], []
        os.makedirs(self.work)
        git(self.work, "init", "-q", "-b", "main")
        for path, text in files.items():
            write(self.work, path, text)
        commit_all(self.work, "Initial import")

    def number(self):
        n = self.next_number
        self.next_number += 1
        return n

    def issue(self, title, body, user, created_at=None):
        n = self.number()
        self.issues.append(dict(number=n, title=title, body=body, user=user, created_at=created_at))
        return n

    def pull(self, title, body, user, edits, merge="merge", merged=True, commits=1, expect="kept",
             direct=None, user_type="User", minute=None):
        """A pull request applying `edits` (a function of the work tree) in
        `commits` commits on a branch from main's tip, then merged as `merge`
        says. `direct`, when given, is committed to main while it is open."""
        n = self.number()
        base = git(self.work, "rev-parse", "main")
        branch = f"pr-{n}"
        git(self.work, "checkout", "-q", "-b", branch, base)
        for k in range(commits):
            edits(self.work, k, commits)
            commit_all(self.work, title if k == 0 else f"{title} (part {k + 1})", author=user)
        head = git(self.work, "rev-parse", "HEAD")
        git(self.work, "checkout", "-q", "main")
        if direct:
            direct(self.work)
            commit_all(self.work, "Update the changelog")
        merge_sha = None
        if merged:
            if merge == "merge":
                git(self.work, "merge", "-q", "--no-ff", "-m",
                    f"Merge pull request #{n} from {user}/{branch}\n\n{title}", branch)
            elif merge == "squash":
                git(self.work, "merge", "-q", "--squash", branch)
                commit_all(self.work, f"{title} (#{n})", author=user)
            else:  # rebase: the commits replayed on main, merge_commit_sha the last
                git(self.work, "cherry-pick", "--allow-empty", f"{base}..{branch}")
            merge_sha = git(self.work, "rev-parse", "HEAD")
        git(self.work, "update-ref", f"refs/pull/{n}/head", head)
        git(self.work, "branch", "-q", "-D", branch)
        self.prs.append(dict(number=n, title=title, body=body, user=user, user_type=user_type,
                             base=base, head=head, merged=merged, merge_sha=merge_sha,
                             commits=commits, expect=expect, minute=minute))
        return n

    def bugfix(self, bug, user, expect="kept", body_extra="", issue_created_at=None, minute=None):
        """An issue, and the pull request that fixes it and says so."""
        title, text = bug["issue"]
        issue = self.issue(title, text, rng.choice(USERS), created_at=issue_created_at)

        def edits(work, k, commits):
            if k == 0:
                source = read(work, bug["path"])
                assert source.count(bug["before"]) == 1, (self.name, bug["path"], bug["before"])
                write(work, bug["path"], source.replace(bug["before"], bug["after"]))
            if bug["test"] and k == commits - 1:
                path, addition = bug["test"]
                write(work, path, read(work, path) + addition)

        body = f"Fixes #{issue}.{body_extra}"
        return self.pull(bug["pr"], body, user, edits, merge=bug["merge"],
                         commits=2 if bug["test"] else 1, expect=expect, minute=minute)

    def publish(self):
        bare = os.path.join(OUT, "git", self.name + ".git")
        os.makedirs(os.path.dirname(bare), exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--mirror", self.work, bare], check=True, env=GIT_ENV)
        git(bare, "symbolic-ref", "HEAD", "refs/heads/main")


USERS = ["alice", "bob", "chen", "dana", "emeka", "farah", "goran", "hana"]


def replace_in(path, old, new):
    def edits(work, k, commits):
        source = read(work, path)
        assert old in source, (path, old)
        write(work, path, source.replace(old, new, 1))
    return edits


def append_to(path, text):
    return lambda work, k, commits: write(work, path, read(work, path) + text)


def changelog(work):
    write(work, "CHANGELOG.md", (read(work, "CHANGELOG.md") if os.path.exists(
        os.path.join(work, "CHANGELOG.md")) else "# Changes\n") + f"- entry {clock[0]}\n")


# ----------------------------------------------------------- the world ---

def build_world():
    repos = []

    tk = Repo("acme/textkit", 9100001, TEXTKIT)
    repos.append(tk)
    tk.bugfix(TEXTKIT_BUGS[0], "alice")
    tk.pull("Add a titlecase helper", "Adds `titlecase()` next to `unslugify()`.", "bob",
            append_to("textkit/slug.py", '\n\ndef titlecase(text):\n    """Capitalizes every word."""\n'
                      '    return " ".join(w.capitalize() for w in text.split())\n'),
            expect="no_closing_issue", direct=changelog)
    tk.bugfix(TEXTKIT_BUGS[1], "chen")
    tk.pull("Bump regex from 2021.4.4 to 2021.7.6",
            "Bumps [regex](https://github.com/mrabarnett/mrab-regex) from 2021.4.4 to 2021.7.6.",
            "dependabot[bot]", replace_in("requirements.txt", "2021.4.4", "2021.7.6"),
            user_type="Bot", expect="bot")
    tk.bugfix(TEXTKIT_BUGS[2], "dana")
    tk.pull("Refresh the lock file", "Regenerated with pip-compile.", "emeka",
            replace_in("requirements.lock", "pkg3==", "pkg3==1"), merge="squash", expect="noise")
    docs_issue = tk.issue("README example is broken", "The slugify example prints the wrong "
                          "output; it fails when copied.", "farah")
    tk.pull("Fix the README example", f"Fixes #{docs_issue}", "farah",
            replace_in("README.md", "'hello-world'", "'hello-world'  # a slug"), expect="noise")
    refactor_issue = tk.issue("Config loading is hard to read", "Let's use a table of variables.", "goran")
    tk.pull("Table-driven config loading", f"Closes #{refactor_issue}", "goran",
            replace_in("textkit/config.py",
                       '    if "TEXTKIT_WIDTH" in environ:\n        settings["width"] = int(environ["TEXTKIT_WIDTH"])\n'
                       '    if "TEXTKIT_ELLIPSIS" in environ:\n        settings["ellipsis"] = environ["TEXTKIT_ELLIPSIS"]\n',
                       '    for name, key, cast in (("TEXTKIT_WIDTH", "width", int),\n'
                       '                            ("TEXTKIT_ELLIPSIS", "ellipsis", str)):\n'
                       '        if name in environ:\n            settings[key] = cast(environ[name])\n'),
            expect="no_bugfix_signal")
    tk.pull("WIP: rewrite everything in Rust", "Not ready.", "hana",
            append_to("textkit/chunks.py", "\n# TODO: port\n"), merged=False, expect=None)
    tk.bugfix(TEXTKIT_BUGS[3], "alice")

    wc = Repo("acme/webcalc", 9100002, WEBCALC)
    repos.append(wc)
    wc.bugfix(WEBCALC_BUGS[0], "bob")
    wc.pull("Update dependency lodash to v4.17.21", "This PR contains the following updates: lodash "
            "4.17.20 -> 4.17.21.", "renovate[bot]", replace_in("package.json", "4.17.20", "4.17.21"),
            user_type="Bot", expect="bot")
    wc.bugfix(WEBCALC_BUGS[1], "chen")
    wc.pull("Document formatPercent", "", "dana",
            append_to("docs/usage.md", "\n`formatPercent(0.5)` gives `50.0%`.\n"), expect="noise")
    wc.bugfix(WEBCALC_BUGS[2], "emeka")

    kv = Repo("nimbus/kvstore", 9100003, KVSTORE)
    repos.append(kv)
    kv.bugfix(KVSTORE_BUGS[0], "farah")

    def vendor(work, k, commits):
        for i in range(60):
            write(work, f"vendor/github.com/dep/m{i}/m.go",
                  f"package m{i}\n\n// Version of the vendored module.\nconst Version = \"1.{i}.0\"\n")
    vendor_issue = kv.issue("Builds fail offline", "The CI runners have no network, so the build "
                            "fails fetching modules. Please vendor them.", "goran")
    kv.pull("Vendor the dependencies", f"Fixes #{vendor_issue}", "goran", vendor, expect="too_large")
    kv.bugfix(KVSTORE_BUGS[1], "hana")

    rp = Repo("nimbus/rowparse", 9100004, ROWPARSE)
    repos.append(rp)
    rp.bugfix(ROWPARSE_BUGS[0], "alice")
    rp.pull("cargo update", "Routine dependency refresh.", "bob",
            replace_in("Cargo.lock", 'version = "0.3.1"', 'version = "0.3.2"'), expect="noise")
    rp.bugfix(ROWPARSE_BUGS[1], "chen")

    geo = Repo("orbit/geo", 9100005, GEO)
    repos.append(geo)
    for bug, user in zip(GEO_BUGS, ["dana", "emeka", "farah"]):
        geo.bugfix(bug, user)

    # A fork that repeats orbit/geo's first fix: the same normalized patch.
    fork = Repo("orbit-labs/geo", 9100006, GEO)
    repos.append(fork)
    fork.bugfix(GEO_BUGS[0], "goran", expect="duplicate", body_extra=" Same as upstream.")

    dj = Repo("django/django", 9100007, DJANGO)
    repos.append(dj)
    dj.bugfix(DJANGO_BUGS[0], "hana", expect="decontaminated")

    # A personal fork of it: the same code under another owner.
    djf = Repo("hana/django", 9100008, DJANGO)
    repos.append(djf)
    djf.bugfix(DJANGO_BUGS[0], "hana", expect="decontaminated")

    # Contamination (issue 21). A repository of Multi-SWE-bench whose PR
    # number is one of its instances (sharkdp__bat-1197).
    bat = Repo("sharkdp/bat", 9100009, ROWPARSE)
    repos.append(bat)
    bat.next_number = 1196
    bat.bugfix(ROWPARSE_BUGS[0], "farah", expect="benchmark_instance")
    # An issue that is SWE-bench Verified's django__django-16485, word for
    # word, in another repository.
    notes = Repo("hana/geo-notes", 9100010, GEO)
    repos.append(notes)
    notes.bugfix(dict(GEO_BUGS[1], issue=(
        'floatformat() crashes on "0.00".',
        "Description\n\t\nfrom decimal import Decimal\n"
        "from django.template.defaultfilters import floatformat\nfloatformat('0.00', 0)\n"
        "floatformat(Decimal('0.00'), 0)\nBoth throw ValueError: valid range for prec is "
        "[1, MAX_PREC]")), "hana", expect="benchmark_near_duplicate")
    # The fork backports orbit/geo's parse fix with a marker line, later
    # than the original (opened at minute 50: the originals open by 40).
    fork.bugfix(dict(GEO_BUGS[2], after=GEO_BUGS[2]["after"] + "    # backport\n"), "goran",
                expect="near_duplicate", body_extra=" Backport.", minute=50)
    # A fix whose issue was opened in 2019, before the demo's training
    # cutoff (--created-after 2020-01-01).
    legacy = Repo("acme/legacy", 9100011, TEXTKIT)
    repos.append(legacy)
    legacy.bugfix(TEXTKIT_BUGS[1], "bob", expect="created_window",
                  issue_created_at="2019-05-14T09:00:00Z")
    # An issue whose reporter pasted the fix, later edited to name the PR.
    tools = Repo("dana/geo-tools", 9100012, GEO)
    repos.append(tools)
    tools.bugfix(dict(GEO_BUGS[2], issue=(
        "parse_point fails on extra values",
        "Three values raise ValueError: too many values to unpack. This works for me:\n\n"
        "```python\n" + GEO_BUGS[2]["after"] + "```\n\nReported by Dana <dana.k@example.org>.\n"
        "Fixed in #2.")), "dana",
        expect="leaked_fix")
    # A one-character fix among long lines.
    quota = Repo("acme/quota", 9100013, LIMITS)
    repos.append(quota)
    quota.bugfix(LIMITS_BUG, "emeka", expect="degenerate_reward")
    # An issue that pastes a log line holding a database password.
    deployer = Repo("nimbus/deployer", 9100014, KVSTORE)
    repos.append(deployer)
    title, text = KVSTORE_BUGS[0]["issue"]
    password = "hunter" + "2-prod"  # not a real one; split so scanners pass this file
    # A repository under the GPL (the text shipped in data/licenses/): not in
    # the default allowlist of permissive licences.
    gpl = Repo("freecalc/webcalc", 9100015, dict(WEBCALC, LICENSE=shipped_license("GPL-3.0")))
    repos.append(gpl)
    gpl.bugfix(WEBCALC_BUGS[0], "chen", expect="license")
    deployer.bugfix(dict(KVSTORE_BUGS[0], issue=(title, text + "\n\nSeen with DSN "
                                                  f"postgres://deploy:{password}@db.internal:5432/kv")),
                    "farah", expect="secret")
    return repos


# ----------------------------------------------------------- the events ---

class Events:
    """GH Archive Events API objects, spread over three hours."""

    def __init__(self):
        self.lines = {h: [] for h in range(3)}
        self.next_id = 17300000000
        self.users = {}

    def user(self, login, user_type="User"):
        uid = self.users.setdefault(login, 81000000 + len(self.users))
        return {"login": login, "id": uid, "node_id": f"U_{uid}", "type": user_type,
                "site_admin": False, "url": f"https://api.github.com/users/{login}"}

    @staticmethod
    def stamp(hour, minute):
        return f"{args.date}T{args.first_hour + hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}Z"

    def add(self, hour, at, kind, repo, actor, payload, actor_type="User"):
        self.next_id += 1
        event = {"id": str(self.next_id), "type": kind,
                 "actor": {"id": self.user(actor, actor_type)["id"], "login": actor,
                           "display_login": actor, "gravatar_id": "",
                           "url": f"https://api.github.com/users/{actor}"},
                 "repo": {"id": repo.id, "name": repo.name,
                          "url": f"https://api.github.com/repos/{repo.name}"},
                 "payload": payload, "public": True, "created_at": at}
        owner = repo.name.split("/")[0]
        event["org"] = {"id": 7000000 + repo.id % 1000, "login": owner}
        self.lines[hour].append((at, json.dumps(event, separators=(",", ":"))))

    @staticmethod
    def repo_object(repo):
        return {"id": repo.id, "name": repo.name.split("/")[1], "full_name": repo.name,
                "private": False, "fork": repo.name.startswith("orbit-labs/"),
                "default_branch": "main", "language": None}

    def issue_object(self, repo, issue, state, at):
        return {"url": f"https://api.github.com/repos/{repo.name}/issues/{issue['number']}",
                "id": repo.id * 1000 + issue["number"], "number": issue["number"],
                "title": issue["title"], "user": self.user(issue["user"]), "labels": [],
                "state": state, "locked": False, "comments": 0, "created_at": at, "updated_at": at,
                "closed_at": None, "author_association": "CONTRIBUTOR", "body": issue["body"]}

    def pr_object(self, repo, pr, state, at, opened_at):
        closed = state == "closed"
        return {"url": f"https://api.github.com/repos/{repo.name}/pulls/{pr['number']}",
                "id": repo.id * 1000 + pr["number"], "number": pr["number"], "state": state,
                "locked": False, "title": pr["title"], "user": self.user(pr["user"], pr["user_type"]),
                "body": pr["body"], "created_at": opened_at, "updated_at": at,
                "closed_at": at if closed else None,
                "merged_at": at if closed and pr["merged"] else None,
                "merge_commit_sha": pr["merge_sha"], "draft": False, "labels": [],
                "head": {"label": f"{pr['user']}:pr-{pr['number']}", "ref": f"pr-{pr['number']}",
                         "sha": pr["head"], "user": self.user(pr["user"], pr["user_type"]),
                         "repo": self.repo_object(repo)},
                "base": {"label": f"{repo.name.split('/')[0]}:main", "ref": "main", "sha": pr["base"],
                         "repo": self.repo_object(repo)},
                "author_association": "CONTRIBUTOR", "merged": bool(closed and pr["merged"]),
                "merged_by": self.user("maintainer") if closed and pr["merged"] else None,
                "comments": 1, "review_comments": 0, "commits": pr["commits"], "additions": 3,
                "deletions": 1, "changed_files": 1}

    def write(self, directory):
        os.makedirs(directory, exist_ok=True)
        for hour, lines in self.lines.items():
            lines.sort()
            name = f"{args.date}-{args.first_hour + hour}.json.gz"
            with gzip.GzipFile(os.path.join(directory, name), "wb", mtime=0) as f:
                f.write("".join(line + "\n" for _, line in lines).encode("utf-8"))


def tell(repos):
    ev = Events()
    for repo in repos:
        for issue in repo.issues:
            at = ev.stamp(0, rng.randint(0, 59))
            if issue["created_at"]:
                # An old issue, commented on today (its creation time is its own).
                obj = dict(ev.issue_object(repo, issue, "open", at), created_at=issue["created_at"])
                ev.add(0, at, "IssueCommentEvent", repo, "maintainer",
                       {"action": "created", "issue": obj,
                        "comment": {"id": repo.id * 11 + issue["number"], "user": ev.user("maintainer"),
                                    "created_at": at, "updated_at": at,
                                    "author_association": "OWNER", "body": "Still happens."}})
                continue
            ev.add(0, at, "IssuesEvent", repo, issue["user"],
                   {"action": "opened", "issue": ev.issue_object(repo, issue, "open", at)})
        for pr in repo.prs:
            minute = rng.randint(0, 40)
            if pr["minute"] is not None:
                minute = pr["minute"]
            opened = ev.stamp(1, minute)
            ev.add(1, opened, "PullRequestEvent", repo, pr["user"],
                   {"action": "opened", "number": pr["number"],
                    "pull_request": ev.pr_object(repo, pr, "open", opened, opened)},
                   actor_type=pr["user_type"])
            ev.add(1, ev.stamp(1, minute + 5), "IssueCommentEvent", repo, "maintainer",
                   {"action": "created",
                    "issue": dict(ev.issue_object(repo, pr, "open", opened),
                                  pull_request={"url": "https://api.github.com/repos/x/pulls/1"}),
                    "comment": {"id": repo.id * 7 + pr["number"], "user": ev.user("maintainer"),
                                "created_at": opened, "updated_at": opened,
                                "author_association": "OWNER", "body": "Thanks! Looks good to me."}})
            closed = ev.stamp(2, minute)
            ev.add(2, closed, "PullRequestEvent", repo, "maintainer",
                   {"action": "closed", "number": pr["number"],
                    "pull_request": ev.pr_object(repo, pr, "closed", closed, opened)})
        ev.add(2, ev.stamp(2, 59), "PushEvent", repo, "maintainer",
               {"push_id": 7000000000 + repo.id, "size": 1, "distinct_size": 1, "ref": "refs/heads/main",
                "head": repo.prs[-1]["merge_sha"] or repo.prs[-1]["head"], "before": repo.prs[-1]["base"],
                "commits": []})
    # A repository that has since been deleted: its events remain.
    ghost = type("Ghost", (), {"id": 9100099, "name": "ghost/vanished"})()
    pr = dict(number=4, title="Fix the crash on startup", body="Fixes #3", user="alice",
              user_type="User", base="1" * 40, head="2" * 40, merged=True, merge_sha="3" * 40,
              commits=1)
    closed = ev.stamp(2, 30)
    ev.add(2, closed, "PullRequestEvent", ghost, "alice",
           {"action": "closed", "number": 4,
            "pull_request": ev.pr_object(ghost, pr, "closed", closed, ev.stamp(1, 0))})
    ev.write(os.path.join(OUT, "hours"))


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, ".home"))
    repos = build_world()
    for repo in repos:
        repo.publish()
    tell(repos)
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        for repo in repos:
            for pr in repo.prs:
                if pr["expect"]:
                    f.write(f"{repo.name}\t{pr['number']}\t{pr['expect']}\n")
    shutil.rmtree(os.path.join(OUT, "work"))
    n_prs = sum(len(r.prs) for r in repos)
    print(f"demo_world: {len(repos)} repositories, {n_prs} pull requests, "
          f"{sum(len(r.issues) for r in repos)} issues under {OUT}")


main()
