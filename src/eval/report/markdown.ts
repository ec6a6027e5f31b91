// Markdown report: for pull-request comments and CI job summaries.
import type { GroupStats } from "../summary.js";
import { ciText, type EvalReport, pct, signedPct } from "./model.js";

function cell(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, " ").replace(/\|/g, "\\|");
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function stats(name: string, s: GroupStats): string {
  return `| ${name} | ${s.passed}/${s.cases} | ${pct(s.passRate)} | ${ciText(s.ci)} | ${s.meanScore.toFixed(3)} | ${s.latencyP50Ms === null ? "" : Math.round(s.latencyP50Ms)} |`;
}

export function renderMarkdown(report: EvalReport): string {
  const { run, summary } = report;
  const lines: string[] = [];
  lines.push(`# Eval: ${run.suite}`, "");
  lines.push(
    `Run \`${run.id}\` · candidate **${run.candidate}** (${run.candidateId})${run.baseline ? ` · baseline **${run.baseline}** (${run.baselineId})` : ""} · ${run.createdAt}`,
    "",
  );
  if (!summary) {
    lines.push(`Status: ${run.status}${report.error ? ` (${report.error})` : " (no summary yet)"}.`, "");
    return `${lines.join("\n")}\n`;
  }
  lines.push(
    `**Gate: ${summary.gate.pass ? "PASS ✅" : "FAIL ❌"}**${run.gated ? "" : " (informational: run without --gate)"}`,
    "",
  );
  for (const r of summary.gate.reasons) lines.push(`- ${r}`);
  if (summary.gate.reasons.length) lines.push("");
  lines.push("| model | passed | pass rate | 95% CI | mean score | p50 ms |", "|---|---|---|---|---|---|");
  lines.push(stats(`${run.candidate} (candidate)`, summary.candidate.overall));
  if (summary.baseline) lines.push(stats(`${run.baseline} (baseline)`, summary.baseline.overall));
  if (summary.candidate.holdout) lines.push(stats("holdout (candidate, aggregate only)", summary.candidate.holdout));
  if (summary.baseline?.holdout) lines.push(stats("holdout (baseline, aggregate only)", summary.baseline.holdout));
  lines.push("");
  if (summary.comparison) {
    const c = summary.comparison;
    lines.push(
      `Candidate vs baseline: ${signedPct(c.delta)} ${c.ci ? `(95% CI ${signedPct(c.ci[0])} to ${signedPct(c.ci[1])})` : ""}, ${c.regressions} regression(s), ${c.improvements} improvement(s).`,
      "",
    );
  }
  const categories = Object.entries(summary.candidate.byCategory);
  if (categories.length > 1) {
    lines.push(
      "## By category",
      "",
      "| category | passed | pass rate | 95% CI | mean score | p50 ms |",
      "|---|---|---|---|---|---|",
    );
    for (const [name, s] of categories) lines.push(stats(name, s));
    lines.push("");
  }
  for (const a of summary.analyses) {
    lines.push(`## ${a.title}: ${a.pass ? "pass" : "FAIL"}`, "", a.summary, "");
    for (const section of a.sections) {
      lines.push(`### ${section.heading}`, "");
      if (section.text) lines.push(section.text, "");
      if (section.table) {
        lines.push(`| ${section.table.columns.join(" | ")} |`, `|${section.table.columns.map(() => "---").join("|")}|`);
        for (const row of section.table.rows)
          lines.push(`| ${row.map((v) => cell(v === null ? "" : String(v))).join(" | ")} |`);
        lines.push("");
      }
    }
  }
  lines.push("## Tests", "");
  const head = report.run.baseline
    ? "| # | test | candidate | baseline | change | why |"
    : "| # | test | result | runs | why |";
  lines.push(head, report.run.baseline ? "|---|---|---|---|---|---|" : "|---|---|---|---|---|");
  for (const t of report.tests) {
    const mark = (p: boolean) => (p ? "pass" : "**FAIL**");
    const name = cell(`${t.description} [${t.promptId}]`, 80);
    if (report.run.baseline) {
      lines.push(
        `| ${t.testIndex + 1} | ${name} | ${mark(t.candidate.pass)} (${t.candidate.passes}/${t.candidate.runs}) | ${t.baseline ? `${mark(t.baseline.pass)} (${t.baseline.passes}/${t.baseline.runs})` : ""} | ${t.change ?? ""} | ${cell(t.candidate.reason)} |`,
      );
    } else {
      lines.push(
        `| ${t.testIndex + 1} | ${name} | ${mark(t.candidate.pass)} | ${t.candidate.passes}/${t.candidate.runs} | ${cell(t.candidate.reason)} |`,
      );
    }
  }
  if (report.holdoutCases)
    lines.push("", `${report.holdoutCases} holdout case(s) are reported only in aggregate above.`);
  return `${lines.join("\n")}\n`;
}
