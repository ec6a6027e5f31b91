// JUnit XML: one <testsuite> per model, one <testcase> per non-holdout case (a failure when the
// case fails), one aggregate <testcase> for the holdout set, and one for the gate. CI tools (GitHub,
// GitLab, Jenkins) show these natively. Model output can hold any character: text is escaped, and
// characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are replaced.
import type { RoleSummary } from "../summary.js";
import { type EvalReport, pct, type ReportSide, type ReportTest } from "./model.js";

const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attr = (s: string) => xmlEscape(s).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
const seconds = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);

function testcase(className: string, t: ReportTest, s: ReportSide): string {
  const name = attr(`${t.testIndex + 1}. ${t.description} [${t.promptId}]`);
  const open = `    <testcase classname="${attr(className)}" name="${name}" time="${seconds(s.latencyMs)}"`;
  if (s.pass) return `${open}/>`;
  const body = `passed ${s.passes}/${s.runs} runs (needs ${pct(t.passThreshold)})\nreason: ${s.reason}\nvars: ${JSON.stringify(t.vars)}\noutput: ${s.output}`;
  const tag = s.error ? "error" : "failure";
  return `${open}>\n      <${tag} message="${attr(s.reason.slice(0, 500))}" type="${s.error ? "CallError" : "AssertionFailed"}">${xmlEscape(body)}</${tag}>\n    </testcase>`;
}

function suite(report: EvalReport, role: "candidate" | "baseline", stats: RoleSummary | null): string {
  const label = role === "candidate" ? report.run.candidate : (report.run.baseline ?? "baseline");
  const className = `${report.run.suite}.${role}`;
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  for (const t of report.tests) {
    const s = role === "candidate" ? t.candidate : t.baseline;
    if (!s) continue;
    if (!s.pass) {
      if (s.error) errors++;
      else failures++;
    }
    cases.push(testcase(`${className}${t.category ? `.${t.category}` : ""}`, t, s));
  }
  if (stats?.holdout) {
    const h = stats.holdout;
    const needs = report.summary?.gate.holdoutPassRate ?? 1;
    const ok = h.passRate >= needs - 1e-9;
    const open = `    <testcase classname="${attr(`${className}.holdout`)}" name="${attr(`holdout set (${h.cases} cases, aggregate only)`)}" time="0.000"`;
    if (ok) cases.push(`${open}/>`);
    else {
      failures++;
      cases.push(
        `${open}>\n      <failure message="${attr(`holdout pass rate ${pct(h.passRate)} below ${pct(needs)}`)}" type="HoldoutBelowThreshold"/>\n    </testcase>`,
      );
    }
  }
  if (role === "candidate" && report.summary) {
    const g = report.summary.gate;
    const open = `    <testcase classname="${attr(`${report.run.suite}.gate`)}" name="gate" time="0.000"`;
    if (g.pass) cases.push(`${open}/>`);
    else {
      failures++;
      cases.push(
        `${open}>\n      <failure message="${attr(g.reasons.join("; "))}" type="GateFailed">${xmlEscape(g.reasons.join("\n"))}</failure>\n    </testcase>`,
      );
    }
  }
  const time = seconds((report.summary?.durationMs ?? 0) / (report.run.baseline ? 2 : 1));
  return `  <testsuite name="${attr(`${report.run.suite} — ${label}`)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}" timestamp="${attr(report.run.createdAt.replace(/Z$/, ""))}">\n${cases.join("\n")}\n  </testsuite>`;
}

export function renderJunit(report: EvalReport): string {
  const suites = [suite(report, "candidate", report.summary?.candidate ?? null)];
  if (report.run.baseline) suites.push(suite(report, "baseline", report.summary?.baseline ?? null));
  const count = (attrName: string) =>
    suites.reduce((n, s) => n + Number(new RegExp(`${attrName}="(\\d+)"`).exec(s)?.[1] ?? 0), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(`llmops eval ${report.run.suite}`)}" tests="${count("tests")}" failures="${count("failures")}" errors="${count("errors")}" time="${seconds(report.summary?.durationMs ?? 0)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
