// What every report format renders: built from a stored run and its results. Holdout cases are
// folded into an aggregate here and never copied into `tests`, so no format (terminal, JSON,
// Markdown, HTML, JUnit, the API) can show their prompts, outputs or per-test verdicts.
import type { EvalRun } from "../store.js";
import { type CaseOutcome, type EvalSummary, foldCases } from "../summary.js";
import type { TestResult } from "../types.js";

export interface ReportSide {
  pass: boolean;
  passes: number;
  runs: number;
  score: number;
  /** Output of the first repeat (truncated for very long outputs). */
  output: string;
  /** Why it failed (first failing repeat), or "" when it passed. */
  reason: string;
  latencyMs: number | null;
  error: string | null;
  /** Every assertion's verdict in the shown repeat (the first failing one, else the first), informational ones included. */
  checks: Array<{ type: string; pass: boolean; score: number; weight: number; reason: string }>;
}

export interface ReportTest {
  caseId: string;
  testIndex: number;
  promptId: string;
  description: string;
  category: string | null;
  vars: Record<string, unknown>;
  passThreshold: number;
  candidate: ReportSide;
  baseline: ReportSide | null;
  /** "regression" (baseline passed, candidate fails), "improvement", or null. */
  change: "regression" | "improvement" | null;
}

export interface EvalReport {
  run: {
    id: string;
    suite: string;
    candidate: string;
    candidateId: string;
    baseline: string | null;
    baselineId: string | null;
    status: string;
    gated: boolean;
    createdAt: string;
    createdBy: string;
    finishedAt: string | null;
  };
  /** Null while the run is unfinished, or when it failed (see `error`). */
  summary: EvalSummary | null;
  /** Why a failed run failed. */
  error: string | null;
  /** Non-holdout cases only. */
  tests: ReportTest[];
  /** How many holdout cases there are (their results are only in summary.*.holdout). */
  holdoutCases: number;
}

const MAX_OUTPUT = 2000;

function side(outcome: CaseOutcome, calls: TestResult[]): ReportSide {
  const sorted = [...calls].sort((a, b) => a.repeat - b.repeat);
  const first = sorted[0] as TestResult;
  const failing = sorted.find((r) => !r.pass);
  const latencies = sorted.filter((r) => r.error === null).map((r) => r.latencyMs);
  return {
    pass: outcome.pass,
    passes: outcome.passes,
    runs: outcome.runs,
    score: outcome.meanScore,
    output: first.output.length > MAX_OUTPUT ? `${first.output.slice(0, MAX_OUTPUT)}…` : first.output,
    reason: failing?.reason ?? "",
    latencyMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null,
    error: failing?.error ?? null,
    checks: (failing ?? first).assertions.map((a) => ({
      type: a.type,
      pass: a.pass,
      score: a.score,
      weight: a.weight,
      reason: a.reason,
    })),
  };
}

export function buildReport(run: EvalRun, results: TestResult[]): EvalReport {
  const visible = results.filter((r) => !r.holdout);
  const candidateCases = foldCases(visible, "candidate");
  const baselineCases = new Map(foldCases(visible, "baseline").map((c) => [c.caseId, c]));
  const callsOf = (role: string, caseId: string) => visible.filter((r) => r.role === role && r.caseId === caseId);
  const tests: ReportTest[] = candidateCases.map((c) => {
    const calls = callsOf("candidate", c.caseId);
    const first = calls[0] as TestResult;
    const b = baselineCases.get(c.caseId);
    const baseline = b ? side(b, callsOf("baseline", c.caseId)) : null;
    return {
      caseId: c.caseId,
      testIndex: c.testIndex,
      promptId: c.promptId,
      description: c.description ?? `test ${c.testIndex + 1}`,
      category: c.category,
      vars: first.vars,
      passThreshold: c.passThreshold,
      candidate: side(c, calls),
      baseline,
      change: baseline
        ? baseline.pass && !c.pass
          ? "regression"
          : !baseline.pass && c.pass
            ? "improvement"
            : null
        : null,
    };
  });
  const holdoutCases = new Set(results.filter((r) => r.holdout && r.role === "candidate").map((r) => r.caseId)).size;
  return {
    run: {
      id: run.id,
      suite: run.suiteName,
      candidate: run.candidate,
      candidateId: run.candidateId,
      baseline: run.baseline,
      baselineId: run.baselineId,
      status: run.status,
      gated: run.gated,
      createdAt: run.createdAt,
      createdBy: run.createdBy,
      finishedAt: run.finishedAt,
    },
    summary: isSummary(run.summary) ? run.summary : null,
    error: errorOf(run.summary),
    tests,
    holdoutCases,
  };
}

function isSummary(value: unknown): value is EvalSummary {
  return value !== null && typeof value === "object" && "gate" in value && "candidate" in value;
}

function errorOf(value: unknown): string | null {
  if (value === null || typeof value !== "object" || !("error" in value)) return null;
  return String((value as { error: unknown }).error);
}

export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function ciText(ci: [number, number] | null): string {
  return ci ? `[${pct(ci[0])}, ${pct(ci[1])}]` : "";
}

export function signedPct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} pts`;
}
