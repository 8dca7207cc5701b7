# graphite-web 1.1.8's /functions answer, computed as its functionInfo means it: the view calls
# inspect.getargspec, which Python 3.11 no longer has (every /functions request answers 500 there),
# so the signature is formatted here from inspect.signature, as formatargspec would have written it.
# Prints {name: info} for every series function as JSON (params as graphite-web's toJSON gives them,
# an infinite default as 1e9999, as graphite-web's encoder means to write it). With --ts, prints
# src/core/functions/catalog.ts instead (the index carbon serve answers from).
import inspect
import json
import math
import os
import sys
import warnings

warnings.simplefilter('ignore')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'graphite.settings')
import django  # noqa: E402

django.setup()
from graphite.functions import SeriesFunctions  # noqa: E402


def signature(name, func):
    params = list(inspect.signature(func).parameters.values())[1:]
    parts = []
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            parts.append('*' + p.name)
        elif p.kind == p.VAR_KEYWORD:
            parts.append('**' + p.name)
        elif p.default is not p.empty:
            parts.append('%s=%r' % (p.name, p.default))
        else:
            parts.append(p.name)
    return '%s(%s)' % (name, ', '.join(parts))


def info(name, func):
    params = getattr(func, 'params', None)
    return {
        'name': name,
        'function': signature(name, func),
        'description': inspect.getdoc(func),
        'module': inspect.getmodule(func).__name__,
        'group': getattr(func, 'group', 'Ungrouped'),
        'params': None if params is None else [p.toJSON() for p in params],
    }


def finite(value):
    if isinstance(value, float) and math.isinf(value):
        return '__INF__' if value > 0 else '__-INF__'
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


out = finite({name: info(name, func) for name, func in SeriesFunctions().items()})
if '--ts' in sys.argv:
    body = json.dumps(out, indent=2).replace('"__INF__"', 'Infinity').replace('"__-INF__"', '-Infinity')
    sys.stdout.write(
        '// Generated from Debian\'s graphite-web 1.1.8 by test/helpers/functions_catalog.py --ts: each\n'
        '// series function as graphite-web\'s /functions describes it (signature, docstring, group,\n'
        '// params). carbon serve lists the ones its engine implements. Do not edit by hand.\n\n'
        'import type { FunctionInfo } from \'./function-info.js\'\n\n'
        'export const CATALOG: Readonly<Record<string, FunctionInfo>> = ' + body + '\n'
    )
else:
    sys.stdout.write(
        json.dumps(out, sort_keys=True).replace('"__INF__"', '1e9999').replace('"__-INF__"', '-1e9999')
    )
