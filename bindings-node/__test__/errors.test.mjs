// Errors, the handle's life cycle, concurrency and the ES-module entry point.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import * as esm from '../index.mjs'
import { Agentmart, AgentmartError, Principal, __panicForTests, errorCodes } from '../index.mjs'
import { PASSWORD, email, newUser, rejectsWith, tempSledUrl, testOptions } from './helpers.mjs'

const ALL_CODES = [
  'malformed_request',
  'validation_failed',
  'unauthenticated',
  'invalid_credentials',
  'token_expired',
  'token_invalid',
  'token_reused',
  'forbidden',
  'moderation_locked',
  'not_found',
  'email_taken',
  'handle_taken',
  'slug_taken',
  'version_exists',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'internal',
  'unavailable',
]

describe('errors', () => {
  let mart
  before(async () => {
    mart = await Agentmart.open('memory:', testOptions({ throttle: { perClientFailures: 2, perAccountFailures: 50 } }))
  })
  after(async () => {
    await mart.close()
  })

  test('the code list matches the documented table', () => {
    assert.deepEqual(errorCodes(), ALL_CODES)
  })

  test('validation errors list every failing field', async () => {
    const err = await rejectsWith(mart.auth.register({ email: 'not-an-email', password: 'short' }), 'validation_failed')
    assert.deepEqual(err.fields.map((f) => f.field).sort(), ['email', 'password'])
    for (const f of err.fields) {
      assert.equal(typeof f.code, 'string')
      assert.equal(typeof f.message, 'string')
    }
    assert.equal(err.retryAfter, null)
    assert.equal(err.name, 'AgentmartError')
    assert.match(err.stack, /AgentmartError/)
  })

  test('repeated failed logins are rate limited with retryAfter in seconds', async () => {
    const address = email('throttled')
    await mart.auth.register({ email: address, password: PASSWORD })
    const client = { clientKey: 'device-1' }
    await rejectsWith(mart.auth.login({ email: address, password: 'wrong password 1' }, client), 'invalid_credentials')
    await rejectsWith(mart.auth.login({ email: address, password: 'wrong password 2' }, client), 'invalid_credentials')
    const err = await rejectsWith(mart.auth.login({ email: address, password: PASSWORD }, client), 'rate_limited')
    assert.equal(typeof err.retryAfter, 'number')
    assert.ok(err.retryAfter >= 1, `retryAfter ${err.retryAfter}`)
    assert.deepEqual(err.fields, [])
    // Another client is not slowed down by device-1's failures.
    await mart.auth.login({ email: address, password: PASSWORD }, { clientKey: 'device-2' })
  })

  test('login, refresh and forgot-password refuse a client without ip or clientKey', async () => {
    const address = email('keyless')
    const registered = await mart.auth.register({ email: address, password: PASSWORD })
    for (const client of [undefined, null, {}, { userAgent: 'node' }, { ip: ' ', clientKey: '' }]) {
      const calls = [
        () => mart.auth.login({ email: address, password: PASSWORD }, client),
        () => mart.auth.refresh(registered.tokens.refreshToken, client),
        () => mart.auth.requestPasswordReset(address, client),
      ]
      for (const call of calls) {
        const err = await rejectsWith(call(), 'validation_failed')
        assert.deepEqual(err.fields.map((f) => [f.field, f.code]), [['client', 'required']])
      }
    }
    // Nothing was spent: the refresh token still rotates, with a client key alone.
    await mart.auth.refresh(registered.tokens.refreshToken, { clientKey: 'device-3' })
  })

  test('uniqueness, lookup and permission codes', async () => {
    const { registered, principal } = await newUser(mart, 'codes', { handle: `codes-${process.pid}` })
    await rejectsWith(mart.auth.register({ email: email(), password: PASSWORD, handle: registered.user.handle }), 'handle_taken')
    await rejectsWith(mart.market.detail(null, 'nobody/nothing'), 'not_found')
    await rejectsWith(mart.admin.updateUser(principal, registered.user.id, { disabled: true }), 'forbidden')
    await rejectsWith(mart.auth.principalForUser('01900000-0000-7000-8000-000000000000'), 'not_found')
  })

  test('arguments of the wrong shape are malformed_request, as rejections', async () => {
    const { principal } = await newUser(mart, 'shape')
    // An agent path without a slash.
    await rejectsWith(mart.market.detail(principal, 'no-slash'), 'malformed_request')
    // A plain object is not a Principal.
    await rejectsWith(mart.auth.profile({ userId: principal.userId, role: 'admin' }), 'malformed_request')
    // Wrong primitive types.
    await rejectsWith(mart.auth.login({ email: 42, password: PASSWORD }, { ip: '203.0.113.7' }), 'malformed_request')
    await rejectsWith(mart.auth.principalForUser('not-a-uuid'), 'malformed_request')
    // A forged cursor.
    await rejectsWith(mart.market.list(null, { cursor: 'forged' }), 'malformed_request')
    // An unknown sort value.
    await rejectsWith(mart.market.list(null, { sort: 'loudest' }), 'malformed_request')
  })

  test('a panic inside the addon is an internal error and the process lives on', async () => {
    const err = await rejectsWith(__panicForTests(), 'internal')
    assert.equal(err.message, 'internal error')
    // Still serving.
    await mart.ping()
  })

  test('principals cannot be built from JavaScript', () => {
    assert.throws(() => new Principal())
  })
})

