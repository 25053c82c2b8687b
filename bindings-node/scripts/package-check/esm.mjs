// The installed package through `import` (ES-module entry `index.mjs`), and
// the files of the package: every file its entry points (package.json's
// main, module, types and exports) reach through relative `require`,
// `import` or `export ... from` must be in the installed copy, so a file the
// package's `files` list forgets fails here even if no call below uses it.
//   node esm.mjs STORE_URL
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as agentmart from 'agentmart'

const require = createRequire(import.meta.url)
const { run } = require('./steps.cjs')

const here = dirname(fileURLToPath(import.meta.url))
const installed = join(here, 'node_modules', 'agentmart')
assert.equal(fileURLToPath(import.meta.resolve('agentmart')), join(installed, 'index.mjs'), 'import resolves to the installed copy')

// Both module systems see the same objects (instanceof agrees).
assert.equal(agentmart.AgentmartError, require('agentmart').AgentmartError)

const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
const entries = [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.exports['.'])]
const missing = new Set()
const seen = new Set()
const queue = entries.map((e) => join(installed, e))
while (queue.length > 0) {
  const file = queue.pop()
  if (seen.has(file)) continue
  seen.add(file)
  if (!existsSync(file)) {
    missing.add(file.slice(installed.length + 1))
    continue
  }
  // binding.js is napi's generated loader: it tries every platform's file and
  // package; the scenario below proves it found this platform's addon.
  if (file.endsWith('binding.js')) continue
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/(?:require\(|from\s+|import\s+)['"](\.\.?\/[^'"]+)['"]/g)) {
    let target = join(dirname(file), m[1])
    if (file.endsWith('.d.ts') && !target.endsWith('.d.ts')) target += '.d.ts'
    queue.push(target)
  }
}
assert.deepEqual([...missing], [], `the package lacks files its entry points use: ${[...missing].join(', ')}`)
assert.ok(readdirSync(installed).some((f) => f.endsWith('.node')), 'the package ships a native addon (*.node)')
for (const f of ['binding.js', 'binding.d.ts', 'index.js', 'index.mjs', 'index.d.ts']) {
  assert.ok(seen.has(join(installed, f)), `${f} is reached from the entry points`)
}

await run(agentmart, process.argv[2])
console.log(`esm: ${process.argv[2]} ok`)
