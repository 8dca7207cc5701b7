// carbon serve's log on stderr: one line per event, as text or as JSON Lines.

import type { DaemonEvent } from '../../../core/daemon/daemon.js'

function describe(event: DaemonEvent): string {
  switch (event.type) {
    case 'config-warning':
      return `configuration: ${event.message} (carbon starts with this too)`
    case 'listening':
      return `listening: ${event.addresses.map((a) => `${a.protocol} ${a.address}:${a.port}`).join(', ')}; data in ${event.dataDir}`
    case 'replayed':
      return `replayed ${event.points} points from ${event.file}`
    case 'created':
      return `created ${event.path} for ${event.metric}`
    case 'write-error':
      return `cannot write ${event.metric} to ${event.path}: ${event.message}`
    case 'write-deferred':
      return `cannot write ${event.metric} to ${event.path}: ${event.message}; ${event.points} points wait in the cache, writing again in a second${event.suppressed > 0 ? ` (${event.suppressed} more since the last report)` : ''}`
    case 'writer-died':
      return `writer ${event.writer} died (${event.message}): its ${event.points} unwritten points are back in the cache, a new writer starts`
    case 'rejected':
      return `rejected (${event.protocol}, ${event.reason}) from ${event.peer || 'local'}: ${event.detail}${event.suppressed > 0 ? ` (${event.suppressed} more since the last report)` : ''}`
    case 'cache-full':
      return `cache full (${event.size} points): receivers paused`
    case 'cache-resumed':
      return `cache below the watermark (${event.size} points): receivers resumed`
    case 'reloaded':
      return 'reloaded storage-schemas, storage-aggregation and lists'
    case 'http-error':
      return `HTTP read API: internal error (answered 500): ${event.message}`
    case 'reload-failed':
      return `reload failed, the previous rules stay: ${event.message}`
    case 'stopping':
      return `stopping: writing ${event.cached} cached points`
    case 'stopped':
      return `stopped: ${event.written} points written${event.dumped > 0 ? `, ${event.dumped} dumped to ${event.dumpFile} for the next start` : ''}`
  }
}

export function renderServeEvent(event: DaemonEvent, format: 'text' | 'json', at: Date): string {
  if (format === 'json') return JSON.stringify({ time: at.toISOString(), ...event }) + '\n'
  return `${at.toISOString()} ${describe(event)}\n`
}
