#!/usr/bin/env python3
"""Reads TensorBoard event files back with the tensorboard package.

Used by tests/trainer/tensorboard_test.cc to check what
trainer/metrics/tensorboard.cc writes, with TensorBoard's own code:

  tb_oracle.py LOGDIR

Prints one JSON object:

  {"files": [{"name": NAME,
              "events": [{"wall_time": T, "step": S, "file_version": V|null,
                          "session_log": STATUS|null, "values": {TAG: VALUE}}]}],
   "scalars": {TAG: [[STEP, VALUE], ...]}}

"files" walks every events.out.tfevents.* file in name order with
TensorBoard's record reader, which checks both masked CRC32Cs of every
record, and parses each record as a tensorboard.Event, which must
serialize back to the same bytes (no unknown fields, canonical order). "scalars" is what TensorBoard's EventAccumulator serves
for the directory (SessionLog START and out-of-order steps purge older
values, as in the UI). Exits 1 with a message on any damaged record.
"""
import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow


def read_file(path):
    reader = pywrap_tensorflow.PyRecordReader_New(path, 0, None)
    events = []
    while True:
        try:
            reader.GetNext()
        except Exception as e:  # errors.OutOfRangeError at the end, DataLossError on damage
            if type(e).__name__ == "OutOfRangeError":
                break
            raise SystemExit("%s: record %d: %s: %s" % (path, len(events), type(e).__name__, e))
        record = reader.record()
        event = event_pb2.Event()
        event.ParseFromString(record)
        # Canonical encoding: protobuf's own serialization gives the same
        # bytes (no unknown fields, field order, proto3 defaults omitted).
        if event.SerializeToString(deterministic=True) != record:
            raise SystemExit("%s: record %d is not the canonical encoding of %s"
                             % (path, len(events), event))
        values = {}
        for v in event.summary.value:
            if v.WhichOneof("value") != "simple_value":
                raise SystemExit("%s: tag %s is not a simple_value" % (path, v.tag))
            values[v.tag] = v.simple_value
        events.append({
            "wall_time": event.wall_time,
            "step": event.step,
            "file_version": event.file_version if event.HasField("file_version") else None,
            "session_log": event.session_log.status if event.HasField("session_log") else None,
            "values": values,
        })
    return events


def main():
    logdir = sys.argv[1]
    names = sorted(n for n in os.listdir(logdir) if "tfevents" in n)
    files = [{"name": n, "events": read_file(os.path.join(logdir, n))} for n in names]
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    scalars = {tag: [[e.step, e.value] for e in acc.Scalars(tag)]
               for tag in acc.Tags()[event_accumulator.SCALARS]}
    json.dump({"files": files, "scalars": scalars}, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
