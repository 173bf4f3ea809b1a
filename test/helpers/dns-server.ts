/**
 * A tiny authoritative DNS responder on 127.0.0.1 (a random UDP port) for domain verification tests:
 * it answers TXT queries with the records a test publishes, NOERROR with no answers for other types
 * of a known name, NXDOMAIN for unknown names, and SERVFAIL for names the test says are broken.
 * Hand-written (RFC 1035 §4.1): the question is echoed back, answers point at it by compression.
 */
import { createSocket, type Socket } from 'node:dgram'

const TYPE_TXT = 16
const CLASS_IN = 1

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for GATEHOUSE_DNS_SERVERS. */
  readonly address: string
  /** Publishes TXT records at `name` (replacing earlier ones); each record is one or more character-strings. */
  setTxt(name: string, records: (string | string[])[]): void
  /** Answers SERVFAIL for `name` until cleared. */
  fail(name: string): void
  clear(name: string): void
  /** Names asked so far, lower-cased. */
  readonly queries: string[]
  close(): Promise<void>
}

function readQuestion(packet: Buffer): { name: string; type: number; end: number } | undefined {
  let offset = 12
  const labels: string[] = []
  while (offset < packet.length) {
    const length = packet[offset]!
    if (length === 0) {
      offset += 1
      if (offset + 4 > packet.length) return undefined
      return { name: labels.join('.').toLowerCase(), type: packet.readUInt16BE(offset), end: offset + 4 }
    }
    if (length > 63) return undefined // no compression in a question we are sent
    labels.push(packet.subarray(offset + 1, offset + 1 + length).toString('latin1'))
    offset += 1 + length
  }
  return undefined
}

/** A TXT RDATA: each string as <length><bytes>, split into 255-byte pieces. */
function txtData(strings: string[]): Buffer {
  const parts: Buffer[] = []
  for (const s of strings) {
    const bytes = Buffer.from(s, 'utf8')
    for (let i = 0; i === 0 || i < bytes.length; i += 255) {
      const piece = bytes.subarray(i, i + 255)
      parts.push(Buffer.from([piece.length]), piece)
    }
  }
  return Buffer.concat(parts)
}

function answer(query: Buffer, question: { end: number }, rcode: number, records: string[][]): Buffer {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0) // id
  const rd = query[2]! & 0x01
  header[2] = 0x80 | 0x04 | rd // QR, AA, RD copied
  header[3] = 0x80 | rcode // RA
  header.writeUInt16BE(1, 4) // QDCOUNT
  header.writeUInt16BE(records.length, 6) // ANCOUNT
  const rrs = records.map((strings) => {
    const data = txtData(strings)
    const rr = Buffer.alloc(12)
    rr.writeUInt16BE(0xc00c, 0) // name: pointer to the question
    rr.writeUInt16BE(TYPE_TXT, 2)
    rr.writeUInt16BE(CLASS_IN, 4)
    rr.writeUInt32BE(60, 6)
    rr.writeUInt16BE(data.length, 10)
    return Buffer.concat([rr, data])
  })
  return Buffer.concat([header, query.subarray(12, question.end), ...rrs])
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, string[][]>()
  const broken = new Set<string>()
  const queries: string[] = []
  const socket: Socket = createSocket('udp4')
  socket.on('message', (packet, peer) => {
    if (packet.length < 12) return
    const question = readQuestion(packet)
    if (question === undefined) return
    queries.push(question.name)
    const records = zone.get(question.name)
    const reply = broken.has(question.name)
      ? answer(packet, question, 2, [])
      : records === undefined
        ? answer(packet, question, 3, [])
        : answer(packet, question, 0, question.type === TYPE_TXT ? records : [])
    socket.send(reply, peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  return {
    address: `127.0.0.1:${port}`,
    setTxt: (name, records) => {
      zone.set(
        name.toLowerCase(),
        records.map((r) => (Array.isArray(r) ? r : [r])),
      )
    },
    fail: (name) => {
      broken.add(name.toLowerCase())
    },
    clear: (name) => {
      zone.delete(name.toLowerCase())
      broken.delete(name.toLowerCase())
    },
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
