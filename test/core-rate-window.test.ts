import { describe, expect, it } from 'vitest'
import { rateWindow } from '../src/core/rate-limit.js'

describe('rateWindow', () => {
  it('starts fixed windows at whole multiples of their length since the epoch', () => {
    expect(rateWindow(new Date('2026-03-01T10:14:59.999Z'), 15).start).toBe('2026-03-01T10:00:00.000Z')
    expect(rateWindow(new Date('2026-03-01T10:15:00.000Z'), 15).start).toBe('2026-03-01T10:15:00.000Z')
    expect(rateWindow(new Date('2026-03-01T10:59:00.000Z'), 60).start).toBe('2026-03-01T10:00:00.000Z')
  })

  it('counts the seconds left in the window, rounded up, never below 1', () => {
    expect(rateWindow(new Date('2026-03-01T10:00:00.000Z'), 15).retryAfterSeconds).toBe(900)
    expect(rateWindow(new Date('2026-03-01T10:14:58.500Z'), 15).retryAfterSeconds).toBe(2)
    expect(rateWindow(new Date('2026-03-01T10:14:59.999Z'), 15).retryAfterSeconds).toBe(1)
  })
})
