// The ES-module entry point of `agentmart`: the same objects as the
// CommonJS entry (`index.js`), so `instanceof` agrees across module systems.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const agentmart = require('./index.js')

export const {
  Agentmart,
  AuthApi,
  AgentsApi,
  MarketApi,
  AdminApi,
  Principal,
  AgentmartError,
  errorCodes,
  __panicForTests,
  __napiBindingTarget,
} = agentmart
