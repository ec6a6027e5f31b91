// Terminal report: a summary, the gate verdict and a per-test table (failures first when long).
import pc from "picocolors";
import type { GroupStats } from "../summary.js";
import { ciText, type EvalReport, pct, signedPct } from "./model.js";

function pad(text: string, width: number): string {
  const visible = text.replace(/\u001b\[[0-9;]*m/g, "");
  return visible.length >= width ? text : text + " ".repeat(width - visible.length);
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function statsLine(name: string, s: GroupStats): string {
  const latency = s.latencyP50Ms === null ? "" : `  p50 ${Math.round(s.latencyP50Ms)} ms`;
  return `  ${pad(name, 34)} ${pad(`${s.passed}/${s.cases}`, 9)} ${pad(pct(s.passRate), 7)} ${pad(ciText(s.ci), 18)} score ${s.meanScore.toFixed(3)}${latency}${s.errors ? pc.red(`  ${s.errors} errors`) : ""}`;
}

/** The whole report as terminal text (colours when picocolors enables them). */
export function renderTable(report: EvalReport, options: { maxTests?: number } = {}): string {
  const out: string[] = [];
  const { run, summary } = report;
  const yes = (p: boolean) => (p ? pc.green("pass") : pc.red("FAIL"));
  const rows = report.tests;
  const limit = options.maxTests ?? 200;
  const shown =
    rows.length > limit
      ? [...rows.filter((t) => !t.candidate.pass), ...rows.filter((t) => t.candidate.pass)].slice(0, limit)
      : rows;
  const withBaseline = run.baseline !== null;
  out.push(
    pc.bold(`${pad("#", 4)}${pad("TEST", 44)}${pad("CANDIDATE", 16)}${withBaseline ? pad("BASELINE", 16) : ""}WHY`),
  );
  for (const t of shown) {
    const cand = `${yes(t.candidate.pass)} ${t.candidate.passes}/${t.candidate.runs}`;
    const base = t.baseline ? `${yes(t.baseline.pass)} ${t.baseline.passes}/${t.baseline.runs}` : "-";
    const change = t.change === "regression" ? pc.red(" ↓") : t.change === "improvement" ? pc.green(" ↑") : "";
    out.push(
      `${pad(String(t.testIndex + 1), 4)}${pad(clip(`${t.description} [${t.promptId}]`, 42), 44)}${pad(cand + change, 16)}${withBaseline ? pad(base, 16) : ""}${clip(t.candidate.reason, 70)}`,
    );
  }
  if (shown.length < rows.length)
    out.push(pc.dim(`… ${rows.length - shown.length} more passing tests (see --format html or json)`));
  if (report.holdoutCases) out.push(pc.dim(`${report.holdoutCases} holdout case(s): aggregate only, below`));
  out.push("");
  out.push(pc.bold(`suite ${run.suite} · run ${run.id}`));
  if (!summary) {
    out.push(`status ${run.status}${report.error ? `: ${report.error}` : ""}`);
    return `${out.join("\n")}\n`;
  }
  out.push(statsLine(`${run.candidate} (candidate)`, summary.candidate.overall));
  if (summary.baseline) out.push(statsLine(`${run.baseline} (baseline)`, summary.baseline.overall));
  if (summary.candidate.holdout) out.push(statsLine("holdout, candidate", summary.candidate.holdout));
  if (summary.baseline?.holdout) out.push(statsLine("holdout, baseline", summary.baseline.holdout));
  const categories = Object.entries(summary.candidate.byCategory);
  if (categories.length > 1) for (const [name, s] of categories) out.push(statsLine(`  category ${name}`, s));
  if (summary.comparison) {
    const c = summary.comparison;
    out.push(
      `  candidate − baseline: ${signedPct(c.delta)}${c.ci ? ` (95% CI ${signedPct(c.ci[0])} … ${signedPct(c.ci[1])})` : ""}, ${c.regressions} regressions, ${c.improvements} improvements`,
    );
  }
  for (const a of summary.analyses) out.push(`  ${a.title}: ${yes(a.pass)} — ${a.summary}`);
  const cached = summary.candidate.overall.cachedCalls + (summary.baseline?.overall.cachedCalls ?? 0);
  out.push(pc.dim(`  ${(summary.durationMs / 1000).toFixed(1)} s, ${cached} cached answers`));
  out.push(
    summary.gate.pass
      ? pc.green(`gate: PASS${run.gated ? "" : " (informational; add --gate to enforce)"}`)
      : pc.red(
          `gate: FAIL${run.gated ? "" : " (informational; add --gate to enforce)"}\n${summary.gate.reasons.map((r) => `  - ${r}`).join("\n")}`,
        ),
  );
  return `${out.join("\n")}\n`;
}
