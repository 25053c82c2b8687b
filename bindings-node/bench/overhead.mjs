// Throughput of the Node binding for the calls issue 6 names: authenticate,
// market.list and market.install, with many calls in flight.
//
//   npm run build                      # a RELEASE build; debug numbers mean nothing
//   node bench/overhead.mjs [seconds-per-case]   (default 3)
//
// It prints calls per second for each case. Compare with the Rust
// benchmarks of the same calls (benches/) to get the binding's per-call
// overhead. Target from the issue: authenticate >= 100,000 calls/s.
import { Agentmart } from '../index.mjs'

const seconds = Number(process.argv[2] ?? 3)
const inFlight = 256

async function measure(name, call) {
  // Warm up, then run `inFlight` concurrent loops for `seconds`.
  for (let i = 0; i < 200; i += 1) await call(i)
  let calls = 0
  const deadline = performance.now() + seconds * 1000
  const loop = async (worker) => {
    let i = worker
    while (performance.now() < deadline) {
      await call(i)
      i += inFlight
      calls += 1
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: inFlight }, (_, w) => loop(w)))
  const elapsed = (performance.now() - started) / 1000
  const rate = calls / elapsed
  console.log(`${name.padEnd(16)} ${Math.round(rate).toString().padStart(9)} calls/s  (${(1e6 / rate).toFixed(2)} µs/call, ${inFlight} in flight)`)
  return rate
}

const mart = await Agentmart.open('memory:', {
  jwtSecret: 'bench-secret-0123456789abcdef-0123456789',
  config: { hashing: { mCost: 64, tCost: 1, pCost: 1 }, throttle: { enabled: false } },
})
try {
  const owner = await mart.auth.register({ email: 'owner@bench.example', password: 'correct horse battery staple' })
  const ownerP = await mart.auth.authenticate(owner.tokens.accessToken)
  for (let i = 0; i < 20; i += 1) {
    const slug = `agent-${i}`
    await mart.agents.create(ownerP, {
      slug, name: `Agent ${i}`, tagline: 'bench', systemPrompt: 'bench', inputModes: ['text/plain'], outputModes: ['text/plain'],
    })
    await mart.agents.publish(ownerP, `${owner.user.handle}/${slug}`, { version: '1.0.0' })
  }
  const users = []
  for (let i = 0; i < 64; i += 1) {
    const u = await mart.auth.register({ email: `u${i}@bench.example`, password: 'correct horse battery staple' })
    users.push({ token: u.tokens.accessToken, principal: await mart.auth.authenticate(u.tokens.accessToken) })
  }

  await measure('authenticate', (i) => mart.auth.authenticate(users[i % users.length].token))
  await measure('market.list', () => mart.market.list(null, { limit: 20 }))
  await measure('market.install', (i) =>
    mart.market.install(users[i % users.length].principal, `${owner.user.handle}/agent-${i % 20}`),
  )
} finally {
  await mart.close()
}
