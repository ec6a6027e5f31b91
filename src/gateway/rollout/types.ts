// What the gateway knows about a rollout: the two arms of an alias, the split, and the SLO its
// controller enforces. The platform builds these from the registry's rollout records.

import type { RolloutShadowSamplesTable } from "../../store/schema.js";
import type { Upstream } from "../types.js";

export type RolloutKind = "canary" | "shadow" | "blue-green";

export interface RolloutSlo {
  /** Highest tolerated share of failed candidate requests (5xx, unreachable, timeout), 0–1. */
  maxErrorRate: number;
  /** Highest tolerated p95 latency of the candidate (ms; JSON: whole answer, streams: first byte). */
  maxP95Ms: number;
  /** Sliding window the rates are computed over (ms). */
  windowMs: number;
  /** No verdict before the window holds this many candidate requests. */
  minSamples: number;
}

export interface RolloutArm {
  /** `name@version`. */
  resolved: string;
  upstreams: Upstream[];
}

export interface RolloutRoute {
  id: string;
  kind: RolloutKind;
  /** canary / blue-green: share of requests (0–100) the candidate serves; shadow: share mirrored to it. */
  percent: number;
  stable: RolloutArm;
  candidate: RolloutArm;
  slo: RolloutSlo;
}

export interface RolloutWindowStats {
  samples: number;
  errors: number;
  errorRate: number;
  p95Ms: number | null;
}

/** Why the controller rolled a candidate back: everything needed to check its decision later. */
export interface RolloutEvidence {
  rolloutId: string;
  kind: RolloutKind;
  stable: string;
  candidate: string;
  /** Which SLOs were breached: `error_rate`, `p95_latency`. */
  breached: string[];
  windowMs: number;
  windowStart: string;
  windowEnd: string;
  slo: RolloutSlo;
  candidateStats: RolloutWindowStats;
  stableStats: RolloutWindowStats;
}

/** One shadowed request: the primary's answer beside the candidate's (outputs truncated), as stored. */
export type ShadowSample = RolloutShadowSamplesTable;

export interface RolloutHooks {
  /** The candidate breached its SLO: move the alias back to the stable version and record the evidence (idempotent). */
  breached(rolloutId: string, evidence: RolloutEvidence): Promise<void>;
  /** Queues a shadow comparison; must return at once and never throw. */
  recordShadow(sample: ShadowSample): void;
}
