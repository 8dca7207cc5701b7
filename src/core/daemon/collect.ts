// A full garbage collection of the calling thread's heap, on demand. V8 collects when a thread
// allocates, so a thread that went idle after a burst keeps its heap as the burst left it: old
// pages of dead objects, and a young generation grown to its largest (32 MiB on 64-bit). A full
// collection frees the first, and shrinks the second when the thread allocated little for the last
// few seconds (V8 judges that from the allocation since its previous collection). The process's
// V8 flags gain --expose-gc (a context made after that has gc(); the flag changes nothing else):
// only where the caller was given that capability (carbon serve, which also trims malloc).

import v8 from 'node:v8'
import vm from 'node:vm'

/** The collector, or undefined where it cannot be had. */
export function loadCollector(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc')
    const fn = vm.runInNewContext('gc') as unknown
    return typeof fn === 'function' ? (fn as () => void) : undefined
  } catch {
    return undefined
  }
}
