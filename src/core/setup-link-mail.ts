/**
 * When the person with a set-up link finishes a step (an SSO test passes, SSO is enabled, the
 * directory is created), the owner hears of it by mail (DESIGN §2, issue 21 item 4): queued in the
 * transaction of the change, sent by the mail job. To the owner who made the link while they are
 * still an owner, else to every active owner (the operator's links).
 */
import type { Actor, CoreDeps } from './deps.js'
import { enqueueMail } from './mail.js'
import type { Stores } from './ports.js'
import type { Organization, User } from './types.js'

export type SetupLinkMilestone = 'sso_tested' | 'sso_enabled' | 'directory_created'

const SUBJECTS: Record<SetupLinkMilestone, (org: string) => string> = {
  sso_tested: (org) => `SSO test passed for ${org}`,
  sso_enabled: (org) => `Single sign-on is enabled for ${org}`,
  directory_created: (org) => `Directory sync is set up for ${org}`,
}

const WHAT: Record<SetupLinkMilestone, string> = {
  sso_tested: 'ran a single sign-on test, and it passed. Single sign-on is not enabled yet: it can be enabled from the SSO page.',
  sso_enabled: 'enabled single sign-on. Members can now sign in through the identity provider.',
  directory_created: "created the directory and its token for the identity provider's SCIM app. Its request log shows when the IdP connects.",
}

async function recipients(stores: Stores, org: Organization, createdByUserId: string | null): Promise<User[]> {
  if (createdByUserId !== null) {
    const member = await stores.members.findByUser(org.id, createdByUserId)
    if (member?.role === 'owner' && member.deactivatedAt === null) return [member.user]
  }
  return (await stores.members.listByOrg(org.id)).filter((m) => m.role === 'owner' && m.deactivatedAt === null).map((m) => m.user)
}

/** Queues the mail when `actor` is a set-up link; does nothing for anyone else. */
export async function mailOwnersIfSetupLink(
  stores: Stores,
  deps: Pick<CoreDeps, 'settings'>,
  actor: Actor,
  org: Organization,
  milestone: SetupLinkMilestone,
  now: Date,
): Promise<void> {
  if (actor.kind !== 'setup-link') return
  const link = await stores.setupLinks.find(org.id, actor.linkId)
  if (link === undefined) return
  const page = milestone === 'directory_created' ? 'directory' : 'sso'
  const text = [
    `Someone using the set-up link ${link.id} that ${link.createdBy === 'operator' ? 'the operator' : 'you'} sent for ${org.name} ${WHAT[milestone]}`,
    '',
    `See it: ${deps.settings.baseUrl}/orgs/${org.slug}/${page}`,
    `The audit log lists everything done through the link: ${deps.settings.baseUrl}/orgs/${org.slug}/audit`,
    '',
    `Revoke the link once the set-up is done: ${deps.settings.baseUrl}/orgs/${org.slug}/setup-links`,
  ].join('\n')
  for (const user of await recipients(stores, org, link.createdByUserId)) {
    await enqueueMail(stores, deps.settings.secretKey, { to: user.email, subject: SUBJECTS[milestone](org.name), text }, now)
  }
}
