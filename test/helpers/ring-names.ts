// Random metric names for the ring differential tests: realistic dotted names, tagged ones, names
// with odd characters (everything printable but whitespace), non-ASCII, edge dots and very long
// ones. Whitespace is left out: it ends the name on the wire. Every name has a letter or digit
// before any `;`, and every tag a non-dot after its `;`, so the running relay forwards each line
// intact (cluster.md section 1.1 on `a;` and `a;.`).

import type { Random } from './random.js'

const WORDS = [
  'servers',
  'web01',
  'web02',
  'db',
  'cpu',
  'user',
  'system',
  'load',
  'disk',
  'sda',
  'requests',
  'latency',
  'p99',
  'count',
  'stats',
  'statsd',
  'test',
  'payments',
  'cart',
  'carbon',
  'agents',
  'collectd',
  'memory',
  'free',
  'used',
  'nginx',
  '5xx',
  'api',
  'eu-west-1',
  'host_42',
  'foo',
  'bar',
]
const ODD = [...'!"$%&\'()*+,-/:<=>?@[\\]^_`{|}~#']
const UNICODE = ['é', 'ü', 'ß', 'ø', 'ж', 'λ', '中文', '日本', '€', '✓', '😀', 'ﬁ', 'Å', 'ñ']
const TAG_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_-.:'

function word(r: Random): string {
  return r.pick(WORDS)
}

function dotted(r: Random, min = 2, max = 6): string {
  return Array.from({ length: r.int(min, max) }, () => word(r)).join('.')
}

function tagPart(r: Random, min: number, max: number): string {
  let s = r.pick([...'abcdefghijklmnopqrstuvwxyz'])
  const n = r.int(min, max)
  while (s.length < n) s += r.pick([...TAG_CHARS])
  return s
}

function tags(r: Random): string {
  return Array.from({ length: r.int(1, 4) }, () => `;${tagPart(r, 1, 8)}=${tagPart(r, 1, 12)}`).join('')
}

function sprinkle(r: Random, base: string, alphabet: readonly string[], count: number): string {
  const chars = [...base]
  for (let i = 0; i < count; i++) chars.splice(r.int(1, chars.length), 0, r.pick(alphabet))
  return chars.join('')
}

function one(r: Random): string {
  const kind = r.int(0, 99)
  if (kind < 45) return dotted(r)
  if (kind < 62) return dotted(r) + tags(r)
  if (kind < 76) return sprinkle(r, dotted(r), ODD, r.int(1, 4)) + (r.chance(0.2) ? tags(r) : '')
  if (kind < 86) return sprinkle(r, dotted(r), UNICODE, r.int(1, 3)) + (r.chance(0.2) ? tags(r) : '')
  if (kind < 94) {
    // Dots in odd places: leading, trailing, doubled.
    const base = dotted(r).replaceAll('.', () => r.pick(['.', '.', '..', '...']))
    return r.pick(['', '.', '..']) + base + r.pick(['', '.', '..']) + (r.chance(0.3) ? tags(r) : '')
  }
  // Long: up to about 4300 bytes.
  let s = word(r)
  let bytes = Buffer.byteLength(s)
  const target = r.int(300, 4300)
  while (bytes < target) {
    const part = '.' + (r.chance(0.1) ? r.pick(UNICODE) : word(r))
    s += part
    bytes += Buffer.byteLength(part)
  }
  return s + (r.chance(0.2) ? tags(r) : '')
}

/** `count` distinct names. */
export function randomMetricNames(r: Random, count: number): string[] {
  const names = new Set<string>()
  while (names.size < count) names.add(one(r))
  return [...names]
}
