// ES-module TypeScript consumer: resolves `agentmart` through the package's
// `exports` map (examples/node/node_modules/agentmart), as an application
// would. Checked by `tsc -p examples/node/tsconfig.json` in scripts/test.sh.
import { Agentmart, AgentmartError, type ErrorCode, type InstallResult } from 'agentmart'

const mart = await Agentmart.open('memory:', { jwtSecret: 'typed-esm-secret-0123456789abcdef' })
try {
  const { tokens } = await mart.auth.register({ email: 'esm@example.com', password: 'correct horse battery staple' })
  const me = await mart.auth.authenticate(tokens.accessToken)
  const result: InstallResult = await mart.market.install(me, { owner: 'someone', slug: 'agent' })
  console.log(result.created)
} catch (err) {
  const code: ErrorCode = err instanceof AgentmartError ? err.code : 'internal'
  console.log(code)
} finally {
  await mart.close()
}
