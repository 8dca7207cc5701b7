// Injected by esbuild into the CommonJS bundles of bin/wsp.cjs and bin/carbon.cjs, where
// `import.meta.url` does not exist: modules use it to find package.json and native addons.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href
