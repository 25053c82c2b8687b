'use strict'
// The installed package through `require` (CommonJS entry `index.js`).
//   node cjs.cjs STORE_URL
const assert = require('node:assert/strict')
const path = require('node:path')

const agentmart = require('agentmart')
const { run } = require('./steps.cjs')

const resolved = require.resolve('agentmart')
assert.equal(resolved, path.join(__dirname, 'node_modules', 'agentmart', 'index.js'), 'require resolves to the installed copy')

run(agentmart, process.argv[2]).then(
  () => console.log(`cjs: ${process.argv[2]} ok`),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
