/** A byte count for people: `1,555,228 bytes (1.5 MiB)`. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'}`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = ''
  for (const u of units) {
    if (value < 1024) break
    value /= 1024
    unit = u
  }
  return unit ? `${exact} (${value.toFixed(1)} ${unit})` : exact
}
