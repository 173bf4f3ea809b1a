/** Pages under /orgs/:org that only the org's owners and admins may open. */
import type { FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import { findMembership, refuseIfSsoEnded } from '../../core/current-member.js'
import type { Actor, CoreDeps } from '../../core/deps.js'
import { requireSignedIn } from './page-context.js'

/**
 * The signed-in viewer as an owner or admin of the `:org` of the URL, acting through this session
 * (an SSO session reaches its own org only); anyone else gets `not_allowed` with `refusal`.
 */
export async function orgManager(deps: CoreDeps, request: FastifyRequest, refusal: string) {
  const signedIn = requireSignedIn(request)
  const { org: slug } = request.params as { org: string }
  const membership = await findMembership(deps, signedIn.session, slug)
  if (membership === undefined) await refuseIfSsoEnded(deps, signedIn.session)
  if (membership === undefined || membership.member.role === 'member') throw new AccountError('not_allowed', refusal)
  const actor: Actor = { kind: 'user', userId: signedIn.user.id, email: signedIn.user.email }
  return { signedIn, membership, actor, slug, isOwner: membership.member.role === 'owner' }
}
