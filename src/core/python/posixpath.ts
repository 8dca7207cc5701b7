// Python's posixpath functions that carbon applies to its directories (join, dirname, normpath,
// expanduser). Node's path module differs: join('/a', '/b') is '/a/b' in Node and '/b' in Python,
// and normpath drops a trailing slash that Node keeps. Pure.

/** posixpath.join */
export function pyJoin(first: string, ...rest: string[]): string {
  let path = first
  for (const part of rest) {
    if (part.startsWith('/')) path = part
    else if (path === '' || path.endsWith('/')) path += part
    else path += '/' + part
  }
  return path
}

/** posixpath.dirname */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1
  let head = p.slice(0, i)
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '')
  return head
}

/** posixpath.normpath */
export function pyNormpath(path: string): string {
  if (path === '') return '.'
  let initialSlashes = path.startsWith('/') ? 1 : 0
  // POSIX allows one implementation-defined meaning for exactly two leading slashes.
  if (initialSlashes && path.startsWith('//') && !path.startsWith('///')) initialSlashes = 2
  const comps: string[] = []
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue
    if (comp !== '..' || (!initialSlashes && comps.length === 0) || comps[comps.length - 1] === '..') {
      comps.push(comp)
    } else if (comps.length > 0) {
      comps.pop()
    }
  }
  const joined = '/'.repeat(initialSlashes) + comps.join('/')
  return joined || '.'
}

/**
 * posixpath.expanduser: `~` becomes $HOME; `~user` the home directory `homeOf` gives (unchanged
 * when it gives none, as Python leaves an unknown user's path alone).
 */
export function pyExpanduser(
  path: string,
  home: string | undefined,
  homeOf?: (user: string) => string | undefined,
): string {
  if (!path.startsWith('~')) return path
  let i = path.indexOf('/', 1)
  if (i < 0) i = path.length
  let userhome: string | undefined
  if (i === 1) userhome = home
  else userhome = homeOf?.(path.slice(1, i))
  if (userhome === undefined) return path
  const trimmed = userhome.replace(/\/+$/, '')
  return trimmed + path.slice(i) || '/'
}
