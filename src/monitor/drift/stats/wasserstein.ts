// Wasserstein-1 (earth mover's) distance between two empirical distributions on the real line: the
// area between their CDFs. Evidently's default for numeric features with more than 1000 reference
// values, normalised by the reference's standard deviation (floored at 0.001) so one threshold
// (default 0.1) fits lengths in characters and in tokens alike.

export function wasserstein1(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError("the Wasserstein distance needs two non-empty samples");
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let previous = Math.min(x[0]!, y[0]!);
  let area = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    area += Math.abs(i / x.length - j / y.length) * (v - previous);
    previous = v;
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
  }
  return area;
}

export function standardDeviation(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/** W1 divided by the reference's (population) standard deviation, at least 0.001. */
export function wassersteinNormed(reference: readonly number[], current: readonly number[]): number {
  return wasserstein1(reference, current) / Math.max(standardDeviation(reference), 0.001);
}
