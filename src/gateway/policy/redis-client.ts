// One ioredis connection for the policy stages (limits, exact cache), and Lua scripts run by their
// sha1 (EVALSHA) with a fallback to EVAL after a Redis restart or failover forgot them.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { LlmopsError } from "../../errors.js";

export function openRedis(url: string): Redis {
  const redis = new Redis(url, {
    // Fail requests fast when Redis is down instead of queueing them for minutes: limits must not
    // silently stop limiting, and a cache must not hold requests up.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  // Connection errors surface on the commands that need Redis; without a listener ioredis would
  // print each reconnect attempt as an unhandled 'error' event.
  redis.on("error", () => {});
  return redis;
}

export class LuaScript {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }
}

export function redisUnavailable(what: string, cause: unknown): LlmopsError {
  return new LlmopsError(
    "unavailable",
    `Redis (redis_url / LLMOPS_REDIS_URL) cannot be reached, so ${what}; check that Redis is running`,
    { cause },
  );
}
