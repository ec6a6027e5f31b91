// Small dense weighted least squares for LIME and KernelSHAP (a few hundred unknowns at most), in
// plain TypeScript: normal equations solved by Gaussian elimination with partial pivoting, with a
// ridge term so collinear designs (duplicate samples, features never removed) still have a solution.

/** Solves A x = b in place for a square system; A is row-major n×n. */
export function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    let best = Math.abs(A[col * n + col] as number);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(A[r * n + col] as number);
      if (v > best) {
        best = v;
        pivot = r;
      }
    }
    if (best < 1e-300) continue; // singular column: leave it at zero below
    if (pivot !== col) {
      for (let c = 0; c < n; c++) {
        const t = A[col * n + c] as number;
        A[col * n + c] = A[pivot * n + c] as number;
        A[pivot * n + c] = t;
      }
      const t = b[col] as number;
      b[col] = b[pivot] as number;
      b[pivot] = t;
    }
    const d = A[col * n + col] as number;
    for (let r = col + 1; r < n; r++) {
      const f = (A[r * n + col] as number) / d;
      if (f === 0) continue;
      for (let c = col; c < n; c++) A[r * n + c] = (A[r * n + c] as number) - f * (A[col * n + c] as number);
      b[r] = (b[r] as number) - f * (b[col] as number);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    const d = A[r * n + r] as number;
    if (Math.abs(d) < 1e-300) continue;
    let s = b[r] as number;
    for (let c = r + 1; c < n; c++) s -= (A[r * n + c] as number) * (x[c] as number);
    x[r] = s / d;
  }
  return x;
}

/**
 * argmin_β Σ_i w_i (y_i − intercept − x_i·β)² + ridge·|β|² (the intercept is not penalised).
 * X: rows of length p. Returns β and the intercept (0 when `intercept` is false).
 */
export function weightedLeastSquares(
  X: readonly ArrayLike<number>[],
  y: readonly number[],
  w: readonly number[],
  options: { ridge?: number; intercept?: boolean } = {},
): { coef: number[]; intercept: number } {
  const p = X[0]?.length ?? 0;
  const withIntercept = options.intercept ?? false;
  const k = p + (withIntercept ? 1 : 0);
  const A = new Float64Array(k * k);
  const b = new Float64Array(k);
  const row = new Float64Array(k);
  for (let i = 0; i < X.length; i++) {
    const xi = X[i] as ArrayLike<number>;
    for (let j = 0; j < p; j++) row[j] = xi[j] as number;
    if (withIntercept) row[p] = 1;
    const wi = w[i] as number;
    const yi = y[i] as number;
    for (let a = 0; a < k; a++) {
      const ra = (row[a] as number) * wi;
      if (ra === 0) continue;
      b[a] = (b[a] as number) + ra * yi;
      for (let c = 0; c < k; c++) A[a * k + c] = (A[a * k + c] as number) + ra * (row[c] as number);
    }
  }
  const ridge = options.ridge ?? 0;
  for (let j = 0; j < p; j++) A[j * k + j] = (A[j * k + j] as number) + ridge;
  const x = solve(A, b, k);
  return { coef: Array.from(x.subarray(0, p)), intercept: withIntercept ? (x[p] as number) : 0 };
}

/** Binomial coefficient as a float (exact for the sizes we enumerate). */
export function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const m = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= m; i++) r = (r * (n - m + i)) / i;
  return r < 2 ** 52 ? Math.round(r) : r;
}
