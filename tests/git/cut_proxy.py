#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that misbehaves on purpose, for swerl clone tests.

It forwards each connection to --target-port, but for the first --bad
connections (all when negative) it stops after relaying --cut-after bytes
from the server to the client: with --mode close it closes both sides (a
server dying mid-transfer); with --mode stall it keeps the client connection
open and silent (a server that hangs). Prints "PORT <n>" on stdout once it
listens; runs until killed.
"""
import argparse
import socket
import sys
import threading


def pipe(src, dst, limit, on_limit):
    """Copies src to dst; after `limit` bytes (None: no limit) calls on_limit."""
    sent = 0
    try:
        while True:
            want = 65536 if limit is None else min(65536, limit - sent)
            if want <= 0:
                on_limit()
                return
            data = src.recv(want)
            if not data:
                break
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--cut-after", type=int, default=2048)
    ap.add_argument("--bad", type=int, default=-1)
    ap.add_argument("--mode", choices=["close", "stall"], default="close")
    args = ap.parse_args()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    held = []  # stalled connections stay open until the proxy exits
    count = 0
    while True:
        client, _ = listener.accept()
        count += 1
        bad = args.bad < 0 or count <= args.bad
        server = socket.create_connection(("127.0.0.1", args.target_port))
        limit = args.cut_after if bad else None

        def on_limit(client=client, server=server):
            if args.mode == "stall":
                held.append((client, server))
                threading.Event().wait()  # never relay again
            for s in (client, server):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

        threading.Thread(target=pipe, args=(client, server, None, lambda: None),
                         daemon=True).start()
        threading.Thread(target=pipe, args=(server, client, limit, on_limit),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
