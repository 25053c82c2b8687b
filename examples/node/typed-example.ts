// A typed tour of the `agentmart` API, checked with `tsc --strict --noEmit`
// (bindings-node/tsconfig.json) so that the generated types and the addon
// cannot drift apart. The `@ts-expect-error` lines prove the types are
// precise (not `any`): each must be a type error.
import {
  Agentmart,
  AgentmartError,
  type AgentDetail,
  type AgentListPage,
  type AgentStatus,
  type CatalogSort,
  type ErrorCode,
  type Principal,
  type Profile,
} from 'agentmart'

/** Maps every error code to an HTTP status; the `never` check keeps it exhaustive. */
export function httpStatus(code: ErrorCode): number {
  switch (code) {
    case 'malformed_request':
      return 400
    case 'validation_failed':
      return 422
    case 'unauthenticated':
    case 'invalid_credentials':
    case 'token_expired':
    case 'token_invalid':
    case 'token_reused':
      return 401
    case 'forbidden':
    case 'moderation_locked':
      return 403
    case 'not_found':
      return 404
    case 'email_taken':
    case 'handle_taken':
    case 'slug_taken':
    case 'version_exists':
    case 'conflict':
      return 409
    case 'payload_too_large':
      return 413
    case 'rate_limited':
      return 429
    case 'internal':
      return 500
    case 'unavailable':
      return 503
    default: {
      const unreachable: never = code
      return unreachable
    }
  }
}

async function signUp(mart: Agentmart, email: string, password: string): Promise<Principal> {
  try {
    const { user, tokens } = await mart.auth.register({ email, password, displayName: 'Typed' })
    const verified: boolean = user.emailVerified
    const bio: string | null = user.bio
    void verified
    void bio
    return await mart.auth.authenticate(tokens.accessToken)
  } catch (err) {
    if (err instanceof AgentmartError && err.code === 'validation_failed') {
      for (const field of err.fields) console.error(`${field.field}: ${field.code} (${field.message})`)
    }
    if (err instanceof AgentmartError && err.code === 'rate_limited') {
      const seconds: number | null = err.retryAfter
      console.error(`retry in ${seconds ?? 1} s`)
    }
    throw err
  }
}

async function main(): Promise<void> {
  const mart = await Agentmart.open('memory:', {
    jwtSecret: 'typed-example-secret-0123456789abcdef',
    config: { hashing: { mCost: 64, tCost: 1, pCost: 1 }, throttle: { perClientFailures: 5 } },
  })
  const me = await signUp(mart, 'typed@example.com', 'correct horse battery staple')
  const role: 'user' | 'admin' = me.role

  const profile: Profile = await mart.auth.updateProfile(me, { bio: null, displayName: 'Typed Example' })
  const draft = await mart.agents.create(me, {
    slug: 'typed-agent',
    name: 'Typed agent',
    tagline: 'Shows the types',
    systemPrompt: 'Be precise.',
    inputModes: ['text/plain'],
    outputModes: ['text/plain'],
  })
  const status: AgentStatus = draft.status
  await mart.agents.updateDraft(me, { owner: profile.handle, slug: 'typed-agent' }, { model: null, category: 'dev' })
  const version = await mart.agents.publish(me, `${profile.handle}/typed-agent`, { version: '1.0.0' })
  const prompt: string | null = version.systemPrompt

  const sort: CatalogSort = 'newest'
  const page: AgentListPage = await mart.market.list(null, { sort, limit: 10 })
  const cursor: string | null = page.nextCursor
  const detail: AgentDetail = await mart.market.detail(me, `${profile.handle}/typed-agent`)
  const histogram: number[] = detail.rating.histogram
  const usage30d: number = detail.usage30d

  // @ts-expect-error unknown sort
  await mart.market.list(null, { sort: 'loudest' }).catch(() => undefined)
  // @ts-expect-error stars is a number
  await mart.market.rate(me, 'a/b', { stars: 'five' }).catch(() => undefined)
  // @ts-expect-error principals are not plain objects
  await mart.auth.profile({ userId: 'x' }).catch(() => undefined)
  // @ts-expect-error results are typed, not any
  const wrong: number = profile.handle

  console.log({ role, status, prompt, cursor, histogram, usage30d, items: page.items.length, wrong })
  await mart.close()
}

main().catch((err: unknown) => {
  const code = err instanceof AgentmartError ? httpStatus(err.code) : 500
  console.error(code, err)
  process.exitCode = 1
})
