// Previews that ask a model through a JavaScript `modelProvider`.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Agentmart } from '../index.mjs'
import { agentRequest, newUser, testOptions } from './helpers.mjs'

test('preview awaits the JavaScript model provider', async () => {
  const seen = []
  const modelProvider = async (request) => {
    seen.push(request)
    await new Promise((resolve) => setTimeout(resolve, 5))
    return { content: `echo: ${request.messages.at(-1).content}`, model: 'js-model' }
  }
  const mart = await Agentmart.open('memory:', { ...testOptions(), modelProvider })
  try {
    const { registered, principal } = await newUser(mart, 'provider')
    await mart.agents.create(principal, agentRequest('echo', 'Echo'))
    const preview = await mart.agents.preview(principal, `${registered.user.handle}/echo`, { input: 'hello' })
    assert.equal(seen.length, 1)
    assert.equal(seen[0].messages[0].role, 'system')
    assert.deepEqual(preview.modelResponse, { content: 'echo: hello', model: 'js-model' })
  } finally {
    await mart.close()
  }
})

test('a failing model provider becomes a preview warning, not a crash', async () => {
  const modelProvider = async () => {
    throw new Error('model offline')
  }
  const mart = await Agentmart.open('memory:', { ...testOptions(), modelProvider })
  try {
    const { registered, principal } = await newUser(mart, 'provider-fail')
    await mart.agents.create(principal, agentRequest('flaky', 'Flaky'))
    const preview = await mart.agents.preview(principal, `${registered.user.handle}/flaky`)
    assert.equal(preview.modelResponse, null)
    assert.ok(preview.warnings.some((w) => w.code === 'provider_error'), JSON.stringify(preview.warnings))
  } finally {
    await mart.close()
  }
})
