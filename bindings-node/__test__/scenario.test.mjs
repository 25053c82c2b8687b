// One end-to-end scenario — accounts, builder, marketplace, administration —
// run on every backend this build supports (memory, sled; SQLite and
// PostgreSQL once agentmart-stores understands their URLs).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { Agentmart, Principal } from '../index.mjs'
import { PASSWORD, agentRequest, backends, email, newUser, openBackend, rejectsWith } from './helpers.mjs'

async function scenario(mart) {
  const { auth, agents, market, admin } = mart

  // --- accounts
  const ownerEmail = email('Owner')
  const registered = await auth.register(
    { email: `  ${ownerEmail.toUpperCase()} `, password: PASSWORD, displayName: 'Ada' },
    { ip: '203.0.113.7', userAgent: 'node-test' },
  )
  assert.equal(registered.user.email, ownerEmail.toLowerCase())
  assert.equal(registered.user.displayName, 'Ada')
  assert.equal(registered.user.bio, null)
  assert.equal(registered.user.emailVerified, false)
  assert.equal(registered.user.role, 'user')
  assert.equal(registered.tokens.tokenType, 'Bearer')
  assert.ok(registered.tokens.expiresIn > 0)
  await rejectsWith(auth.register({ email: ownerEmail, password: PASSWORD }), 'email_taken')

  const owner = await auth.authenticate(registered.tokens.accessToken)
  assert.ok(owner instanceof Principal)
  assert.equal(owner.userId, registered.user.id)
  assert.equal(owner.role, 'user')
  assert.equal(owner.isAdmin, false)
  assert.deepEqual(JSON.parse(JSON.stringify(owner)), {
    userId: registered.user.id,
    sessionId: owner.sessionId,
    role: 'user',
  })

  const login = await auth.login({ email: ownerEmail, password: PASSWORD }, { ip: '203.0.113.7' })
  await rejectsWith(auth.login({ email: ownerEmail, password: 'wrong password!' }, { ip: '203.0.113.7' }), 'invalid_credentials')
  const rotated = await auth.refresh(login.refreshToken, { ip: '203.0.113.7' })
  assert.notEqual(rotated.refreshToken, login.refreshToken)
  // The rotated-away token coming back revokes the session.
  await rejectsWith(auth.refresh(login.refreshToken, { ip: '203.0.113.7' }), 'token_reused')
  await rejectsWith(auth.refresh(rotated.refreshToken, { ip: '203.0.113.7' }), 'token_invalid')
  await rejectsWith(auth.authenticate('not-a-jwt'), 'token_invalid')

  const sessions = await auth.sessions(owner)
  assert.ok(sessions.length >= 1)
  assert.equal(sessions.filter((s) => s.current).length, 1)

  // Profile: absent fields stay, null clears.
  let profile = await auth.updateProfile(owner, { bio: 'Builds agents', avatarUrl: 'https://example.com/a.png' })
  assert.equal(profile.bio, 'Builds agents')
  profile = await auth.updateProfile(owner, { bio: null })
  assert.equal(profile.bio, null)
  assert.equal(profile.avatarUrl, 'https://example.com/a.png')
  assert.equal((await auth.profile(owner)).displayName, 'Ada')

  // --- builder
  const slug = `summarizer-${process.pid}`
  const created = await agents.create(owner, agentRequest(slug))
  assert.equal(created.status, 'draft')
  assert.equal(created.owner, registered.user.handle)
  assert.equal(created.latestVersion, null)
  assert.deepEqual(created.warnings, [])
  const path = `${registered.user.handle}/${slug}`
  await rejectsWith(agents.create(owner, agentRequest(slug)), 'slug_taken')

  const patched = await agents.updateDraft(owner, { owner: registered.user.handle, slug }, {
    tagline: 'Short summaries of long text',
    category: null,
    model: { name: 'gpt-test', temperature: 0.2 },
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  })
  assert.deepEqual(patched.inputSchema, { type: 'object', properties: { text: { type: 'string' } } })
  assert.equal(patched.tagline, 'Short summaries of long text')
  assert.equal(patched.category, null)
  assert.equal(patched.model.name, 'gpt-test')
  assert.equal(patched.model.temperature, 0.2)
  assert.equal(patched.model.maxTokens, null)
  const restored = await agents.updateDraft(owner, path, { category: 'writing', model: null, inputSchema: null })
  assert.equal(restored.inputSchema, null)
  assert.equal(restored.category, 'writing')
  assert.equal(restored.model, null)

  const preview = await agents.preview(owner, path, { input: 'Summarize this.' })
  assert.equal(preview.card.name, 'Summarizer')
  assert.equal(preview.card.protocolVersion, '0.3.0')
  assert.ok(preview.chatRequest.messages.some((m) => m.content.includes('Summarize this.')))
  assert.equal(preview.modelResponse, null)

  const v1 = await agents.publish(owner, path, { version: '1.0.0', changelog: 'first' })
  assert.equal(v1.version, '1.0.0')
  assert.equal(v1.systemPrompt, 'You summarize text faithfully.')
  await rejectsWith(agents.publish(owner, path, { version: '1.0.0' }), 'version_exists')
  await agents.publish(owner, path, { version: '1.1.0' })
  const versions = await agents.versions(null, path)
  assert.deepEqual(versions.map((v) => v.version), ['1.1.0', '1.0.0'])
  assert.equal(versions[0].systemPrompt, null, 'strangers never see the system prompt')
  assert.equal((await agents.version(owner, path, '1.0.0')).changelog, 'first')
  const card = await agents.card(null, path)
  assert.equal(card.version, '1.1.0')
  assert.deepEqual(card.defaultInputModes, ['text/plain'])
  const mine = await agents.myAgents(owner)
  assert.deepEqual(mine.map((a) => [a.slug, a.status, a.latestVersion]), [[slug, 'listed', '1.1.0']])

  // --- marketplace
  const { registered: fanReg, principal: fan } = await newUser(mart, 'fan')
  const page = await market.list(null, { q: 'summaries', limit: 10 })
  assert.ok(page.items.some((a) => a.slug === slug))
  assert.ok('nextCursor' in page)
  const detail = await market.detail(fan, path)
  assert.equal(detail.installCount, 0)
  assert.equal(detail.installed, false)
  assert.deepEqual(detail.rating.histogram, [0, 0, 0, 0, 0])
  assert.equal(typeof detail.usage30d, 'number')

  await rejectsWith(market.rate(fan, path, { stars: 5 }), 'forbidden')
  const install = await market.install(fan, path, { version: '1.0.0' })
  assert.equal(install.created, true)
  assert.equal(install.install.pinnedVersion, '1.0.0')
  const definition = await agents.installedDefinition(fan, path)
  assert.equal(definition.version, '1.0.0')
  assert.equal(definition.definition.name, 'Summarizer')
  const reinstall = await market.install(fan, path)
  assert.equal(reinstall.created, false)
  assert.equal(reinstall.install.pinnedVersion, null)

  const review = await market.rate(fan, path, { stars: 4, title: 'Useful' })
  assert.equal(review.stars, 4)
  assert.equal(review.user.handle, fanReg.user.handle)
  await rejectsWith(market.rate(fan, path, { stars: 9 }), 'validation_failed')
  const reviews = await market.reviews(path, { sort: 'stars' })
  assert.deepEqual(reviews.items.map((r) => r.id), [review.id])
  assert.equal(reviews.nextCursor, null)

  const event = await market.recordUsage(fan, path, { units: 3 })
  assert.equal(event.units, 3)
  const usage = await market.usage(owner, path)
  assert.equal(usage.reduce((sum, d) => sum + d.units, 0), 3)
  await rejectsWith(market.usage(fan, path), 'forbidden')

  const installs = await market.myInstalls(fan)
  assert.deepEqual(installs.items.map((i) => i.agent.slug), [slug])
  const afterDetail = await market.detail(fan, path)
  assert.equal(afterDetail.installCount, 1)
  assert.equal(afterDetail.myRating.stars, 4)
  assert.equal(afterDetail.rating.count, 1)

  await market.deleteRating(fan, path)
  await market.uninstall(fan, path)
  await market.uninstall(fan, path) // idempotent
  assert.deepEqual((await market.myInstalls(fan)).items, [])

  // --- host identities
  const ext = await auth.principalForExternal({ externalId: `ext-${process.pid}`, displayName: 'Host User' })
  const again = await auth.principalForUser(ext.userId)
  assert.equal(again.userId, ext.userId)
  assert.equal(again.sessionId, null)
  assert.equal((await auth.profile(ext)).displayName, 'Host User')

  // --- administration
  await rejectsWith(admin.audit(owner), 'forbidden')
  const adminEmail = email('admin')
  await auth.register({ email: adminEmail, password: PASSWORD })
  const promoted = await admin.setRoleByEmail(adminEmail, 'admin')
  assert.equal(promoted.role, 'admin')
  const root = await auth.authenticate((await auth.login({ email: adminEmail, password: PASSWORD }, { ip: '203.0.113.7' })).accessToken)
  assert.equal(root.isAdmin, true)
  const trail = await admin.audit(root, { action: 'agent.published' }, { limit: 1 })
  assert.equal(trail.items.length, 1)
  assert.equal(trail.items[0].action, 'agent.published')
  assert.equal(typeof trail.nextCursor, 'string')
  const next = await admin.audit(root, { action: 'agent.published' }, { limit: 1, cursor: trail.nextCursor })
  assert.notEqual(next.items[0].id, trail.items[0].id)
  const moderated = await admin.moderateAgent(root, path, { status: 'unlisted', statusMessage: 'under review' })
  assert.equal(moderated.status, 'unlisted')
  assert.equal(moderated.statusMessage, 'under review')
  const disabled = await admin.updateUser(root, fanReg.user.id, { disabled: true })
  assert.equal(disabled.id, fanReg.user.id)
  await rejectsWith(auth.authenticate(fanReg.tokens.accessToken), 'token_invalid')
  const myAudit = await auth.myAudit(owner, { limit: 100 })
  assert.ok(myAudit.items.some((r) => r.action === 'user.registered'))

  // --- end of life
  await agents.delete(owner, path)
  await rejectsWith(market.detail(null, path), 'not_found')
  await auth.logout(owner)
  // The session of that access token has ended.
  await rejectsWith(auth.authenticate(registered.tokens.accessToken), 'token_invalid')
}

for (const backend of backends()) {
  describe(`scenario on ${backend.name}`, () => {
    test('accounts, builder, marketplace and administration', async (t) => {
      const opened = await openBackend(backend)
      if (opened.skip) {
        console.warn(`SKIPPED: scenario on ${backend.name}: ${opened.skip}`)
        t.skip(opened.skip)
        return
      }
      const { mart } = opened
      try {
        assert.ok(mart instanceof Agentmart)
        await scenario(mart)
      } finally {
        await mart.close()
        backend.cleanup()
      }
    })
  })
}
