// Folding repeats with pass thresholds, seeded bootstrap intervals, comparison and gate decisions.
import { describe, expect, it } from "vitest";
import { bootstrapMeanCi, compareRoles, decideGate, foldCases, summariseRole } from "./summary.js";
import type { TestResult } from "./types.js";

function result(
  caseId: string,
  role: "candidate" | "baseline",
  repeat: number,
  pass: boolean,
  extra: Partial<TestResult> = {},
): TestResult {
  return {
    caseId,
    testIndex: Number(caseId.replace(/\D/g, "")) || 0,
    promptId: "p",
    role,
    providerId: role,
    repeat,
    description: caseId,
    category: null,
    holdout: false,
    passThreshold: 1,
    vars: {},
    metadata: {},
    output: "",
    pass,
    score: pass ? 1 : 0,
    reason: "",
    latencyMs: 10 + repeat,
    promptTokens: 1,
    completionTokens: 1,
    cached: false,
    error: null,
    assertions: [],
    ...extra,
  };
}

describe("summaries", () => {
  it("folds repeats with the case's pass threshold", () => {
    const results = [
      ...[true, true, false].map((p, i) => result("c1", "candidate", i, p, { passThreshold: 0.6 })),
      ...[true, true, false].map((p, i) => result("c2", "candidate", i, p)),
    ];
    const cases = foldCases(results, "candidate");
    expect(cases.map((c) => [c.caseId, c.passes, c.runs, c.pass])).toEqual([
      ["c1", 2, 3, true],
      ["c2", 2, 3, false],
    ]);
  });

  it("bootstraps seeded intervals that contain the mean", () => {
    const values = [1, 1, 0, 1, 0, 1, 1, 1, 0, 1];
    const ci = bootstrapMeanCi(values, 7);
    expect(ci).toEqual(bootstrapMeanCi(values, 7));
    const [lo, hi] = ci as [number, number];
    expect(lo).toBeLessThanOrEqual(0.7);
    expect(hi).toBeGreaterThanOrEqual(0.7);
    expect(hi - lo).toBeGreaterThan(0.2);
    expect(bootstrapMeanCi([1], 1)).toBeNull();
  });

  it("keeps holdout cases in their own aggregate and gates on both", () => {
    const results = [
      result("c1", "candidate", 0, true),
      result("c2", "candidate", 0, true),
      result("h1", "candidate", 0, false, { holdout: true }),
    ];
    const s = summariseRole(results, "candidate", 1);
    expect(s?.overall).toMatchObject({ cases: 2, passRate: 1 });
    expect(s?.holdout).toMatchObject({ cases: 1, passRate: 0 });
    const gate = decideGate(s!, null, { passRate: 1 }, []);
    expect(gate.pass).toBe(false);
    expect(gate.reasons).toEqual(["holdout pass rate 0.0% is below 100.0%"]);
    expect(decideGate(s!, null, { passRate: 1, holdoutPassRate: 0 }, []).pass).toBe(true);
  });

  it("compares with a baseline and applies the regression tolerance", () => {
    const results: TestResult[] = [];
    for (let i = 0; i < 10; i++) {
      results.push(result(`c${i}`, "baseline", 0, true));
      results.push(result(`c${i}`, "candidate", 0, i !== 0)); // one regression: −10 points
    }
    const cmp = compareRoles(results, 1);
    expect(cmp).toMatchObject({ regressions: 1, improvements: 0 });
    expect(cmp?.delta).toBeCloseTo(-0.1);
    const cand = summariseRole(results, "candidate", 1)!;
    const base = summariseRole(results, "baseline", 1)!;
    expect(decideGate(cand, base, { passRate: 0.8, regressionTolerance: 0.1 }, []).pass).toBe(true);
    const strict = decideGate(cand, base, { passRate: 0.8, regressionTolerance: 0.05 }, []);
    expect(strict.pass).toBe(false);
    expect(strict.reasons[0]).toMatch(/regressed 10\.0% from the baseline's 100\.0% \(tolerance 5\.0%\)/);
    const analysis = { title: "Bias audit", pass: false, summary: "gender gap too large", sections: [], metrics: {} };
    expect(decideGate(cand, null, { passRate: 0 }, [analysis]).reasons).toEqual(["Bias audit: gender gap too large"]);
  });
});
