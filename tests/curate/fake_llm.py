"""A stand-in for an OpenAI-compatible chat-completions server (vLLM) on
127.0.0.1, for relevant_cli_test.

Usage: fake_llm.py --reply TEXT --log FILE [--mode ok|fail-once|slow]

Prints "PORT <n>" on stdout once listening. Every POST .../chat/completions
is appended to FILE as one JSON line {"path", "authorization", "body"} and
answered with a completion whose message content is TEXT. Modes:
  ok         always answer
  fail-once  answer the first request with HTTP 500, the rest normally
  slow       sleep 5 s before answering (longer than the client's timeout)
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reply", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", default="ok", choices=["ok", "fail-once", "slow"])
    args = ap.parse_args()
    lock = threading.Lock()
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *unused):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            with lock:
                state["requests"] += 1
                n = state["requests"]
                with open(args.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"path": self.path,
                                        "authorization": self.headers.get("Authorization"),
                                        "body": json.loads(body)}) + "\n")
            if args.mode == "slow":
                time.sleep(5)
            if not self.path.endswith("/chat/completions"):
                self.reply(404, {"error": "not found"})
            elif args.mode == "fail-once" and n == 1:
                self.reply(500, {"error": "overloaded"})
            else:
                self.reply(200, {
                    "id": "cmpl-%d" % n, "object": "chat.completion", "model": "fake",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": args.reply}}],
                })

        def reply(self, status, obj):
            data = json.dumps(obj).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
