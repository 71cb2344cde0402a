#!/usr/bin/env python3
"""A GitHub-shaped REST API server that injects faults, for testing `swerl enrich`.

Serves JSON files from --root by path: GET /repos/o/r/pulls/5 answers
<root>/repos/o/r/pulls/5.json, GET /repos/o/r/issues/5/comments answers
<root>/repos/o/r/issues/5/comments.json. A file holding a JSON array is a
list: it is paginated with ?per_page (capped at --max-per-page, default 100
like GitHub) and ?page, with a Link header (rel="next", "last", "prev",
"first") as GitHub sends it. Every response has a weak ETag (W/"md5"); a
matching If-None-Match answers 304 (with the ETag and the Link header).
Missing files answer 404 {"message": "Not Found", ...}. Every response
carries x-ratelimit-limit/remaining/used/reset/resource headers.

Faults come from rules per path ("*" matches every path):

  {"/repos/o/r/pulls/8": [{"rate_limit": 2, "times": 1}],
   "*": [{"status": 500, "times": 1}]}

For each request the first rule with uses left is spent. Rule keys:

  times         uses before the rule is spent (default: forever)
  status        answer this status with a GitHub-style error body
  retry_after   with status: send Retry-After (seconds); a 403 says
                "You have exceeded a secondary rate limit"
  rate_limit    N: answer 403 "API rate limit exceeded" with
                x-ratelimit-remaining: 0 and a reset N seconds ahead
  sleep_before  seconds to wait before answering (a slow response)
  drop          close the connection without answering

Use it in-process (GithubServer(root).start(), .set_rules(), .requests()) or
standalone:

  python3 github_server.py --root DIR --port 0 --port-file F [--rules R.json] [--log L.ndjson]

which writes the bound port to F and serves until killed. --log gets one JSON
line per request: time, method, path, query, status, whether an
Authorization header came (and the SHA-256 of its value, never the value),
If-None-Match, User-Agent, Accept and X-GitHub-Api-Version.
"""

import argparse
import hashlib
import http.server
import json
import math
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse

DOCS = "https://docs.github.com/rest"


