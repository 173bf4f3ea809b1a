/**
 * What a set-up link's actor may do in core (DESIGN §2 "Set-up links"). A link is never a member:
 * checks written for users and the operator refuse it unless they call here. Each allowance names
 * the scope it needs and holds only in the link's own org.
 */
import { AccountError } from './account-error.js'
import type { Actor } from './deps.js'
import type { SetupLinkScope } from './setup-link-ports.js'

export type SetupLinkActor = Extract<Actor, { kind: 'setup-link' }>

const SCOPE_WORDS: Record<SetupLinkScope, string> = {
  sso: 'single sign-on set-up',
  directory: 'directory sync',
  policy: 'SSO user management (enforcement, role mapping, API allow-list)',
}

/** True when this link grants `scope` in the org `orgId`. */
export function linkGrants(actor: SetupLinkActor, orgId: string, scope: SetupLinkScope): boolean {
  return actor.orgId === orgId && actor.scopes.includes(scope)
}

/** Refuses (`not_allowed`) unless the link grants `scope` in the org `orgId`. */
export function authorizeSetupLink(actor: SetupLinkActor, orgId: string, scope: SetupLinkScope): void {
  if (!linkGrants(actor, orgId, scope)) {
    throw new AccountError('not_allowed', `This set-up link does not give access to this organization's ${SCOPE_WORDS[scope]}.`, `scope ${scope}`)
  }
}

/** For what stays with owners and the operator whatever a link's scopes (members, tokens, disabling SSO, domains). */
export function refuseSetupLink(actor: Actor, what: string): void {
  if (actor.kind === 'setup-link') throw new AccountError('not_allowed', `A set-up link cannot ${what}: ask the organization's owner.`, 'setup link')
}
