// graphite-web 1.1.8 (Debian's package) run for tests under Django's own server with a settings
// module of its own (GRAPHITE_SETTINGS_MODULE), in a temporary directory: as a cluster frontend over
// carbon serve nodes, or as a backend reading whisper files and a CarbonLink cache.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { freePort } from './carbon-cache.js'
import { request } from './http.js'
import { REFERENCE_PYTHON } from './reference.js'
import { tempDir } from './tmp.js'

export interface GraphiteWebOptions {
  /** HTTP ports of the storage nodes it clusters over (CLUSTER_SERVERS). */
  clusterServers?: number[]
  /** Read these whisper files itself (a graphite-web backend); none by default. */
  whisperDir?: string
  /** CarbonLink port of the cache beside those files. */
  carbonlinkPort?: number
  /**
   * Serve it as it is deployed (graphite.wsgi under gunicorn, Debian's `gunicorn`, with this many
   * sync worker processes) instead of Django's development server.
   */
  gunicornWorkers?: number
  /** gunicorn's worker timeout in seconds (30 by default: a longer request is killed). */
  gunicornTimeout?: number
  /** Told the server's process id (benchmarks count its CPU time). */
  onPid?: (pid: number) => void
  /** More lines of its settings module, Python: name to value as written (`FETCH_TIMEOUT`: `'60'`). */
  settings?: Record<string, string>
}

/** Whether Debian's gunicorn (python3-gunicorn) is installed for the reference Python. */
export function hasGunicorn(): boolean {
  return spawnSync(REFERENCE_PYTHON, ['-c', 'import gunicorn'], { stdio: 'ignore' }).status === 0
}

/**
 * graphite-web 1.1.8 under `django runserver` (or gunicorn) on 127.0.0.1; resolves with its port
 * once it answers.
 */
export async function startGraphiteWeb(
  t: Pick<TestContext, 'after'>,
  options: GraphiteWebOptions,
): Promise<number> {
  const dir = tempDir(t, 'carbonkit-graphite-web-')
  fs.mkdirSync(path.join(dir, 'log'))
  fs.writeFileSync(
    path.join(dir, 'carbonkit_frontend_settings.py'),
    [
      "SECRET_KEY = 'carbonkit-test'",
      `STORAGE_DIR = ${JSON.stringify(dir)}`,
      `LOG_DIR = ${JSON.stringify(path.join(dir, 'log'))}`,
      `WHISPER_DIR = ${JSON.stringify(options.whisperDir ?? path.join(dir, 'no-local-storage'))}`,
      `INDEX_FILE = ${JSON.stringify(path.join(dir, 'index'))}`,
      `CLUSTER_SERVERS = ${JSON.stringify((options.clusterServers ?? []).map((p) => `127.0.0.1:${p}`))}`,
      `CARBONLINK_HOSTS = ${JSON.stringify(options.carbonlinkPort ? [`127.0.0.1:${options.carbonlinkPort}`] : [])}`,
      `DATABASES = {'default': {'NAME': ${JSON.stringify(path.join(dir, 'graphite.db'))}, 'ENGINE': 'django.db.backends.sqlite3'}}`,
      ...Object.entries(options.settings ?? {}).map(([name, value]) => `${name} = ${value}`),
      '',
    ].join('\n'),
  )
  const env = {
    ...process.env,
    PYTHONPATH: dir,
    GRAPHITE_SETTINGS_MODULE: 'carbonkit_frontend_settings',
    DJANGO_SETTINGS_MODULE: 'graphite.settings',
    TZ: 'UTC',
  }
  const migrate = spawnSync(REFERENCE_PYTHON, ['-m', 'django', 'migrate', '-v0', '--run-syncdb'], {
    env,
    encoding: 'utf8',
  })
  assert.equal(migrate.status, 0, migrate.stderr)
  // Started again on another port (at most 5 times) when another process took the one picked.
  for (let start = 1; ; start++) {
    const port = await serveOnFreePort(t, options, env)
    if (port !== undefined) return port
    if (start >= 5) throw new Error('graphite-web: every port picked was taken before it could bind it')
  }
}

async function serveOnFreePort(
  t: Pick<TestContext, 'after'>,
  options: GraphiteWebOptions,
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  const port = await freePort()
  const args = options.gunicornWorkers
    ? ['-m', 'gunicorn', '--workers', String(options.gunicornWorkers), '--bind', `127.0.0.1:${port}`]
    : ['-m', 'django', 'runserver', '--noreload', `127.0.0.1:${port}`]
  if (options.gunicornWorkers && options.gunicornTimeout)
    args.push('--timeout', String(options.gunicornTimeout))
  if (options.gunicornWorkers) args.push('graphite.wsgi:application')
  const child = spawn(REFERENCE_PYTHON, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  if (child.pid !== undefined) options.onPid?.(child.pid)
  let log = ''
  child.stderr.on('data', (c: Buffer) => (log += c.toString()))
  // gunicorn's master stops its workers on SIGTERM; on SIGKILL they would be left running.
  t.after(() => void child.kill(options.gunicornWorkers ? 'SIGTERM' : 'SIGKILL'))
  for (let attempt = 0; ; attempt++) {
    const up = await request(port, '/version/').catch(() => undefined)
    if (up?.status === 200) return port
    // Its port, picked free a moment before it bound it, was taken by another process meanwhile.
    if (child.exitCode !== null && /already in use|Connection in use/.test(log)) return undefined
    // Only a hang (about 3 min): Django's start-up takes seconds of CPU, minutes on a loaded machine.
    if (attempt > 900 || child.exitCode !== null) throw new Error(`graphite-web did not start:\n${log}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
