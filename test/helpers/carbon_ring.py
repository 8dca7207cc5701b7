"""carbon-relay's own routing, for the `carbon ring --config` differential test.

Usage: carbon_ring.py CARBON_CONF < names   (one name per line)
Reads the [relay] section as carbon's Settings.readFrom does, builds carbon.routers'
ConsistentHashingRouter with carbon.util.parseDestinations, normalises names as RelayProcessor does
when TAG_RELAY_NORMALIZED, and prints one JSON array of "host:port[=instance]" per name.
"""
import json
import sys

from carbon.conf import Settings
from carbon.routers import ConsistentHashingRouter
from carbon.util import parseDestinations
from carbon.util import TaggedSeries


def label(server, port, instance):
    host = '[%s]' % server if ':' in server else server
    text = '%s:%d' % (host, port)
    return text if instance is None else '%s=%s' % (text, instance)


def main():
    settings = Settings()
    settings.readFrom(sys.argv[1], 'relay')
    router = ConsistentHashingRouter(settings)
    for destination in parseDestinations(settings.DESTINATIONS):
        router.addDestination(destination)
    out = []
    for line in sys.stdin.buffer.read().decode('utf-8').split('\n')[:-1]:
        metric = line
        if settings.TAG_RELAY_NORMALIZED:
            try:
                metric = TaggedSeries.parse(metric).path
            except Exception:
                pass
        out.append(json.dumps([label(*d) for d in router.getDestinations(metric)]))
    sys.stdout.write('\n'.join(out) + '\n')


main()
