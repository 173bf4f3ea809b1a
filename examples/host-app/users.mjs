/**
 * The host app's own copy of its users, kept in step with Gatehouse's events (docs/events.md):
 * webhooks as they happen, the pull API (GET /api/v1/events) at start for what was missed. One
 * record per membership (member id): the person (userId, email, names), the org and the org role.
 * In memory, saved to a JSON file when one is given (the pull cursor, the users, the event ids seen).
 */
import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

/** docs/events.md "Verifying the signature", as it is there. */
export function verifyGatehouseSignature(secret, header, rawBody, nowMs = Date.now()) {
  const { t, v1 = '' } = Object.fromEntries(header.split(',').map((part) => part.split('=')))
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest()
  const given = Buffer.from(v1, 'hex')
  const fresh = Math.abs(nowMs / 1000 - Number(t)) <= 300 // 5 minutes: a replayed delivery is refused
  return fresh && given.length === expected.length && timingSafeEqual(given, expected)
}

/** Event ids remembered for de-duplication: deliveries come again only shortly after (a retry, a restart). */
const SEEN_KEPT = 10_000

export function createUserTable({ stateFile, onGone = () => {} } = {}) {
  // Users keyed by member id, in an object without a prototype: an id is data, never a property name
  // like __proto__ that would reach Object.prototype.
  let state = { cursor: null, users: Object.create(null), seen: [] }
  if (stateFile !== undefined) {
    try {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8'))
      state = { ...state, ...saved, users: Object.assign(Object.create(null), saved.users) }
    } catch (error) {
      if (error?.code !== 'ENOENT') throw error
    }
  }
  const seen = new Set(state.seen)
  const save = () => {
    if (stateFile === undefined) return
    state.seen = [...seen].slice(-SEEN_KEPT)
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(state))
    renameSync(`${stateFile}.tmp`, stateFile) // whole or not at all
  }

  const upsert = (member, org) => {
    state.users[member.id] = {
      memberId: member.id,
      userId: member.userId,
      email: member.email,
      name: [member.firstName, member.lastName].filter(Boolean).join(' '),
      role: member.role,
      orgId: org.id,
      orgSlug: org.slug,
      gone: member.deactivated === true,
    }
  }
  const markGone = (record) => {
    record.gone = true
    onGone(record)
  }

  /** Applies one event; false when its id was seen already (nothing done). */
  const apply = (event) => {
    if (seen.has(event.id)) return false
    const member = event.data?.member
    const org = event.org
    if (member !== undefined && org != null) {
      if (['member.created', 'member.updated', 'member.reactivated'].includes(event.type)) upsert(member, org)
      if (event.type === 'member.deactivated' || event.type === 'member.removed') {
        upsert(member, org)
        markGone(state.users[member.id])
      }
    }
    if (event.type === 'organization.deleted') {
      const orgId = event.data?.organization?.id ?? org?.id
      for (const record of Object.values(state.users)) if (record.orgId === orgId && !record.gone) markGone(record)
    }
    seen.add(event.id)
    if (seen.size > SEEN_KEPT * 2) for (const id of [...seen].slice(0, SEEN_KEPT)) seen.delete(id)
    save()
    return true
  }

  /**
   * Reads the events after the saved cursor, oldest first, and applies each. A cursor that is gone
   * (events are kept 30 days) starts again from the oldest event kept.
   */
  const reconcile = async ({ apiUrl, token, fetchImpl = globalThis.fetch }) => {
    let applied = 0
    for (;;) {
      const url = new URL(`${apiUrl}/api/v1/events`)
      url.searchParams.set('limit', '1000')
      if (state.cursor !== null) url.searchParams.set('after', state.cursor)
      const res = await fetchImpl(url, { headers: { authorization: `Bearer ${token}` } })
      const body = await res.json().catch(() => undefined)
      if (res.status === 400 && body?.error?.code === 'event_cursor_unknown' && state.cursor !== null) {
        state.cursor = null
        continue
      }
      if (!res.ok) throw new Error(`GET /api/v1/events answered ${res.status} ${body?.error?.code ?? ''}`.trim())
      for (const event of body.data) if (apply(event)) applied++
      state.cursor = body.nextCursor
      save()
      if (body.data.length < 1000) return applied
    }
  }

  return {
    apply,
    reconcile,
    /** The org's users that are still there, by email. */
    activeIn: (orgSlug) =>
      Object.values(state.users)
        .filter((u) => !u.gone && u.orgSlug === orgSlug)
        .sort((a, b) => a.email.localeCompare(b.email)),
    find: (userId, orgSlug) => Object.values(state.users).find((u) => u.userId === userId && u.orgSlug === orgSlug),
  }
}
