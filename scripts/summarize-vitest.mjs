#!/usr/bin/env node
// Adds up vitest JSON reports (and optional "N passed, M failed" lines) into one closing line.
import { readFileSync } from 'node:fs'

let passed = 0,
  failed = 0,
  skipped = 0
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8')
  if (file.endsWith('.json')) {
    const report = JSON.parse(text)
    passed += report.numPassedTests
    failed += report.numFailedTests + (report.numTotalTestSuites > 0 && report.success === false && report.numFailedTests === 0 ? 1 : 0)
    skipped += report.numPendingTests + report.numTodoTests
  } else {
    const m = [...text.matchAll(/^(\d+) passed, (\d+) failed/gm)].pop()
    if (m) {
      passed += Number(m[1])
      failed += Number(m[2])
    } else failed += 1
  }
}
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
