// Types for scripts/dist.mjs (plain JavaScript so that a production install can run it without TypeScript).
export declare const ROOT: string
export declare function sourceHash(root?: string): string | undefined
export declare function distState(root?: string): 'current' | 'stale' | 'missing'
export declare function stamp(root?: string): void
export declare function ensureBuilt(root?: string, options?: { stdio?: 'inherit' | 'pipe'; timeout?: number }): 'current' | 'built'
