/**
 * README.md's shell blocks work as written (issue 17 item 1). Every block is valid bash; the ones
 * that install (`npm ci`) are only checked; the rest run for real, in order, in one fresh bash with
 * nothing in its environment but PATH and HOME, as a newcomer pastes them into one terminal:
 * the operator-API snippet starts the built server with an exported admin token and its `curl`
 * is answered, the IdP block sets up and enables SSO, `oidc-client add` registers a client.
 * Two things are not verbatim, so the test can run beside others: the port (a free one instead of
 * 4000, given as GATEHOUSE_PORT) and `npm start`'s build step (dist/ is built once by ensureBuilt),
 * plus a temporary GATEHOUSE_DATA_DIR.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'
import { ensureBuilt, freePort, ROOT, within } from './helpers/built-cli.js'
import { httpBrowser } from './helpers/http-browser.js'

const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const BLOCKS = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
const installs = (block: string) => /\bnpm (ci|install)\b/.test(block)

describe('README.md command blocks', () => {
  it('has the blocks this test knows: install/start, the operator API, connecting an IdP, an OIDC client', () => {
    expect(BLOCKS).toHaveLength(4)
    expect(BLOCKS[1]).toContain('GATEHOUSE_ADMIN_TOKEN')
    expect(BLOCKS[2]).toContain('/sso/enable')
    expect(BLOCKS[3]).toContain('oidc-client add')
  })

  it.each(BLOCKS.map((block, i) => [i, block] as const))('block %i is valid bash', (_i, block) => {
    expect(() => execFileSync('bash', ['-n'], { input: block, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow()
  })

  it('names only npm scripts that exist, and gatehouse commands that exist', async () => {
    const scripts = [...README.matchAll(/\bnpm (?:run )?([a-z][a-z:]*)/g)].map((m) => m[1]!).filter((s) => !['ci', 'install', 'exec'].includes(s))
    expect(scripts).toEqual(expect.arrayContaining(['start', 'test', 'build']))
    for (const script of scripts) {
      expect(PACKAGE.scripts, `npm ${script}`).toHaveProperty(script)
    }
    const commands = new Set([...README.matchAll(/\bnpx gatehouse ([a-z-]+)/g)].map((m) => m[1]!))
    expect(commands.size).toBeGreaterThanOrEqual(5)
    for (const command of commands) {
      expect(await main([command, '--help'], {}, () => {}), `gatehouse ${command}`).toBe(0)
    }
  })
})

/** One bash process fed the README's blocks one at a time, as a terminal would be. */
interface Shell {
  run(block: string, ms: number): Promise<{ status: number; output: string }>
  output(): string
  close(): Promise<void>
}

