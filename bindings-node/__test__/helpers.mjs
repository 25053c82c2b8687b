// Shared helpers of the node tests: opening stores of every kind with fast
// (insecure) password hashing, and asserting AgentmartError codes.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Agentmart, AgentmartError } from '../index.mjs'

export const SECRET = 'node-test-secret-0123456789abcdef-0123'
export const PASSWORD = 'correct horse battery staple'

/** Options with argon2 parameters small enough for tests. */
export function testOptions(config = {}) {
  return {
    jwtSecret: SECRET,
    config: { hashing: { mCost: 64, tCost: 1, pCost: 1 }, ...config },
  }
}

/** A fresh sled directory, removed by `cleanup()`. */
export function tempSledUrl() {
  const dir = mkdtempSync(join(tmpdir(), 'agentmart-node-'))
  return { url: `sled:${dir}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * The backends the scenario runs on. Each entry gives a store URL (or why it
 * cannot run here) and a cleanup. SQL backends are listed so that they run as
 * soon as `agentmart-stores` understands their scheme; until then the tests
 * skip them loudly.
 */
export function backends() {
  const list = [
    { name: 'memory', url: 'memory:', cleanup: () => {} },
    { name: 'sled', ...tempSledUrl() },
    { name: 'sqlite', url: 'sqlite::memory:', cleanup: () => {} },
  ]
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl) {
    // A fresh schema per run keeps runs apart (scripts/test-all drops am_node_* afterwards).
    const sep = databaseUrl.includes('?') ? '&' : '?'
    const schema = `am_node_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    list.push({ name: 'postgres', url: `${databaseUrl}${sep}schema=${schema}`, cleanup: () => {} })
  } else if (process.env.CI === 'true') {
    list.push({ name: 'postgres', missing: 'CI=true but DATABASE_URL is not set', cleanup: () => {} })
  } else {
    list.push({ name: 'postgres', skip: 'DATABASE_URL is not set', cleanup: () => {} })
  }
  return list
}

/** True when the error says this build does not include the URL's backend. */
export function unsupportedScheme(err) {
  return (
    err instanceof AgentmartError &&
    err.code === 'validation_failed' &&
    err.fields.some((f) => f.field === 'store_url') &&
    /does not include|unknown store scheme/.test(err.message)
  )
}

/** Opens a backend, or returns the reason to skip it. */
export async function openBackend(backend, config) {
  if (backend.missing) throw new Error(backend.missing)
  if (backend.skip) return { skip: backend.skip }
  try {
    return { mart: await Agentmart.open(backend.url, testOptions(config)) }
  } catch (err) {
    if (unsupportedScheme(err)) return { skip: `this build has no ${backend.name} backend: ${err.message}` }
    throw err
  }
}

/** Awaits `promise` and checks it rejects with an AgentmartError of `code`. */
export async function rejectsWith(promise, code) {
  let caught
  try {
    await promise
  } catch (err) {
    caught = err
  }
  assert.ok(caught, `expected a rejection with code ${code}`)
  assert.ok(caught instanceof AgentmartError, `expected an AgentmartError, got ${caught}`)
  assert.ok(caught instanceof Error)
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`)
  return caught
}

let counter = 0
/** A unique email. */
export function email(prefix = 'user') {
  counter += 1
  return `${prefix}${counter}-${process.pid}@example.com`
}

/** Registers a user and returns { registered, principal }. */
export async function newUser(mart, prefix = 'user', extra = {}) {
  const registered = await mart.auth.register({ email: email(prefix), password: PASSWORD, ...extra })
  const principal = await mart.auth.authenticate(registered.tokens.accessToken)
  return { registered, principal }
}

/** A publishable agent definition. */
export function agentRequest(slug, name = 'Summarizer') {
  return {
    slug,
    name,
    tagline: `${name} condenses long text`,
    description: `The ${name} agent turns long documents into short summaries.`,
    systemPrompt: 'You summarize text faithfully.',
    inputModes: ['text/plain'],
    outputModes: ['text/plain'],
    skills: [{ id: 'summarize', name: 'Summarize', tags: ['text'] }],
    category: 'writing',
    tags: ['summary'],
  }
}
