// A small Express server using agentmart for login and the marketplace.
//
//   cd examples/node && npm install && node express-server.mjs
//   curl -X POST localhost:3000/signup -H 'content-type: application/json' \
//        -d '{"email":"ada@example.com","password":"correct horse battery staple"}'
//   curl localhost:3000/agents?q=summarize
//
// Environment: PORT (default 3000), AGENTMART_STORE (default
// `sled:./agentmart-data`), AGENTMART_JWT_SECRET (at least 32 bytes;
// random for this run when unset; a secret published in the repository is refused).
import express from 'express'
import { Agentmart, AgentmartError } from 'agentmart'
import secret from './secret.cjs'

/** HTTP status of each agentmart error code (the table of the README). */
const STATUS = {
  malformed_request: 400,
  validation_failed: 422,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  token_invalid: 401,
  token_reused: 401,
  forbidden: 403,
  not_found: 404,
  email_taken: 409,
  handle_taken: 409,
  slug_taken: 409,
  version_exists: 409,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
}

/** Builds the Express app over an open agentmart handle. */
export function createApp(mart) {
  const app = express()
  app.use(express.json({ limit: '256kb' }))

  const client = (req) => ({ ip: req.ip, userAgent: req.get('user-agent') ?? undefined })

  // Bearer token → req.principal (or 401 from the error handler).
  const requireUser = async (req, _res, next) => {
    const header = req.get('authorization') ?? ''
    if (!header.startsWith('Bearer ')) {
      next(new AgentmartError('unauthenticated', 'a bearer token is required'))
      return
    }
    try {
      req.principal = await mart.auth.authenticate(header.slice('Bearer '.length))
      next()
    } catch (err) {
      next(err)
    }
  }
  // Optional viewer for public pages.
  const maybeUser = async (req, res, next) => (req.get('authorization') ? requireUser(req, res, next) : next())

  app.post('/signup', async (req, res) => {
    const { user, tokens } = await mart.auth.register(req.body, client(req))
    res.status(201).json({ user, tokens })
  })
  app.post('/login', async (req, res) => {
    res.json(await mart.auth.login(req.body, client(req)))
  })
  app.post('/refresh', async (req, res) => {
    res.json(await mart.auth.refresh(String(req.body?.refreshToken ?? ''), client(req)))
  })
  app.get('/me', requireUser, async (req, res) => {
    res.json(await mart.auth.profile(req.principal))
  })

  app.get('/agents', maybeUser, async (req, res) => {
    const { q, category, tag, sort, cursor } = req.query
    const limit = req.query.limit === undefined ? undefined : Number(req.query.limit)
    res.json(await mart.market.list(req.principal ?? null, { q, category, tag, sort, cursor, limit }))
  })
  app.get('/agents/:owner/:slug', maybeUser, async (req, res) => {
    res.json(await mart.market.detail(req.principal ?? null, req.params))
  })
  app.put('/me/installs/:owner/:slug', requireUser, async (req, res) => {
    const result = await mart.market.install(req.principal, req.params, req.body ?? {})
    res.status(result.created ? 201 : 200).json(result.install)
  })
  app.put('/agents/:owner/:slug/rating', requireUser, async (req, res) => {
    res.json(await mart.market.rate(req.principal, req.params, req.body))
  })

  // Express 5 forwards rejected promises here.
  app.use((err, _req, res, _next) => {
    if (err instanceof AgentmartError) {
      if (err.retryAfter !== null) res.set('retry-after', String(err.retryAfter))
      res.status(STATUS[err.code] ?? 500).json({ code: err.code, message: err.message, errors: err.fields })
      return
    }
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ code: 'malformed_request', message: 'the body is not valid JSON', errors: [] })
      return
    }
    console.error(err)
    res.status(500).json({ code: 'internal', message: 'internal error', errors: [] })
  })
  return app
}

// Run as a program (not when imported by a test).
if (import.meta.url === `file://${process.argv[1]}`) {
  const mart = await Agentmart.open(process.env.AGENTMART_STORE ?? 'sled:./agentmart-data', {
    jwtSecret: secret.exampleSecret(),
  })
  const port = Number(process.env.PORT ?? 3000)
  const server = createApp(mart).listen(port, () => console.log(`agentmart example on http://localhost:${port}`))
  const shutdown = () => server.close(() => mart.close().then(() => process.exit(0)))
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}