class _Rules:
    """Thread-safe rule table; counts uses of each rule."""

    def __init__(self, rules=None, rules_file=None):
        self._lock = threading.Lock()
        self._file = rules_file
        self._mtime = None
        self._rules = {}
        self.set(rules or {})

    def set(self, rules):
        with self._lock:
            self._rules = {p: [dict(r, _used=0) for r in lst] for p, lst in rules.items()}

    def _reload(self):
        if not self._file:
            return
        try:
            mtime = os.stat(self._file).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self._mtime:
            self._mtime = mtime
            with open(self._file) as f:
                rules = json.load(f)
            self._rules = {p: [dict(r, _used=0) for r in lst] for p, lst in rules.items()}

    def take(self, path):
        with self._lock:
            self._reload()
            for key in (path, "*"):
                for rule in self._rules.get(key, []):
                    times = rule.get("times")
                    if times is None or rule["_used"] < times:
                        rule["_used"] += 1
                        return rule
        return None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        srv = self.server
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization")
        entry = {
            "t": time.time(),
            "method": "GET",
            "path": url.path,
            "query": url.query,
            "auth": auth is not None,
            "auth_sha256": hashlib.sha256(auth.encode()).hexdigest() if auth else None,
            "if_none_match": self.headers.get("If-None-Match"),
            "user_agent": self.headers.get("User-Agent"),
            "accept": self.headers.get("Accept"),
            "api_version": self.headers.get("X-GitHub-Api-Version"),
        }
        rule = srv.rules.take(url.path) or {}
        if rule.get("sleep_before"):
            time.sleep(rule["sleep_before"])
        if rule.get("drop"):
            entry["status"] = "dropped"
            srv.record(entry)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, headers, body = self._answer(url.path, query, rule)
        entry["status"] = status
        srv.record(entry)
        try:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _rate_headers(self, remaining=None, reset_in=3600):
        srv = self.server
        with srv.lock:
            if remaining is None:
                srv.remaining = max(srv.remaining - 1, 0)
                remaining = srv.remaining
        reset = int(math.ceil(time.time() + reset_in))
        return [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", str(remaining)),
                ("x-ratelimit-used", str(5000 - remaining)), ("x-ratelimit-reset", str(reset)),
                ("x-ratelimit-resource", "core")]

    def _error(self, status, message, headers=()):
        body = json.dumps({"message": message, "documentation_url": DOCS,
                           "status": str(status)}).encode()
        return status, [("Content-Type", "application/json; charset=utf-8")] + list(headers), body

    def _answer(self, path, query, rule):
        if "rate_limit" in rule:
            return self._error(403, "API rate limit exceeded for user ID 1. If you reach out to "
                               "GitHub Support for help, please include the request ID.",
                               self._rate_headers(remaining=0, reset_in=rule["rate_limit"]))
        if "status" in rule:
            status = rule["status"]
            headers = self._rate_headers()
            if "retry_after" in rule:
                headers.append(("Retry-After", str(rule["retry_after"])))
                message = "You have exceeded a secondary rate limit. Please wait a few minutes " \
                          "before you try again."
            else:
                message = {404: "Not Found", 500: "Server Error"}.get(status, "Error")
            return self._error(status, message, headers)
        rel = path.lstrip("/")
        file = os.path.join(self.server.root, rel + ".json")
        if ".." in rel.split("/") or not os.path.isfile(file):
            return self._error(404, "Not Found", self._rate_headers())
        with open(file, "rb") as f:
            data = json.load(f)
        link = None
        if isinstance(data, list):
            per_page = min(int(query.get("per_page", ["30"])[0]), self.server.max_per_page)
            page = max(int(query.get("page", ["1"])[0]), 1)
            last = max(1, (len(data) + per_page - 1) // per_page)
            chunk = data[(page - 1) * per_page:page * per_page]
            host = self.headers.get("Host", "127.0.0.1")

            def page_url(n):
                return "<http://%s%s?per_page=%d&page=%d>" % (host, path, per_page, n)

            links = []
            if page < last:
                links += [page_url(page + 1) + '; rel="next"', page_url(last) + '; rel="last"']
            if page > 1:
                links += [page_url(page - 1) + '; rel="prev"', page_url(1) + '; rel="first"']
            link = ", ".join(links) or None
            data = chunk
        body = json.dumps(data, ensure_ascii=False).encode()
        etag = 'W/"%s"' % hashlib.md5(body).hexdigest()
        headers = [("ETag", etag), ("Cache-Control", "private, max-age=60, s-maxage=60"),
                   ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
                   ("X-GitHub-Media-Type", "github.v3; format=json")]
        if link:
            headers.append(("Link", link))
        inm = self.headers.get("If-None-Match")
        if inm and etag in [t.strip() for t in inm.split(",")]:
            return 304, headers + self._rate_headers(), b""
        headers.append(("Content-Type", "application/json; charset=utf-8"))
        return 200, headers + self._rate_headers(), body


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, root, rules, log_file, max_per_page):
        super().__init__(addr, _Handler)
        self.root = root
        self.rules = rules
        self.max_per_page = max_per_page
        self.lock = threading.Lock()
        self.remaining = 5000
        self._log = []
        self._log_file = log_file

    def record(self, entry):
        with self.lock:
            self._log.append(entry)
            if self._log_file:
                with open(self._log_file, "a") as f:
                    f.write(json.dumps(entry) + "\n")

    def requests(self):
        with self.lock:
            return list(self._log)


class GithubServer:
    """The server on a background thread, for tests in the same process."""

    def __init__(self, root, host="127.0.0.1", port=0, rules=None, rules_file=None,
                 log_file=None, max_per_page=100):
        self._server = _Server((host, port), root, _Rules(rules, rules_file), log_file,
                               max_per_page)
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def set_rules(self, rules):
        self._server.rules.set(rules)

    def requests(self, path=None):
        return [r for r in self._server.requests() if path is None or r["path"] == path]

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True, help="directory of <path>.json files")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--rules", help="JSON rules file (re-read when it changes)")
    p.add_argument("--log", help="append one JSON line per request here")
    p.add_argument("--max-per-page", type=int, default=100)
    args = p.parse_args(argv)
    server = GithubServer(args.root, args.host, args.port, rules_file=args.rules,
                          log_file=args.log, max_per_page=args.max_per_page)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % server.port)
        os.replace(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server._server.serve_forever()


if __name__ == "__main__":
    main()
