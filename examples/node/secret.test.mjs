// The Node examples refuse to start with a secret published in the
// repository, and start with one of their own (or a random one).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import secret from './secret.cjs'

const here = dirname(fileURLToPath(import.meta.url))
const PUBLISHED = secret.PUBLISHED_SECRETS[1]

/** Runs `node FILE` with AGENTMART_JWT_SECRET=`value` (unset when undefined). */
const run = (file, value, { until } = {}) =>
  new Promise((resolve, reject) => {
    const env = { ...process.env, AGENTMART_STORE: 'memory:', PORT: '0' }
    delete env.AGENTMART_JWT_SECRET
    if (value !== undefined) env.AGENTMART_JWT_SECRET = value
    const child = spawn(process.execPath, [file], { cwd: here, env })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
      if (until && out.includes(until)) child.kill('SIGTERM')
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, out, err }))
  })

test('resolveSecret refuses every published secret and keeps or generates others', () => {
  assert.ok(secret.PUBLISHED_SECRETS.length >= 10)
  for (const published of secret.PUBLISHED_SECRETS) {
    assert.throws(() => secret.resolveSecret(published), /published in the agentmart repository/)
    assert.throws(() => secret.resolveSecret(` ${published}\n`), /published/)
  }
  const own = randomBytes(32).toString('hex')
  assert.equal(secret.resolveSecret(own), own)
  const [a, b] = [secret.resolveSecret(undefined), secret.resolveSecret('')]
  assert.equal(a.length, 64)
  assert.notEqual(a, b)
})

for (const file of ['quickstart.mjs', 'quickstart.cjs', 'express-server.mjs']) {
  test(`${file} refuses to start with a published secret`, async () => {
    const { code, out, err } = await run(file, PUBLISHED)
    assert.equal(code, 2, err)
    assert.match(err, /AGENTMART_JWT_SECRET is a secret published in the agentmart repository/)
    assert.equal(out, '', 'nothing ran')
  })
}

test('the quickstarts run with a fresh secret and with none', async () => {
  for (const file of ['quickstart.mjs', 'quickstart.cjs']) {
    const fresh = await run(file, randomBytes(32).toString('hex'))
    assert.equal(fresh.code, 0, fresh.err)
    const none = await run(file, undefined)
    assert.equal(none.code, 0, none.err)
    assert.match(none.err, /using a random secret for this run/)
  }
})

test('express-server.mjs starts with a fresh secret', async () => {
  const { signal, out, err } = await run('express-server.mjs', randomBytes(32).toString('hex'), {
    until: 'agentmart example on',
  })
  assert.match(out, /agentmart example on http:\/\/localhost:/, err)
  assert.ok(signal === 'SIGTERM' || signal === null, `${signal}`)
})
