// The alert state machine, one state per rule: inactive → pending (condition true, waiting for `for`)
// → firing (notify once) → inactive again when the condition is false (notify "resolved"). A firing
// alert is never re-sent while it stays firing; a value that cannot be computed (no traffic, no
// budgets) counts as "condition false".
import type { AlertRule } from "./rules.js";
import type { AlertNotification } from "./webhook.js";

export type AlertState = "inactive" | "pending" | "firing";

export interface RuleStatus {
  rule: string;
  metric: AlertRule["metric"];
  severity: AlertRule["severity"];
  state: AlertState;
  /** When the condition started to hold (pending or firing), ISO-8601. */
  since: string | null;
  value: number | null;
  threshold: number | null;
  evaluated_at: string | null;
  /** What is behind the value (e.g. the budget scope, the drifted features). */
  detail: string | null;
}

export interface Observation {
  /** Null: nothing to measure. */
  value: number | null;
  firing: boolean;
  detail?: string | undefined;
}

export class AlertEvaluator {
  private readonly states = new Map<string, RuleStatus>();

  constructor(private readonly rules: readonly AlertRule[]) {
    for (const rule of rules) {
      this.states.set(rule.name, {
        rule: rule.name,
        metric: rule.metric,
        severity: rule.severity,
        state: "inactive",
        since: null,
        value: null,
        threshold: rule.above ?? null,
        evaluated_at: null,
        detail: null,
      });
    }
  }

  /** Applies one round of observations; returns the notifications to send (firing or resolved). */
  step(observe: (rule: AlertRule) => Observation, now: Date): AlertNotification[] {
    const out: AlertNotification[] = [];
    for (const rule of this.rules) {
      const status = this.states.get(rule.name)!;
      const seen = observe(rule);
      status.value = seen.value;
      status.detail = seen.detail ?? null;
      status.evaluated_at = now.toISOString();
      const notify = (kind: "firing" | "resolved"): AlertNotification => ({
        status: kind,
        alert: rule.name,
        metric: rule.metric,
        severity: rule.severity,
        summary: `${rule.summary ?? `${rule.metric} alert`}${seen.detail ? ` (${seen.detail})` : ""}`,
        value: seen.value,
        threshold: rule.above ?? null,
        ...(rule.feature === undefined ? {} : { feature: rule.feature }),
        started_at: status.since ?? now.toISOString(),
        ...(kind === "resolved" ? { ended_at: now.toISOString() } : {}),
      });
      if (seen.firing) {
        if (status.state === "inactive") {
          status.state = "pending";
          status.since = now.toISOString();
        }
        if (status.state === "pending" && now.getTime() - Date.parse(status.since!) >= rule.for) {
          status.state = "firing";
          out.push(notify("firing"));
        }
      } else {
        if (status.state === "firing") out.push(notify("resolved"));
        status.state = "inactive";
        status.since = null;
      }
    }
    return out;
  }

  status(): RuleStatus[] {
    return this.rules.map((rule) => ({ ...this.states.get(rule.name)! }));
  }
}
