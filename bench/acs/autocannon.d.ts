/** The slice of autocannon's API the ACS benchmark uses (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    readonly p50: number
    readonly p99: number
    readonly average: number
    readonly max: number
  }
  interface Request {
    setupRequest?: (request: Record<string, unknown>, context: unknown) => Record<string, unknown> | undefined
    onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string>) => void
  }
  interface Options {
    url: string
    connections?: number
    amount?: number
    duration?: number
    timeout?: number
    sampleInt?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: Request[]
  }
  interface Result {
    readonly latency: Histogram
    readonly requests: Histogram & { readonly total: number }
    readonly errors: number
    readonly timeouts: number
    readonly non2xx: number
    readonly duration: number
    readonly statusCodeStats: Record<string, { count: number }>
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
