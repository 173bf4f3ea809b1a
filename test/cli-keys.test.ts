/** `gatehouse keys` and `gatehouse sso disable`, through main() on a temporary SQLite database. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/http/logging.js'
import { createRuntime } from '../src/runtime.js'
import { setSsoName, configureIdp, enableSso } from '../src/core/sso-admin.js'
import { createOrganization } from '../src/core/orgs.js'
import { createTestIdp } from './helpers/test-idp.js'
import { buildApp } from '../src/http/app.js'

let dir: string
let env: Record<string, string>
let lines: string[]
const run = (...argv: string[]) => main(argv, env, (line) => lines.push(line))

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'))
  env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, GATEHOUSE_SECRET_KEY: '33'.repeat(32), GATEHOUSE_BASE_URL: 'http://gh.test' }
  lines = []
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const activeKeys = async () => {
  const runtime = await createRuntime(loadConfig(env), { logger: createLogger('silent') })
  try {
    return await runtime.deps.store.spKeys.listActive()
  } finally {
    await runtime.close()
  }
}

describe('gatehouse keys', () => {
  it('rotates in stages: the next key is published at once and signs once activated; the old stays published until retired', async () => {
    expect(await run('keys', 'rotate')).toBe(0)
    expect(lines[0]).toMatch(/^Added SAML key \S+; it signs from now on/)
    lines = []
    expect(await run('keys', 'rotate')).toBe(0)
    const [newest, oldest] = await activeKeys()
    expect(lines[0]).toContain(`Added SAML key ${newest!.id}: published in SP metadata (and decrypting) from now on; it signs AuthnRequests from `)
    expect(lines[0]).toContain(`gatehouse keys activate --id ${newest!.id}`)
    expect(lines[0]).toContain('takes effect in every running Gatehouse process within 5 seconds')
    expect(lines.join('\n')).toMatch(new RegExp(`${newest!.id}  created \\S+  next, signs from `))
    expect(lines.join('\n')).toMatch(new RegExp(`${oldest!.id}  created \\S+  signing `))
    expect(await run('keys', 'rotate')).toBe(1)
    expect(lines.at(-1)).toContain(`SP key ${newest!.id} is already published and signs from`)

    const config = loadConfig(env)
    const runtime = await createRuntime(config, { logger: createLogger('silent') })
    const actor = { kind: 'operator' } as const
    await createOrganization(runtime.deps, { name: 'Acme', slug: 'acme' }, actor)
    await setSsoName(runtime.deps, 'acme', 'acme', actor)
    const app = await buildApp(config, runtime.deps)
    const metadata = async () => (await app.inject({ method: 'GET', url: '/saml/acme/metadata' })).body
    const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '')
    expect(await metadata()).toContain(b64(newest!.certificatePem))
    expect(await metadata()).toContain(b64(oldest!.certificatePem))
    await app.close()
    await runtime.close()

    expect(await run('keys', 'retire', '--id', oldest!.id)).toBe(1)
    expect(lines.at(-1)).toContain('is the signing key (rotate first')
    expect(await run('keys', 'activate', '--id', newest!.id)).toBe(0)
    expect(lines.find((l) => l.startsWith(`SAML key ${newest!.id} signs from now on`))).toContain('within 5 seconds')
    expect(await run('keys', 'activate', '--id', newest!.id)).toBe(1)
    expect(lines.at(-1)).toContain('not waiting to sign')
    expect(await run('keys', 'retire', '--id', newest!.id)).toBe(1)
    expect(lines.at(-1)).toContain('is the signing key (rotate first')
    expect(await run('keys', 'retire', '--id', oldest!.id)).toBe(0)
    expect(lines.find((l) => l.startsWith('Retired SAML key'))).toContain('takes effect in every running Gatehouse process within 5 seconds')
    const runtime2 = await createRuntime(config, { logger: createLogger('silent') })
    const app2 = await buildApp(config, runtime2.deps)
    const after = (await app2.inject({ method: 'GET', url: '/saml/acme/metadata' })).body
    expect(after).toContain(b64(newest!.certificatePem))
    expect(after).not.toContain(b64(oldest!.certificatePem))
    await app2.close()
    await runtime2.close()
  })

  it('refuses to retire the last key, and a key that does not exist', async () => {
    await run('keys', 'rotate')
    const [only] = await activeKeys()
    expect(await run('keys', 'retire', '--id', only!.id)).toBe(1)
    expect(await run('keys', 'retire', '--id', 'nope')).toBe(1)
    expect(await activeKeys()).toHaveLength(1)
  })

  it('rotate --activate adds a key that signs at once', async () => {
    await run('keys', 'rotate')
    lines = []
    expect(await run('keys', 'rotate', '--activate')).toBe(0)
    const [newest] = await activeKeys()
    expect(lines[0]).toMatch(new RegExp(`^Added SAML key ${newest!.id}; it signs from now on`))
    expect(lines.join('\n')).toMatch(new RegExp(`${newest!.id}  created \\S+  signing `))
  })

  it('stores private keys sealed, never as PEM', async () => {
    await run('keys', 'rotate')
    const [key] = await activeKeys()
    expect(key!.privateKeyEncrypted).not.toContain('PRIVATE KEY')
  })

  it('explains its usage', async () => {
    expect(await run('keys', '--help')).toBe(0)
    expect(lines.join('\n')).toContain('Every change takes effect in every running Gatehouse process within 5 seconds')
    expect(lines.join('\n')).toContain('GATEHOUSE_SP_KEY_PUBLICATION_DAYS')
    expect(await run('keys', 'spin')).toBe(1)
    expect(await run('keys', 'retire')).toBe(1)
    expect(await run('keys', 'activate')).toBe(1)
    expect(await run('keys', 'rotate', '--oidc', '--activate')).toBe(1)
    expect(await run('keys', 'activate', '--oidc', '--id', 'x')).toBe(1)
  })
})

describe('gatehouse sso disable', () => {
  it("disables an org's SSO and keeps its configuration", async () => {
    const config = loadConfig(env)
    const runtime = await createRuntime(config, { logger: createLogger('silent') })
    const actor = { kind: 'operator' } as const
    const idp = await createTestIdp('cli')
    await createOrganization(runtime.deps, { name: 'Acme', slug: 'acme' }, actor)
    await setSsoName(runtime.deps, 'acme', 'acme', actor)
    await configureIdp(runtime.deps, 'acme', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] }, actor)
    await enableSso(runtime.deps, 'acme', { skipTest: true }, actor)
    await runtime.close()

    expect(await run('sso', 'disable', '--org', 'acme')).toBe(0)
    expect(lines.at(-1)).toMatch(/^SSO is disabled for acme\. Members sign in with passwords/)
    expect(await run('sso', 'disable', '--org', 'acme')).toBe(0)
    expect(lines.at(-1)).toMatch(/^SSO was already off for acme: nothing changed\./)
    const after = await createRuntime(config, { logger: createLogger('silent') })
    const connection = await after.deps.store.ssoConnections.findBySsoName('acme')
    expect(connection?.enabled).toBe(false)
    expect(connection?.idp?.entityId).toBe(idp.entityId)
    await after.close()
    expect(await run('sso', 'disable', '--org', 'nobody')).toBe(1)
    expect(await run('sso', 'disable')).toBe(1)
  })
})
