// From per-call results to what a person (and the gate) reads: per-case outcomes (repeats folded
// with the case's pass threshold), pass rates with seeded bootstrap confidence intervals, per-category
// rates, candidate-vs-baseline deltas with a paired bootstrap interval, and the gate's verdict.
// Holdout cases are counted in their own group and never listed one by one.
import { mulberry32 } from "../util/random.js";
import type { AnalysisReport, TestResult, Thresholds } from "./types.js";

export const BOOTSTRAP_SAMPLES = 2000;

/** One case (test × prompt) folded over its repeats. */
export interface CaseOutcome {
  caseId: string;
  testIndex: number;
  promptId: string;
  description: string | null;
  category: string | null;
  holdout: boolean;
  runs: number;
  passes: number;
  passThreshold: number;
  pass: boolean;
  meanScore: number;
  errors: number;
}

export interface GroupStats {
  cases: number;
  passed: number;
  passRate: number;
  /** 95% bootstrap interval of the pass rate (case pass fractions resampled); null under 2 cases. */
  ci: [number, number] | null;
  meanScore: number;
  calls: number;
  errors: number;
  cachedCalls: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  promptTokens: number;
  completionTokens: number;
}

export interface RoleSummary {
  providerId: string;
  /** Non-holdout cases. */
  overall: GroupStats;
  /** Holdout cases, aggregate only; null when the suite has none. */
  holdout: GroupStats | null;
  /** Non-holdout cases by category. */
  byCategory: Record<string, GroupStats>;
}

export interface Comparison {
  /** Candidate minus baseline pass rate (non-holdout). */
  delta: number;
  /** 95% paired bootstrap interval of the delta; null under 2 shared cases. */
  ci: [number, number] | null;
  /** Non-holdout cases the baseline passes and the candidate fails, and the reverse. */
  regressions: number;
  improvements: number;
  holdoutDelta: number | null;
}

export interface GateVerdict {
  pass: boolean;
  /** Every failed check, in words; empty when the gate passes. */
  reasons: string[];
  passRate: number;
  regressionTolerance: number;
  holdoutPassRate: number;
}

export interface EvalSummary {
  candidate: RoleSummary;
  baseline: RoleSummary | null;
  comparison: Comparison | null;
  gate: GateVerdict;
  analyses: AnalysisReport[];
  cache: { hits: number; misses: number };
  durationMs: number;
}

export function foldCases(results: TestResult[], role: "candidate" | "baseline"): CaseOutcome[] {
  const byCase = new Map<string, TestResult[]>();
  for (const r of results) {
    if (r.role !== role) continue;
    const list = byCase.get(r.caseId);
    if (list) list.push(r);
    else byCase.set(r.caseId, [r]);
  }
  const out: CaseOutcome[] = [];
  for (const [caseId, runs] of byCase) {
    const first = runs[0] as TestResult;
    const passes = runs.filter((r) => r.pass).length;
    const threshold = first.passThreshold ?? 1;
    out.push({
      caseId,
      testIndex: first.testIndex,
      promptId: first.promptId,
      description: first.description,
      category: first.category,
      holdout: first.holdout,
      runs: runs.length,
      passes,
      passThreshold: threshold,
      // A small epsilon so 2/3 ≥ 0.6667-style thresholds behave as a person expects.
      pass: passes / runs.length >= threshold - 1e-9,
      meanScore: runs.reduce((a, r) => a + r.score, 0) / runs.length,
      errors: runs.filter((r) => r.error !== null).length,
    });
  }
  return out.sort((a, b) => a.testIndex - b.testIndex || a.promptId.localeCompare(b.promptId));
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

/** 95% percentile-bootstrap interval of the mean of `values` (seeded: same input → same interval). */
export function bootstrapMeanCi(values: number[], seed: number, samples = BOOTSTRAP_SAMPLES): [number, number] | null {
  if (values.length < 2) return null;
  const random = mulberry32(seed);
  const means: number[] = [];
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)] as number;
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  return [percentile(means, 0.025) as number, percentile(means, 0.975) as number];
}

function groupStats(cases: CaseOutcome[], calls: TestResult[], seed: number): GroupStats {
  const latencies = calls
    .filter((r) => r.error === null && !r.cached)
    .map((r) => r.latencyMs)
    .sort((a, b) => a - b);
  const passed = cases.filter((c) => c.pass).length;
  return {
    cases: cases.length,
    passed,
    passRate: cases.length ? passed / cases.length : 0,
    ci: bootstrapMeanCi(
      cases.map((c) => c.passes / c.runs),
      seed,
    ),
    meanScore: cases.length ? cases.reduce((a, c) => a + c.meanScore, 0) / cases.length : 0,
    calls: calls.length,
    errors: calls.filter((r) => r.error !== null).length,
    cachedCalls: calls.filter((r) => r.cached).length,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
    promptTokens: calls.reduce((a, r) => a + r.promptTokens, 0),
    completionTokens: calls.reduce((a, r) => a + r.completionTokens, 0),
  };
}

