// Type-checked (never run) against the installed package's declarations, as
// an ES module: `tsc -p tsconfig.json` in the packaging check's project.
import { Agentmart, AgentmartError, type AgentListPage, type ErrorCode, type Principal } from 'agentmart'

export async function listAsAdaSees(mart: Agentmart, ada: Principal): Promise<string[]> {
  const page: AgentListPage = await mart.market.list(ada, { q: 'summarize', sort: 'relevance', limit: 5 })
  return page.items.map((a) => `${a.owner}/${a.slug}@${a.latestVersion ?? 'unpublished'}`)
}

export function codeOf(err: unknown): ErrorCode | null {
  return err instanceof AgentmartError ? err.code : null
}
