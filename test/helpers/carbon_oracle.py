#!/usr/bin/python3
# The reference side of carbonkit's config differential tests: Debian's graphite-carbon driven over
# JSON Lines on stdin/stdout, one request per line:
#   {"id": 1, "op": "schemas", "args": {...}}  ->  {"id": 1, "ok": true, "result": ...}
# Each op calls carbon's own functions (conf.read_config, storage.loadStorageSchemas and
# loadAggregationSchemas, the writer's first-match loops, regexlist.RegexList) the way carbon-cache does.
import json
import os
import re
import struct
import sys
import traceback

from carbon.conf import settings

# carbon.storage computes its file paths from CONF_DIR at import time; each request sets them again.
settings['CONF_DIR'] = '/nonexistent'
settings['LOCAL_DATA_DIR'] = '/nonexistent'

import carbon.storage as storage  # noqa: E402
from carbon import conf, log, state, regexlist  # noqa: E402
from carbon.database import WhisperDatabase  # noqa: E402
from carbon.util import TaggedSeries  # noqa: E402

MESSAGES = []


def capture(kind):
    def record(message, *args, **kwargs):
        MESSAGES.append([kind, str(message)])
    return record


# Carbon logs skipped sections through carbon.log; collect the lines instead of printing them.
log.err = capture('err')
log.msg = capture('msg')
storage.log = log
regexlist.log = log


def f2h(v):
    return None if v is None else struct.pack('>d', v).hex()


def error_of(exc):
    return {'type': type(exc).__name__, 'message': str(exc)}


def op_version(a):
    import carbon
    return {'python': sys.version.split()[0], 'carbon': os.path.dirname(carbon.__file__)}


def op_regex(a):
    out = []
    for pattern in a['patterns']:
        try:
            compiled = re.compile(pattern)
        except Exception as exc:  # re.error, OverflowError, ValueError
            out.append({'error': error_of(exc)})
            continue
        out.append({'matches': [bool(compiled.search(t)) for t in a['texts']]})
    return out


def op_casefix(a):
    from re import _casefix
    return {str(k): list(v) for k, v in _casefix._EXTRA_CASES.items()}


def normalise(metric):
    try:
        return TaggedSeries.parse(metric).path
    except Exception:
        return metric


def op_schemas(a):
    """Load both files as carbon-cache does at startup, then match metrics as the writer does."""
    settings['LOCAL_DATA_DIR'] = a.get('dataDir', '/var/lib/graphite/whisper')
    settings['TAG_HASH_FILENAMES'] = a.get('tagHashFilenames', True)
    state.database = WhisperDatabase(settings)
    storage.STORAGE_SCHEMAS_CONFIG = a['schemas']
    storage.STORAGE_AGGREGATION_CONFIG = a.get('aggregation', '/nonexistent/storage-aggregation.conf')
    del MESSAGES[:]
    result = {}
    try:
        schemas = storage.loadStorageSchemas()
    except BaseException as exc:  # SystemExit, re.error, ZeroDivisionError, configparser errors
        return {'fatal': 'schemas', 'error': error_of(exc), 'messages': list(MESSAGES)}
    try:
        aggregations = storage.loadAggregationSchemas()
    except BaseException as exc:
        return {'fatal': 'aggregation', 'error': error_of(exc), 'messages': list(MESSAGES)}
    result['schemas'] = [
        {'name': s.name, 'pattern': getattr(s, 'pattern', None),
         'archives': [list(x.getTuple()) for x in s.archives]} for s in schemas]
    result['aggregation'] = [
        {'name': s.name, 'pattern': getattr(s, 'pattern', None),
         'xFilesFactor': f2h(s.archives[0]), 'aggregationMethod': s.archives[1]}
        for s in aggregations]
    result['messages'] = list(MESSAGES)
    matches = []
    for metric in a.get('metrics', []):
        name = normalise(metric)
        match = {'normalised': name}
        for index, schema in enumerate(schemas):
            if schema.matches(name):
                match['schema'] = index
                match['archives'] = [list(x.getTuple()) for x in schema.archives]
                break
        for index, schema in enumerate(aggregations):
            if schema.matches(name):
                match['aggregation'] = index
                xff, method = schema.archives
                match['xFilesFactor'] = f2h(0.5 if xff is None else xff)
                match['aggregationMethod'] = 'average' if method is None else method
                break
        match['path'] = state.database.getFilesystemPath(name)
        matches.append(match)
    result['matches'] = matches
    return result


def typed(value):
    if isinstance(value, bool):
        return {'t': 'bool', 'v': value}
    if isinstance(value, int):
        return {'t': 'int', 'v': str(value)}
    if isinstance(value, float):
        return {'t': 'float', 'v': f2h(value)}
    if isinstance(value, str):
        return {'t': 'str', 'v': value}
    if isinstance(value, list):
        return {'t': 'list', 'v': [str(x) for x in value]}
    if value is None:
        return {'t': 'none'}
    return {'t': type(value).__name__, 'v': repr(value)}


def op_settings(a):
    """conf.read_config as carbon-<program> runs it, then the path clean-up of postOptions."""
    saved = dict(os.environ)
    try:
        for key in ('GRAPHITE_ROOT', 'GRAPHITE_CONF_DIR', 'GRAPHITE_STORAGE_DIR'):
            os.environ.pop(key, None)
        os.environ.update(a.get('env', {}))
        # carbon's scripts set GRAPHITE_ROOT to the directory above their bin/ (run_twistd_plugin).
        os.environ['GRAPHITE_ROOT'] = a['root']
        options = {'config': a['config'], 'instance': a.get('instance', 'a'),
                   'pidfile': None, 'logdir': None}
        try:
            result = conf.read_config('carbon-' + a['program'], options)
        except BaseException as exc:
            return {'error': error_of(exc)}

        def cleanpath(path):
            return os.path.normpath(os.path.expanduser(path))
        try:
            for key in ('STORAGE_DIR', 'LOCAL_DATA_DIR', 'WHITELISTS_DIR', 'PID_DIR', 'LOG_DIR', 'pidfile'):
                result[key] = cleanpath(result[key])
        except BaseException as exc:
            return {'error': error_of(exc)}
        return {'settings': {k: typed(v) for k, v in result.items()}}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def op_regexlist(a):
    del MESSAGES[:]
    rl = regexlist.RegexList()
    rl.list_file = a['path']
    try:
        rl.read_list()
    except BaseException as exc:
        return {'error': error_of(exc)}
    return {'patterns': [r.pattern for r in rl.regex_list],
            'contains': [name in rl for name in a.get('names', [])],
            'messages': list(MESSAGES)}


def op_tagged(a):
    out = []
    for metric in a['metrics']:
        try:
            out.append({'path': TaggedSeries.parse(metric).path})
        except Exception as exc:
            out.append({'error': str(exc)})
    return out


OPS = {name[3:]: fn for name, fn in list(globals().items()) if name.startswith('op_')}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            reply = {'id': request['id'], 'ok': True, 'result': OPS[request['op']](request.get('args', {}))}
        except Exception as exc:
            reply = {'id': request['id'], 'ok': False,
                     'error': {'type': type(exc).__name__, 'message': str(exc),
                               'trace': traceback.format_exc(limit=3)}}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
