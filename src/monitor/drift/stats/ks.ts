// Two-sample Kolmogorov–Smirnov test: the largest gap between the two empirical CDFs, and its
// p-value from the Kolmogorov distribution with Stephens' small-sample correction (Numerical Recipes
// §14.3). Evidently's default for numeric features with at most 1000 reference values.

export interface KsResult {
  statistic: number;
  pValue: number;
}

/** P(K > λ) for the Kolmogorov distribution. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  let previous = 0;
  for (let j = 1; j <= 200; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-10 * Math.abs(previous) || Math.abs(term) <= 1e-16 * sum) break;
    sign = -sign;
    previous = term;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  if (a.length === 0 || b.length === 0) throw new RangeError("the KS test needs two non-empty samples");
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  // Walk both sorted samples; ties advance together so equal values never open a gap.
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const en = Math.sqrt((x.length * y.length) / (x.length + y.length));
  return { statistic: d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}
