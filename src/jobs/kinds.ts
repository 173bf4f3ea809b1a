/** Every kind of job this build runs, by the name stored in the `kind` column. */
import { backchannelLogout } from './backchannel-logout.js'
import type { JobKind } from './job-kind.js'
import { passwordResetMail } from './password-reset-mail.js'
import { sendMail } from './send-mail.js'

export const JOB_KINDS: ReadonlyMap<string, JobKind> = new Map([sendMail, passwordResetMail, backchannelLogout].map((kind) => [kind.name, kind]))
