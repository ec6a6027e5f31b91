// Two-proportion Z-test (pooled), for binary categorical features such as the refusal rate:
// Evidently's choice for binary features with at most 1000 reference values, where the chi-squared
// test's small-count rule would pool away a rare outcome (10 refusals in 90 requests).

export interface ZTestResult {
  z: number;
  pValue: number;
}

/** erfc(x), Numerical Recipes' Chebyshev fit (fractional error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided test that `hitsA / nA` and `hitsB / nB` are the same proportion. */
export function proportionZTest(hitsA: number, nA: number, hitsB: number, nB: number): ZTestResult {
  if (nA <= 0 || nB <= 0) throw new RangeError("the Z-test needs two non-empty samples");
  const pooled = (hitsA + hitsB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  if (se === 0) return { z: 0, pValue: 1 }; // all hits or all misses in both: no difference
  const z = (hitsA / nA - hitsB / nB) / se;
  return { z, pValue: erfc(Math.abs(z) / Math.SQRT2) };
}
