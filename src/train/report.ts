// Text views of runs for the terminal: the `runs show` page and the `runs compare` table.
import { asciiPlot } from "./plot.js";
import type { MetricSeries, Run, RunEvent } from "./runs.js";

const last = (s: MetricSeries | undefined): number | undefined => {
  if (!s) return undefined;
  for (let i = s.values.length - 1; i >= 0; i--) {
    const v = s.values[i];
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  return undefined;
};
const best = (s: MetricSeries | undefined): number | undefined => {
  const f = s?.values.filter(Number.isFinite) ?? [];
  return f.length > 0 ? Math.min(...f) : undefined;
};
const find = (m: MetricSeries[], split: string, name: string): MetricSeries | undefined =>
  m.find((s) => s.split === split && s.name === name);
const num = (v: number | undefined, digits = 4): string =>
  v === undefined ? "-" : Number(v.toFixed(digits)).toString();

/** Headline numbers of a run from its metric series (what `runs compare` lines up). */
export function runHeadline(m: MetricSeries[]): Record<string, number | undefined> {
  const loss = find(m, "train", "loss");
  const tps = find(m, "train", "tokens_per_s")?.values.filter(Number.isFinite) ?? [];
  return {
    steps: loss?.steps.at(-1),
    final_loss: last(loss),
    best_loss: best(loss),
    final_val_loss: last(find(m, "eval", "loss")),
    best_val_loss: best(find(m, "eval", "loss")),
    val_perplexity: last(find(m, "eval", "perplexity")),
    val_accuracy: last(find(m, "eval", "accuracy")),
    tokens_per_s: tps.length > 0 ? [...tps].sort((a, b) => a - b)[Math.floor(tps.length / 2)] : undefined,
  };
}

export function renderRun(run: Run, metrics: MetricSeries[], events: RunEvent[], width = 60): string {
  const lines: string[] = [];
  lines.push(`run ${run.id}${run.name ? ` (${run.name})` : ""}: ${run.status}`);
  lines.push(
    `  source ${run.source}, created ${run.createdAt} by ${run.createdBy}${run.finishedAt ? `, finished ${run.finishedAt}` : ""}`,
  );
  if (run.gitCommit) lines.push(`  git ${run.gitCommit}`);
  if (run.tokenizerHash) lines.push(`  tokenizer ${run.tokenizerHash}`);
  if (Object.keys(run.dataset).length > 0) lines.push(`  dataset ${JSON.stringify(run.dataset)}`);
  if (Object.keys(run.params).length > 0) lines.push(`  params ${JSON.stringify(run.params)}`);
  if (Object.keys(run.env).length > 0) lines.push(`  env ${JSON.stringify(run.env)}`);
  const h = runHeadline(metrics);
  lines.push(
    `  steps ${num(h.steps, 0)}  loss ${num(h.final_loss)} (best ${num(h.best_loss)})  val loss ${num(h.final_val_loss)}  ` +
      `val ppl ${num(h.val_perplexity, 3)}  val acc ${num(h.val_accuracy)}  tok/s ${num(h.tokens_per_s, 0)}`,
  );
  const train = find(metrics, "train", "loss");
  const val = find(metrics, "eval", "loss");
  const series = [
    train && { label: "train loss", x: train.steps, y: train.values },
    val && { label: "val loss", x: val.steps, y: val.values },
  ].filter((s): s is { label: string; x: number[]; y: number[] } => Boolean(s));
  if (series.length > 0) {
    lines.push("", "loss");
    lines.push(...asciiPlot(series, { width, height: 12 }));
  }
  if (events.length > 0) {
    lines.push("", "events");
    for (const e of events) lines.push(`  [${e.severity}] step ${e.step ?? "-"} ${e.kind}: ${e.message}`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderCompare(a: Run, am: MetricSeries[], b: Run, bm: MetricSeries[]): string {
  const ha = runHeadline(am);
  const hb = runHeadline(bm);
  const rows: [string, string, string, string][] = [["", a.id, b.id, "b - a"]];
  rows.push(["status", a.status, b.status, ""]);
  for (const k of Object.keys(ha)) {
    const va = ha[k];
    const vb = hb[k];
    rows.push([k, num(va), num(vb), va !== undefined && vb !== undefined ? num(vb - va) : "-"]);
  }
  const keys = new Set([...Object.keys(a.params), ...Object.keys(b.params)]);
  for (const k of [...keys].sort()) {
    const va = JSON.stringify(a.params[k]);
    const vb = JSON.stringify(b.params[k]);
    if (va !== vb) rows.push([`params.${k}`, va ?? "-", vb ?? "-", "differs"]);
  }
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(w[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
