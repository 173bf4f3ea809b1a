/** The CLI's `--name value` / `--name=value` options, and the error that prints a command's usage. */
export function parseFlags(args: readonly string[], allowed: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (match === null || !allowed.includes(match[1]!)) throw new UsageError(`unknown option "${arg}"`)
    const value = match[2] ?? args[++i]
    if (value === undefined) throw new UsageError(`--${match[1]} needs a value`)
    flags[match[1]!] = value
  }
  return flags
}

export class UsageError extends Error {}
