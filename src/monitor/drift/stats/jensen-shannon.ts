// Jensen–Shannon distance (the square root of the JS divergence, natural logarithm as in SciPy and
// Evidently, so it lies in [0, √ln 2 ≈ 0.833]) between two categorical distributions given as
// counts. Evidently's default for categorical features with more than 1000 reference values
// (threshold 0.1); also used for the token distribution, whose tokens are not independent draws.

export function jensenShannonDistance(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): number {
  const keys = [...new Set([...Object.keys(reference), ...Object.keys(current)])];
  const sumP = keys.reduce((s, k) => s + (reference[k] ?? 0), 0);
  const sumQ = keys.reduce((s, k) => s + (current[k] ?? 0), 0);
  if (sumP <= 0 || sumQ <= 0) throw new RangeError("the Jensen-Shannon distance needs two non-empty distributions");
  let divergence = 0;
  for (const k of keys) {
    const p = (reference[k] ?? 0) / sumP;
    const q = (current[k] ?? 0) / sumQ;
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(0, divergence));
}
