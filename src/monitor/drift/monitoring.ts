// Starts drift monitoring and alerting for `llmops up` / `llmops gateway` from the configuration:
// the feature sink for the gateway's monitor stage, the scheduled drift check, and the alert
// evaluator on the same schedule. With `monitoring.drift.enabled: false` nothing is recorded or
// checked, but alert rules on latency, errors and budgets still run on the default interval.
import type { Registry } from "prom-client";
import type { Config } from "../../config/schema.js";
import type { LimitsStage } from "../../gateway/policy/limits.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import { type AlertService, startAlerts } from "../alerts/service.js";
import type { BudgetUse } from "../alerts/signals.js";
import type { DriftReport } from "./check.js";
import { driftConfig } from "./config.js";
import type { FeatureInput } from "./features.js";
import {
  type BatchFactory,
  type DriftLog,
  type DriftMonitor,
  type DriftMonitorOptions,
  startDriftMonitor,
} from "./service.js";

export interface Monitoring {
  /** For PolicyOptions.monitor; undefined when drift monitoring is off. */
  sink: ((input: FeatureInput) => void) | undefined;
  /** For PolicyOptions.onLimits: where budget use is read from. */
  setLimits(limits: LimitsStage | undefined): void;
  drift: DriftMonitor | undefined;
  alerts: AlertService;
  /** One scheduled round now: drift check (when on), then alerts. */
  tick(now?: Date): Promise<DriftReport | undefined>;
  close(): Promise<void>;
}

export interface MonitoringOptions {
  store: MetadataStore;
  config: Pick<Config, "monitoring" | "alerts">;
  registry?: Registry | undefined;
  log: DriftLog;
  /** The gateway's batched writer and embedder, injected so this domain module does not import the gateway. */
  batch: BatchFactory;
  embedder?: ((model: string) => (text: string) => Promise<Float32Array>) | undefined;
  /** Where feature rows are computed and stored and checks run (DriftMonitorOptions); default: this thread. */
  storeFeatures?: DriftMonitorOptions["storeFeatures"];
  check?: DriftMonitorOptions["check"];
}

export function startMonitoring(options: MonitoringOptions): Monitoring {
  const drift = driftConfig(options.config.monitoring);
  let limits: LimitsStage | undefined;
  const budgets = async (): Promise<BudgetUse[]> => {
    if (limits === undefined) return [];
    const config = limits.limitsConfig;
    type Scope = { kind: "key" | "team" | "model"; id: string; limits: (typeof config.keys)[string] };
    const scopes: Scope[] = [];
    const names = new Map<string, string>();
    // Key budgets count per key id (the limits stage matches an entry by id or name, "*" for the rest):
    // list the active keys and give each the entry it would get.
    const keyEntries = Object.entries(config.keys).filter(([, l]) => l.budget_tokens !== undefined);
    if (keyEntries.length > 0) {
      const keys = await options.store.db
        .selectFrom("api_keys")
        .select(["id", "name"])
        .where("revoked_at", "is", null)
        .execute();
      for (const key of keys) {
        const entry = config.keys[key.id] ?? config.keys[key.name] ?? config.keys["*"];
        if (entry?.budget_tokens === undefined) continue;
        scopes.push({ kind: "key", id: key.id, limits: entry });
        names.set(key.id, key.name);
      }
    }
    for (const [group, kind] of [
      ["teams", "team"],
      ["models", "model"],
    ] as const) {
      for (const [id, l] of Object.entries(config[group])) {
        // "*" is one counter per team/model: only named ones can be listed.
        if (id !== "*" && l.budget_tokens !== undefined) scopes.push({ kind, id, limits: l });
      }
    }
    const usage = await limits.usageOf(scopes);
    return usage
      .filter((u) => u.measure === "budget_tokens")
      .map((u) => ({ scope: u.scope, id: names.get(u.id) ?? u.id, used: u.used, limit: u.limit }));
  };
  const alerts = startAlerts({
    store: options.store,
    config: options.config.alerts ?? { rules: [] },
    log: options.log,
    registry: options.registry,
    budgets,
  });
  const monitor = drift.enabled
    ? startDriftMonitor({
        store: options.store,
        batch: options.batch,
        config: drift,
        registry: options.registry,
        log: options.log,
        embed:
          drift.embedding_model !== undefined && options.embedder !== undefined
            ? options.embedder(drift.embedding_model)
            : undefined,
        afterCheck: async (report) => void (await alerts.evaluate(report)),
        storeFeatures: options.storeFeatures,
        check: options.check,
      })
    : undefined;
  // Without drift monitoring the alerts still need a clock.
  const timer =
    monitor === undefined && (options.config.alerts?.rules.length ?? 0) > 0
      ? setInterval(
          () =>
            void alerts
              .evaluate(undefined)
              .catch((error) => options.log.error({ err: error }, "alert evaluation failed")),
          drift.interval,
        )
      : undefined;
  timer?.unref();
  return {
    sink: monitor === undefined ? undefined : (input) => monitor.record(input),
    setLimits(value) {
      limits = value;
    },
    drift: monitor,
    alerts,
    async tick(now) {
      const report = monitor === undefined ? undefined : await monitor.checkNow(now);
      await alerts.evaluate(report, now);
      return report;
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await monitor?.close();
      await alerts.close();
    },
  };
}
