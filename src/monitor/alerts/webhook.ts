// Delivers alert notifications: POST JSON to the webhook, each attempt bounded by a timeout, retried
// with doubling waits on a network error, a timeout, a 429 or a 5xx (a 4xx other than 429 means the
// receiver rejects the payload: retrying would not help).
import type { WebhookConfig } from "./rules.js";

export interface AlertNotification {
  status: "firing" | "resolved";
  alert: string;
  metric: string;
  severity: string;
  summary: string;
  /** The value when the alert fired or resolved; null when there was none (no traffic). */
  value: number | null;
  threshold: number | null;
  feature?: string;
  started_at: string;
  ended_at?: string;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function postWebhook(config: WebhookConfig, notification: AlertNotification): Promise<DeliveryResult> {
  const body = JSON.stringify(notification);
  let last: DeliveryResult = { delivered: false, attempts: 0 };
  for (let attempt = 0; attempt <= config.retries; attempt++) {
    if (attempt > 0) await sleep(config.backoff * 2 ** (attempt - 1));
    try {
      const response = await fetch(config.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "llmops-alerts", ...config.headers },
        body,
        signal: AbortSignal.timeout(config.timeout),
      });
      await response.body?.cancel().catch(() => {});
      if (response.ok) return { delivered: true, attempts: attempt + 1, status: response.status };
      last = { delivered: false, attempts: attempt + 1, status: response.status, error: `HTTP ${response.status}` };
      if (response.status < 500 && response.status !== 429) return last;
    } catch (error) {
      const name = (error as Error).name;
      last = {
        delivered: false,
        attempts: attempt + 1,
        error: name === "TimeoutError" ? `timed out after ${config.timeout} ms` : (error as Error).message,
      };
    }
  }
  return last;
}
