/**
 * Builds dist/ once, before any test file runs, unless it was built from this src/. Several files
 * start the built server (bin/gatehouse.js runs dist/); each building on its own could run two
 * `tsc` at once in parallel workers, one reading what the other is half-way through writing.
 */
import { ensureBuilt } from './helpers/built-cli.js'

export default function setup(): void {
  ensureBuilt()
}
