/** core/key-refresh.ts: the copy of the keys every process keeps, and the bound it promises. */
import { describe, expect, it } from 'vitest'
import { fixedClock } from '../src/core/clock.js'
import { KEY_REFRESH_MS, refreshingValue } from '../src/core/key-refresh.js'

/** A read that counts itself and returns the current "database" value; `hold` makes the next reads wait. */
function source() {
  const state = { value: 'v1', reads: 0, fail: false, gate: undefined as Promise<void> | undefined }
  const read = async () => {
    state.reads += 1
    const seen = state.value
    if (state.gate !== undefined) await state.gate
    if (state.fail) throw new Error('database unreachable')
    return seen
  }
  return { state, read }
}

describe('refreshingValue', () => {
  it('states a bound of 5 seconds', () => {
    expect(KEY_REFRESH_MS).toBe(5_000)
  })

  it('reads once, serves the copy until it is KEY_REFRESH_MS old, then reads the change', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z')
    const { state, read } = source()
    const keys = refreshingValue(clock, KEY_REFRESH_MS, read)
    expect(await keys.get()).toBe('v1')
    state.value = 'v2'
    clock.advance(KEY_REFRESH_MS - 1)
    expect(await keys.get()).toBe('v1')
    expect(state.reads).toBe(1)
    clock.advance(1)
    expect(await keys.get()).toBe('v2')
    expect(state.reads).toBe(2)
  })

  it('shares one read among concurrent callers', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z')
    const { state, read } = source()
    const keys = refreshingValue(clock, KEY_REFRESH_MS, read)
    expect(await Promise.all(Array.from({ length: 20 }, () => keys.get()))).toEqual(Array(20).fill('v1'))
    expect(state.reads).toBe(1)
  })

  it('reads again when the clock moved backwards, instead of keeping the copy for good', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z')
    const { state, read } = source()
    const keys = refreshingValue(clock, KEY_REFRESH_MS, read)
    await keys.get()
    state.value = 'v2'
    clock.advance(-60_000)
    expect(await keys.get()).toBe('v2')
  })

  it('after forget(), reads afresh and does not keep a read that was already under way', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z')
    const { state, read } = source()
    const keys = refreshingValue(clock, KEY_REFRESH_MS, read)
    let open!: () => void
    state.gate = new Promise((resolve) => (open = resolve))
    const stale = keys.get()
    state.value = 'v2'
    keys.forget()
    state.gate = undefined
    expect(await keys.get()).toBe('v2')
    open()
    expect(await stale).toBe('v1')
    expect(await keys.get()).toBe('v2')
    expect(state.reads).toBe(2)
  })

  it('does not share a read that has been under way for longer than the bound', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z')
    const { state, read } = source()
    const keys = refreshingValue(clock, KEY_REFRESH_MS, read)
    let open!: () => void
    state.gate = new Promise((resolve) => (open = resolve))
    const slow = keys.get()
    state.gate = undefined
    state.value = 'v2'
    clock.advance(KEY_REFRESH_MS)
    expect(await keys.get()).toBe('v2')
    open()
    expect(await slow).toBe('v1')
    // The slow, older read finished last but does not replace the newer copy.
    expect(await keys.get()).toBe('v2')
    expect(state.reads).toBe(2)
  })

  it('keeps no failed read: the next call reads again', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z')
    const { state, read } = source()
    const keys = refreshingValue(clock, KEY_REFRESH_MS, read)
    state.fail = true
    await expect(keys.get()).rejects.toThrow('database unreachable')
    state.fail = false
    expect(await keys.get()).toBe('v1')
    expect(state.reads).toBe(2)
  })
})
