// A dataset report as one self-contained HTML file: inline CSS and SVG charts, no scripts, no
// external resources, so it can be mailed, archived or opened offline.
import type { DatasetReport } from "./profile.js";

export function renderReportHtml(report: DatasetReport): string {
  const d = report.dataset;
  const v = report.validation;
  const sections = [
    `<header><h1>Dataset report: ${esc(d.ref)}</h1>
      <p class="muted">sha256 ${esc(d.contentHash)} · ${fmt(d.rows)} rows in ${d.shards} shard(s) · ${bytes(d.bytes)} JSONL
      (${bytes(d.storedBytes)} stored) · created ${esc(d.createdAt)} by ${esc(d.createdBy)} · report ${esc(report.generatedAt)}</p>
      ${v ? `<p class="badge ${v.passed ? "pass" : "fail"}">validation ${v.passed ? "passed" : "FAILED"}</p>` : ""}</header>`,
    cards(report),
    section(
      "Fields",
      table(
        ["field", "types", "nullable", "nulls", "missing", "null rate"],
        report.fields.map((f) => [
          f.name,
          f.types.join(" | ") || "null",
          f.nullable ? "yes" : "no",
          fmt(f.nulls),
          fmt(f.missing),
          pct(f.nullRate),
        ]),
      ),
    ),
    section(
      `Length of <code>${esc(report.textField)}</code> (characters)`,
      bars(
        report.length.histogram.map((b) => ({
          label: b.to - b.from <= 1 ? String(b.from) : `${fmt(b.from)}–${fmt(b.to - 1)}`,
          value: b.count,
        })),
      ) +
        table(
          ["min", ...Object.keys(report.length.quantiles), "max", "mean", "rows without text"],
          [
            [
              report.length.min ?? "-",
              ...Object.values(report.length.quantiles),
              report.length.max ?? "-",
              report.length.mean ?? "-",
              fmt(report.length.rowsWithoutText),
            ],
          ],
        ),
    ),
    section("Languages", bars(Object.entries(report.languages).map(([label, value]) => ({ label, value })))),
    section(
      "Duplicates",
      table(
        ["exact duplicates", "rate", "near duplicates", "rate", "threshold"],
        [
          [
            fmt(report.duplicates.exact),
            pct(report.duplicates.exactRate),
            report.duplicates.near === null ? "not measured" : fmt(report.duplicates.near),
            report.duplicates.nearRate === null ? "-" : pct(report.duplicates.nearRate),
            report.duplicates.nearThreshold ?? "-",
          ],
        ],
      ),
    ),
    report.pii
      ? section(
          "Personal data",
          `<p>${fmt(report.pii.rowsWithPii)} rows (${pct(report.pii.rowRate)}) contain personal data.</p>` +
            table(
              ["type", "detections"],
              Object.entries(report.pii.byType).map(([t, n]) => [t, fmt(n)]),
            ),
        )
      : "",
    section(
      "Length outliers",
      `<p>IQR fences ${report.outliers.iqr.low}…${report.outliers.iqr.high}: ${fmt(report.outliers.iqr.count)} rows outside.
       Robust z-score (median ${report.outliers.robustZ.median}, MAD ${report.outliers.robustZ.mad}) above ${report.outliers.robustZ.threshold}:
       ${fmt(report.outliers.robustZ.count)} rows.</p>` +
        table(
          ["row (shard:index)", "length", "|z|", "text"],
          report.outliers.examples.map((e) => [`${e.shard}:${e.index}`, fmt(e.length), e.score, e.preview]),
        ),
    ),
    report.perplexity
      ? section(
          "Perplexity outliers",
          `<p>${fmt(report.perplexity.scored)} rows scored under ${report.perplexity.model} (${fmt(report.perplexity.skipped)} skipped):
           median ${report.perplexity.median ?? "-"}, p95 ${report.perplexity.p95 ?? "-"};
           ${fmt(report.perplexity.count)} rows with robust |z| of log-perplexity above ${report.perplexity.threshold}.</p>` +
            table(
              ["row (shard:index)", "perplexity", "z", "text"],
              report.perplexity.examples.map((e) => [`${e.shard}:${e.index}`, e.perplexity, e.score, e.preview]),
            ),
        )
      : "",
    v
      ? section(
          "Validation",
          table(
            ["rule", "result", "violations", "checked", "examples (shard:index → value)"],
            v.rules.map((r) => [
              r.description,
              { html: `<span class="${r.passed ? "pass" : "fail"}">${r.passed ? "pass" : "FAIL"}</span>` },
              fmt(r.violations),
              fmt(r.checked),
              r.examples.map((x) => `${x.address.shard}:${x.address.index} → ${JSON.stringify(x.value)}`).join("\n"),
            ]),
          ),
        )
      : "",
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.ref)} — dataset report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2430}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:2rem 0 .6rem;border-bottom:1px solid #dde2ea;padding-bottom:.3rem}
.muted{color:#5b6577}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #dde2ea;padding:.3rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap;word-break:break-word}
th{background:#f4f6fa;font-weight:600;white-space:nowrap;word-break:normal}.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin-top:1rem}.card{border:1px solid #dde2ea;border-radius:6px;padding:.6rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.3rem}.badge{display:inline-block;padding:.2rem .6rem;border-radius:4px;font-weight:600}.pass{color:#106b2e}.fail{color:#b3261e}
.badge.pass{background:#e3f5e8}.badge.fail{background:#fde7e6}svg text{font-size:11px;fill:#1d2430}code{background:#f4f6fa;padding:0 .2rem}
</style></head><body>
${sections.filter(Boolean).join("\n")}
</body></html>
`;
}

type Cell = string | number | { html: string };

function cards(r: DatasetReport): string {
  const items: Array<[string, string]> = [
    ["rows", fmt(r.dataset.rows)],
    ["median length", String(r.length.quantiles.p50 ?? "-")],
    ["languages", String(Object.keys(r.languages).length)],
    ["exact duplicates", pct(r.duplicates.exactRate)],
    ["rows with PII", r.pii ? pct(r.pii.rowRate) : "not scanned"],
    ["length outliers", fmt(r.outliers.robustZ.count)],
  ];
  return `<div class="cards">${items.map(([k, v]) => `<div class="card"><span class="muted">${esc(k)}</span><b>${esc(v)}</b></div>`).join("")}</div>`;
}

function section(title: string, body: string): string {
  return `<section><h2>${title}</h2>${body}</section>`;
}

function table(headers: string[], rows: Cell[][]): string {
  if (rows.length === 0) return `<p class="muted">(none)</p>`;
  const cell = (c: Cell) => (typeof c === "object" ? c.html : esc(String(c)));
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** Horizontal bar chart as inline SVG. */
function bars(items: Array<{ label: string; value: number }>): string {
  if (items.length === 0) return `<p class="muted">(no data)</p>`;
  const max = Math.max(1, ...items.map((i) => i.value));
  const rowH = 20;
  const labelW = 110;
  const width = 700;
  const h = items.length * rowH + 4;
  const body = items
    .map((item, k) => {
      const y = k * rowH + 2;
      const w = Math.max(item.value > 0 ? 1 : 0, Math.round(((width - labelW - 80) * item.value) / max));
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(item.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="#4c78a8"/>` +
        `<text x="${labelW + w + 6}" y="${y + 14}">${esc(fmt(item.value))}</text>`
      );
    })
    .join("");
  return `<svg width="${width}" height="${h}" role="img">${body}</svg>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
}

function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
