#!/usr/bin/env python3
"""End-to-end tests of `swerl fetch` against fault_server.py on 127.0.0.1.

Run by ctest (swerl_add_py_test) as: python fetch_cli_test.py --swerl PATH.
Every test starts its own server on port 0 with its own temporary directory,
and uses tiny retry delays and timeouts so the suite stays fast.
"""

import fcntl
import gzip
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_server import FaultServer  # noqa: E402

SWERL = None
FAST = ["--retry-base-ms", "5", "--timeout", "1", "--connect-timeout", "2", "--seed", "7"]


def _sample_lines():
    """Real GH Archive lines from tests/data when present, else synthetic ones."""
    data_dir = os.environ.get("SWERL_TEST_DATA", "")
    path = os.path.join(data_dir, "gharchive", "2021-07-21-few-hours.json")
    if data_dir and os.path.exists(path):
        with open(path, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if l.strip()]
        if lines:
            return lines
    rng = random.Random(1)
    return [json.dumps({"id": str(10 ** 10 + i), "type": "PushEvent",
                        "repo": {"id": rng.randrange(10 ** 8), "name": "o/r%d" % i},
                        "payload": {"head": "%040x" % rng.getrandbits(160)}}).encode()
            for i in range(400)]


LINES = _sample_lines()


def make_hour(path, seed, n_lines=300):
    """Writes a gzip (one member, like GH Archive) of shuffled event lines."""
    rng = random.Random(seed)
    lines = [rng.choice(LINES) for _ in range(n_lines)]
    # Random filler makes files incompressible enough to span many reads.
    lines.append(json.dumps({"filler": "%x" % rng.getrandbits(8 * 4096)}).encode())
    data = gzip.compress(b"\n".join(lines) + b"\n", compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return data


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class FetchTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="swerl-fetch-test-")
        self.root = os.path.join(self.tmp.name, "root")
        self.dir = os.path.join(self.tmp.name, "hours")
        os.mkdir(self.root)
        self.server = FaultServer(self.root).start()
        self.files = {}

    def tearDown(self):
        self.server.stop()
        self.tmp.cleanup()

    # helpers -------------------------------------------------------------

    def add_hours(self, names, n_lines=300):
        for i, name in enumerate(names):
            self.files[name] = make_hour(os.path.join(self.root, name), hash(name) & 0xFFFF,
                                         n_lines)

    def fetch(self, frm, to, *extra, timeout=60):
        args = [SWERL, "fetch", "--from", frm, "--to", to, "--dir", self.dir,
                "--base-url", self.server.url] + FAST + list(extra)
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout)

    def manifest(self):
        with open(os.path.join(self.dir, "manifest.ndjson")) as f:
            return [json.loads(line) for line in f]

    def entry(self, name):
        matches = [e for e in self.manifest() if e["hour"] == name]
        self.assertEqual(len(matches), 1, matches)
        return matches[0]

    def assert_fetched(self, name):
        path = os.path.join(self.dir, name)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.files[name], name)
        self.assertFalse(os.path.exists(path + ".part"))
        e = self.entry(name)
        self.assertEqual(e["status"], "ok")
        self.assertEqual(e["bytes"], len(self.files[name]))
        self.assertEqual(e["sha256"], sha256(self.files[name]))

    def assert_exit(self, r, code):
        self.assertEqual(r.returncode, code, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))

    # tests ---------------------------------------------------------------

    def test_names_manifest_and_summary(self):
        names = ["2024-02-28-%d.json.gz" % h for h in (8, 9, 10, 11)]
        self.add_hours(names)
        r = self.fetch("2024-02-28T08", "2024-02-28T11", "-j", "3")
        self.assert_exit(r, 0)
        self.assertEqual(r.stdout, "")
        # GH Archive names: the hour is never zero padded.
        got = sorted(r["name"] for r in self.server.requests())
        self.assertEqual(got, sorted(names))
        for name in names:
            self.assert_fetched(name)
        m = self.manifest()
        # Compacted: one line per hour in time order (9 before 10, unlike a string sort).
        self.assertEqual([e["hour"] for e in m], names)
        e = m[0]
        self.assertEqual(list(e.keys()), ["hour", "status", "bytes", "sha256", "attempts", "etag",
                                          "last_modified", "last_error", "url"])
        self.assertEqual(e["attempts"], 1)
        self.assertIsNone(e["last_error"])
        self.assertEqual(e["etag"], '"%s"' % hashlib.md5(self.files[names[0]]).hexdigest())
        self.assertTrue(e["last_modified"].endswith("GMT"))
        self.assertEqual(e["url"], self.server.url + "/" + names[0])
        self.assertRegex(r.stderr, r"swerl fetch: 4 hours: 4 ok \(\d+(\.\d)? kB\), 0 missing, "
                                   r"0 skipped, 0 failed in \d+\.\d s\n$")
        self.assertEqual(sorted(os.listdir(self.dir)),
                         sorted(names + ["manifest.ndjson", ".swerl-fetch.lock"]))

    def test_zero_padded_input_forms_and_leap_day(self):
        self.add_hours(["2024-02-29-0.json.gz", "2024-02-29-1.json.gz"])
        r = self.fetch("2024-02-29-0", "2024-02-29T1")
        self.assert_exit(r, 0)
        self.assert_fetched("2024-02-29-0.json.gz")
        self.assert_fetched("2024-02-29-1.json.gz")

    def test_bad_hours_are_usage_errors(self):
        for frm, to, text in [("2023-02-29T00", "2023-03-01T00", "2023-02 has no day 29"),
                              ("2024-01-01T24", "2024-01-02T00", "hour must be 0..23"),
                              ("2024-01-01", "2024-01-02T00", "expected YYYY-MM-DD"),
                              ("2024-01-02T05", "2024-01-02T04", "before --from")]:
            r = self.fetch(frm, to)
            self.assert_exit(r, 2)
            self.assertIn(text, r.stderr)
        self.assertEqual(self.server.requests(), [])

    def test_connection_reuse(self):
        names = ["2024-01-01-%d.json.gz" % h for h in range(5)]
        self.add_hours(names)
        r = self.fetch("2024-01-01T00", "2024-01-01T04", "-j", "1")
        self.assert_exit(r, 0)
        self.assertEqual({q["conn"] for q in self.server.requests()}, {1})

    def test_server_error_then_success(self):
        name = "2024-01-01-0.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"status": 500, "times": 2}]})
        r = self.fetch("2024-01-01T00", "2024-01-01T00", "-v")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        self.assertEqual([q["status"] for q in self.server.requests()], [500, 500, 200])
        e = self.entry(name)
        self.assertEqual(e["attempts"], 3)
        self.assertIn("HTTP 500", e["last_error"])
        self.assertEqual(r.stderr.count("warning: %s: attempt" % name), 2)
        self.assertIn("retrying in", r.stderr)

    def test_retry_warnings_need_verbose(self):
        name = "2024-01-01-0.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"status": 503, "times": 1}]})
        r = self.fetch("2024-01-01T00", "2024-01-01T00")
        self.assert_exit(r, 0)
        self.assertNotIn("warning", r.stderr)

    def test_redirects_are_followed(self):
        name = "2024-01-01-2.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"status": 301, "location": "/%s?moved=1" % name,
                                       "times": 1}]})
        r = self.fetch("2024-01-01T02", "2024-01-01T02")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        self.assertEqual([q["status"] for q in self.server.requests()], [301, 200])
        self.assertEqual(self.entry(name)["attempts"], 1)

    def test_retry_after_is_honoured(self):
        name = "2024-01-01-2.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"status": 429, "retry_after": 1, "times": 1}]})
        r = self.fetch("2024-01-01T02", "2024-01-01T02")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        self.assertEqual([q["status"] for q in reqs], [429, 200])
        self.assertGreaterEqual(reqs[1]["t"] - reqs[0]["t"], 0.9)

    def test_dropped_connection_resumes_with_range(self):
        name = "2024-01-01-3.json.gz"
        self.add_hours([name])
        half = len(self.files[name]) // 2
        self.server.set_rules({name: [{"drop_after": half, "times": 1}]})
        r = self.fetch("2024-01-01T03", "2024-01-01T03")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[1]["range"], "bytes=%d-" % half)
        self.assertEqual(reqs[1]["if_range"], self.entry(name)["etag"])
        self.assertEqual(reqs[1]["status"], 206)
        self.assertEqual(reqs[1]["sent"], len(self.files[name]) - half)

    def test_stall_mid_body_times_out_and_resumes(self):
        name = "2024-01-01-4.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"stall_after": 10000, "stall_seconds": 8, "times": 1}]})
        start = time.monotonic()
        r = self.fetch("2024-01-01T04", "2024-01-01T04")
        self.assert_exit(r, 0)
        self.assertLess(time.monotonic() - start, 4)
        self.assert_fetched(name)
        resumed = [q for q in self.server.requests() if q["range"]]
        self.assertEqual([q["range"] for q in resumed], ["bytes=10000-"])
        self.assertIn("Timeout", self.entry(name)["last_error"])

    def test_slow_headers_time_out(self):
        name = "2024-01-01-5.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"sleep_before": 8, "times": 1}]})
        start = time.monotonic()
        r = self.fetch("2024-01-01T05", "2024-01-01T05")
        self.assert_exit(r, 0)
        self.assertLess(time.monotonic() - start, 4)
        self.assert_fetched(name)
        self.assertEqual(self.entry(name)["attempts"], 2)

    def test_missing_hour_is_recorded_not_retried(self):
        present = "2024-01-01-0.json.gz"
        self.add_hours([present])
        r = self.fetch("2024-01-01T00", "2024-01-01T01", "--stats=json")
        self.assert_exit(r, 0)
        self.assert_fetched(present)
        missing = "2024-01-01-1.json.gz"
        self.assertEqual(len(self.server.requests(missing)), 1)
        e = self.entry(missing)
        self.assertEqual(e["status"], "missing")
        self.assertEqual((e["bytes"], e["sha256"], e["last_error"]), (0, None, None))
        self.assertFalse(os.path.exists(os.path.join(self.dir, missing)))
        self.assertFalse(os.path.exists(os.path.join(self.dir, missing + ".part")))
        self.assertIn("1 ok", r.stderr)
        self.assertIn("1 missing", r.stderr)
        stats = json.loads(r.stderr.strip().splitlines()[-1])
        self.assertEqual((stats["hours"], stats["ok"], stats["missing"], stats["failed"]),
                         (2, 1, 1, 0))

    def test_too_large_content_length_is_retried(self):
        name = "2024-01-01-6.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"extra_length": 1000, "times": 1}]})
        r = self.fetch("2024-01-01T06", "2024-01-01T06")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        # The whole file arrived, short of the announced length: the resume
        # asks past the end, and the 416 names the true length, which the
        # part already has, so it is verified instead of fetched again.
        self.assertEqual([q["status"] for q in reqs], [200, 416])
        self.assertEqual(self.entry(name)["attempts"], 2)
        self.assertIn("partial file", self.entry(name)["last_error"])

    def test_ignored_range_restarts_cleanly(self):
        name = "2024-01-01-7.json.gz"
        self.add_hours([name])
        os.makedirs(self.dir)
        garbage = b"\0garbage that must not survive" * 100
        with open(os.path.join(self.dir, name + ".part"), "wb") as f:
            f.write(garbage)
        self.server.set_rules({name: [{"ignore_range": True}]})
        r = self.fetch("2024-01-01T07", "2024-01-01T07", "-v")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["range"], "bytes=%d-" % len(garbage))
        self.assertEqual(reqs[0]["status"], 200)
        self.assertIn("starting over", r.stderr)

    def test_partial_file_resumes_byte_identical(self):
        name = "2024-01-01-8.json.gz"
        self.add_hours([name])
        os.makedirs(self.dir)
        cut = len(self.files[name]) // 3
        with open(os.path.join(self.dir, name + ".part"), "wb") as f:
            f.write(self.files[name][:cut])
        r = self.fetch("2024-01-01T08", "2024-01-01T08")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["range"], "bytes=%d-" % cut)
        self.assertEqual(reqs[0]["status"], 206)
        self.assertEqual(reqs[0]["sent"], len(self.files[name]) - cut)

    def test_complete_part_is_verified_without_download(self):
        name = "2024-01-01-9.json.gz"
        self.add_hours([name])
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, name + ".part"), "wb") as f:
            f.write(self.files[name])
        r = self.fetch("2024-01-01T09", "2024-01-01T09")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        self.assertEqual([q["status"] for q in self.server.requests()], [416])

    def test_oversized_part_restarts_from_zero(self):
        name = "2024-01-01-10.json.gz"
        self.add_hours([name])
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, name + ".part"), "wb") as f:
            f.write(self.files[name] + b"junk")
        r = self.fetch("2024-01-01T10", "2024-01-01T10")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        self.assertEqual([q["status"] for q in reqs], [416, 200])
        self.assertIsNone(reqs[1]["range"])

    def test_corrupt_gzip_is_refetched(self):
        name = "2024-01-01-11.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"corrupt": True, "times": 1}]})
        r = self.fetch("2024-01-01T11", "2024-01-01T11")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        reqs = self.server.requests()
        self.assertEqual(len(reqs), 2)
        self.assertIsNone(reqs[1]["range"])  # the corrupt part was discarded
        self.assertIn("corrupt gzip", self.entry(name)["last_error"])

    def test_persistent_failure_exits_2_and_leaves_no_file(self):
        good, bad = "2024-01-01-12.json.gz", "2024-01-01-13.json.gz"
        self.add_hours([good, bad])
        self.server.set_rules({bad: [{"status": 503}]})
        r = self.fetch("2024-01-01T12", "2024-01-01T13", "--retries", "2")
        self.assert_exit(r, 2)
        self.assert_fetched(good)
        self.assertRegex(r.stderr, r"error: %s failed: .*HTTP 503" % bad.replace(".", r"\."))
        self.assertIn("1 failed", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, bad)))
        self.assertEqual(len(self.server.requests(bad)), 3)
        e = self.entry(bad)
        self.assertEqual((e["status"], e["attempts"], e["sha256"]), ("failed", 3, None))
        self.assertIn("giving up after 3 attempts", e["last_error"])

    def test_persistently_corrupt_file_never_lands(self):
        name = "2024-01-01-14.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"corrupt": True}]})
        r = self.fetch("2024-01-01T14", "2024-01-01T14", "--retries", "1")
        self.assert_exit(r, 2)
        self.assertEqual(sorted(os.listdir(self.dir)), [".swerl-fetch.lock", "manifest.ndjson"])
        self.assertEqual(self.entry(name)["status"], "failed")

    def test_existing_hours_are_skipped(self):
        names = ["2024-01-01-%d.json.gz" % h for h in (15, 16, 17)]
        self.add_hours(names)
        self.assert_exit(self.fetch("2024-01-01T15", "2024-01-01T16"), 0)
        before = self.manifest()
        # A file placed by hand (or a crash after the rename) gets hashed in.
        os.link(os.path.join(self.root, names[2]), os.path.join(self.dir, names[2]))
        n_requests = len(self.server.requests())
        r = self.fetch("2024-01-01T15", "2024-01-01T17")
        self.assert_exit(r, 0)
        self.assertEqual(len(self.server.requests()), n_requests)
        self.assertIn("0 ok (0 B), 0 missing, 3 skipped, 0 failed", r.stderr)
        after = self.manifest()
        self.assertEqual(after[:2], before)
        self.assertEqual(after[2]["hour"], names[2])
        self.assertEqual(after[2]["sha256"], sha256(self.files[names[2]]))
        self.assertEqual(after[2]["attempts"], 0)

    def test_failed_entry_is_replaced_when_the_file_is_present(self):
        # A crash between the rename and the manifest line can leave an older
        # "failed" line for a file that is in place: a rerun hashes it in.
        name = "2024-01-01-18.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"status": 503}]})
        self.assert_exit(self.fetch("2024-01-01T18", "2024-01-01T18"), 2)
        self.assertEqual(self.entry(name)["status"], "failed")
        os.link(os.path.join(self.root, name), os.path.join(self.dir, name))
        r = self.fetch("2024-01-01T18", "2024-01-01T18")
        self.assert_exit(r, 0)
        e = self.entry(name)
        self.assertEqual(e["status"], "ok")
        self.assertEqual(e["sha256"], sha256(self.files[name]))

    def test_empty_206_without_content_range_restarts(self):
        name = "2024-01-01-19.json.gz"
        self.add_hours([name])
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, name + ".part"), "wb") as f:
            f.write(self.files[name][:1000])
        self.server.set_rules({name: [{"empty_206": True, "when": "range", "times": 1}]})
        r = self.fetch("2024-01-01T19", "2024-01-01T19")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        statuses = [q["status"] for q in self.server.requests()]
        self.assertEqual(statuses[0], 206)
        self.assertEqual(statuses[-1], 200)

    def test_error_page_etag_is_not_recorded(self):
        name = "2024-01-01-20.json.gz"
        self.add_hours([name])
        self.server.set_rules({name: [{"status": 500, "etag": '"error-page"', "times": 1}]})
        self.assert_exit(self.fetch("2024-01-01T20", "2024-01-01T20"), 0)
        self.assert_fetched(name)
        self.assertNotEqual(self.entry(name)["etag"], '"error-page"')
        self.assertIsNotNone(self.entry(name)["etag"])

    def test_sigkill_then_rerun_finishes(self):
        name = "2024-01-01-18.json.gz"
        self.add_hours([name], n_lines=600)
        size = len(self.files[name])
        self.server.set_rules({name: [{"throttle": [2048, 0.02], "times": 1}]})
        args = [SWERL, "fetch", "--from", "2024-01-01T18", "--to", "2024-01-01T18",
                "--dir", self.dir, "--base-url", self.server.url] + FAST
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        part = os.path.join(self.dir, name + ".part")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(part) and os.path.getsize(part) >= 8192:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kept = os.path.getsize(part)
        self.assertGreater(kept, 0)
        self.assertLess(kept, size)
        self.assertFalse(os.path.exists(os.path.join(self.dir, name)))
        r = self.fetch("2024-01-01T18", "2024-01-01T18")
        self.assert_exit(r, 0)
        self.assert_fetched(name)
        # (The killed run's request may be logged last: the server notices
        # the dead client only when a write fails.)
        resumed = [q for q in self.server.requests() if q["range"]]
        self.assertEqual(len(resumed), 1)
        last = resumed[0]
        self.assertEqual(last["status"], 206)
        self.assertTrue(last["range"].startswith("bytes="))
        self.assertGreaterEqual(int(last["range"][6:-1]), kept)

    def test_torn_manifest_line_is_survived(self):
        name = "2024-01-01-19.json.gz"
        self.add_hours([name])
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "manifest.ndjson"), "w") as f:
            f.write('{"hour":"2024-01-01-3.json.gz","status":"missing","bytes":0,"sha256":null,'
                    '"attempts":1,"etag":null,"last_modified":null,"last_error":null,"url":"u"}\n'
                    '{"hour":"2024-01-01-2.json.gz","sta')
        r = self.fetch("2024-01-01T19", "2024-01-01T19")
        self.assert_exit(r, 0)
        self.assertEqual([e["hour"] for e in self.manifest()],
                         ["2024-01-01-3.json.gz", name])
        self.assert_fetched(name)

    def test_second_run_in_same_dir_is_refused(self):
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, ".swerl-fetch.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = self.fetch("2024-01-01T00", "2024-01-01T00")
        self.assert_exit(r, 2)
        self.assertIn("another swerl fetch", r.stderr)

    def test_parallel_many_hours_with_mixed_faults(self):
        names = ["2024-01-02-%d.json.gz" % h for h in range(24) if h != 7]
        self.add_hours(names, n_lines=100)
        self.server.set_rules({
            names[0]: [{"status": 502, "times": 1}],
            names[3]: [{"drop_after": 5000, "times": 1}],
            names[5]: [{"corrupt": True, "times": 1}],
            "*": [{"status": 500, "times": 3}],
        })
        r = self.fetch("2024-01-02T00", "2024-01-02T23", "-j", "6")
        self.assert_exit(r, 0)
        for name in names:
            self.assert_fetched(name)
        self.assertEqual(self.entry("2024-01-02-7.json.gz")["status"], "missing")
        self.assertLessEqual(len({q["conn"] for q in self.server.requests()}), 6 + 4)


def main():
    global SWERL
    argv = list(sys.argv)
    if "--swerl" in argv:
        i = argv.index("--swerl")
        SWERL = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    if not SWERL:
        sys.exit("usage: fetch_cli_test.py --swerl PATH [unittest args]")
    unittest.main(argv=argv, verbosity=2)


if __name__ == "__main__":
    main()
