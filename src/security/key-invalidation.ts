// Cross-instance key invalidation over Redis pub/sub: the instance that revokes a key publishes its
// id and every instance drops what it cached about it at once. Without Redis (or while it is down)
// the short state cache in keys.ts still bounds the delay to about a second.
import { Redis } from "ioredis";
import type { ApiKeys } from "./keys.js";

export const KEY_INVALIDATION_CHANNEL = "llmops:keys:invalidate";

export interface KeyInvalidation {
  close(): Promise<void>;
}

export async function connectKeyInvalidation(
  redisUrl: string,
  keys: ApiKeys,
  onError: (error: unknown) => void = () => {},
): Promise<KeyInvalidation> {
  const options = { maxRetriesPerRequest: 1, lazyConnect: true } as const;
  const publisher = new Redis(redisUrl, options);
  const subscriber = new Redis(redisUrl, options);
  publisher.on("error", onError);
  subscriber.on("error", onError);
  subscriber.on("message", (channel: string, keyId: string) => {
    if (channel === KEY_INVALIDATION_CHANNEL) keys.invalidate(keyId);
  });
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(KEY_INVALIDATION_CHANNEL);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  keys.onRevoke((keyId) => {
    publisher.publish(KEY_INVALIDATION_CHANNEL, keyId).catch(onError);
  });
  return {
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
