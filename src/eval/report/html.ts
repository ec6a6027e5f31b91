// HTML report: one self-contained page (no scripts, no external assets) that a product owner can
// read: the verdict in words first, then pass rates with their uncertainty, categories, any
// built-in analysis, and every (non-holdout) test with its output behind a click.
import type { GroupStats } from "../summary.js";
import { ciText, type EvalReport, pct, type ReportTest, signedPct } from "./model.js";

export function htmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

const e = htmlEscape;

function bar(rate: number): string {
  const width = Math.round(rate * 100);
  const colour = rate >= 0.9 ? "#2e7d32" : rate >= 0.6 ? "#ef8f00" : "#c62828";
  return `<span class="bar"><span style="width:${width}%;background:${colour}"></span></span>`;
}

function statsRow(name: string, s: GroupStats): string {
  return `<tr><td>${e(name)}</td><td>${s.passed} of ${s.cases}</td><td>${bar(s.passRate)} ${pct(s.passRate)}</td><td>${e(ciText(s.ci))}</td><td>${s.meanScore.toFixed(2)}</td><td>${s.latencyP50Ms === null ? "" : `${Math.round(s.latencyP50Ms)} ms`}</td></tr>`;
}

function testRow(t: ReportTest, withBaseline: boolean): string {
  const badge = (p: boolean) => `<span class="badge ${p ? "ok" : "bad"}">${p ? "pass" : "fail"}</span>`;
  const vars = Object.keys(t.vars).length ? `<p><b>Inputs</b></p><pre>${e(JSON.stringify(t.vars, null, 2))}</pre>` : "";
  const checks = t.candidate.checks.length
    ? `<p><b>Checks</b></p><ul>${t.candidate.checks
        .map(
          (c) =>
            `<li>${c.pass ? "✅" : c.weight > 0 ? "❌" : "ℹ️"} <code>${e(c.type)}</code>: ${e(c.reason)}${c.weight > 0 ? "" : " <small>(for information only)</small>"}</li>`,
        )
        .join("")}</ul>`
    : "";
  const details = `<details><summary>${e(t.description)} <small>(${e(t.promptId)})</small></summary>${vars}${checks}<p><b>Answer${withBaseline ? " (candidate)" : ""}</b></p><pre>${e(t.candidate.output)}</pre>${
    t.candidate.reason ? `<p><b>Why it failed:</b> ${e(t.candidate.reason)}</p>` : ""
  }${t.baseline ? `<p><b>Answer (baseline)</b></p><pre>${e(t.baseline.output)}</pre>${t.baseline.reason ? `<p><b>Baseline failed because:</b> ${e(t.baseline.reason)}</p>` : ""}` : ""}</details>`;
  const change =
    t.change === "regression"
      ? `<span class="badge bad">got worse</span>`
      : t.change === "improvement"
        ? `<span class="badge ok">got better</span>`
        : "";
  return `<tr class="${t.candidate.pass ? "" : "failed"}"><td>${t.testIndex + 1}</td><td>${details}</td><td>${e(t.category ?? "")}</td><td>${badge(t.candidate.pass)} ${t.candidate.passes}/${t.candidate.runs}</td>${
    withBaseline
      ? `<td>${t.baseline ? `${badge(t.baseline.pass)} ${t.baseline.passes}/${t.baseline.runs}` : ""}</td><td>${change}</td>`
      : ""
  }</tr>`;
}

