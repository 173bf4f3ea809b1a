/**
 * The V8 flags `gatehouse start` runs with: set here and nowhere else. `npm start`, the installed
 * `gatehouse start` and `node bin/gatehouse.js start` (a container CMD, a systemd unit) all come here,
 * from bin/gatehouse.js, before the rest of the program is loaded. What each buys is measured in
 * docs/PERFORMANCE.md.
 *
 * V8 reads them only when the process starts, so `start` re-executes node with them (process.execve:
 * the same process id, environment and open files; nothing to forward). Node 20 has no
 * process.execve: there they must be given on the command line (docs/configuration.md).
 */

/**
 * A young generation of 2 × 8 MB (Node 20 and 22 default to 2 × 16 MB, Node 24 to 2 × 32 MB): ACS
 * posts waiting for their turn keep their bodies alive, and a larger young generation holds them
 * longer, which is what pushed the process past DESIGN §6's 200 MB with 64 connections posting 90 KB.
 */
export const RESTART_FLAGS = ['--max-semi-space-size=8'] as const

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never

/** The RESTART_FLAGS this process was not started with (the flag's name counts: a value given deliberately stands). */
export function missingRestartFlags(execArgv: readonly string[], nodeOptions: string): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)]
  return RESTART_FLAGS.filter((flag) => !given.some((arg) => arg.split('=')[0] === flag.split('=')[0]))
}

/**
 * For `start`: re-executes this process (with `env`, the process's environment) with the
 * RESTART_FLAGS it lacks, if node can: this call then never returns. Else returns those it lacks.
 */
export function applyStartFlags(env: NodeJS.ProcessEnv): string[] {
  const missing = missingRestartFlags(process.execArgv, env.NODE_OPTIONS ?? '')
  const execve = (process as { execve?: Execve }).execve
  if (missing.length > 0 && typeof execve === 'function') {
    execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], env)
  }
  return missing
}
