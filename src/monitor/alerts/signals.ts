// What the in-process alert rules measure: p95 latency and error rate of the gateway's request log
// over a window (the newest 20 000 rows at most), token budget use from the limit store, and drift
// from the last drift check.
import type { MetadataStore } from "../../store/metadata/types.js";
import type { DriftReport } from "../drift/check.js";

const MAX_ROWS = 20_000;

export interface TrafficSignal {
  requests: number;
  p95Ms: number | null;
  errorRate: number | null;
}

export async function trafficSignal(store: MetadataStore, windowMs: number, now: Date): Promise<TrafficSignal> {
  const rows = await store.db
    .selectFrom("requests")
    .select(["latency_ms", "status"])
    .where("at", ">=", new Date(now.getTime() - windowMs).toISOString())
    .orderBy("id", "desc")
    .limit(MAX_ROWS)
    .execute();
  if (rows.length === 0) return { requests: 0, p95Ms: null, errorRate: null };
  const latencies = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
  // Nearest-rank percentile, as the dashboard's stats.
  const p95Ms = latencies[Math.min(latencies.length - 1, Math.ceil(0.95 * latencies.length) - 1)]!;
  const errors = rows.filter((r) => Number(r.status) >= 400).length;
  return { requests: rows.length, p95Ms, errorRate: errors / rows.length };
}

export interface BudgetUse {
  scope: string;
  id: string;
  used: number;
  limit: number;
}

/** The most-used budget as a fraction, with who it belongs to. */
export function worstBudget(uses: readonly BudgetUse[]): { ratio: number; who: string } | undefined {
  let worst: { ratio: number; who: string } | undefined;
  for (const use of uses) {
    if (use.limit <= 0) continue;
    const ratio = use.used / use.limit;
    if (worst === undefined || ratio > worst.ratio)
      worst = { ratio, who: `${use.scope} ${use.id}: ${use.used} of ${use.limit} tokens` };
  }
  return worst;
}

export function driftedFeatures(report: DriftReport | undefined, feature: string | undefined): string[] {
  if (report === undefined) return [];
  return report.features
    .filter((f) => f.drifted && (feature === undefined || f.feature === feature))
    .map((f) => f.feature);
}