export function renderHtml(report: EvalReport): string {
  const { run, summary } = report;
  const withBaseline = run.baseline !== null;
  const parts: string[] = [];
  if (!summary) {
    parts.push(
      `<p>This run has not finished (status: ${e(run.status)}${report.error ? `: ${e(report.error)}` : ""}).</p>`,
    );
  } else {
    const c = summary.candidate.overall;
    const verdict = summary.gate.pass
      ? `<div class="verdict ok"><h2>Ready: the model passed this evaluation</h2><p>${c.passed} of ${c.cases} checks passed (${pct(c.passRate)}); the suite asks for at least ${pct(summary.gate.passRate)}.</p></div>`
      : `<div class="verdict bad"><h2>Not ready: the model did not pass this evaluation</h2><ul>${summary.gate.reasons.map((r) => `<li>${e(r)}</li>`).join("")}</ul></div>`;
    parts.push(verdict);
    parts.push(
      `<h2>Results</h2><p class="note">"Pass rate" is the share of checks the model passed. The 95% range shows how much that number could move by chance with this many checks.</p><table><tr><th>Model</th><th>Passed</th><th>Pass rate</th><th>95% range</th><th>Average score</th><th>Typical response time</th></tr>${statsRow(`${run.candidate} (candidate)`, c)}${
        summary.baseline ? statsRow(`${run.baseline} (currently in use)`, summary.baseline.overall) : ""
      }${summary.candidate.holdout ? statsRow("Hidden checks (holdout), candidate", summary.candidate.holdout) : ""}${
        summary.baseline?.holdout ? statsRow("Hidden checks (holdout), baseline", summary.baseline.holdout) : ""
      }</table>`,
    );
    if (summary.comparison) {
      const cmp = summary.comparison;
      parts.push(
        `<p>Compared with the model in use, the candidate's pass rate changed by <b>${e(signedPct(cmp.delta))}</b>${cmp.ci ? ` (95% range ${e(signedPct(cmp.ci[0]))} to ${e(signedPct(cmp.ci[1]))})` : ""}: ${cmp.regressions} check(s) got worse and ${cmp.improvements} got better.</p>`,
      );
    }
    const categories = Object.entries(summary.candidate.byCategory);
    if (categories.length > 1) {
      parts.push(
        `<h2>By category</h2><table><tr><th>Category</th><th>Passed</th><th>Pass rate</th><th>95% range</th><th>Average score</th><th>Typical response time</th></tr>${categories.map(([n, s]) => statsRow(n, s)).join("")}</table>`,
      );
    }
    for (const a of summary.analyses) {
      parts.push(
        `<h2>${e(a.title)} <span class="badge ${a.pass ? "ok" : "bad"}">${a.pass ? "pass" : "fail"}</span></h2><p>${e(a.summary)}</p>`,
      );
      for (const s of a.sections) {
        parts.push(`<h3>${e(s.heading)}</h3>${s.text ? `<p>${e(s.text)}</p>` : ""}`);
        if (s.table) {
          parts.push(
            `<table><tr>${s.table.columns.map((col) => `<th>${e(col)}</th>`).join("")}</tr>${s.table.rows
              .map((row) => `<tr>${row.map((v) => `<td>${e(v === null ? "" : String(v))}</td>`).join("")}</tr>`)
              .join("")}</table>`,
          );
        }
      }
    }
  }
  parts.push(
    `<h2>Every check</h2><p class="note">Click a check to see the inputs and the model's answer.${report.holdoutCases ? ` ${report.holdoutCases} hidden (holdout) check(s) are counted above but not listed, so nobody tunes the model to them.` : ""}</p><table><tr><th>#</th><th>Check</th><th>Category</th><th>${withBaseline ? "Candidate" : "Result"}</th>${withBaseline ? "<th>In use</th><th>Change</th>" : ""}</tr>${report.tests.map((t) => testRow(t, withBaseline)).join("")}</table>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation: ${e(run.suite)} — ${e(run.candidate)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{margin-bottom:.2rem}.meta{color:#666;font-size:.9rem}.note{color:#555;font-size:.92rem}
.verdict{border-radius:10px;padding:1rem 1.4rem;margin:1.2rem 0}.verdict h2{margin:.2rem 0}.verdict.ok{background:#e8f5e9;border:1px solid #a5d6a7}.verdict.bad{background:#ffebee;border:1px solid #ef9a9a}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1.4rem}th,td{border-bottom:1px solid #e3e3e3;padding:.45rem .5rem;text-align:left;vertical-align:top}th{background:#f6f6f6}
tr.failed td{background:#fff8f8}.badge{display:inline-block;border-radius:999px;padding:0 .55rem;font-size:.8rem;font-weight:600}.badge.ok{background:#c8e6c9;color:#1b5e20}.badge.bad{background:#ffcdd2;color:#b71c1c}
.bar{display:inline-block;width:90px;height:.7rem;background:#eee;border-radius:4px;vertical-align:middle;margin-right:.4rem;overflow:hidden}.bar span{display:block;height:100%}
pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f9;padding:.6rem;border-radius:6px;max-height:22rem;overflow:auto}details summary{cursor:pointer}
</style></head><body>
<h1>Evaluation: ${e(run.suite)}</h1>
<p class="meta">Model <b>${e(run.candidate)}</b> (${e(run.candidateId)})${withBaseline ? ` compared with <b>${e(run.baseline ?? "")}</b> (${e(run.baselineId ?? "")})` : ""} · run ${e(run.id)} · ${e(run.createdAt)} by ${e(run.createdBy)}</p>
${parts.join("\n")}
<p class="meta">Made by llmops eval.</p>
</body></html>
`;
}
