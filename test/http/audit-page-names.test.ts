/**
 * Issue 17 item 4: the audit log names events for people with the code beside them, lists details
 * one field a line, and its Organization filter finds the organization's events. Every action core
 * writes has a name (a new action without one fails here).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { auditEventName } from '../../src/ui/pages/audit-event-names.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { OWNER, seedAcme, signedIn, withoutWordBreaks } from './support.js'

let ctx: TestContext

beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  )
}

describe('the audit log page', () => {
  it('has a name for every action core writes', () => {
    const actions = new Set<string>()
    for (const file of sourceFiles('src')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/action: [^,}\n]*|(?:auditInOrgs|recordInOrgs)\([^)]*/g))
        for (const a of m[0].matchAll(/'([a-z_]+\.[a-z_]+)'/g)) actions.add(a[1]!)
    }
    expect(actions.size).toBeGreaterThan(30)
    expect([...actions].filter((a) => auditEventName(a) === undefined)).toEqual([])
  })

  it("shows the event's name with its code beside it, and each changed field on its own line", async () => {
    await operator(ctx, 'PATCH', '/organizations/acme', { name: 'Acme Corporation' })
    const owner = await signedIn(ctx, OWNER)
    const page = (await owner.get('/orgs/acme/audit')).body
    expect(page).toContain('<span class="event">Organization changed</span> <code class="event-code">org.updated</code>')
    expect(withoutWordBreaks(page)).toContain('<dt>name</dt><dd>Acme → Acme Corporation</dd>')
    expect(page).toContain('<span class="event">Member added</span>')
    // The filter button sits in the same form row as the select, after it.
    expect(page).toMatch(/<select id="f-kind" name="kind">[\s\S]*?<\/select><button type="submit">Filter<\/button><\/form>/)

    const org = (await owner.get('/orgs/acme/audit?kind=org')).body
    expect(org).toContain('org.updated')
    expect(org).not.toContain('member.added')
  })
})
