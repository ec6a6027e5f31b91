// Counters in Redis, shared by every gateway instance. Check-and-reserve is one Lua script, so it is
// atomic across instances: two gateways can never both take the last unit of a limit. Every key
// carries the same hash tag ({llmops-rl}) so one script's keys live on one Redis Cluster slot.
import type { Redis } from "ioredis";
import type { CounterSpec, CounterState, LimitStore, ReserveResult } from "./limit-store.js";
import { LuaScript, redisUnavailable } from "./redis-client.js";

// KEYS: counters. ARGV: limit, amount, ttl_ms for each counter, in order.
// Returns {1, used1, ttl1, used2, ttl2, …} after reserving, or {0, index, used, ttl} when refused.
const RESERVE = new LuaScript(`
local n = #KEYS
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used + tonumber(ARGV[3 * i - 1]) > tonumber(ARGV[3 * i - 2]) then
    return {0, i, used, redis.call('PTTL', KEYS[i])}
  end
end
local out = {1}
for i = 1, n do
  local used = redis.call('INCRBY', KEYS[i], ARGV[3 * i - 1])
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[3 * i])
    ttl = tonumber(ARGV[3 * i])
  end
  out[#out + 1] = used
  out[#out + 1] = ttl
end
return out
`);

// KEYS: counters; ARGV: deltas. Only counters that still exist are touched: a reservation whose
// window already ended must not recreate it without a TTL.
const ADJUST = new LuaScript(`
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local v = redis.call('INCRBY', KEYS[i], ARGV[i])
    if v < 0 then redis.call('SET', KEYS[i], 0, 'KEEPTTL') end
  end
end
return 1
`);

export const REDIS_LIMIT_PREFIX = "llmops:{llmops-rl}:";

export class RedisLimitStore implements LimitStore {
  readonly kind = "redis" as const;

  constructor(
    private readonly redis: Redis,
    private readonly ownsConnection = false,
  ) {}

  async reserve(counters: readonly CounterSpec[]): Promise<ReserveResult> {
    const keys = counters.map((counter) => REDIS_LIMIT_PREFIX + counter.key);
    const args: number[] = [];
    for (const counter of counters) args.push(counter.limit, counter.amount, Math.max(1, Math.ceil(counter.ttlMs)));
    let reply: unknown;
    try {
      reply = await RESERVE.run(this.redis, keys, args);
    } catch (error) {
      throw redisUnavailable("rate limits cannot be checked", error);
    }
    const values = (reply as unknown[]).map(Number);
    if (values[0] === 0) {
      const index = values[1]! - 1;
      const ttl = values[3]!;
      return { ok: false, index, state: { used: values[2]!, resetMs: ttl > 0 ? ttl : counters[index]!.ttlMs } };
    }
    const states: CounterState[] = [];
    for (let i = 0; i < counters.length; i++) states.push({ used: values[1 + 2 * i]!, resetMs: values[2 + 2 * i]! });
    return { ok: true, states };
  }

  async adjust(keys: readonly string[], deltas: readonly number[]): Promise<void> {
    if (keys.length === 0) return;
    await ADJUST.run(
      this.redis,
      keys.map((key) => REDIS_LIMIT_PREFIX + key),
      deltas.map((delta) => Math.round(delta)),
    );
  }

  async peek(keys: readonly string[]): Promise<CounterState[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.get(REDIS_LIMIT_PREFIX + key).pttl(REDIS_LIMIT_PREFIX + key);
    const replies = (await pipeline.exec()) ?? [];
    return keys.map((_, i) => {
      const used = Number(replies[2 * i]?.[1] ?? 0);
      const ttl = Number(replies[2 * i + 1]?.[1] ?? -2);
      return { used: Number.isFinite(used) ? used : 0, resetMs: Math.max(ttl, 0) };
    });
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => {});
  }
}
