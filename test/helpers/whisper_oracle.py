#!/usr/bin/python3
# The reference side of carbonkit's differential tests: Debian's python3-whisper, driven over
# JSON Lines on stdin/stdout. Floats cross the pipe as the 16 hex digits of their IEEE-754 bits, so
# NaN, infinities and -0.0 survive exactly. One request per line:
#   {"id": 1, "op": "update_many", "args": {...}}  ->  {"id": 1, "ok": true, "result": ...}
import json
import struct
import sys
import traceback

import whisper


def f2h(v):
    return None if v is None else struct.pack('>d', v).hex()


def h2f(h):
    return struct.unpack('>d', bytes.fromhex(h))[0]


def op_version(a):
    return {'version': getattr(whisper, '__version__', None), 'file': whisper.__file__,
            'python': sys.version.split()[0]}


def op_create(a):
    whisper.LOCK = bool(a.get('lock', False))
    whisper.create(a['path'], [tuple(x) for x in a['archives']], a.get('xFilesFactor'),
                   a.get('aggregationMethod'), a.get('sparse', False), a.get('fallocate', False))


def op_update(a):
    whisper.LOCK = bool(a.get('lock', False))
    ts = a.get('timestamp')
    whisper.update(a['path'], h2f(a['value']), ts, now=a['now'])


def op_update_many(a):
    whisper.LOCK = bool(a.get('lock', False))
    whisper.update_many(a['path'], [(t, h2f(v)) for t, v in a['points']], now=a['now'])


def op_fetch(a):
    r = whisper.fetch(a['path'], a['from'], a.get('until'), now=a['now'],
                      archiveToSelect=a.get('archiveToSelect'))
    if r is None:
        return None
    (start, end, step), values = r
    return {'timeInfo': [start, end, step], 'values': [f2h(v) for v in values]}


def op_info(a):
    info = whisper.info(a['path'])
    if info is None:
        return None
    info['xFilesFactor'] = f2h(info['xFilesFactor'])
    return info


def op_aggregate(a):
    neighbors = [None if v is None else h2f(v) for v in a['neighbors']]
    known = [v for v in neighbors if v is not None]
    return f2h(whisper.aggregate(a['method'], known, neighbors))


def op_parse_retention(a):
    return list(whisper.parseRetentionDef(a['def']))


def op_validate(a):
    whisper.validateArchiveList([tuple(x) for x in a['archives']])


def op_set_aggregation(a):
    whisper.LOCK = bool(a.get('lock', False))
    return whisper.setAggregationMethod(a['path'], a['aggregationMethod'], a.get('xFilesFactor'))


def op_set_xff(a):
    whisper.LOCK = bool(a.get('lock', False))
    return f2h(whisper.setXFilesFactor(a['path'], a['xFilesFactor']))


def op_merge(a):
    whisper.merge(a['from'], a['to'], a.get('timeFrom'), a.get('timeTo'), now=a['now'])


def op_diff(a):
    out = []
    for number, diffs, total in whisper.diff(a['a'], a['b'], a.get('ignoreEmpty', False),
                                             a.get('untilTime'), now=a['now']):
        out.append([number, [[t, f2h(x), f2h(y)] for t, x, y in diffs], total])
    return out


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith('op_')}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            result = OPS[request['op']](request.get('args', {}))
            reply = {'id': request['id'], 'ok': True, 'result': result}
        except Exception as exc:  # the test compares error types and messages
            reply = {'id': request['id'], 'ok': False,
                     'error': {'type': type(exc).__name__, 'message': str(exc),
                               'trace': traceback.format_exc(limit=3)}}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