describe('open and close', () => {
  test('open rejects bad URLs and configurations with field errors', async () => {
    let err = await rejectsWith(Agentmart.open('ftp://x', testOptions()), 'validation_failed')
    assert.equal(err.fields[0].field, 'store_url')
    err = await rejectsWith(Agentmart.open('memory:', {}), 'validation_failed')
    assert.equal(err.fields[0].field, 'jwt_secret')
    err = await rejectsWith(Agentmart.open('memory:', { jwtSecret: 'too short' }), 'validation_failed')
    assert.equal(err.fields[0].field, 'jwt.signing')
    err = await rejectsWith(
      Agentmart.open('memory:', testOptions({ accessTokenTtlSeconds: 1 })),
      'validation_failed',
    )
    assert.equal(err.fields[0].field, 'access_token_ttl')
  })

  test('close makes later calls reject with unavailable; closing twice is harmless', async () => {
    const mart = await Agentmart.open('memory:', testOptions())
    const { principal } = await newUser(mart, 'closer')
    const auth = mart.auth
    assert.equal(mart.closed, false)
    assert.equal(mart.backend, 'memory')
    await mart.close()
    assert.equal(mart.closed, true)
    assert.equal(mart.backend, null)
    const err = await rejectsWith(auth.profile(principal), 'unavailable')
    assert.match(err.message, /closed/)
    await rejectsWith(mart.market.list(null), 'unavailable')
    await rejectsWith(mart.ping(), 'unavailable')
    await mart.close()
  })

  test('a sled store persists across close and reopen, and is locked while open', async () => {
    const { url, cleanup } = tempSledUrl()
    try {
      const mart = await Agentmart.open(url, testOptions())
      assert.equal(mart.backend, 'sled')
      const address = email('durable')
      await mart.auth.register({ email: address, password: PASSWORD })
      await rejectsWith(Agentmart.open(url, testOptions()), 'unavailable')
      await mart.close()

      const reopened = await Agentmart.open(url, testOptions())
      try {
        const tokens = await reopened.auth.login({ email: address, password: PASSWORD }, { ip: '203.0.113.7' })
        assert.equal(tokens.tokenType, 'Bearer')
      } finally {
        await reopened.close()
      }
    } finally {
      cleanup()
    }
  })
})

describe('concurrency', () => {
  test('hundreds of promises in flight resolve independently', async () => {
    const mart = await Agentmart.open('memory:', testOptions())
    try {
      const users = await Promise.all(
        Array.from({ length: 50 }, (_, i) => mart.auth.register({ email: email(`many${i}-`), password: PASSWORD })),
      )
      assert.equal(new Set(users.map((u) => u.user.id)).size, 50)
      const principals = await Promise.all(users.map((u) => mart.auth.authenticate(u.tokens.accessToken)))
      const calls = []
      for (let round = 0; round < 4; round += 1) {
        for (const p of principals) {
          calls.push(mart.auth.profile(p).then((profile) => assert.equal(profile.id, p.userId)))
          calls.push(mart.market.list(p, { limit: 5 }))
        }
      }
      // Some of them fail, independently of the others.
      calls.push(rejectsWith(mart.market.detail(null, 'ghost/agent'), 'not_found'))
      const settled = await Promise.allSettled(calls)
      const failures = settled.filter((s) => s.status === 'rejected')
      assert.deepEqual(failures, [])
      assert.equal(settled.length, 50 * 2 * 4 + 1)
    } finally {
      await mart.close()
    }
  })

  test('the JavaScript thread keeps running while calls are in flight', async () => {
    // Default (production) argon2 parameters: each hash takes milliseconds on the
    // blocking pool, none of it on the JavaScript thread.
    const mart = await Agentmart.open('memory:', { jwtSecret: 'a-production-like-secret-0123456789abcdef' })
    try {
      let ticks = 0
      const timer = setInterval(() => {
        ticks += 1
      }, 1)
      await Promise.all(
        Array.from({ length: 4 }, (_, i) => mart.auth.register({ email: email(`slow${i}-`), password: PASSWORD })),
      )
      clearInterval(timer)
      assert.ok(ticks > 0, 'timers fired while passwords were hashed')
    } finally {
      await mart.close()
    }
  })
})

test('the ES-module entry exports the same objects as the CommonJS one', async () => {
  const { createRequire } = await import('node:module')
  const require = createRequire(import.meta.url)
  const cjs = require('..')
  assert.equal(esm.Agentmart, cjs.Agentmart)
  assert.equal(esm.AgentmartError, cjs.AgentmartError)
  assert.equal(esm.Principal, cjs.Principal)
  assert.ok(new AgentmartError('conflict', 'x') instanceof cjs.AgentmartError)
})
