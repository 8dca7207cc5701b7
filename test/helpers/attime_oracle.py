"""graphite-web 1.1.8's parseATTime as its render view calls it, for differential tests.

Reads {"now": epoch, "cases": [[spec, tz or null], ...]} on stdin and writes one JSON list: the epoch
seconds of each case (int(epoch(...)) as graphite-web takes them), or {"error": "<type>: <message>"}.
The zone is read as the render view reads it: pytz.timezone(tz), an unknown one is TIME_ZONE (UTC).
{"zones": true} instead writes pytz.all_timezones; {"offsets": [[tz, epoch], ...]} the UTC offset
in seconds of datetime.fromtimestamp(epoch, tz) (how graphite-web writes times in a zone).
"""

import calendar
import json
import sys
from datetime import datetime

import pytz
from graphite.render.attime import parseATTime


def zone(name):
    if name is None:
        return pytz.utc
    try:
        return pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        return pytz.utc


def main():
    request = json.load(sys.stdin)
    if request.get('zones'):
        json.dump(pytz.all_timezones, sys.stdout)
        return
    if 'offsets' in request:
        json.dump([int(datetime.fromtimestamp(t, zone(tz)).utcoffset().total_seconds()) for tz, t in request['offsets']], sys.stdout)
        return
    out = []
    for spec, tz in request['cases']:
        tzinfo = zone(tz)
        try:
            now = datetime.fromtimestamp(request['now'], tzinfo)
            when = parseATTime(spec, tzinfo, now)
            out.append(calendar.timegm(when.astimezone(pytz.utc).timetuple()))
        except Exception as error:  # every exception is graphite-web's 500
            out.append({'error': '%s: %s' % (type(error).__name__, error)})
    json.dump(out, sys.stdout)


main()
