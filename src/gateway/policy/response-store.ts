// Where the exact cache keeps answers: a key → text map with a time to live. One file per engine:
// response-store-memory.ts (one gateway), response-store-redis.ts (shared by every gateway).
export interface ResponseStore {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}
