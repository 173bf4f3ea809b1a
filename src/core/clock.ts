/** Time comes in as a `Clock` from the composition root; core takes `now` from it, tests move it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export interface FixedClock extends Clock {
  advance(ms: number): void
  set(iso: string): void
}

export function fixedClock(iso: string): FixedClock {
  let current = new Date(iso).getTime()
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms
    },
    set: (next) => {
      current = new Date(next).getTime()
    },
  }
}

export const minutes = (n: number): number => n * 60_000
export const hours = (n: number): number => n * 3_600_000
export const days = (n: number): number => n * 86_400_000

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms)
}
