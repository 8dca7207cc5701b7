#!/usr/bin/python3
# graphite-web's CarbonLink client, as it talks on the wire: each request pickled with the given
# protocol (graphite-web uses pickle.HIGHEST_PROTOCOL: 5 on current Python 3, 2 on Python 2) behind a
# 4-byte big-endian length; each reply read the same way and loaded with graphite-web's restricted
# unpickler (only set, frozenset and the copyreg reconstructor may be named). All requests are sent
# first, then all replies read: pipelined on one connection.
#   usage: carbonlink_client.py PORT PROTOCOL REQUESTS_JSON
#   a request {"raw_hex": "..."} is sent as that body, unpickled.
import io
import json
import pickle
import socket
import struct
import sys

SAFE = {('builtins', 'set'), ('builtins', 'frozenset'), ('builtins', 'object'), ('copyreg', '_reconstructor')}


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in SAFE:
            raise pickle.UnpicklingError('attempting to unpickle unsafe module %s.%s' % (module, name))
        return super().find_class(module, name)


def recv_exactly(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError('connection closed after %d of %d bytes' % (len(data), n))
        data += chunk
    return data


def jsonable(value):
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def main():
    port, protocol, requests = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    out = b''
    for request in requests:
        body = bytes.fromhex(request['raw_hex']) if 'raw_hex' in request else pickle.dumps(request, protocol=protocol)
        out += struct.pack('!L', len(body)) + body
    sock.sendall(out)
    replies = []
    for _ in requests:
        (length,) = struct.unpack('!L', recv_exactly(sock, 4))
        replies.append(jsonable(SafeUnpickler(io.BytesIO(recv_exactly(sock, length))).load()))
    sock.close()
    json.dump(replies, sys.stdout)


main()
