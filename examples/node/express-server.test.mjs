// Smoke test of the Express example: sign up, log in, browse, install, rate,
// and the mapping of AgentmartError codes to HTTP statuses.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { Agentmart } from 'agentmart'
import { createApp } from './express-server.mjs'

let mart
let server
let base

before(async () => {
  mart = await Agentmart.open('memory:', {
    jwtSecret: 'express-test-secret-0123456789abcdef',
    config: { hashing: { mCost: 64, tCost: 1, pCost: 1 } },
  })
  server = createApp(mart).listen(0)
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  await new Promise((resolve) => server.close(resolve))
  await mart.close()
})

const call = async (method, path, { body, token } = {}) => {
  const headers = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

test('login and the marketplace over HTTP', async () => {
  const password = 'correct horse battery staple'
  let res = await call('POST', '/signup', { body: { email: 'ada@example.com', password } })
  assert.equal(res.status, 201)
  const owner = res.body.user.handle
  const ownerToken = res.body.tokens.accessToken

  // Publish an agent directly through the library.
  const principal = await mart.auth.authenticate(ownerToken)
  await mart.agents.create(principal, {
    slug: 'summarizer', name: 'Summarizer', tagline: 'Condenses text', systemPrompt: 'Summarize.',
    inputModes: ['text/plain'], outputModes: ['text/plain'],
  })
  await mart.agents.publish(principal, `${owner}/summarizer`, { version: '1.0.0' })

  res = await call('POST', '/signup', { body: { email: 'bob@example.com', password } })
  res = await call('POST', '/login', { body: { email: 'bob@example.com', password } })
  assert.equal(res.status, 200)
  const token = res.body.accessToken

  res = await call('GET', '/agents?q=summarizer')
  assert.deepEqual(res.body.items.map((a) => a.slug), ['summarizer'])
  assert.equal(res.body.nextCursor, null)

  res = await call('PUT', `/me/installs/${owner}/summarizer`, { token, body: {} })
  assert.equal(res.status, 201)
  res = await call('PUT', `/me/installs/${owner}/summarizer`, { token, body: {} })
  assert.equal(res.status, 200)
  res = await call('PUT', `/agents/${owner}/summarizer/rating`, { token, body: { stars: 5 } })
  assert.equal(res.status, 200)
  res = await call('GET', `/agents/${owner}/summarizer`, { token })
  assert.equal(res.body.installed, true)
  assert.equal(res.body.myRating.stars, 5)
})

test('errors map to HTTP statuses with their codes', async () => {
  let res = await call('POST', '/signup', { body: { email: 'nope', password: 'short' } })
  assert.equal(res.status, 422)
  assert.equal(res.body.code, 'validation_failed')
  assert.ok(res.body.errors.length >= 2)
  res = await call('POST', '/login', { body: { email: 'ghost@example.com', password: 'whatever it is' } })
  assert.equal(res.status, 401)
  assert.equal(res.body.code, 'invalid_credentials')
  res = await call('GET', '/me')
  assert.equal(res.status, 401)
  res = await call('GET', '/me', { token: 'forged' })
  assert.equal(res.body.code, 'token_invalid')
  res = await call('GET', '/agents/nobody/nothing')
  assert.equal(res.status, 404)
  res = await call('GET', '/agents?sort=loudest')
  assert.equal(res.status, 400)
})
