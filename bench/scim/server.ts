/** The SCIM bench's server: the built Gatehouse as `gatehouse start` runs it, pinned to CPU 0; and the database check after the run. */
import { spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/http/logging.js'
import { RESTART_FLAGS } from '../../src/node-flags.js'
import { createRuntime } from '../../src/runtime.js'
import { cpuSeconds, pinned, waitHealthy } from '../acs/processes.js'
import type { Target } from './seed.js'

export interface Server {
  readonly pid: number
  readonly baseUrl: string
  /** CPU time (user + system) the server has used so far, in seconds. */
  cpuSeconds(): number
  stop(): Promise<void>
  kill(): void
}

/** `env` names the port (GATEHOUSE_PORT) and the database; the log goes to `{dir}/gatehouse-{name}.log`. */
export async function startServer(options: { root: string; dir: string; name: string; env: Record<string, string> }): Promise<Server> {
  const { env } = options
  mkdirSync(env.GATEHOUSE_DATA_DIR!, { recursive: true })
  const log = openSync(join(options.dir, `gatehouse-${options.name}.log`), 'a')
  // BENCH_GATEHOUSE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server only.
  const nodeArgs = (process.env.BENCH_GATEHOUSE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
  const command = pinned(0, [process.execPath, ...RESTART_FLAGS, ...nodeArgs, 'bin/gatehouse.js', 'start'])
  const child = spawn(command[0]!, command.slice(1), { cwd: options.root, env, stdio: ['ignore', log, log] })
  const baseUrl = `http://127.0.0.1:${env.GATEHOUSE_PORT}`
  try {
    await waitHealthy(`${baseUrl}/healthz`, child, `Gatehouse (${options.name})`, options.dir)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  // taskset execs node, so the child's pid is the server's own.
  const pid = child.pid!
  return {
    pid,
    baseUrl,
    cpuSeconds: () => cpuSeconds(pid),
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop()
        child.once('exit', () => resolveStop())
        child.kill('SIGTERM')
      }),
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

/** What is left of the deactivated members' access in the database (all should be 0), and how many are deactivated. */
export async function countHoldings(env: Record<string, string>, targets: readonly Target[]) {
  const runtime = await createRuntime(loadConfig(env), { logger: createLogger('silent'), migrate: false })
  const db = runtime.db
  const left = { sessions: 0, apiTokens: 0, oidcRows: 0, deactivated: 0 }
  try {
    for (let i = 0; i < targets.length; i += 200) {
      const users = targets.slice(i, i + 200).map((t) => t.userId)
      const grants = targets.slice(i, i + 200).map((t) => t.grantId)
      const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: string | number }> }) => Number((await query.executeTakeFirstOrThrow()).n)
      left.sessions += await count(
        db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('user_id', 'in', users),
      )
      left.apiTokens += await count(
        db
          .selectFrom('api_tokens')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('user_id', 'in', users),
      )
      left.oidcRows += await count(
        db
          .selectFrom('oidc_payloads')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where((eb) => eb.or([eb('grant_id', 'in', grants), eb('id', 'in', grants)])),
      )
      left.deactivated += await count(
        db
          .selectFrom('members')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('user_id', 'in', users)
          .where('deactivated_at', 'is not', null),
      )
    }
  } finally {
    await runtime.close()
  }
  return left
}
