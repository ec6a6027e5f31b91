// The rollout controller: watches each rollout's candidate (and, for comparison, its stable arm)
// over a sliding window, and when the candidate breaches its SLO — error rate or p95 latency, once
// the window holds minSamples candidate requests — stops sending it traffic at once and asks the
// platform to move the alias back, with the evidence. Every gateway instance runs its own
// controller over the traffic it sees; the platform's rollback is idempotent, so the first
// instance to trip wins and the others' calls are no-ops.
import type { FastifyBaseLogger } from "fastify";
import type { RolloutEvidence, RolloutHooks, RolloutRoute, RolloutWindowStats } from "./types.js";
import { OutcomeWindow } from "./window.js";

interface Watch {
  candidate: OutcomeWindow;
  stable: OutcomeWindow;
  lastCheck: number;
}

/** Evaluations of one rollout happen at most this often (sorting the window is O(n log n)). */
const CHECK_EVERY_MS = 200;
/** Rollouts are forgotten this long after their last request. */
const FORGET_AFTER_MS = 3_600_000;

export class RolloutController {
  private readonly watches = new Map<string, Watch & { lastSeen: number }>();
  private readonly trippedIds = new Set<string>();
  private shadowsInFlight = 0;

  /** At most this many shadow requests at once; beyond it mirroring is skipped (default 16). */
  readonly maxShadows: number;
  private readonly onTrip: ((rolloutId: string) => void) | undefined;

  constructor(
    private readonly hooks: RolloutHooks | undefined,
    private readonly log: FastifyBaseLogger,
    options: { maxShadows?: number; onTrip?: (rolloutId: string) => void } = {},
  ) {
    this.maxShadows = options.maxShadows ?? 16;
    this.onTrip = options.onTrip;
  }

  /** True once this gateway saw the rollout breach its SLO: all its traffic goes to the stable arm. */
  tripped(rolloutId: string): boolean {
    return this.trippedIds.size > 0 && this.trippedIds.has(rolloutId);
  }

  /** Records how one request served by an arm of a rollout went, and checks the SLO. */
  record(rollout: RolloutRoute, arm: "candidate" | "stable", latencyMs: number, failed: boolean): void {
    if (rollout.kind === "shadow" && arm === "candidate") return; // shadows are compared, not enforced
    const now = Date.now();
    let watch = this.watches.get(rollout.id);
    if (watch === undefined) {
      if (this.watches.size > 1000) this.forgetIdle(now);
      watch = { candidate: new OutcomeWindow(), stable: new OutcomeWindow(), lastCheck: 0, lastSeen: now };
      this.watches.set(rollout.id, watch);
    }
    watch.lastSeen = now;
    (arm === "candidate" ? watch.candidate : watch.stable).record(now, latencyMs, failed);
    if (arm !== "candidate" || this.trippedIds.has(rollout.id)) return;
    if (now - watch.lastCheck < CHECK_EVERY_MS && watch.candidate.size !== rollout.slo.minSamples) return;
    watch.lastCheck = now;
    this.check(rollout, watch, now);
  }

  /** Shadow concurrency: returns false when the cap is reached (the mirror is skipped). */
  startShadow(): boolean {
    if (this.shadowsInFlight >= this.maxShadows) return false;
    this.shadowsInFlight++;
    return true;
  }

  endShadow(): void {
    if (this.shadowsInFlight > 0) this.shadowsInFlight--;
  }

  recordShadow(...args: Parameters<RolloutHooks["recordShadow"]>): void {
    try {
      this.hooks?.recordShadow(...args);
    } catch (error) {
      this.log.error({ err: error }, "recordShadow threw; a shadow sample is lost");
    }
  }

  /** Current window statistics of a rollout (for tests and diagnostics). */
  stats(rolloutId: string, windowMs: number): { candidate: RolloutWindowStats; stable: RolloutWindowStats } | null {
    const watch = this.watches.get(rolloutId);
    if (watch === undefined) return null;
    const since = Date.now() - windowMs;
    watch.candidate.prune(since);
    watch.stable.prune(since);
    return { candidate: watch.candidate.stats(), stable: watch.stable.stats() };
  }

  private check(rollout: RolloutRoute, watch: Watch, now: number): void {
    const { slo } = rollout;
    const since = now - slo.windowMs;
    watch.candidate.prune(since);
    if (watch.candidate.size < slo.minSamples) return;
    const candidate = watch.candidate.stats();
    const breached: string[] = [];
    if (candidate.errorRate > slo.maxErrorRate) breached.push("error_rate");
    if (candidate.p95Ms !== null && candidate.p95Ms > slo.maxP95Ms) breached.push("p95_latency");
    if (breached.length === 0) return;
    watch.stable.prune(since);
    const evidence: RolloutEvidence = {
      rolloutId: rollout.id,
      kind: rollout.kind,
      stable: rollout.stable.resolved,
      candidate: rollout.candidate.resolved,
      breached,
      windowMs: slo.windowMs,
      windowStart: new Date(since).toISOString(),
      windowEnd: new Date(now).toISOString(),
      slo,
      candidateStats: candidate,
      stableStats: watch.stable.stats(),
    };
    this.trippedIds.add(rollout.id);
    this.onTrip?.(rollout.id);
    this.log.warn(evidence, "rollout candidate breached its SLO; rolling back to the stable version");
    if (this.hooks === undefined) return;
    this.hooks.breached(rollout.id, evidence).catch((error: unknown) => {
      this.log.error({ err: error, rolloutId: rollout.id }, "automatic rollback could not be recorded");
    });
  }

  private forgetIdle(now: number): void {
    for (const [id, watch] of this.watches) if (now - watch.lastSeen > FORGET_AFTER_MS) this.watches.delete(id);
  }
}
