/** The production TXT resolver (node:dns Resolver with configured servers) against a local responder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTxtResolver } from '../../src/net/txt-resolver.js'
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js'

let dns: TestDnsServer
beforeAll(async () => {
  dns = await startDnsServer()
})
afterAll(() => dns.close())

describe('createTxtResolver', () => {
  it('answers every TXT record at the name, each as the strings it was published in', async () => {
    const resolveTxt = createTxtResolver({ servers: [dns.address] })
    dns.setTxt('acme.test', ['v=spf1 -all', ['gatehouse-verification=', 'abc'], 'x'.repeat(300)])
    const records = await resolveTxt('ACME.test')
    expect(records).toHaveLength(3)
    expect(records).toContainEqual(['v=spf1 -all'])
    expect(records).toContainEqual(['gatehouse-verification=', 'abc'])
    expect(records).toContainEqual(['x'.repeat(255), 'x'.repeat(45)])
  })

  it('answers [] for a name that does not exist and for a name without TXT records', async () => {
    const resolveTxt = createTxtResolver({ servers: [dns.address] })
    expect(await resolveTxt('nowhere.test')).toEqual([])
    dns.setTxt('empty.test', [])
    expect(await resolveTxt('empty.test')).toEqual([])
  })

  it('fails with dns_lookup_failed (not "no record") on SERVFAIL and on an unreachable server', async () => {
    dns.fail('broken.test')
    await expect(createTxtResolver({ servers: [dns.address] })('broken.test')).rejects.toMatchObject({ code: 'dns_lookup_failed' })
    const closed = await startDnsServer()
    await closed.close()
    await expect(createTxtResolver({ servers: [closed.address], timeoutMs: 1000 })('acme.test')).rejects.toMatchObject({ code: 'dns_lookup_failed' })
  })
})
