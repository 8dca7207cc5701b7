'use strict'
// Loads a CommonJS bundle from dist/bin with V8's code cache, so that a command starts in about the
// time Python's whisper scripts take: compiling the bundle is a third of a short command's run time.
// `npm run build` writes the cache (dist/bin/<name>.cjs.cache) after a warm-up run of the common
// commands (CARBONKIT_WRITE_CODE_CACHE=1). When the cache is missing, stale or from another V8, V8
// rejects it and the bundle compiles as usual.
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

module.exports = function run(name) {
  // Until the command's own handlers (src/cli/shared/signals.ts) replace these, a signal ends
  // start-up with the shell's status for it: nothing has been done yet.
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(
      signal,
      Object.assign(() => process.exit(status), { carbonkitStartUp: true }),
    )
  }
  const file = path.join(__dirname, '..', 'dist', 'bin', `${name}.cjs`)
  const cacheFile = `${file}.cache`
  const writing = process.env.CARBONKIT_WRITE_CODE_CACHE === '1'
  let cachedData
  try {
    if (!writing) cachedData = fs.readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData })
  const bundle = { exports: {} }
  script
    .runInThisContext()
    .call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file))
  if (writing) {
    bundle.exports.warmUp().then(() => fs.writeFileSync(cacheFile, script.createCachedData()))
    return
  }
  bundle.exports.main(process.argv.slice(2)).then((code) => (process.exitCode = code))
}
