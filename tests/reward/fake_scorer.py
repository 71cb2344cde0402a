#!/usr/bin/env python3
"""A reward command for tests/reward/command_scorer_test.cc.

Speaks `swerl reward`'s line protocol (schemas/records/reward.md): reads one
request {"id", "context", "oracle", "outputs": [...]} per line on stdin and
answers {"id", "results": [{"reward", "error", "files"}, ...]} on stdout --
correctly, or wrongly on purpose:

  count TOKEN        reward = occurrences of TOKEN in each output (a toy task)
  slow SECONDS       `count`'s answers, each after SECONDS
  hang               read a request, never answer
  sleep              never read, never answer
  close-input        close stdin, never answer
  exit STATUS        read a request, exit with STATUS without answering
  exit-after N STATUS  answer N requests, then exit with STATUS
  kill-self          read a request, die by SIGKILL
  garbage            answer with a line that is not JSON
  partial            answer with half a line, then exit 0
  wrong-id           answer with another id
  too-few            one result fewer than outputs
  single-reward      {"id", "reward"} instead of {"id", "results"}
  bad-reward         a result whose reward is a string
  reject             answer as `swerl reward` answers an invalid request it cannot read the id of
  reject-with-id     ... and one whose id it could read (echoed since issue 16)
  twice              answer each request twice
  late-extra         answer, then write one more line 0.2 s later
  bulky              `count`'s answers padded with 256 KiB of blanks inside the
                     object (fills the pipe while the parent is still writing)
  early              answer groups g0 and g1 (2 outputs each) without reading
"""
import json
import os
import signal
import sys
import time


def count_results(request, token):
    return [{"reward": float(o.count(token)), "error": None, "files": []}
            for o in request["outputs"]]


def say(obj, pad=0):
    text = json.dumps(obj)
    if pad:
        text = text[:-1] + " " * pad + "}"
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main():
    mode = sys.argv[1]
    args = sys.argv[2:]
    if mode == "sleep":
        time.sleep(3600)
        return 0
    if mode == "close-input":
        os.close(0)
        time.sleep(3600)
        return 0
    if mode == "early":
        # Answers two groups blindly: the parent has written at most what
        # the pipe holds.
        for rid in ("g0", "g1"):
            say({"id": rid, "results": [{"reward": 1.0}, {"reward": 2.0}]})
        time.sleep(3600)
        return 0
    answered = 0
    for line in sys.stdin:
        request = json.loads(line)
        rid = request["id"]
        outputs = request["outputs"]
        if mode == "count":
            say({"id": rid, "results": count_results(request, args[0])})
        elif mode == "slow":
            time.sleep(float(args[0]))
            say({"id": rid, "results": count_results(request, "x")})
        elif mode == "hang":
            time.sleep(3600)
        elif mode == "exit":
            return int(args[0])
        elif mode == "exit-after":
            if answered == int(args[0]):
                return int(args[1])
            say({"id": rid, "results": count_results(request, "x")})
        elif mode == "kill-self":
            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
        elif mode == "partial":
            sys.stdout.write('{"id": "%s", "res' % rid)
            sys.stdout.flush()
            return 0
        elif mode == "wrong-id":
            say({"id": rid + "-other", "results": count_results(request, "x")})
        elif mode == "too-few":
            say({"id": rid, "results": count_results(request, "x")[:-1]})
        elif mode == "single-reward":
            say({"id": rid, "reward": 1.0, "error": None, "files": []})
        elif mode == "bad-reward":
            results = count_results(request, "x")
            results[-1]["reward"] = "high"
            say({"id": rid, "results": results})
        elif mode == "reject":
            say({"id": None, "reward": None, "error": "invalid request: no thanks"})
        elif mode == "reject-with-id":
            say({"id": rid, "reward": None, "error": "invalid request: not today"})
        elif mode == "twice":
            say({"id": rid, "results": count_results(request, "x")})
            say({"id": rid, "results": count_results(request, "x")})
        elif mode == "late-extra":
            say({"id": rid, "results": count_results(request, "x")})
            time.sleep(0.2)
            say({"id": rid, "results": count_results(request, "x")})
        elif mode == "bulky":
            say({"id": rid, "results": count_results(request, "x")}, pad=256 << 10)
        else:
            sys.stderr.write("fake_scorer: unknown mode %r\n" % mode)
            return 2
        answered += 1
        del outputs
    return 0


if __name__ == "__main__":
    sys.exit(main())