export function summariseRole(results: TestResult[], role: "candidate" | "baseline", seed: number): RoleSummary | null {
  const calls = results.filter((r) => r.role === role);
  if (calls.length === 0) return null;
  const cases = foldCases(results, role);
  const visible = cases.filter((c) => !c.holdout);
  const hidden = cases.filter((c) => c.holdout);
  const visibleCalls = calls.filter((r) => !r.holdout);
  const byCategory: Record<string, GroupStats> = {};
  for (const category of new Set(visible.map((c) => c.category ?? "uncategorised"))) {
    byCategory[category] = groupStats(
      visible.filter((c) => (c.category ?? "uncategorised") === category),
      visibleCalls.filter((r) => (r.category ?? "uncategorised") === category),
      seed,
    );
  }
  return {
    providerId: (calls[0] as TestResult).providerId,
    overall: groupStats(visible, visibleCalls, seed),
    holdout: hidden.length
      ? groupStats(
          hidden,
          calls.filter((r) => r.holdout),
          seed,
        )
      : null,
    byCategory,
  };
}

export function compareRoles(results: TestResult[], seed: number): Comparison | null {
  const cand = foldCases(results, "candidate");
  const base = new Map(foldCases(results, "baseline").map((c) => [c.caseId, c]));
  if (base.size === 0) return null;
  const pairs = cand
    .filter((c) => !c.holdout && base.has(c.caseId))
    .map((c) => [c, base.get(c.caseId) as CaseOutcome] as const);
  const rate = (list: CaseOutcome[]) => (list.length ? list.filter((c) => c.pass).length / list.length : 0);
  const hiddenC = cand.filter((c) => c.holdout);
  const hiddenB = [...base.values()].filter((c) => c.holdout);
  return {
    delta: rate(pairs.map((p) => p[0])) - rate(pairs.map((p) => p[1])),
    ci: bootstrapMeanCi(
      pairs.map(([c, b]) => c.passes / c.runs - b.passes / b.runs),
      seed + 1,
    ),
    regressions: pairs.filter(([c, b]) => b.pass && !c.pass).length,
    improvements: pairs.filter(([c, b]) => !b.pass && c.pass).length,
    holdoutDelta: hiddenC.length && hiddenB.length ? rate(hiddenC) - rate(hiddenB) : null,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function decideGate(
  candidate: RoleSummary,
  baseline: RoleSummary | null,
  thresholds: Thresholds | undefined,
  analyses: AnalysisReport[],
): GateVerdict {
  const passRate = thresholds?.passRate ?? 1;
  const regressionTolerance = thresholds?.regressionTolerance ?? 0;
  const holdoutPassRate = thresholds?.holdoutPassRate ?? passRate;
  const reasons: string[] = [];
  const c = candidate.overall;
  if (c.cases > 0 && c.passRate < passRate - 1e-9) {
    reasons.push(
      `pass rate ${pct(c.passRate)} (${c.passed}/${c.cases}) is below the suite's threshold ${pct(passRate)}`,
    );
  }
  if (candidate.holdout && candidate.holdout.passRate < holdoutPassRate - 1e-9) {
    reasons.push(`holdout pass rate ${pct(candidate.holdout.passRate)} is below ${pct(holdoutPassRate)}`);
  }
  if (baseline) {
    const drop = baseline.overall.passRate - c.passRate;
    if (drop > regressionTolerance + 1e-9) {
      reasons.push(
        `pass rate ${pct(c.passRate)} regressed ${pct(drop)} from the baseline's ${pct(baseline.overall.passRate)} (tolerance ${pct(regressionTolerance)})`,
      );
    }
    if (candidate.holdout && baseline.holdout) {
      const hdrop = baseline.holdout.passRate - candidate.holdout.passRate;
      if (hdrop > regressionTolerance + 1e-9) {
        reasons.push(
          `holdout pass rate regressed ${pct(hdrop)} from the baseline (tolerance ${pct(regressionTolerance)})`,
        );
      }
    }
  }
  for (const a of analyses) if (!a.pass) reasons.push(`${a.title}: ${a.summary}`);
  return { pass: reasons.length === 0, reasons, passRate, regressionTolerance, holdoutPassRate };
}
