#!/usr/bin/env python3
"""An HTTP/1.1 file server that injects faults, for testing `swerl fetch`.

Serves the files directly inside --root (GET and HEAD) with Content-Length,
Last-Modified, a strong ETag (MD5 of the content) and byte ranges (206 with
Content-Range, If-Range honoured, 416 past the end). Connections are kept
alive. Missing files get a 404 with a GCS-style NoSuchKey body.

Faults come from rules, per file name ("*" matches every file):

  {"2024-01-01-0.json.gz": [{"status": 500, "times": 2}],
   "*": [{"sleep_before": 3, "times": 1}]}

For each request the first rule that still has uses left (and whose "when"
matches) is spent. Rule keys:

  times         uses before the rule is spent (default: forever)
  when          "range" or "norange": only requests with / without Range
  status        answer this status with a short body instead of the file
  location      with status: send this Location header (redirects)
  retry_after   with status: send this Retry-After header (seconds)
  sleep_before  seconds to wait before the status line
  drop_after    send the real headers, this many body bytes, then close
  stall_after   send this many body bytes, then sleep stall_seconds
  stall_seconds (default 30)
  extra_length  announce a Content-Length this much too large, send the
                real body, then close
  ignore_range  answer a Range request with 200 and the whole file
  corrupt       flip bytes in the middle of the body (same length)
  throttle      [chunk_bytes, seconds]: send the body in slow chunks
  etag          send this ETag instead of the real one (also on status pages)
  empty_206     answer 206 with an empty body and no Content-Range

Use it in-process (FaultServer(root).start(), .set_rules(), .requests()) or
standalone, as the demo does:

  python3 fault_server.py --root DIR --port 0 --port-file F [--rules R.json] [--log L.ndjson]

which writes the bound port to F and serves until killed. A --rules file is
re-read whenever it changes; --log gets one JSON line per request.
"""

import argparse
import email.utils
import hashlib
import http.server
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time

NOT_FOUND_BODY = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code>"
                  b"<Message>The specified key does not exist.</Message></Error>")


