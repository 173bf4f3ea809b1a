#!/usr/bin/env node
// The CLI runs the compiled code; `npm start` and `npm run build` produce dist/.
import { main } from '../dist/cli.js'

process.exitCode = await main(process.argv.slice(2), process.env)
