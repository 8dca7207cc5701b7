'use strict'
// node:child_process, loaded on first use. commander requires it at start-up for executable
// subcommands, which carbonkit does not have; loading it (with net and streams) is a third of a short
// command's run time. The bundles alias node:child_process to this module (package.json "bundle").
let real
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      real ??= process.getBuiltinModule('node:child_process')
      return real[key]
    },
  },
)
