"""The reference side of carbonkit's protocol tests: Debian's graphite-carbon 1.1.7 and Python's pickle.

Reads one JSON request per line on stdin, answers one JSON line on stdout: {"id", "ok", "result"|"error"}.
Carbon's own receiver classes are driven directly (no reactor, no sockets): bytes go into
dataReceived / datagramReceived / stringReceived exactly as Twisted would hand them over, and what
carbon stores (events.metricReceived), logs (log.listener) or sends back (sendString) is captured.

Python values travel as tagged JSON: {"t": "int", "v": "123"}, {"t": "float", "v": "<16 hex digits of
the double>"}, {"t": "str", "v": "..."}, {"t": "bytes", "v": "<hex>"}, {"t": "list", "v": [...]},
{"t": "dict", "v": [[k, v], ...]}, ...
"""

import json
import pickle
import resource
import struct
import sys
import time
import traceback

from carbon import events, log, protocols
from carbon.util import get_unpickler

# Debug-level logs would go to stdout and corrupt the protocol.
log.debugEnabled = False

# Hostile pickles make CPython allocate what they ask for (LONG_BINPUT 2**31 sizes the memo to 16 GiB):
# cap the address space so that this is a quick MemoryError, not a machine swapping for minutes.
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def f2h(x):
    return struct.pack(">d", x).hex()


def h2f(h):
    return struct.unpack(">d", bytes.fromhex(h))[0]


def enc(v):
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": f2h(v)}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, bytearray):
        return {"t": "bytearray", "v": bytes(v).hex()}
    if isinstance(v, bytes):
        return {"t": "bytes", "v": v.hex()}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [enc(x) for x in v]}
    if isinstance(v, list):
        return {"t": "list", "v": [enc(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[enc(k), enc(x)] for k, x in v.items()]}
    if isinstance(v, frozenset):
        return {"t": "frozenset", "v": [enc(x) for x in v]}
    if isinstance(v, set):
        return {"t": "set", "v": [enc(x) for x in v]}
    raise TypeError("cannot encode %r" % type(v))


def dec(j):
    t = j["t"]
    v = j.get("v")
    if t == "none":
        return None
    if t == "bool":
        return v
    if t == "int":
        return int(v)
    if t == "float":
        return h2f(v)
    if t == "str":
        return v
    if t == "bytes":
        return bytes.fromhex(v)
    if t == "bytearray":
        return bytearray.fromhex(v)
    if t == "tuple":
        return tuple(dec(x) for x in v)
    if t == "list":
        return [dec(x) for x in v]
    if t == "dict":
        return {dec(k): dec(x) for k, x in v}
    if t == "frozenset":
        return frozenset(dec(x) for x in v)
    if t == "set":
        return {dec(x) for x in v}
    raise TypeError(t)


class Capture:
    """Stands in for carbon's pipeline and logs while one receiver runs."""

    def __init__(self, now):
        self.points = []
        self.logs = []
        self.now = now

    def __enter__(self):
        self.saved = (events.metricReceived, log.listener, time.time)
        events.metricReceived = lambda metric, dp: self.points.append(
            [metric if isinstance(metric, str) else metric.decode("utf-8", "replace"), f2h(float(dp[0])), f2h(float(dp[1]))]
        )
        log.listener = lambda message: self.logs.append(message)
        time.time = lambda: self.now
        return self

    def __exit__(self, *exc):
        events.metricReceived, log.listener, time.time = self.saved
        return False


class Transport:
    disconnecting = False

    def __init__(self):
        self.sent = []
        self.lost = False

    def loseConnection(self):
        self.disconnecting = True
        self.lost = True

    def write(self, data):
        self.sent.append(data)

    def writeSequence(self, data):
        self.sent.extend(data)


def receive(proto, feed):
    """Run feed(); an exception escaping the receiver is what makes Twisted drop the connection."""
    try:
        feed()
        return None
    except Exception as e:
        return type(e).__name__


def op_line(a):
    data = bytes.fromhex(a["hex"])
    with Capture(a["now"]) as cap:
        p = protocols.MetricLineReceiver()
        p.peerName = "test"
        p.transport = Transport()
        dropped = None
        pos = 0
        for size in a.get("chunks") or [len(data)]:
            chunk, pos = data[pos : pos + size], pos + size
            dropped = receive(p, lambda: p.dataReceived(chunk))
            if dropped or p.transport.lost:
                break
        invalid = sum(1 for m in cap.logs if m.startswith("invalid line"))
        return {"points": cap.points, "invalid": invalid, "dropped": dropped, "closed": p.transport.lost}


def op_datagram(a):
    with Capture(a["now"]) as cap:
        p = protocols.MetricDatagramReceiver()
        dropped = receive(p, lambda: p.datagramReceived(bytes.fromhex(a["hex"]), ("127.0.0.1", 9)))
        invalid = sum(1 for m in cap.logs if m.startswith("invalid line"))
        return {"points": cap.points, "invalid": invalid, "dropped": dropped}


def op_pickle_batch(a):
    with Capture(a["now"]) as cap:
        p = protocols.MetricPickleReceiver()
        p.peerName = "test"
        p.unpickler = get_unpickler(insecure=False)
        dropped = receive(p, lambda: p.stringReceived(bytes.fromhex(a["hex"])))
        return {
            "points": cap.points,
            "invalidPickle": sum(1 for m in cap.logs if m.startswith("invalid pickle")),
            "shapeErrors": sum(1 for m in cap.logs if m.startswith("Error decoding pickle")),
            "dropped": dropped,
        }


def op_carbonlink(a):
    """CacheManagementHandler with a cache holding a["cache"]: [[metric, [[ts_hex, value_hex], ...]], ...]."""
    from carbon.cache import MetricCache

    cache = MetricCache()
    cache.clear()
    for metric, points in a.get("cache", []):
        for ts, value in points:
            cache.store(metric, (h2f(ts), h2f(value)))
    handler = protocols.CacheManagementHandler()
    handler.peerAddr = "test"
    handler.transport = Transport()
    handler.unpickler = get_unpickler(insecure=False)
    dropped = receive(handler, lambda: handler.stringReceived(bytes.fromhex(a["hex"])))
    sent = b"".join(handler.transport.sent)
    return {"reply": sent[4:].hex() if sent else None, "dropped": dropped}


def op_dumps(a):
    return pickle.dumps(dec(a["value"]), protocol=a["protocol"]).hex()


def op_loads(a):
    """carbon's SafeUnpickler (no globals at all on Python 3, str from Python 2 read as UTF-8)."""
    try:
        return {"value": enc(get_unpickler(insecure=False).loads(bytes.fromhex(a["hex"])))}
    except Exception as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}


