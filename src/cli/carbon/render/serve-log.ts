// carbon serve's log on stderr: one line per event, as text or as JSON Lines.

import type { DaemonEvent } from '../../../core/daemon/events.js'
import { plural } from '../../../core/format/plural.js'

function percent(share: number): string {
  return `${Math.round(share * 100)}%`
}

function describe(event: DaemonEvent): string {
  switch (event.type) {
    case 'config-warning':
      return `configuration: ${event.message} (carbon starts with this too)`
    case 'listening':
      return `listening: ${event.addresses.map((a) => `${a.protocol} ${a.address}:${a.port}`).join(', ')}; data in ${event.dataDir}`
    case 'replayed':
      return `replayed ${plural(event.points, 'point')} from ${event.file}`
    case 'wal-replaying':
      return `replaying the write-ahead log: ${event.segments} of ${event.of} segments, ${event.points} points so far (${event.segment})`
    case 'wal-replayed':
      return `replayed ${plural(event.points, 'point')} from the write-ahead log in ${event.dir} (${event.segments} segments, ${event.bytes} bytes, ${event.seconds.toFixed(1)} s)${event.deletedPoints > 0 ? `; ${plural(event.deletedPoints, 'point')} of metrics deleted since dropped` : ''}`
    case 'wal-damaged':
      return `write-ahead log damaged: ${event.file} cut at byte ${event.offset} (${event.reason}; ${event.cutBytes} bytes after it unreadable); the points before it are replayed`
    case 'wal-stalled':
      return `cannot append to the write-ahead log: ${event.message}; receivers paused, trying again every second`
    case 'wal-unstalled':
      return 'the write-ahead log has room again'
    case 'wal-full':
      return `write-ahead log full (${event.bytes} bytes): receivers paused until written points free a segment`
    case 'wal-resumed':
      return `write-ahead log below its limit (${event.bytes} bytes): receivers resumed`
    case 'created':
      return `created ${event.path} for ${event.metric}`
    case 'write-error':
      return `cannot write ${event.metric} to ${event.path}: ${event.message}`
    case 'write-deferred':
      return `cannot write ${event.metric} to ${event.path}: ${event.message}; ${plural(event.points, 'point')} wait in the cache, writing again in a second${event.suppressed > 0 ? ` (${event.suppressed} more since the last report)` : ''}`
    case 'writer-died':
      return `writer ${event.writer} died (${event.message}): its unwritten ${plural(event.points, 'point')} are back in the cache, a new writer starts`
    case 'writer-pace':
      return event.yielding
        ? `writers yield the CPU to the receivers again (they waited for one ${percent(event.waited)} of the last ${event.seconds} s)`
        : `writers starved: they waited for a CPU ${percent(event.waited)} of the last ${event.seconds} s; they compete for it now, at nice +10`
    case 'rejected':
      return `rejected (${event.protocol}, ${event.reason}) from ${event.peer || 'local'}: ${event.detail}${event.suppressed > 0 ? ` (${event.suppressed} more since the last report)` : ''}`
    case 'cache-full':
      return `cache full (${event.size} points): receivers paused`
    case 'cache-resumed':
      return `cache below the watermark (${event.size} points): receivers resumed`
    case 'reclaimed':
      return `memory given back after idle metrics were forgotten (${plural(event.names, 'name')} and ${plural(event.files, 'file')} still known${event.settled ? '' : '; more to forget'})`
    case 'reloaded':
      return 'reloaded storage-schemas, storage-aggregation and lists'
    case 'http-error':
      return `HTTP read API: internal error (answered 500): ${event.message}`
    case 'reload-failed':
      return `reload failed, the previous rules stay: ${event.message}`
    case 'stopping':
      return `stopping: writing ${plural(event.cached, 'cached point')}`
    case 'fault':
      return `internal error in the ${event.where}; it cost only that, the daemon goes on (please report it): ${event.message}\n${event.stack.replace(/^/gm, '    ')}`
    case 'stopped-starting':
      return `stopped while starting: the write-ahead log in ${event.wal} is kept for the next start`
    case 'stopped':
      return `stopped: ${plural(event.written, 'point')} written${event.left > 0 ? `, ${plural(event.left, 'point')} left in the write-ahead log ${event.wal} for the next start` : ''}`
  }
}

export function renderServeEvent(event: DaemonEvent, format: 'text' | 'json', at: Date): string {
  if (format === 'json') return JSON.stringify({ time: at.toISOString(), ...event }) + '\n'
  return `${at.toISOString()} ${describe(event)}\n`
}
