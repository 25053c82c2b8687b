// The signing secret of the Node examples: never a published one.
//
// AGENTMART_JWT_SECRET, or, when that is unset, 32 random bytes (hex) for this
// run (tokens then die with the process). A secret published anywhere in the
// agentmart repository (../published-secrets.txt, the same list as the Rust
// examples' PUBLISHED_SECRETS) is refused: anyone could forge tokens with it.
'use strict'
const { randomBytes } = require('node:crypto')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')

/** Every secret the repository publishes. */
const PUBLISHED_SECRETS = readFileSync(join(__dirname, '..', 'published-secrets.txt'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))

const REFUSAL =
  'AGENTMART_JWT_SECRET is a secret published in the agentmart repository; ' +
  'anyone can forge tokens with it. Generate your own: `openssl rand -hex 32`'

/** The secret for `value` (the variable's value): throws on a published one. */
function resolveSecret(value) {
  if (value === undefined || value === '') {
    console.error(
      'AGENTMART_JWT_SECRET is not set: using a random secret for this run ' +
        '(tokens stop verifying when the process ends)',
    )
    return randomBytes(32).toString('hex')
  }
  if (PUBLISHED_SECRETS.includes(value.trim())) throw new Error(REFUSAL)
  return value
}

/** The examples' secret from the environment; exits with status 2 on a published one. */
function exampleSecret(env = process.env) {
  try {
    return resolveSecret(env.AGENTMART_JWT_SECRET)
  } catch (err) {
    console.error(`error: ${err.message}`)
    process.exit(2)
  }
}

module.exports = { PUBLISHED_SECRETS, REFUSAL, resolveSecret, exampleSecret }
