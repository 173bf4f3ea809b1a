/** The CLI's changes write their events (docs/events.md): `create-owner` and `sso disable`, through main() on a SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { addMember } from '../src/core/members.js'
import { createOrganization } from '../src/core/orgs.js'
import type { DomainEvent } from '../src/core/ports.js'
import { configureIdp, enableSso, setSsoName } from '../src/core/sso-admin.js'
import { createLogger } from '../src/http/logging.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { createTestIdp } from './helpers/test-idp.js'
import { expectNoSecretsIn } from './events/secret-scan.js'

let dir: string
let env: Record<string, string>
const run = (...argv: string[]) => main(argv, env, () => {})
const operator = { kind: 'operator' } as const

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-events-'))
  env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, GATEHOUSE_SECRET_KEY: '44'.repeat(32), GATEHOUSE_BASE_URL: 'http://gh.test' }
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function withRuntime<T>(use: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(loadConfig(env), { logger: createLogger('silent') })
  try {
    return await use(runtime)
  } finally {
    await runtime.close()
  }
}

const events = () => withRuntime((r) => r.deps.store.events.list(undefined, 1000))
const types = (list: readonly DomainEvent[]) => list.map((e) => e.type)

describe('events of the CLI', () => {
  it('create-owner: organization.created and member.created for a new org; member.updated when it promotes a member', async () => {
    expect(await run('create-owner', '--org', 'acme', '--email', 'olivia@acme.test')).toBe(0)
    const first = await events()
    expect(types(first)).toEqual(['organization.created', 'member.created'])
    expect(first[1]!.data).toMatchObject({ member: { email: 'olivia@acme.test', role: 'owner' } })
    await withRuntime((r) => addMember(r.deps, 'acme', { email: 'max@acme.test', firstName: '', lastName: '', role: 'member' }, operator))
    expect(await run('create-owner', '--org', 'acme', '--email', 'max@acme.test')).toBe(0)
    const all = await events()
    expect(types(all.slice(2))).toEqual(['member.created', 'member.updated'])
    expect(all[3]!.data).toMatchObject({ member: { email: 'max@acme.test', role: 'owner' }, before: { role: 'member' }, changed: ['role'] })
    // Already the owner: nothing changes, no event.
    expect(await run('create-owner', '--org', 'acme', '--email', 'max@acme.test')).toBe(0)
    expect(await events()).toHaveLength(4)
    expectNoSecretsIn(await events(), [env['GATEHOUSE_SECRET_KEY']!])
  })

  it('sso disable: one sso.disabled; a second run changes nothing and writes nothing', async () => {
    const idp = await createTestIdp('cli-events')
    await withRuntime(async (r) => {
      await createOrganization(r.deps, { name: 'Acme', slug: 'acme' }, operator)
      await setSsoName(r.deps, 'acme', 'acme', operator)
      await configureIdp(r.deps, 'acme', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] }, operator)
      await enableSso(r.deps, 'acme', { skipTest: true }, operator)
    })
    expect(types(await events())).toEqual(['organization.created', 'sso.enabled'])
    expect(await run('sso', 'disable', '--org', 'acme')).toBe(0)
    expect(await run('sso', 'disable', '--org', 'acme')).toBe(0)
    const all = await events()
    expect(types(all)).toEqual(['organization.created', 'sso.enabled', 'sso.disabled'])
    expect(all[2]).toMatchObject({ orgSlug: 'acme', data: { connection: { ssoName: 'acme' } } })
  })
})