function startShell(cwd: string, env: Record<string, string>): Shell {
  const bash: ChildProcess = spawn('bash', ['-s'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  let out = ''
  bash.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  bash.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  // One stream, in order: the marker on stdout could otherwise be read before a block's last words on
  // stderr (seen once in CI, on a loaded machine).
  bash.stdin!.write('exec 2>&1\n')
  let blocks = 0
  return {
    output: () => out,
    run: async (block, ms) => {
      const marker = `__block_${++blocks}_done__`
      const from = out.length
      bash.stdin!.write(`${block}\necho "${marker} $?"\n`)
      const status = await within(
        new Promise<number>((resolve) => {
          const look = () => {
            const match = new RegExp(`${marker} (\\d+)`).exec(out.slice(from))
            if (match !== null) {
              bash.stdout!.off('data', look)
              resolve(Number(match[1]))
            }
          }
          bash.stdout!.on('data', look)
          look()
        }),
        ms,
        `block ${blocks}:\n${block}\n--- output so far:\n${out.slice(from)}`,
      )
      return { status, output: out.slice(from) }
    },
    close: async () => {
      // The server started with `&` is in bash's process group: end them together.
      if (bash.pid !== undefined) {
        try {
          process.kill(-bash.pid, 'SIGTERM')
        } catch {
          // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
      if (bash.pid !== undefined) {
        try {
          process.kill(-bash.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    },
  }
}

describe('README.md run for real', () => {
  let dir: string
  let port: number
  let shell: Shell

  beforeAll(async () => {
    ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'))
    port = await freePort()
    shell = startShell(ROOT, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_DATA_DIR: join(dir, 'data'),
      // npx runs this project's own bin; never a download.
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
    })
  }, 180_000)
  afterAll(async () => {
    await shell?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The JSON object starting at the first `start` in `text` (braces counted outside strings), or undefined. */
  function firstJsonObject(text: string, start: string): string | undefined {
    const from = text.indexOf(start)
    if (from === -1) return undefined
    let depth = 0
    let inString = false
    for (let i = from; i < text.length; i++) {
      const c = text[i]
      if (inString) {
        if (c === '\\') i++
        else if (c === '"') inString = false
      } else if (c === '"') inString = true
      else if (c === '{') depth++
      else if (c === '}' && --depth === 0) return text.slice(from, i + 1)
    }
    return undefined
  }

  /** The block with only the port and the build step changed (see the header). */
  const asRun = (block: string) => block.replaceAll('localhost:4000', `localhost:${port}`).replaceAll('npm start', PACKAGE.scripts.start!)

  it('runs every block that does not install, in order, in one fresh shell', async () => {
    const [install, operatorApi, connectIdp, oidcClient] = BLOCKS as [string, string, string, string]
    expect(installs(install)).toBe(true)
    for (const block of [operatorApi, connectIdp, oidcClient]) expect(installs(block)).toBe(false)

    // The operator API: the exported token reaches both the server and curl (the old snippet's curl sent none: 401).
    const listed = await shell.run(asRun(operatorApi), 60_000)
    expect(listed.status).toBe(0)
    // curl prints no newline, so the background server's next log line may follow on the same line:
    // take the one JSON object that starts at {"data":.
    const body = firstJsonObject(listed.output, '{"data":')
    expect(body, listed.output).toBeDefined()
    expect(JSON.parse(body!)).toMatchObject({ data: [] })
    expect(listed.output).not.toContain('unauthorized')

    // README step 1: the first owner creates Acme through the set-up link the server printed.
    const link = /(http:\/\/localhost:\d+\/setup\?token=\S+)/.exec(shell.output())?.[1]
    expect(link).toBeDefined()
    const b = httpBrowser(`http://localhost:${port}`)
    await b.navigate(link!)
    const setUp = await b.submit('/setup', {
      token: new URL(link!).searchParams.get('token')!,
      orgName: 'Acme',
      orgSlug: 'acme',
      firstName: 'Olivia',
      lastName: 'Owner',
      email: 'olivia@acme.test',
      password: 'correct horse battery',
    })
    expect(new URL(setUp.url).pathname, setUp.body.slice(0, 500)).toBe('/dashboard')

    // Connect an identity provider: SSO name, the IdP's metadata URL, enable.
    const connected = await shell.run(asRun(connectIdp), 60_000)
    expect(connected.status).toBe(0)
    expect(connected.output).toContain(`"entityId":"http://localhost:${port}/saml/acme"`)
    expect(connected.output).toContain(`"entityId":"http://localhost:${port}/dev/idp"`)
    expect(connected.output).toMatch(/"enabled":true/)
    expect(connected.output).not.toMatch(/"error":/)

    // Register an app over OpenID Connect.
    const registered = await shell.run(asRun(oidcClient), 60_000)
    expect(registered.status).toBe(0)
    expect(registered.output).toContain('Registered confidential OpenID Connect client "My app"')
    expect(registered.output).toContain(`issuer         http://localhost:${port}/oidc`)
    expect(registered.output).toMatch(/client_secret\s+\S+/)
  }, 180_000)

  it('the IdP block in a shell without the token stops at once, saying what to do (not a 401)', async () => {
    const fresh = startShell(ROOT, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir })
    try {
      const result = await fresh.run(`( ${asRun(BLOCKS[2]!)} )`, 20_000)
      expect(result.status).not.toBe(0)
      expect(result.output).toContain('GATEHOUSE_ADMIN_TOKEN: export it and start the server as above, in this shell')
      expect(result.output).not.toContain('unauthorized')
    } finally {
      await fresh.close()
    }
  })
})
