// carbon ring's output: per metric, one line of text (`name -> dest, dest`) or one JSON object
// (JSON Lines). Lines are produced as they are looked up, so a long list streams.

import type { RingAnswer } from '../../../core/cluster/ring.js'

export function renderRingText(answer: RingAnswer): string {
  const to =
    answer.destinations.length === 0
      ? '(none: blackholed or no rule matches)'
      : answer.destinations.join(', ')
  return `${answer.metric} -> ${to}\n`
}

export function renderRingJson(answer: RingAnswer): string {
  return JSON.stringify({ metric: answer.metric, destinations: answer.destinations }) + '\n'
}

/** Lines in batches, so millions of names are not written one syscall each. */
export function* renderRing(
  answers: Iterable<RingAnswer>,
  render: (answer: RingAnswer) => string,
): Iterable<string> {
  let chunk = ''
  for (const answer of answers) {
    chunk += render(answer)
    if (chunk.length >= 65536) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk.length > 0) yield chunk
}
