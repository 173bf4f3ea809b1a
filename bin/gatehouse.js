#!/usr/bin/env node
// The CLI runs the compiled code; `npm run build` produces dist/. `start` first takes its V8 flags
// (src/node-flags.ts: it re-executes node with them where node can), before the rest is loaded.
if (process.argv[2] === 'start') (await import('../dist/node-flags.js')).applyStartFlags(process.env)
const { main } = await import('../dist/cli.js')

process.exitCode = await main(process.argv.slice(2), process.env)
