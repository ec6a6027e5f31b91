// Wiring of the gateway's ops side into `llmops up` / `llmops gateway`: the audit writer's and key
// checks' metrics, request auditing, tracing (loaded only when configured), Redis invalidation of
// revoked keys, and the audit retention timer. One function so server.ts needs three lines.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { GatewayOptions } from "../gateway/index.js";
import { createSecurityMetrics } from "../gateway/metrics.js";
import type { Platform } from "./open.js";

const RETENTION_INTERVAL_MS = 6 * 3_600_000;

export interface RunningSecurity {
  gatewayOptions: Pick<GatewayOptions, "audit" | "tracing">;
  close(): Promise<void>;
}

export async function startSecurity(platform: Platform, registry: Registry, logger: Logger): Promise<RunningSecurity> {
  const { config } = platform;
  const metrics = createSecurityMetrics(registry, () => platform.audit.pending);
  platform.keys.observe((outcome) => metrics.auth.inc({ outcome }));
  platform.audit.observe({
    onBatch: (entries, seconds) => {
      metrics.auditEntries.inc(entries);
      metrics.auditBatch.observe(seconds);
    },
    onError: (error, dropped) => {
      if (dropped > 0) {
        metrics.auditDropped.inc(dropped);
        logger.error({ err: error, dropped }, "audit entries were lost");
      } else {
        metrics.auditErrors.inc();
        logger.warn({ err: error }, "could not append to the audit trail; retrying");
      }
    },
  });
  const closers: Array<() => Promise<void> | void> = [];

  const gatewayOptions: RunningSecurity["gatewayOptions"] = {};
  if (config.audit?.requests !== false) gatewayOptions.audit = (entry) => platform.audit.record(entry);

  const tracing = config.tracing;
  if (tracing?.otlp_endpoint !== undefined) {
    const [{ createOtlpTracer }, { createGatewayTracing }] = await Promise.all([
      import("../gateway/tracing/provider.js"),
      import("../gateway/tracing/gateway.js"),
    ]);
    const otlp = createOtlpTracer({
      endpoint: tracing.otlp_endpoint,
      serviceName: tracing.service_name,
      headers: tracing.headers,
    });
    gatewayOptions.tracing = createGatewayTracing(otlp.tracer);
    closers.push(() =>
      otlp.shutdown().catch((error) => logger.warn({ err: error }, "could not export the last spans")),
    );
    logger.info({ endpoint: tracing.otlp_endpoint }, "tracing: exporting spans over OTLP/HTTP");
  }

  if (config.redis_url !== undefined) {
    const { connectKeyInvalidation } = await import("../security/key-invalidation.js");
    try {
      const bus = await connectKeyInvalidation(config.redis_url, platform.keys, (error) =>
        logger.debug({ err: error }, "key invalidation: Redis error"),
      );
      closers.push(() => bus.close());
    } catch (error) {
      // Not fatal: revocations still apply within a second through the key state cache.
      logger.warn({ err: error }, "key invalidation over Redis is unavailable; revocations apply within ~1 s");
    }
  }

  const retentionDays = config.audit?.retention_days ?? 0;
  if (retentionDays > 0) {
    const { pruneAudit } = await import("../security/audit.js");
    const prune = () =>
      pruneAudit(platform.store, {
        before: new Date(Date.now() - retentionDays * 86_400_000),
        actor: "system:retention",
        reason: `audit.retention_days = ${retentionDays}`,
      })
        .then((result) => {
          if (result.removed > 0) logger.info({ removed: result.removed, baseSeq: result.baseSeq }, "audit retention");
        })
        .catch((error) => logger.error({ err: error }, "audit retention failed"));
    void prune();
    const timer = setInterval(prune, RETENTION_INTERVAL_MS);
    timer.unref();
    closers.push(() => clearInterval(timer));
  }

  return {
    gatewayOptions,
    async close() {
      await platform.audit.flush();
      for (const close of closers.reverse()) await close();
    },
  };
}
