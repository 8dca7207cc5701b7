#!/usr/bin/python3
# Regenerates fixtures/whisper/ with the reference: Debian's python3-whisper library and scripts, run
# with Debian's python3 and TZ=UTC. Every file records how it was made (README.md, *.ops.json), so the
# core tests can check carbonkit against the reference without Python installed.
#
#   /usr/bin/python3 test/helpers/make_whisper_fixtures.py fixtures/whisper
import json
import os
import random
import shutil
import struct
import subprocess
import sys

import whisper

NOW = 1795600000  # pinned clock (2026-11-25T07:06:40Z)
OUT = sys.argv[1] if len(sys.argv) > 1 else 'fixtures/whisper'


def f2h(v):
    return None if v is None else struct.pack('>d', v).hex()


def script(name, *args):
    env = dict(os.environ, TZ='UTC')
    return subprocess.run(['/usr/bin/python3', '/usr/bin/' + name] + list(args), env=env, capture_output=True,
                          text=True)


def make(name, archives, xff, method, batches, fetches):
    """Create a file, apply update_many batches (each with its own now), record ops and outputs."""
    path = os.path.join(OUT, name + '.wsp')
    whisper.create(path, archives, xff, method)
    ops = {'create': {'archives': archives, 'xFilesFactor': xff, 'aggregationMethod': method}, 'batches': []}
    for now, points in batches:
        whisper.update_many(path, points, now=now)
        ops['batches'].append({'now': now, 'points': [[t, f2h(v)] for t, v in points]})
    with open(os.path.join(OUT, name + '.ops.json'), 'w') as fh:
        json.dump(ops, fh, indent=1)
    # Reads at the pinned clock, with the library.
    results = []
    for (frm, until, select) in fetches:
        r = whisper.fetch(path, frm, until, now=NOW, archiveToSelect=select)
        entry = {'from': frm, 'until': until, 'archiveToSelect': select,
                 'result': None if r is None else {'timeInfo': list(r[0]), 'values': [f2h(v) for v in r[1]]}}
        if r is not None and len(r[1]) != (r[0][1] - r[0][0]) // r[0][2]:
            # whisper's length quirk (file_fetch in whisper.py): also read the window in pieces no longer than the
            # archive, where whisper is right; carbonkit must return their concatenation.
            (start, end, step) = r[0]
            points = [a for a in whisper.info(path)['archives'] if a['secondsPerPoint'] == step][0]['points']
            values = []
            for k in range(0, (end - start) // step, points):
                part = whisper.fetch(path, start + k * step - step, min(start + (k + points) * step, end) - step,
                                     now=NOW, archiveToSelect=select)
                values += [f2h(v) for v in part[1]]
            entry['valuesInPieces'] = values
        results.append(entry)
    with open(os.path.join(OUT, name + '.fetch.json'), 'w') as fh:
        json.dump({'now': NOW, 'fetches': results}, fh, indent=1)
    # The scripts' outputs that do not depend on the clock.
    with open(os.path.join(OUT, name + '.info.json'), 'w') as fh:
        fh.write(script('whisper-info', '--json', path).stdout)
    with open(os.path.join(OUT, name + '.dump.txt'), 'w') as fh:
        fh.write(script('whisper-dump', path).stdout)


def walk(rnd, start, count, step, decimals=2):
    v = rnd.uniform(0, 100)
    out = []
    for i in range(count):
        v += rnd.uniform(-1, 1)
        out.append((start + i * step, round(v, decimals)))
    return out


def main():
    if os.path.isdir(OUT):
        for entry in os.listdir(OUT):
            if entry != 'README.md':
                target = os.path.join(OUT, entry)
                shutil.rmtree(target) if os.path.isdir(target) else os.unlink(target)
    os.makedirs(os.path.join(OUT, 'corrupt'), exist_ok=True)
    rnd = random.Random(1795600000)

    make('empty', [(60, 10), (300, 12)], 0.5, 'average', [], [(NOW - 600, NOW, None)])

    simple_points = [(NOW - 600 + 60 * i, float(i)) for i in range(11)]
    make('simple', [(60, 10), (300, 12)], 0.5, 'average', [(NOW, simple_points)],
         [(NOW - 600, NOW, None), (NOW - 601, NOW, None), (NOW - 120, NOW - 120, None), (NOW, NOW, None),
          (0, NOW - 3600, None), (NOW - 3000, NOW, '1m'), (NOW - 3000, NOW, '5m')])

    # Every aggregation method, with an xFilesFactor that float32 rounding makes interesting.
    for method in ['average', 'sum', 'last', 'max', 'min', 'avg_zero', 'absmax', 'absmin']:
        pts = [(NOW - 10 * i, v) for i, v in enumerate([3.5, -7.25, 0.0, 12.0, -12.0, 1e-7, 2.5, -0.0, 4.0, 9.0,
                                                        -3.0, 3.0, 6.0])]
        make('method-' + method, [(10, 12), (60, 10), (300, 12)], 0.6, method, [(NOW, pts)],
             [(NOW - 120, NOW, None), (NOW - 600, NOW, '1m'), (NOW - 3600, NOW, '5m')])

    # Special values: NaN, infinities, negative zero, tiny and huge numbers.
    specials = [float('nan'), float('inf'), float('-inf'), -0.0, 5e-324, 1.7976931348623157e308, 1e16, 1e-5,
                0.1, 1 / 3, -1e300, 2 ** -51]
    make('specials', [(1, 20), (5, 12)], 0.0, 'max',
         [(NOW, [(NOW - 19 + i, v) for i, v in enumerate(specials)])],
         [(NOW - 20, NOW, None), (NOW - 60, NOW, '5s')])

    # A ring written over many days: wraps, gaps, out-of-order and duplicate points, too-old points.
    batches = []
    now = NOW - 86400 * 3
    for b in range(40):
        now += rnd.randint(600, 9000)
        pts = walk(rnd, now - rnd.randint(0, 7200), rnd.randint(1, 60), 60)
        rnd.shuffle(pts)
        pts += [(pts[0][0], 999.0), (now - 86400 * 40, 1.0), (now + 30, 7.0)]
        batches.append((min(now, NOW), pts))
    make('wrapped', [(60, 120), (600, 144), (3600, 168), (86400, 30)], 0.25, 'average', batches,
         [(NOW - 3600, NOW, None), (NOW - 86400, NOW, None), (NOW - 86400 * 6, NOW, None),
          (NOW - 86400 * 20, NOW - 86400 * 2, None), (NOW - 86400, NOW, '1h'), (NOW - 86400 * 2, NOW, '10m')])

    # Old points written raw into a coarser archive ("last wins", whisper#316).
    make('raw-coarse', [(60, 5), (300, 12)], 0.5, 'sum',
         [(NOW, [(NOW - 900 + 60 * i, float(i + 1)) for i in range(5)] + [(NOW - 60 * i, 1.0) for i in range(5)])],
         [(NOW - 3600, NOW, None), (NOW - 300, NOW, None)])

    # The corruption corpus (what whisper writes, then damaged).
    good = os.path.join(OUT, 'simple.wsp')
    data = open(good, 'rb').read()
    corrupt = {
        'empty-file': b'',
        'short-metadata': data[:10],
        'bad-aggregation-type': struct.pack('!L', 9) + data[4:],
        'nan-xff': data[:8] + struct.pack('!f', float('nan')) + data[12:],
        'xff-above-one': data[:8] + struct.pack('!f', 1.5) + data[12:],
        'short-archive-info': data[:20],
        'archive-count-too-big': data[:12] + struct.pack('!L', 1000) + data[16:],
        'archive-count-zero': data[:12] + struct.pack('!L', 0) + data[16:],
        'truncated-data': data[:len(data) - 30],
        'garbage': bytes(rnd.getrandbits(8) for _ in range(300)),
    }
    for name, content in corrupt.items():
        with open(os.path.join(OUT, 'corrupt', name + '.wsp'), 'wb') as fh:
            fh.write(content)
    errors = {}
    for name in corrupt:
        path = os.path.join(OUT, 'corrupt', name + '.wsp')
        try:
            whisper.info(path)
            errors[name] = None
        except Exception as exc:
            errors[name] = '%s: %s' % (type(exc).__name__, exc)
    with open(os.path.join(OUT, 'corrupt', 'whisper-info-errors.json'), 'w') as fh:
        json.dump(errors, fh, indent=1)

    with open(os.path.join(OUT, 'provenance.json'), 'w') as fh:
        version = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'python3-whisper'], capture_output=True,
                                 text=True).stdout
        json.dump({'python3-whisper': version, 'python': sys.version.split()[0], 'now': NOW, 'TZ': 'UTC',
                   'generator': 'test/helpers/make_whisper_fixtures.py'}, fh, indent=1)


if __name__ == '__main__':
    main()