def op_float(a):
    out = []
    for text in a["texts"]:
        try:
            out.append(f2h(float(text)))
        except ValueError:
            out.append(None)
    return out


def op_client_format(a):
    """carbon.client.CarbonLineClientProtocol's value formatting, for floats."""
    return [("%.10f" % h2f(h)).rstrip("0").rstrip(".") for h in a["values"]]


def op_evil(a):
    """A pickle that runs a shell command when Python loads it (GLOBAL/STACK_GLOBAL + REDUCE)."""
    import os

    class Evil:
        def __reduce__(self):
            return (os.system, (a["cmd"],))

    return pickle.dumps([Evil()], protocol=a["protocol"]).hex()


def op_unsafe_loads(a):
    """Plain pickle.loads (carbon's USE_INSECURE_UNPICKLER): only for the test's own payloads."""
    pickle.loads(bytes.fromhex(a["hex"]))
    return True


def op_nested(a):
    """A list nested a["depth"] deep, or one that contains itself."""
    if a.get("cycle"):
        v = [1]
        v.append(v)
    else:
        v = []
        for _ in range(a["depth"] - 1):
            v = [v]
    return pickle.dumps(v, protocol=a["protocol"]).hex()


OPS = {
    "evil": op_evil,
    "unsafe_loads": op_unsafe_loads,
    "nested": op_nested,
    "line": op_line,
    "datagram": op_datagram,
    "pickle_batch": op_pickle_batch,
    "carbonlink": op_carbonlink,
    "dumps": op_dumps,
    "loads": op_loads,
    "float": op_float,
    "client_format": op_client_format,
}


def main():
    for raw in sys.stdin:
        request = json.loads(raw)
        try:
            reply = {"id": request["id"], "ok": True, "result": OPS[request["op"]](request.get("args", {}))}
        except Exception as e:
            reply = {
                "id": request["id"],
                "ok": False,
                "error": {"type": type(e).__name__, "message": str(e), "trace": traceback.format_exc()},
            }
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
