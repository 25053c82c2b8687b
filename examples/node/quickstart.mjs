// agentmart quickstart (ES modules): sign up, build and publish an agent,
// then find, install and rate it as another user.
//
//   cd examples/node && npm install && node quickstart.mjs [store-url]
//
// The store defaults to `memory:` (gone at exit); pass `sled:./agentmart-data`
// to keep the data.
import { Agentmart, AgentmartError } from 'agentmart'
import secret from './secret.cjs'

const storeUrl = process.argv[2] ?? 'memory:'
const mart = await Agentmart.open(storeUrl, {
  // AGENTMART_JWT_SECRET (in production: at least 32 random bytes from your
  // secret store), else a random one for this run; a published one is refused.
  jwtSecret: secret.exampleSecret(),
})

try {
  // 1. Accounts: register, then turn the access token into a principal.
  const ada = await mart.auth.register({ email: 'ada@example.com', password: 'correct horse battery staple' })
  const owner = await mart.auth.authenticate(ada.tokens.accessToken)
  console.log(`registered @${ada.user.handle}`)

  // 2. Builder: create a draft, publish version 1.0.0.
  await mart.agents.create(owner, {
    slug: 'summarizer',
    name: 'Summarizer',
    tagline: 'Condenses long text',
    systemPrompt: 'You summarize text faithfully and briefly.',
    inputModes: ['text/plain'],
    outputModes: ['text/plain'],
    skills: [{ id: 'summarize', name: 'Summarize' }],
    tags: ['writing'],
  })
  const path = `${ada.user.handle}/summarizer`
  await mart.agents.publish(owner, path, { version: '1.0.0', changelog: 'First release' })
  console.log(`published ${path}@1.0.0`)

  // 3. Marketplace: another user searches, installs and rates it.
  const bob = await mart.auth.register({ email: 'bob@example.com', password: 'another long passphrase' })
  const user = await mart.auth.authenticate(bob.tokens.accessToken)
  const page = await mart.market.list(user, { q: 'summarize', sort: 'popular' })
  console.log('search:', page.items.map((a) => `${a.owner}/${a.slug}`))
  await mart.market.install(user, path)
  await mart.market.rate(user, path, { stars: 5, title: 'Saves me hours' })
  const detail = await mart.market.detail(user, path)
  console.log(`${detail.name}: ${detail.installCount} install(s), rating ${detail.rating.mean} (${detail.rating.count})`)

  // 4. Errors carry a stable code.
  try {
    await mart.auth.login({ email: 'ada@example.com', password: 'wrong password' }, { ip: '203.0.113.7' })
  } catch (err) {
    if (!(err instanceof AgentmartError)) throw err
    console.log(`login failed: ${err.code}`) // invalid_credentials
  }
} finally {
  await mart.close()
}
