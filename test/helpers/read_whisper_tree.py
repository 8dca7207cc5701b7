#!/usr/bin/python3
# Read every .wsp under a directory with the reference whisper library and print JSON: for each file
# (path relative to the directory) its archives, aggregation method, xFilesFactor, and the points of
# its finest archive (timestamp, value), as whisper.fetch returns them.
#   usage: read_whisper_tree.py DIR NOW
import json
import os
import sys

import whisper


def main():
    root, now = sys.argv[1], int(sys.argv[2])
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith('.wsp'):
                continue
            path = os.path.join(dirpath, name)
            info = whisper.info(path)
            finest = info['archives'][0]
            (start, _end, step), values = whisper.fetch(path, now - finest['retention'] + finest['secondsPerPoint'], now, now=now)
            points = [[start + i * step, v] for i, v in enumerate(values) if v is not None]
            out[os.path.relpath(path, root)] = {
                'archives': [[a['secondsPerPoint'], a['points']] for a in info['archives']],
                'aggregationMethod': info['aggregationMethod'],
                'xFilesFactor': info['xFilesFactor'],
                'points': points,
            }
    # One string from the C encoder, one write: json.dump encodes in Python, a small write per token.
    sys.stdout.write(json.dumps(out))


main()
