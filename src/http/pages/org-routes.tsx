/** Dashboard and the org members page (owners and admins manage; members see the dashboard only). */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import { describeMemberships, refuseIfSsoEnded } from '../../core/current-member.js'
import type { CoreDeps } from '../../core/deps.js'
import { inviteMember, listInvitations, revokeInvitation } from '../../core/invitations.js'
import { listMembers, removeMember, updateMember } from '../../core/members.js'
import { deactivationSources, setMemberActive } from '../../core/member-status.js'
import { listWorkspaces } from '../../core/orgs.js'
import { sessionEndsAt } from '../../core/sessions.js'
import type { OrgRole } from '../../core/types.js'
import { DashboardPage } from '../../ui/pages/dashboard-page.js'
import { MembersPage, type MembersPageProps } from '../../ui/pages/members-page.js'
import { statusOf } from '../error-handler.js'
import { sendPage } from './html.js'
import { orgManager } from './org-access.js'
import { field, requireSignedIn } from './page-context.js'
import { keyedRecord, ownValue } from '../../core/keyed-record.js'

const NOTICES: Record<string, string> = {
  saved: 'Member saved.',
  removed: 'Member removed.',
  invited: 'Invitation sent.',
  revoked: 'Invitation revoked.',
  deactivated: 'Member deactivated: their sessions, API tokens and app sign-ins for this organization have ended.',
  reactivated: 'Member reactivated: they can sign in again.',
}

