// ASCII line charts for the terminal (`llmops runs show` draws the loss curve with it).

export interface PlotOptions {
  width?: number; // columns of the plot area
  height?: number; // rows
}

/**
 * Plots one or more series (x ascending) on shared axes. Each series gets its own glyph; NaN and
 * infinite values are skipped (a diverged run shows where its curve stops). Returns the lines.
 */
export function asciiPlot(series: { label: string; x: number[]; y: number[] }[], opts: PlotOptions = {}): string[] {
  const width = Math.max(10, opts.width ?? 60);
  const height = Math.max(3, opts.height ?? 12);
  const pts = series.flatMap((s, si) =>
    s.x.map((x, i) => ({ x, y: s.y[i] ?? Number.NaN, si })).filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x)),
  );
  if (pts.length === 0) return ["(no finite values to plot)"];
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of pts) {
    x0 = Math.min(x0, p.x);
    x1 = Math.max(x1, p.x);
    y0 = Math.min(y0, p.y);
    y1 = Math.max(y1, p.y);
  }
  if (y1 === y0) {
    y1 += 0.5;
    y0 -= 0.5;
  }
  if (x1 === x0) x1 = x0 + 1;
  const glyphs = ["*", "o", "+", "x", "#"];
  const grid: string[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => " "));
  for (const p of pts) {
    const c = Math.round(((p.x - x0) / (x1 - x0)) * (width - 1));
    const r = height - 1 - Math.round(((p.y - y0) / (y1 - y0)) * (height - 1));
    const row = grid[r];
    if (row) row[c] = glyphs[p.si % glyphs.length] ?? "*";
  }
  const fmt = (v: number): string => (Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(3));
  const labels = [fmt(y1), fmt((y0 + y1) / 2), fmt(y0)];
  const pad = Math.max(...labels.map((l) => l.length));
  const lines = grid.map((row, i) => {
    const label =
      i === 0 ? labels[0] : i === Math.floor((height - 1) / 2) ? labels[1] : i === height - 1 ? labels[2] : "";
    return `${(label ?? "").padStart(pad)} |${row.join("")}`;
  });
  lines.push(`${" ".repeat(pad)} +${"-".repeat(width)}`);
  const xl = String(x0);
  const xr = String(x1);
  lines.push(`${" ".repeat(pad + 2)}${xl}${" ".repeat(Math.max(1, width - xl.length - xr.length))}${xr}`);
  if (series.length > 1)
    lines.push(`${" ".repeat(pad + 2)}${series.map((s, i) => `${glyphs[i % glyphs.length]} ${s.label}`).join("   ")}`);
  return lines;
}
