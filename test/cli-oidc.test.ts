/** `gatehouse oidc-client` and `gatehouse keys … --oidc`, through main() on a temporary SQLite database. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/http/app.js'
import { createLogger } from '../src/http/logging.js'
import { createRuntime } from '../src/runtime.js'

let dir: string
let env: Record<string, string>
let lines: string[]
const run = (...argv: string[]) => main(argv, env, (line) => lines.push(line))

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-oidc-'))
  env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, GATEHOUSE_SECRET_KEY: '44'.repeat(32), GATEHOUSE_BASE_URL: 'http://gh.test' }
  lines = []
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function withRuntime<T>(work: (runtime: Awaited<ReturnType<typeof createRuntime>>) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(loadConfig(env), { logger: createLogger('silent') })
  try {
    return await work(runtime)
  } finally {
    await runtime.close()
  }
}

async function publishedKids(): Promise<string[]> {
  return withRuntime(async (runtime) => {
    const app = await buildApp(loadConfig(env), runtime.deps)
    try {
      const res = await app.inject({ method: 'GET', url: '/oidc/jwks', headers: { host: 'gh.test' } })
      return (JSON.parse(res.body) as { keys: { kid: string }[] }).keys.map((k) => k.kid)
    } finally {
      await app.close()
    }
  })
}

describe('gatehouse oidc-client', () => {
  it('registers a back-channel logout URI with add, changes and removes it with update, refusing a bad one', async () => {
    const bcl = 'https://app.example.com/backchannel-logout'
    expect(await run('oidc-client', 'add', '--name', 'App', '--redirect-uri', 'https://app.example.com/cb', '--backchannel-logout-uri', bcl)).toBe(0)
    const id = /client_id\s+(\S+)/.exec(lines.join('\n'))![1]!
    expect(lines.join('\n')).toContain(`back-channel logout  ${bcl} (with sid)`)
    expect((await withRuntime((r) => r.deps.store.oidcClients.find(id)))!).toMatchObject({ backchannelLogoutUri: bcl, backchannelLogoutSessionRequired: true })
    lines = []
    expect(await run('oidc-client', 'update', '--id', id, '--backchannel-logout-uri', 'https://app.example.com/bcl#x')).toBe(1)
    expect(lines.join('\n')).toContain('must not contain a fragment')
    expect(await run('oidc-client', 'update', '--id', id, '--no-backchannel-logout-session')).toBe(0)
    expect((await withRuntime((r) => r.deps.store.oidcClients.find(id)))!).toMatchObject({ backchannelLogoutUri: bcl, backchannelLogoutSessionRequired: false })
    expect(await run('oidc-client', 'update', '--id', id, '--no-backchannel-logout')).toBe(0)
    expect((await withRuntime((r) => r.deps.store.oidcClients.find(id)))!.backchannelLogoutUri).toBeUndefined()
    lines = []
    expect(await run('oidc-client', 'update', '--id', id)).toBe(1)
    expect(lines[0]).toMatch(/^gatehouse oidc-client: update needs --id and something to change\n/)
  })

  it('adds a confidential client, printing its id and secret once; lists it without the secret; removes it', async () => {
    expect(
      await run(
        'oidc-client',
        'add',
        '--name',
        'Host app',
        '--redirect-uri',
        'https://app.example.com/callback',
        '--redirect-uri',
        'http://localhost:3000/callback',
        '--post-logout-redirect-uri',
        'https://app.example.com/',
      ),
    ).toBe(0)
    const output = lines.join('\n')
    const id = /client_id\s+(\S+)/.exec(output)![1]!
    const secret = /client_secret\s+(\S+)/.exec(output)![1]!
    expect(lines[0]).toBe(`Registered confidential OpenID Connect client "Host app" in sqlite:${join(dir, 'g.db')}.`)
    expect(lines[1]).toBe('  issuer         http://gh.test/oidc   (GATEHOUSE_BASE_URL as this command saw it: the server must run with the same)')
    const clients = await withRuntime((r) => r.deps.store.oidcClients.list())
    expect(clients).toMatchObject([
      {
        id,
        name: 'Host app',
        public: false,
        redirectUris: ['https://app.example.com/callback', 'http://localhost:3000/callback'],
        postLogoutRedirectUris: ['https://app.example.com/'],
      },
    ])
    lines = []
    expect(await run('oidc-client', 'list')).toBe(0)
    expect(lines.join('\n')).toContain(id)
    expect(lines.join('\n')).not.toContain(secret)
    expect(await run('oidc-client', 'remove', '--id', id)).toBe(0)
    expect(await withRuntime((r) => r.deps.store.oidcClients.list())).toEqual([])
  })

  it('adds a public client without a secret', async () => {
    expect(await run('oidc-client', 'add', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public')).toBe(0)
    expect(lines.join('\n')).not.toContain('client_secret')
    expect((await withRuntime((r) => r.deps.store.oidcClients.list()))[0]!.public).toBe(true)
  })

  it('refuses a bad redirect URI and missing options, storing nothing', async () => {
    expect(await run('oidc-client', 'add', '--name', 'Bad', '--redirect-uri', 'http://app.example.com/cb')).toBe(1)
    expect(lines.join('\n')).toContain('must use https')
    expect(await run('oidc-client', 'add', '--name', 'No URI')).toBe(1)
    expect(await run('oidc-client', 'add', '--redirect-uri', 'https://x.example.com/cb', '--bogus', 'x')).toBe(1)
    expect(await withRuntime((r) => r.deps.store.oidcClients.list())).toEqual([])
  })
})

describe('gatehouse keys --oidc', () => {
  it('rotates: the new keys sign, the old stay in the JWKS until retired; the last of an algorithm stays', async () => {
    expect(await run('keys', 'rotate', '--oidc')).toBe(0)
    expect(lines.find((l) => l.startsWith('Added OpenID Connect keys'))).toContain('takes effect in every running Gatehouse process within 5 seconds')
    const first = await withRuntime((r) => r.deps.store.oidcKeys.listActive())
    expect(first.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256'])
    expect(first.every((k) => !k.privateJwkEncrypted.includes('"d"'))).toBe(true)
    expect(await run('keys', 'rotate', '--oidc')).toBe(0)
    const both = await withRuntime((r) => r.deps.store.oidcKeys.listActive())
    expect(both).toHaveLength(4)
    expect((await publishedKids()).sort()).toEqual(both.map((k) => k.id).sort())
    const oldRsa = first.find((k) => k.alg === 'RS256')!
    expect(await run('keys', 'retire', '--oidc', '--id', oldRsa.id)).toBe(0)
    expect(await publishedKids()).not.toContain(oldRsa.id)
    expect(lines.find((l) => l.startsWith('Retired OpenID Connect key'))).toContain('takes effect in every running Gatehouse process within 5 seconds')
    const audited = await withRuntime((r) => r.db.selectFrom('audit_events').select(['action', 'actor']).orderBy('created_at').orderBy('id').execute())
    expect(audited).toEqual([
      { action: 'oidc.keys_rotated', actor: 'operator' },
      { action: 'oidc.keys_rotated', actor: 'operator' },
      { action: 'oidc.key_retired', actor: 'operator' },
    ])
    const newRsa = both.find((k) => k.alg === 'RS256' && k.id !== oldRsa.id)!
    lines = []
    expect(await run('keys', 'retire', '--oidc', '--id', newRsa.id)).toBe(1)
    expect(lines.join('\n')).toContain('last key of its algorithm')
    expect(await publishedKids()).toContain(newRsa.id)
  })
})
