// Known values from SciPy 1.17 (scipy.stats.ks_2samp, chi2_contingency(correction=False),
// wasserstein_distance, scipy.spatial.distance.jensenshannon) for the same inputs.
import { describe, expect, it } from "vitest";
import { chiSquaredTwoSample } from "./chi-squared.js";
import { gammaQ } from "./gamma.js";
import { jensenShannonDistance } from "./jensen-shannon.js";
import { ksTwoSample } from "./ks.js";
import { wasserstein1, wassersteinNormed } from "./wasserstein.js";
import { proportionZTest } from "./z-test.js";

const a = Array.from({ length: 60 }, (_, i) => ((i * 37) % 100) / 10);
const b = Array.from({ length: 80 }, (_, i) => ((i * 53) % 100) / 10 + 1.5);
const c = Array.from({ length: 80 }, (_, i) => ((i * 37) % 100) / 10);

describe("drift statistics", () => {
  it("gammaQ gives chi-squared survival values", () => {
    expect(gammaQ(2, 3.5 / 2)).toBeCloseTo(0.477878344488724, 10);
    expect(gammaQ(1, 40 / 2)).toBeCloseTo(2.0611536224385566e-9, 15);
  });

  it("two-sample KS matches SciPy", () => {
    const shifted = ksTwoSample(a, b);
    expect(shifted.statistic).toBeCloseTo(0.16666666666666666, 12);
    expect(shifted.pValue).toBeCloseTo(0.2705, 1); // SciPy exact 0.27049; ours is asymptotic
    const same = ksTwoSample(a, c);
    expect(same.statistic).toBeCloseTo(0.025, 12);
    expect(same.pValue).toBeCloseTo(1, 6);
    const far = ksTwoSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(far.statistic).toBe(1);
    expect(far.pValue).toBeLessThan(0.001);
    expect(() => ksTwoSample([], [1])).toThrow(/non-empty/);
  });

  it("chi-squared homogeneity matches SciPy, pooling small categories", () => {
    const r = chiSquaredTwoSample({ a: 30, b: 50, c: 20 }, { a: 45, b: 35, c: 20 });
    expect(r.statistic).toBeCloseTo(5.647058823529411, 10);
    expect(r.pValue).toBeCloseTo(0.05939593960520477, 10);
    expect(r.df).toBe(2);
    // d (2 vs 1) is too small on its own and joins c, the smallest kept category: [22, 21].
    const pooled = chiSquaredTwoSample({ a: 30, b: 50, c: 20, d: 2 }, { a: 45, b: 35, c: 20, d: 1 });
    expect(pooled.pooled).toEqual(["d"]);
    expect(pooled.df).toBe(2);
    expect(pooled.statistic).toBeCloseTo(5.665526011843157, 8);
    expect(pooled.pValue).toBeCloseTo(0.05885002585600462, 8);
    // One category only: nothing to compare.
    expect(chiSquaredTwoSample({ en: 10 }, { en: 30 }).pValue).toBe(1);
  });

  it("Wasserstein-1 matches SciPy; normed by the reference's standard deviation", () => {
    expect(wasserstein1(a, b)).toBeCloseTo(1.3666666666666667, 10);
    expect(wassersteinNormed(a, b)).toBeCloseTo(1.3666666666666667 / 2.912282419149779, 10);
    expect(wasserstein1([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
    expect(wasserstein1(a, a)).toBe(0);
    expect(wassersteinNormed([2, 2, 2], [2, 2, 2])).toBe(0);
  });

  it("Jensen-Shannon distance matches SciPy (natural log)", () => {
    expect(jensenShannonDistance({ a: 30, b: 50, c: 20 }, { a: 45, b: 35, c: 20 })).toBeCloseTo(
      0.11917737800767603,
      10,
    );
    expect(jensenShannonDistance({ a: 1 }, { b: 1 })).toBeCloseTo(Math.sqrt(Math.LN2), 12);
    expect(jensenShannonDistance({ a: 3, b: 1 }, { a: 6, b: 2 })).toBe(0);
  });

  it("two-proportion Z-test matches scipy.stats.norm", () => {
    const rare = proportionZTest(0, 60, 10, 30);
    expect(rare.z).toBeCloseTo(-4.743416490252568, 10);
    expect(rare.pValue).toBeCloseTo(2.1014359560124453e-6, 8);
    const close = proportionZTest(12, 100, 20, 100);
    expect(close.z).toBeCloseTo(-1.5430334996209194, 10);
    expect(close.pValue).toBeCloseTo(0.12282264810139244, 6);
    expect(proportionZTest(0, 10, 0, 20).pValue).toBe(1);
  });
});
