// agentmart quickstart (CommonJS).
//
//   cd examples/node && npm install && node quickstart.cjs
'use strict'
const { Agentmart, AgentmartError } = require('agentmart')
const { exampleSecret } = require('./secret.cjs')

async function main() {
  const mart = await Agentmart.open('memory:', {
    jwtSecret: exampleSecret(),
  })
  try {
    const { user, tokens } = await mart.auth.register({
      email: 'grace@example.com',
      password: 'correct horse battery staple',
      displayName: 'Grace',
    })
    const me = await mart.auth.authenticate(tokens.accessToken)
    const profile = await mart.auth.updateProfile(me, { bio: 'Writes compilers' })
    console.log(`@${user.handle}: ${profile.displayName} — ${profile.bio}`)

    const draft = await mart.agents.create(me, { slug: 'reviewer', name: 'Code reviewer', tagline: 'Reviews diffs' })
    console.log(`draft ${draft.owner}/${draft.slug} is ${draft.status}; publish needs:`, draft.warnings.map((w) => w.field))

    try {
      await mart.agents.publish(me, `${user.handle}/reviewer`, { version: '1.0.0' })
    } catch (err) {
      if (!(err instanceof AgentmartError) || err.code !== 'validation_failed') throw err
      console.log('publish refused:', err.fields.map((f) => `${f.field} (${f.code})`).join(', '))
    }
  } finally {
    await mart.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
