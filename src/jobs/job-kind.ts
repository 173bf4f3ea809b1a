/** What a kind of background job is: a name (the `kind` column) and what to do with one payload. */
import type { Logger } from 'pino'
import type { CoreDeps } from '../core/deps.js'

export interface JobDeps extends CoreDeps {
  readonly logger: Logger
}

export interface JobKind {
  readonly name: string
  /** Throwing means "try again later" (jobs/back-off.ts), until the attempts run out. */
  run(deps: JobDeps, payload: Readonly<Record<string, unknown>>): Promise<void>
}
