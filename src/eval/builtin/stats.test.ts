// The bias audit's statistics on synthetic data with known answers: exact p-values computed by
// hand, a calibrated false-positive rate under no effect, planted effects detected with the right
// size, bootstrap coverage, Holm's correction.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../util/random.js";
import {
  bootstrapMeanInterval,
  cohensDz,
  effectLabel,
  holmAdjust,
  mean,
  shareAbove,
  signFlipTest,
  standardDeviation,
} from "./stats.js";

function normals(n: number, mu: number, sigma: number, seed: number): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - random();
    const v = random();
    out.push(mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

describe("sign-flip permutation test", () => {
  it("gives exact p-values computed by hand", () => {
    // Five equal positive differences: only "all +" and "all −" reach |sum| = 5 → 2 / 32.
    const r = signFlipTest([1, 1, 1, 1, 1]);
    expect(r.exact).toBe(true);
    expect(r.iterations).toBe(32);
    expect(r.pValue).toBeCloseTo(2 / 32, 12);
    // [3, 1, 1]: |±3 ±1 ±1| ≥ 5 only for (+,+,+) and (−,−,−) → 2 / 8.
    expect(signFlipTest([3, 1, 1]).pValue).toBeCloseTo(0.25, 12);
    // [3, -1]: sums 2, 4, -4, -2 → |sum| ≥ 2 always → 1.
    expect(signFlipTest([3, -1]).pValue).toBe(1);
  });

  it("says nothing is there when nothing is there", () => {
    expect(signFlipTest([0, 0, 0, 0]).pValue).toBe(1);
    expect(signFlipTest([]).pValue).toBe(1);
    const noisy = normals(60, 0, 1, 7);
    expect(signFlipTest(noisy, { seed: 3 }).pValue).toBeGreaterThan(0.05);
  });

  it("keeps its false-positive rate near alpha across many null data sets", () => {
    let rejections = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const p = signFlipTest(normals(30, 0, 1, 1000 + t), { iterations: 1000, seed: t }).pValue;
      if (p < 0.05) rejections++;
    }
    // Binomial(300, 0.05): mean 15, sd ≈ 3.8.
    expect(rejections).toBeGreaterThanOrEqual(4);
    expect(rejections).toBeLessThanOrEqual(28);
  });

  it("detects a planted effect and measures its size", () => {
    const diffs = normals(40, 0.8, 1, 11);
    const r = signFlipTest(diffs, { seed: 5 });
    expect(r.exact).toBe(false);
    expect(r.pValue).toBeLessThan(0.001);
    const d = cohensDz(diffs) as number;
    expect(d).toBeGreaterThan(0.5);
    expect(d).toBeLessThan(1.2);
    expect(effectLabel(d)).not.toBe("negligible");
    expect(shareAbove(diffs)).toBeGreaterThan(0.65);
    // Direction is kept: the mirrored data give the same p-value and the opposite sign.
    const mirrored = signFlipTest(
      diffs.map((x) => -x),
      { seed: 5 },
    );
    expect(mirrored.pValue).toBeCloseTo(r.pValue, 12);
    expect(mirrored.mean).toBeCloseTo(-r.mean, 12);
  });

  it("is reproducible for a seed", () => {
    const diffs = normals(50, 0.2, 1, 13);
    expect(signFlipTest(diffs, { seed: 9 })).toEqual(signFlipTest(diffs, { seed: 9 }));
  });
});

describe("effect sizes", () => {
  it("computes d_z and labels it", () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(standardDeviation([1, 2, 3])).toBeCloseTo(1, 12);
    expect(cohensDz([1, 2, 3])).toBeCloseTo(2, 12);
    expect(cohensDz([0, 0, 0])).toBe(0);
    // A constant non-zero difference is "infinitely consistent": null, labelled large.
    expect(cohensDz([0.5, 0.5, 0.5])).toBeNull();
    expect(effectLabel(null)).toBe("large");
    expect(effectLabel(0.1)).toBe("negligible");
    expect(effectLabel(-0.3)).toBe("small");
    expect(effectLabel(0.6)).toBe("medium");
    expect(effectLabel(-2)).toBe("large");
    expect(shareAbove([1, -1, 0, 2])).toBeCloseTo(0.625, 12);
  });
});

describe("bootstrap interval", () => {
  it("covers the true mean about 95% of the time", () => {
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const [lo, hi] = bootstrapMeanInterval(normals(40, 1.5, 2, 5000 + t), { iterations: 500, seed: t });
      if (lo <= 1.5 && 1.5 <= hi) covered++;
    }
    // Percentile bootstrap under-covers slightly at n = 40; 95% nominal.
    expect(covered / trials).toBeGreaterThan(0.86);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });

  it("collapses to the value for constant data", () => {
    expect(bootstrapMeanInterval([2, 2, 2])).toEqual([2, 2]);
    expect(bootstrapMeanInterval([])).toEqual([0, 0]);
  });
});

describe("Holm correction", () => {
  it("matches the hand computation", () => {
    const adjusted = holmAdjust([0.01, 0.04, 0.03]);
    expect(adjusted[0]).toBeCloseTo(0.03, 12);
    expect(adjusted[1]).toBeCloseTo(0.06, 12);
    expect(adjusted[2]).toBeCloseTo(0.06, 12);
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
  });
});
