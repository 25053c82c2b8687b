'use strict'
// The packaging check's scenario, shared by esm.mjs and cjs.cjs: each passes
// the `agentmart` module it loaded (by `import` or `require`) and a store URL.
// It fails (throws) when the installed package cannot run the basics:
// register, login, create a draft, publish, list, and an AgentmartError with
// a stable code for a wrong password.
const assert = require('node:assert/strict')
const { randomBytes } = require('node:crypto')

const PASSWORD = 'correct horse battery staple'
// Login throttling keys clients by address: the bindings refuse a login without one.
const CLIENT = { ip: '203.0.113.7' }

async function run(agentmart, storeUrl) {
  const { Agentmart, AgentmartError, errorCodes } = agentmart
  assert.ok(errorCodes().includes('invalid_credentials'), 'errorCodes() lists the stable codes')
  const mart = await Agentmart.open(storeUrl, {
    jwtSecret: randomBytes(32).toString('hex'),
    config: { hashing: { mCost: 64, tCost: 1, pCost: 1 } },
  })
  try {
    const { user } = await mart.auth.register({ email: 'ada@example.com', password: PASSWORD })
    const tokens = await mart.auth.login({ email: 'ada@example.com', password: PASSWORD }, CLIENT)
    const ada = await mart.auth.authenticate(tokens.accessToken)
    assert.equal(ada.userId, user.id)

    const draft = await mart.agents.create(ada, {
      slug: 'summarizer',
      name: 'Summarizer',
      tagline: 'Condenses long text',
      systemPrompt: 'You summarize text.',
      inputModes: ['text/plain'],
      outputModes: ['text/plain'],
    })
    assert.equal(draft.status, 'draft')
    await mart.agents.publish(ada, `${user.handle}/summarizer`, { version: '1.0.0' })

    const page = await mart.market.list(null, { sort: 'newest' })
    assert.deepEqual(page.items.map((a) => `${a.owner}/${a.slug}@${a.latestVersion}`), [`${user.handle}/summarizer@1.0.0`])

    await assert.rejects(mart.auth.login({ email: 'ada@example.com', password: 'wrong password' }, CLIENT), (err) => {
      assert.ok(err instanceof AgentmartError, `an AgentmartError, got ${err}`)
      assert.equal(err.code, 'invalid_credentials')
      return true
    })
  } finally {
    await mart.close()
  }
  assert.equal(mart.closed, true)
}

module.exports = { run }
