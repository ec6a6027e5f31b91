// Exact cache in Redis, shared by every gateway: SET with PX (Redis expires entries itself; its
// maxmemory policy bounds the total).
import type { Redis } from "ioredis";
import type { ResponseStore } from "./response-store.js";

export const REDIS_CACHE_PREFIX = "llmops:cache:";

export class RedisResponseStore implements ResponseStore {
  readonly kind = "redis" as const;

  constructor(private readonly redis: Redis) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.redis.get(REDIS_CACHE_PREFIX + key);
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(REDIS_CACHE_PREFIX + key, value, "PX", Math.max(1, Math.round(ttlMs)));
  }

  async close(): Promise<void> {}
}