/** `outbox`: mail goes to the development outbox (no SMTP), so "Invitation sent" says where to read it. */
export function orgRoutes(app: FastifyInstance, deps: CoreDeps, workspaceRoles: readonly string[], options: { outbox: boolean }): void {
  app.get('/dashboard', async (request, reply) => {
    const { session, viewer } = requireSignedIn(request)
    const entries = await describeMemberships(deps, session)
    if (entries.length === 0) await refuseIfSsoEnded(deps, session)
    const orgs = entries.map(({ membership: { org, member }, workspaces }) => ({
      name: org.name,
      slug: org.slug,
      role: member.role,
      current: session.orgId === org.id,
      canManage: member.role !== 'member',
      workspaces: workspaces.map((w) => ({ name: w.name, slug: w.slug, role: ownValue(member.workspaceRoles, w.slug) })),
    }))
    return sendPage(
      reply,
      <DashboardPage viewer={viewer} csrf={request.page.csrf} orgs={orgs} authMethod={session.authMethod} sessionEndsAt={sessionEndsAt(session)} />,
    )
  })

  const manager = (request: FastifyRequest) => orgManager(deps, request, 'Only owners and admins of this organization can manage its members.')

  async function membersPage(request: FastifyRequest, extra: Partial<MembersPageProps> = {}): Promise<MembersPageProps> {
    const { signedIn, membership, slug } = await manager(request)
    const [members, invitations, workspaces] = await Promise.all([listMembers(deps, slug), listInvitations(deps, slug), listWorkspaces(deps, slug)])
    const viewerRole = membership.member.role
    const deactivated = await deactivationSources(deps, members)
    const notice = (request.query as Record<string, unknown>).notice
    return {
      viewer: signedIn.viewer,
      csrf: request.page.csrf,
      org: { name: membership.org.name, slug },
      members: members.map((m) => ({
        id: m.id,
        email: m.user.email,
        name: `${m.user.firstName} ${m.user.lastName}`.trim(),
        role: m.role,
        allowWithoutSso: m.allowWithoutSso,
        workspaceRoles: m.workspaceRoles,
        editable: viewerRole === 'owner' || m.role !== 'owner',
        isSelf: m.user.id === signedIn.user.id,
        managedByIdp: m.managedByIdp,
        rolesFromDirectory: m.managedByIdp && m.linkedToDirectory,
        deactivatedBy: deactivated.get(m.id),
        // The owner's switch: never on themselves, never to deactivate another owner (core refuses both).
        canSetActive: viewerRole === 'owner' && m.user.id !== signedIn.user.id && (m.role !== 'owner' || deactivated.has(m.id)),
      })),
      invitations: invitations.map((i) => ({
        id: i.id,
        email: i.email,
        role: i.role,
        expiresAt: i.expiresAt,
        revocable: viewerRole === 'owner' || i.role !== 'owner',
      })),
      workspaces: workspaces.map((w) => ({ slug: w.slug, name: w.name })),
      workspaceRoles,
      assignableRoles: viewerRole === 'owner' ? ['owner', 'admin', 'member'] : ['admin', 'member'],
      canExemptFromSso: viewerRole === 'owner',
      notice: typeof notice === 'string' ? ownValue(NOTICES, notice) : undefined,
      invitedToOutbox: options.outbox && notice === 'invited',
      ...extra,
    }
  }

  function workspaceRolesFrom(body: unknown): Record<string, string> {
    const roles = keyedRecord<string>()
    for (const [key, value] of Object.entries((body as Record<string, unknown>) ?? {})) {
      if (key.startsWith('ws.') && typeof value === 'string' && value !== '') roles[key.slice(3)] = value
    }
    return roles
  }

  app.get('/orgs/:org/members', async (request, reply) => sendPage(reply, <MembersPage {...await membersPage(request)} />))

  app.post('/orgs/:org/members/:member', async (request, reply) => {
    const { actor, slug, isOwner } = await manager(request)
    const { member } = request.params as { member: string }
    try {
      // A member whose roles the IdP manages has no role fields on the page: only the flag changes.
      const keepRoles = field(request.body, 'keepRoles') === 'idp'
      // The flag is the owner's (DESIGN §2): an owner's unticked box clears it; an admin's form has no
      // box, so no field leaves it alone, and any value sent is judged by core (refused if it changes).
      const exemption = field(request.body, 'allowWithoutSso')
      await updateMember(
        deps,
        slug,
        member,
        {
          ...(keepRoles ? {} : { role: field(request.body, 'role') as OrgRole, workspaceRoles: workspaceRolesFrom(request.body) }),
          allowWithoutSso: isOwner || exemption !== '' ? exemption === 'on' : undefined,
        },
        actor,
      )
    } catch (error) {
      if (!(error instanceof AccountError)) throw error
      request.log.info({ code: error.code }, 'request refused')
      return sendPage(reply, <MembersPage {...await membersPage(request, { error: error.message })} />, statusOf(error))
    }
    return reply.redirect(`/orgs/${slug}/members?notice=saved`, 303)
  })

  app.post('/orgs/:org/members/:member/remove', async (request, reply) => {
    const { actor, slug } = await manager(request)
    const { member } = request.params as { member: string }
    try {
      await removeMember(deps, slug, member, actor)
    } catch (error) {
      if (!(error instanceof AccountError)) throw error
      request.log.info({ code: error.code }, 'request refused')
      return sendPage(reply, <MembersPage {...await membersPage(request, { error: error.message })} />, statusOf(error))
    }
    return reply.redirect(`/orgs/${slug}/members?notice=removed`, 303)
  })

  for (const [action, active] of [
    ['deactivate', false],
    ['reactivate', true],
  ] as const) {
    app.post(`/orgs/:org/members/:member/${action}`, async (request, reply) => {
      const { actor, slug } = await manager(request)
      const { member } = request.params as { member: string }
      try {
        await setMemberActive(deps, slug, member, active, actor)
      } catch (error) {
        if (!(error instanceof AccountError)) throw error
        request.log.info({ code: error.code }, 'request refused')
        return sendPage(reply, <MembersPage {...await membersPage(request, { error: error.message })} />, statusOf(error))
      }
      return reply.redirect(`/orgs/${slug}/members?notice=${active ? 'reactivated' : 'deactivated'}`, 303)
    })
  }

  app.post('/orgs/:org/invitations', async (request, reply) => {
    const { actor, slug } = await manager(request)
    const email = field(request.body, 'email')
    try {
      await inviteMember(deps, slug, { email, role: field(request.body, 'role') as OrgRole, workspaceRoles: workspaceRolesFrom(request.body) }, actor)
    } catch (error) {
      if (!(error instanceof AccountError)) throw error
      request.log.info({ code: error.code }, 'request refused')
      const extra = error.field === 'email' ? { inviteErrors: { email: error.message }, inviteEmail: email } : { error: error.message, inviteEmail: email }
      return sendPage(reply, <MembersPage {...await membersPage(request, extra)} />, statusOf(error))
    }
    return reply.redirect(`/orgs/${slug}/members?notice=invited`, 303)
  })

  app.post('/orgs/:org/invitations/:invitation/revoke', async (request, reply) => {
    const { actor, slug } = await manager(request)
    const { invitation } = request.params as { invitation: string }
    await revokeInvitation(deps, slug, invitation, actor)
    return reply.redirect(`/orgs/${slug}/members?notice=revoked`, 303)
  })
}
