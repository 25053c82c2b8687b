// The CommonJS entry point: `require('agentmart')`.
'use strict'
const assert = require('node:assert/strict')
const { test } = require('node:test')

const { Agentmart, AgentmartError, Principal } = require('..')

const options = {
  jwtSecret: 'node-test-secret-0123456789abcdef-0123',
  config: { hashing: { mCost: 64, tCost: 1, pCost: 1 } },
}

test('require() gives a working addon with AgentmartError rejections', async () => {
  const mart = await Agentmart.open('memory:', options)
  try {
    const registered = await mart.auth.register({ email: 'cjs@example.com', password: 'correct horse battery staple' })
    const principal = await mart.auth.authenticate(registered.tokens.accessToken)
    assert.ok(principal instanceof Principal)
    assert.equal((await mart.auth.profile(principal)).email, 'cjs@example.com')
    await assert.rejects(mart.auth.login({ email: 'cjs@example.com', password: 'nope nope nope' }, { ip: '203.0.113.7' }), (err) => {
      assert.ok(err instanceof AgentmartError)
      assert.equal(err.code, 'invalid_credentials')
      return true
    })
  } finally {
    await mart.close()
  }
})
