// Chi-squared test of homogeneity between two samples of a categorical feature (a 2×k contingency
// table: is the category mix the same?). Evidently's default for categorical features with at most
// 1000 reference values. Small counts: categories whose expected count is under 5 in either row are
// pooled into one (the usual rule for the chi-squared approximation), and a pool still under 5 joins the
// smallest kept category; if fewer than two categories
// are left, there is no evidence of a difference and the p-value is 1.
import { gammaQ } from "./gamma.js";

export interface ChiSquaredResult {
  statistic: number;
  pValue: number;
  df: number;
  /** Categories pooled because their expected counts were below 5. */
  pooled: string[];
}

const MIN_EXPECTED = 5;

export function chiSquaredTwoSample(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): ChiSquaredResult {
  const keys = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
  const ref = keys.map((k) => reference[k] ?? 0);
  const cur = keys.map((k) => current[k] ?? 0);
  const nRef = ref.reduce((s, v) => s + v, 0);
  const nCur = cur.reduce((s, v) => s + v, 0);
  if (nRef === 0 || nCur === 0) throw new RangeError("the chi-squared test needs two non-empty samples");
  const total = nRef + nCur;
  const rows: Array<{ key: string; r: number; c: number }> = [];
  const pool = { r: 0, c: 0 };
  const pooled: string[] = [];
  keys.forEach((key, i) => {
    const r = ref[i]!;
    const c = cur[i]!;
    const column = r + c;
    if (column === 0) return;
    if ((column * nRef) / total < MIN_EXPECTED || (column * nCur) / total < MIN_EXPECTED) {
      pool.r += r;
      pool.c += c;
      pooled.push(key);
    } else rows.push({ key, r, c });
  });
  if (pooled.length > 0) {
    const column = pool.r + pool.c;
    const smallest = rows.reduce<(typeof rows)[number] | undefined>(
      (m, row) => (m === undefined || row.r + row.c < m.r + m.c ? row : m),
      undefined,
    );
    // A pool still too small joins the smallest kept category instead of standing alone.
    if (smallest !== undefined && ((column * nRef) / total < MIN_EXPECTED || (column * nCur) / total < MIN_EXPECTED)) {
      smallest.r += pool.r;
      smallest.c += pool.c;
    } else rows.push({ key: "(pooled)", ...pool });
  }
  if (rows.length < 2) return { statistic: 0, pValue: 1, df: 0, pooled };
  let statistic = 0;
  for (const { r, c } of rows) {
    const column = r + c;
    const er = (column * nRef) / total;
    const ec = (column * nCur) / total;
    statistic += (r - er) ** 2 / er + (c - ec) ** 2 / ec;
  }
  const df = rows.length - 1;
  return { statistic, pValue: gammaQ(df / 2, statistic / 2), df, pooled };
}
