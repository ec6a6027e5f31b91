// The in-process alert evaluator: on the drift monitor's schedule it measures every rule's signal,
// steps the state machine, and delivers each firing/resolved notification to the log and, when
// configured, the webhook (in the background, in order, never blocking the next evaluation).
import { Gauge, type Registry } from "prom-client";
import type { MetadataStore } from "../../store/metadata/types.js";
import type { DriftReport } from "../drift/check.js";
import type { DriftLog } from "../drift/service.js";
import { AlertEvaluator, type Observation, type RuleStatus } from "./evaluate.js";
import type { AlertRule, AlertsConfig } from "./rules.js";
import { type BudgetUse, driftedFeatures, type TrafficSignal, trafficSignal, worstBudget } from "./signals.js";
import { type AlertNotification, type DeliveryResult, postWebhook } from "./webhook.js";

export interface AlertServiceOptions {
  store: MetadataStore;
  config: AlertsConfig;
  log: DriftLog;
  registry?: Registry | undefined;
  /** Token budget use per scope (from the gateway's limit store); none when limits are off. */
  budgets?: (() => Promise<BudgetUse[]>) | undefined;
}

export interface DeliveryRecord extends DeliveryResult {
  at: string;
  notification: AlertNotification;
}

export interface AlertService {
  evaluate(drift: DriftReport | undefined, now?: Date): Promise<AlertNotification[]>;
  status(): RuleStatus[];
  /** The newest webhook deliveries (at most 50), newest first. */
  deliveries(): DeliveryRecord[];
  /** Waits for deliveries in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function startAlerts(options: AlertServiceOptions): AlertService {
  const { store, config, log } = options;
  const evaluator = new AlertEvaluator(config.rules);
  const recent: DeliveryRecord[] = [];
  let queue: Promise<void> = Promise.resolve();
  const budgetGauge =
    options.registry &&
    ((options.registry.getSingleMetric("llmops_budget_used_ratio") as Gauge<"scope" | "id"> | undefined) ??
      new Gauge({
        name: "llmops_budget_used_ratio",
        help: "Share of each configured token budget used in its current period (0–1).",
        labelNames: ["scope", "id"],
        registers: [options.registry],
      }));

  const deliver = (notification: AlertNotification) => {
    const line = {
      alert: notification.alert,
      value: notification.value,
      threshold: notification.threshold,
      severity: notification.severity,
    };
    if (notification.status === "firing") log.warn(line, `alert firing: ${notification.summary}`);
    else log.info(line, `alert resolved: ${notification.summary}`);
    const webhook = config.webhook;
    if (webhook === undefined) return;
    queue = queue.then(async () => {
      const result = await postWebhook(webhook, notification);
      recent.unshift({ at: new Date().toISOString(), notification, ...result });
      recent.length = Math.min(recent.length, 50);
      if (!result.delivered)
        log.error({ alert: notification.alert, ...result }, "could not deliver an alert to the webhook");
    });
  };

  return {
    async evaluate(drift, now = new Date()) {
      const traffic = new Map<number, TrafficSignal>();
      for (const rule of config.rules) {
        if ((rule.metric === "latency_p95_ms" || rule.metric === "error_rate") && !traffic.has(rule.window)) {
          traffic.set(rule.window, await trafficSignal(store, rule.window, now));
        }
      }
      const needsBudgets = config.rules.some((r) => r.metric === "budget_used") || budgetGauge !== undefined;
      const uses = needsBudgets && options.budgets ? await options.budgets().catch(() => []) : [];
      for (const use of uses)
        budgetGauge?.set({ scope: use.scope, id: use.id }, use.limit > 0 ? use.used / use.limit : 0);
      const budget = worstBudget(uses);
      const observe = (rule: AlertRule): Observation => {
        const above = (value: number | null, detail?: string): Observation => ({
          value,
          firing: value !== null && value > (rule.above ?? Number.POSITIVE_INFINITY),
          detail,
        });
        switch (rule.metric) {
          case "latency_p95_ms": {
            const t = traffic.get(rule.window)!;
            return above(t.p95Ms, `${t.requests} requests`);
          }
          case "error_rate": {
            const t = traffic.get(rule.window)!;
            return above(t.errorRate, `${t.requests} requests`);
          }
          case "budget_used":
            return above(budget?.ratio ?? null, budget?.who);
          case "drift_detected": {
            const features = driftedFeatures(drift, rule.feature);
            return {
              value: features.length > 0 ? 1 : 0,
              firing: features.length > 0,
              detail: features.length ? `drift in ${features.join(", ")}` : undefined,
            };
          }
        }
      };
      const notifications = evaluator.step(observe, now);
      for (const n of notifications) deliver(n);
      return notifications;
    },
    status: () => evaluator.status(),
    deliveries: () => [...recent],
    idle: () => queue,
    async close() {
      await queue;
    },
  };
}
