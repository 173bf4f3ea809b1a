#!/usr/bin/env node
// The CLI runs the compiled code; `npm run build` produces dist/. `start` first takes its V8 flags
// (src/node-flags.ts: it may re-execute node with them), before the rest of the program is loaded.
if (process.argv[2] === 'start') (await import('../dist/node-flags.js')).applyStartFlags()
const { main } = await import('../dist/cli.js')

process.exitCode = await main(process.argv.slice(2), process.env)
