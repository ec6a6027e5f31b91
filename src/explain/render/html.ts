// A self-contained HTML page for one explanation: a heatmap over the prompt (diverging colours —
// red raised the target's chance, blue lowered it, white did nothing — with a legend), the plain-
// language summary, the faithfulness curves and numbers next to a random ranking's, the method's
// checks and the cost. No scripts, no external files: it can be mailed or attached to a ticket.
// Chinese text renders with the system's CJK fonts (lang="zh" picks the right glyphs).

import type { Explanation } from "../explain.js";
import type { Curve } from "../faithfulness.js";
import { guessLocale } from "../features.js";

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** RdBu-like diverging scale: t in [−1, 1] → colour; 0 is white. */
export function divergingColor(t: number): string {
  const x = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const [r, g, b] = x >= 0 ? [178, 24, 43] : [33, 102, 172];
  const a = Math.abs(x);
  const mix = (c: number) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

function fmt(v: number, unit: Explanation["unit"]): string {
  return unit === "nats" ? `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}` : v.toFixed(3);
}

function curveSvg(curves: Array<{ curve: Curve; label: string; color: string }>, title: string): string {
  const W = 320;
  const H = 160;
  const pad = 32;
  const all = curves.flatMap((c) => c.curve.logprob);
  const kMax = Math.max(1, ...curves.flatMap((c) => c.curve.k));
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const x = (k: number) => pad + ((W - pad - 8) * k) / kMax;
  const y = (v: number) => 8 + (H - pad - 8) * (1 - (v - lo) / (hi - lo));
  const lines = curves
    .map(
      (c) =>
        `<polyline fill="none" stroke="${c.color}" stroke-width="2" points="${c.curve.k.map((k, i) => `${x(k).toFixed(1)},${y(c.curve.logprob[i] as number).toFixed(1)}`).join(" ")}"/>`,
    )
    .join("");
  return `<figure><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<line x1="${pad}" y1="${H - pad}" x2="${W - 8}" y2="${H - pad}" stroke="#999"/><line x1="${pad}" y1="8" x2="${pad}" y2="${H - pad}" stroke="#999"/>
<text x="${pad}" y="${H - 10}" font-size="10">0</text><text x="${W - 20}" y="${H - 10}" font-size="10">${kMax}</text>
<text x="2" y="14" font-size="10">${hi.toFixed(1)}</text><text x="2" y="${H - pad}" font-size="10">${lo.toFixed(1)}</text>
${lines}</svg><figcaption>${esc(title)} — ${curves.map((c) => `<span style="color:${c.color}">■</span> ${esc(c.label)}`).join(" ")}</figcaption></figure>`;
}

export function renderHtml(e: Explanation): string {
  const lang = guessLocale(e.prompt + e.target);
  const max = Math.max(1e-12, ...e.features.map((f) => Math.abs(f.score)));
  const heat = e.features
    .map(
      (f) =>
        `<span class="f" style="background:${divergingColor(f.score / max)}" title="${esc(`#${f.index} ${JSON.stringify(f.text)}: ${fmt(f.score, e.unit)}`)}">${esc(f.text)}</span>`,
    )
    .join("");
  const ranked = [...e.features].sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, 15);
  const rows = ranked
    .map(
      (f) =>
        `<tr><td>${f.index}</td><td class="t">${esc(JSON.stringify(f.text))}</td><td class="n">${fmt(f.score, e.unit)}</td><td><span class="bar" style="width:${Math.round((60 * Math.abs(f.score)) / max)}px;background:${divergingColor(f.score >= 0 ? 0.8 : -0.8)}"></span></td></tr>`,
    )
    .join("");
  const fa = e.faithfulness;
  const r = fa.random;
  const faithRows = `<tr><th></th><th>this explanation</th><th>random ranking${r ? ` (mean of ${r.orders})` : ""}</th></tr>
<tr><td>deletion AOPC (higher is better)</td><td class="n">${fa.deletion.aopc.toFixed(3)}</td><td class="n">${r ? r.deletionAopc.toFixed(3) : "—"}</td></tr>
<tr><td>insertion AOPC (higher is better)</td><td class="n">${fa.insertion.aopc.toFixed(3)}</td><td class="n">${r ? r.insertionAopc.toFixed(3) : "—"}</td></tr>`;
  const checks = Object.entries(e.checks)
    .map(
      ([name, c]) =>
        `<li><b>${esc(name)}</b>: ${c.ok ? "✔ passed" : "✘ failed"} — ${esc(c.description)}: ${c.actual.toFixed(4)} vs ${c.expected.toFixed(4)} (error ${(c.relativeError * 100).toFixed(2)}%, tolerance ${(c.tolerance * 100).toFixed(0)}%)</li>`,
    )
    .join("");
  let attention = "";
  if (e.attention && e.attention.maps.length > 0) {
    const P = e.attention.promptLength;
    const tokens = e.attention.tokens.slice(0, P);
    const head = `<tr><th>layer.head</th>${tokens.map((t) => `<th class="tok">${esc(t)}</th>`).join("")}</tr>`;
    const body = e.attention.maps
      .flatMap((layer, l) =>
        layer.map((h, hi) => {
          const mean = tokens.map((_, k) => h.reduce((s, row) => s + (row[k] ?? 0), 0) / Math.max(1, h.length));
          const m = Math.max(1e-12, ...mean);
          return `<tr><td>${l}.${hi}</td>${mean.map((v) => `<td style="background:${divergingColor(v / m)}" title="${v.toFixed(3)}"></td>`).join("")}</tr>`;
        }),
      )
      .join("");
    attention = `<h2>Attention per layer and head</h2><p>Mean attention from the positions that predict the target to each prompt token (each row scaled to its own maximum).</p><div class="scroll"><table class="attn">${head}${body}</table></div>`;
  }
  const notes = e.notes.length > 0 ? `<h2>Notes</h2><ul>${e.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "";
  const unitText =
    e.unit === "nats"
      ? "Scores are changes in the log-probability of the continuation (nats): +0.69 doubles its chance, −0.69 halves it."
      : "Scores are shares of the model's attention (0–1); attention shows where the model looked, not what changed its answer.";
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Explanation — ${esc(e.model)} — ${esc(e.method)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222;line-height:1.5}
.prompt{font-size:1.25rem;line-height:2.2;white-space:pre-wrap;border:1px solid #ddd;border-radius:6px;padding:1rem}
.f{border-radius:3px;padding:0.1em 0}
.target{border-bottom:2px dashed #555;background:#f3f3f3;padding:0.1em 0.2em}
.legend{display:flex;align-items:center;gap:0.5rem;font-size:0.9rem;margin:0.5rem 0}
.legend .scale{width:16rem;height:0.9rem;border:1px solid #ccc;background:linear-gradient(to right,${divergingColor(-1)},${divergingColor(0)},${divergingColor(1)})}
table{border-collapse:collapse;margin:0.5rem 0}td,th{padding:0.2rem 0.6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}td.t{font-family:ui-monospace,monospace}
.bar{display:inline-block;height:0.8rem}
.summary{font-size:1.1rem;background:#fafafa;border-left:4px solid #888;padding:0.5rem 1rem}
.attn td{width:1.6rem;height:1.1rem;padding:0;border:1px solid #fff}.attn th.tok{font-weight:normal;font-size:0.8rem;writing-mode:vertical-rl}
.scroll{overflow-x:auto}figure{display:inline-block;margin:0 1rem 1rem 0}figcaption{font-size:0.85rem}
.meta{color:#666;font-size:0.85rem}
</style></head><body>
<h1>Why did the model continue like this?</h1>
<p class="summary">${esc(e.summary)}</p>
<div class="prompt">${heat}<span class="target" title="the continuation explained (${e.targetSource === "greedy" ? "the model's own greedy output" : "given"})">${esc(e.target)}</span></div>
<div class="legend"><span>lowered the chance</span><span class="scale"></span><span>raised the chance</span><span>(±${max.toFixed(3)} at full colour)</span></div>
<p class="meta">${esc(unitText)} The dashed text is the continuation being explained. Hover over a part of the prompt for its score.</p>
<h2>How far to trust it</h2>
<p>Deleting the parts ranked highest should hurt the continuation most (deletion), and inserting them first into an empty prompt should help it most (insertion). AOPC is the average change along each curve, in nats; an explanation is useful where it beats a random ranking.</p>
<table>${faithRows}</table>
${curveSvg([{ curve: fa.deletion, label: "delete top-ranked first", color: "#b2182b" }], "Deletion: log p(continuation) as parts are removed")}
${curveSvg([{ curve: fa.insertion, label: "insert top-ranked first", color: "#2166ac" }], "Insertion: log p(continuation) as parts are added")}
${checks ? `<h2>Checks</h2><ul>${checks}</ul>` : ""}
<h2>Most influential ${esc(e.group)}s</h2>
<table><tr><th>#</th><th>text</th><th>score</th><th></th></tr>${rows}</table>
${attention}
${notes}
<h2>Details</h2>
<p class="meta">model <b>${esc(e.model)}</b> · method <b>${esc(e.method)}</b> (${esc(e.methodDescription)}) · grouped by ${esc(e.group)} · seed ${e.seed}${e.samples !== null ? ` · samples ${e.samples}` : ""}<br>
log p(continuation | whole prompt) = ${e.logprob.full.toFixed(3)} · log p(continuation | empty prompt) = ${e.logprob.empty.toFixed(3)}<br>
cost: ${e.cost.calls} model evaluations (${e.cost.cacheHits} answered from the cache)${e.cost.budget !== null ? ` of a budget of ${e.cost.budget}` : ""}, ${e.cost.seconds.toFixed(2)} s${e.truncated ? " · <b>cut short by the budget</b>" : ""} · ${esc(e.createdAt)}</p>
</body></html>
`;
}
