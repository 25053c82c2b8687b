// Password reset and email verification through the `onMessage` callback.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Agentmart } from '../index.mjs'
import { PASSWORD, email, rejectsWith, testOptions } from './helpers.mjs'

function openWithOutbox() {
  const outbox = []
  const waiters = []
  const onMessage = (message) => {
    outbox.push(message)
    for (const w of waiters.splice(0)) w()
  }
  const next = async (kind) => {
    for (;;) {
      const found = outbox.find((m) => m.kind === kind)
      if (found) {
        outbox.splice(outbox.indexOf(found), 1)
        return found
      }
      await new Promise((resolve) => waiters.push(resolve))
    }
  }
  return Agentmart.open('memory:', { ...testOptions({ publicBaseUrl: 'https://mart.example' }), onMessage }).then(
    (mart) => ({ mart, next, outbox }),
  )
}

test('a password reset delivered through onMessage sets a new password', async () => {
  const { mart, next } = await openWithOutbox()
  try {
    const address = email('forgetful')
    await mart.auth.register({ email: address, password: PASSWORD })
    await mart.auth.requestPasswordReset(address, { ip: '203.0.113.7' })
    const message = await next('password_reset')
    assert.equal(message.to, address)
    assert.match(message.token, /^amp_/)
    assert.ok(message.link.startsWith('https://mart.example'))
    assert.ok(!Number.isNaN(Date.parse(message.createdAt)))

    await mart.auth.resetPassword(message.token, 'a brand new passphrase')
    await rejectsWith(mart.auth.login({ email: address, password: PASSWORD }, { ip: '203.0.113.7' }), 'invalid_credentials')
    await mart.auth.login({ email: address, password: 'a brand new passphrase' }, { ip: '203.0.113.7' })
    // One-time tokens work once.
    await rejectsWith(mart.auth.resetPassword(message.token, 'yet another passphrase'), 'token_invalid')
    // Unknown emails get the same answer and no message.
    await mart.auth.requestPasswordReset(email('nobody'), { ip: '203.0.113.7' })
  } finally {
    await mart.close()
  }
})

test('email verification delivered through onMessage marks the email verified', async () => {
  const { mart, next } = await openWithOutbox()
  try {
    const registered = await mart.auth.register({ email: email('verify'), password: PASSWORD })
    const me = await mart.auth.authenticate(registered.tokens.accessToken)
    assert.equal((await mart.auth.profile(me)).emailVerified, false)
    // Registration sends the first verification message; asking again sends
    // a fresh token, which is the one to use.
    const first = await next('email_verification')
    assert.equal(first.to, registered.user.email)
    await mart.auth.requestEmailVerification(me)
    const message = await next('email_verification')
    assert.notEqual(message.token, first.token)
    assert.match(message.token, /^amv_/)
    await mart.auth.verifyEmail(message.token)
    assert.equal((await mart.auth.profile(me)).emailVerified, true)
  } finally {
    await mart.close()
  }
})

test('password change, session revocation and account deletion', async () => {
  const mart = await Agentmart.open('memory:', testOptions())
  try {
    const address = email('lifecycle')
    const registered = await mart.auth.register({ email: address, password: PASSWORD })
    const me = await mart.auth.authenticate(registered.tokens.accessToken)
    const other = await mart.auth.login({ email: address, password: PASSWORD }, { ip: '203.0.113.7' })
    const otherPrincipal = await mart.auth.authenticate(other.accessToken)
    await mart.auth.revokeSession(me, otherPrincipal.sessionId)
    await rejectsWith(mart.auth.authenticate(other.accessToken), 'token_invalid')
    await rejectsWith(mart.auth.revokeSession(me, 'not-a-uuid'), 'malformed_request')

    await rejectsWith(mart.auth.changePassword(me, 'wrong current', 'new passphrase here'), 'invalid_credentials')
    await mart.auth.changePassword(me, PASSWORD, 'new passphrase here')
    await mart.auth.login({ email: address, password: 'new passphrase here' }, { ip: '203.0.113.7' })

    await mart.auth.logoutAll(me)
    await rejectsWith(mart.auth.authenticate(registered.tokens.accessToken), 'token_invalid')
    await rejectsWith(mart.auth.deleteAccount(me, 'wrong password'), 'invalid_credentials')
    await mart.auth.deleteAccount(me, 'new passphrase here')
    await rejectsWith(mart.auth.login({ email: address, password: 'new passphrase here' }, { ip: '203.0.113.7' }), 'invalid_credentials')
    const jwks = await mart.auth.jwks()
    assert.ok(Array.isArray(jwks.keys))
  } finally {
    await mart.close()
  }
})
