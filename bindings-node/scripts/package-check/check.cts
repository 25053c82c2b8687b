// Type-checked (never run) against the installed package's declarations, as
// CommonJS: `tsc -p tsconfig.json` in the packaging check's project.
import agentmart = require('agentmart')

export async function publish(mart: agentmart.Agentmart, owner: agentmart.Principal): Promise<agentmart.VersionView> {
  await mart.agents.create(owner, { slug: 'summarizer', name: 'Summarizer' })
  return mart.agents.publish(owner, { owner: 'ada', slug: 'summarizer' }, { version: '1.0.0' })
}