class _Rules:
    """Thread-safe rule table; counts uses of each rule."""

    def __init__(self, rules=None, rules_file=None):
        self._lock = threading.Lock()
        self._rules = {}
        self._file = rules_file
        self._mtime = None
        self.set(rules or {})

    def set(self, rules):
        with self._lock:
            self._rules = {name: [dict(r, _used=0) for r in lst] for name, lst in rules.items()}

    def _reload(self):
        if not self._file:
            return
        try:
            mtime = os.stat(self._file).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self._mtime:
            return
        with open(self._file) as f:
            rules = json.load(f)
        self._mtime = mtime
        self.set(rules)

    def take(self, name, has_range):
        """Returns a copy of the rule that applies to this request, or {}."""
        self._reload()
        with self._lock:
            for key in (name, "*"):
                for rule in self._rules.get(key, []):
                    when = rule.get("when")
                    if when == "range" and not has_range or when == "norange" and has_range:
                        continue
                    times = rule.get("times")
                    if times is not None and rule["_used"] >= times:
                        continue
                    rule["_used"] += 1
                    return {k: v for k, v in rule.items() if k != "_used"}
        return {}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault_server/1"

    def setup(self):
        super().setup()
        self.conn_id = next(self.server.conn_ids)

    def log_message(self, fmt, *args):  # quiet: the request log is structured
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _record(self, entry):
        self.server.record(entry)

    def _serve(self, head):
        name = self.path.split("?", 1)[0].lstrip("/")
        range_header = self.headers.get("Range")
        entry = {"method": self.command, "path": self.path, "name": name, "conn": self.conn_id,
                 "range": range_header, "if_range": self.headers.get("If-Range"),
                 "status": None, "sent": 0, "rule": None, "t": time.time()}
        try:
            self._respond(name, range_header, head, entry)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            entry["client_gone"] = True
            self.close_connection = True
        finally:
            self._record(entry)

    def _send_small(self, status, body, entry, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        entry["status"] = status
        if self.command != "HEAD":
            self.wfile.write(body)
            entry["sent"] = len(body)

    def _respond(self, name, range_header, head, entry):
        path = os.path.join(self.server.root, name)
        valid_name = name and "/" not in name and name not in (".", "..")
        rule = self.server.rules.take(name, range_header is not None) if valid_name else {}
        if rule:
            entry["rule"] = rule
        if rule.get("sleep_before"):
            time.sleep(rule["sleep_before"])
        if "status" in rule:
            status = int(rule["status"])
            body = NOT_FOUND_BODY if status == 404 else (
                "injected HTTP %d for %s\n" % (status, name)).encode()
            extra = [(header, str(rule[key])) for key, header in
                     (("location", "Location"), ("retry_after", "Retry-After"),
                      ("etag", "ETag")) if key in rule]
            self._send_small(status, body, entry, extra)
            return
        if not valid_name or not os.path.isfile(path):
            self._send_small(404, NOT_FOUND_BODY, entry)
            return
        if rule.get("empty_206"):
            # A broken server: 206 with no body and no Content-Range.
            self.send_response(206)
            self.send_header("Content-Length", "0")
            self.end_headers()
            entry["status"] = 206
            return

        data, etag, mtime = self.server.load(path)
        etag = rule.get("etag", etag)
        size = len(data)
        start, end = 0, size - 1
        partial = False
        if range_header and not rule.get("ignore_range"):
            if_range = self.headers.get("If-Range")
            if if_range is None or if_range == etag:
                parsed = _parse_range(range_header)
                if parsed is not None:
                    first, last = parsed
                    if first >= size:
                        self._send_small(416, b"", entry, [("Content-Range", "bytes */%d" % size)])
                        return
                    start, end = first, size - 1 if last is None else min(last, size - 1)
                    partial = True
        body = data[start:end + 1]
        if rule.get("corrupt") and body:
            middle = len(body) // 2
            chunk = bytes(b ^ 0x5A for b in body[middle:middle + 64])
            body = body[:middle] + chunk + body[middle + len(chunk):]

        announced = len(body) + int(rule.get("extra_length", 0))
        self.send_response(206 if partial else 200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(announced))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.send_header("Accept-Ranges", "bytes")
        if partial:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        entry["status"] = 206 if partial else 200
        if head:
            return

        limit = len(body)
        if "drop_after" in rule:
            limit = min(limit, int(rule["drop_after"]))
        stall_at = rule.get("stall_after")
        throttle = rule.get("throttle")
        pos = 0
        while pos < limit:
            step = limit - pos
            if throttle:
                step = min(step, int(throttle[0]))
            if stall_at is not None and pos < stall_at:
                step = min(step, int(stall_at) - pos)
            self.wfile.write(body[pos:pos + step])
            pos += step
            entry["sent"] = pos
            if stall_at is not None and pos == stall_at:
                time.sleep(float(rule.get("stall_seconds", 30)))
                stall_at = None
            if throttle and pos < limit:
                time.sleep(float(throttle[1]))
        if limit < len(body) or announced != len(body):
            # The announced length was not (or cannot be) met: hang up.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _parse_range(value):
    """"bytes=N-" or "bytes=N-M" -> (N, M or None); None when unsupported."""
    if not value.startswith("bytes=") or "," in value:
        return None
    first, _, last = value[len("bytes="):].strip().partition("-")
    try:
        first = int(first)
        last = int(last) if last else None
    except ValueError:
        return None
    if last is not None and last < first:
        return None
    return first, last


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, root, rules, log_file):
        super().__init__(addr, _Handler)
        self.root = root
        self.rules = rules
        self.conn_ids = itertools.count(1)
        self._log_file = log_file
        self._lock = threading.Lock()
        self._requests = []
        self._cache = {}

    def load(self, path):
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            with open(path, "rb") as f:
                data = f.read()
            hit = (data, '"%s"' % hashlib.md5(data).hexdigest(), st.st_mtime)
            with self._lock:
                self._cache[key] = hit
        return hit

    def record(self, entry):
        with self._lock:
            self._requests.append(entry)
            if self._log_file:
                with open(self._log_file, "a") as f:
                    f.write(json.dumps(entry, sort_keys=True) + "\n")

    def requests(self):
        with self._lock:
            return list(self._requests)


class FaultServer:
    """The server on a background thread, for tests in the same process."""

    def __init__(self, root, host="127.0.0.1", port=0, rules=None, rules_file=None, log_file=None):
        self._rules = _Rules(rules, rules_file)
        self._server = _Server((host, port), root, self._rules, log_file)
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://%s:%d" % (self._server.server_address[0], self.port)

    def set_rules(self, rules):
        self._rules.set(rules)

    def requests(self, name=None):
        reqs = self._server.requests()
        return [r for r in reqs if name is None or r["name"] == name]

    def start(self):
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever()

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
    p.add_argument("--root", required=True, help="directory whose files are served")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--rules", help="JSON rules file (re-read when it changes)")
    p.add_argument("--log", help="append one JSON line per request here")
    args = p.parse_args(argv)

    server = FaultServer(args.root, args.host, args.port, rules_file=args.rules, log_file=args.log)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % server.port)
        os.replace(tmp, args.port_file)

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
