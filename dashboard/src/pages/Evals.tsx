// Evals: eval runs with pass rates and gate verdicts, one run's candidate vs baseline per test and
// per category, and the analyses stored with it (the bias audit, red-team findings). Built on
// /api/v1/evals; on a server without that API the page says "not available yet".
import { useApi, useOptionalApi } from "../api";
import { Bars } from "../charts";
import { num, pct, time } from "../format";
import { knownKey, type Lang, type T, useI18n } from "../i18n";
import { Card, href, Page, type PageProps, Pill, Show, Unavailable } from "../ui";

interface GroupStats {
  cases: number;
  passed: number;
  passRate: number;
  ci: [number, number] | null;
  latencyP50Ms: number | null;
}
interface RoleSummary {
  overall: GroupStats;
  byCategory: Record<string, GroupStats>;
}
export interface Analysis {
  title: string;
  pass: boolean;
  summary: string;
  sections: Array<{
    heading: string;
    text?: string;
    table?: { columns: string[]; rows: Array<Array<string | number | null>> };
  }>;
  metrics: Record<string, number>;
}
interface EvalSummary {
  candidate: RoleSummary;
  baseline: RoleSummary | null;
  comparison: { delta: number; regressions: number; improvements: number } | null;
  gate: { pass: boolean; reasons: string[] };
  analyses: Analysis[];
}
export interface EvalRun {
  id: string;
  suiteName: string;
  candidate: string;
  baseline: string | null;
  modelName: string | null;
  modelVersion: number | null;
  status: string;
  gated: boolean;
  gatePass: boolean | null;
  summary: EvalSummary | null;
  createdAt: string;
}
interface Side {
  pass: boolean;
  score: number;
  output: string;
  reason: string;
  latencyMs: number | null;
}
interface EvalDetail extends EvalRun {
  holdoutCases: number;
  tests: Array<{
    caseId: string;
    description: string;
    category: string | null;
    candidate: Side;
    baseline: Side | null;
    change: "regression" | "improvement" | null;
  }>;
}

export function evalRuns(data: unknown): EvalRun[] {
  const list = (data as { data?: unknown } | null)?.data;
  return Array.isArray(list) ? (list as EvalRun[]) : [];
}

/** The candidate's pass rate over non-holdout cases, null while the run has no summary. */
export function evalPassRate(run: EvalRun, side: "candidate" | "baseline" = "candidate"): number | null {
  return run.summary?.[side]?.overall.passRate ?? null;
}

/** The latest finished run that tested this model version as the candidate. */
export function evalFor(runs: EvalRun[], name: string, version: number): EvalRun | undefined {
  return runs.find(
    (r) => r.summary && r.modelName === name && r.modelVersion === version && !r.suiteName.startsWith("builtin:"),
  );
}

export function evalSummary(t: T, lang: Lang, runs: EvalRun[]): string {
  const finished = runs.filter((r) => r.summary);
  const latest = finished.find((r) => !r.suiteName.startsWith("builtin:")) ?? finished[0];
  if (!latest?.summary) return runs.length ? t("evals.summary.running") : t("evals.summary.empty");
  const s = latest.summary;
  const parts = [
    t("evals.summary.latest", {
      suite: latest.suiteName,
      candidate: latest.candidate,
      pass: pct(lang, s.candidate.overall.passRate, 0),
      n: num(lang, s.candidate.overall.cases),
    }),
  ];
  if (s.baseline && latest.baseline && s.comparison) {
    parts.push(
      t("evals.summary.vs", {
        baseline: latest.baseline,
        pass: pct(lang, s.baseline.overall.passRate, 0),
        regressions: num(lang, s.comparison.regressions),
        improvements: num(lang, s.comparison.improvements),
      }),
    );
  }
  if (latest.gated) parts.push(t(s.gate.pass ? "evals.summary.gatePass" : "evals.summary.gateFail"));
  const bias = finished.find((r) => r.summary?.analyses.some((a) => /bias/i.test(a.title)));
  const audit = bias?.summary?.analyses.find((a) => /bias/i.test(a.title));
  if (bias && audit && audit.metrics.flagged === undefined) {
    parts.push(t("evals.summary.biasIncomplete", { model: bias.candidate }));
  } else if (bias && audit) {
    parts.push(
      t(audit.pass ? "evals.summary.biasPass" : "evals.summary.biasFail", {
        model: bias.candidate,
        pairs: num(lang, audit.metrics.pairs ?? null),
        flagged: num(lang, audit.metrics.flagged ?? null),
      }),
    );
  }
  return parts.join(" ");
}

export function EvalsPage({ route, me }: PageProps) {
  const { t, lang } = useI18n();
  const loaded = useOptionalApi<{ data: EvalRun[] }>(me, "/evals?limit=100");
  const runs = evalRuns(loaded.data);
  const selectedId =
    route.args[0] ?? runs.find((r) => r.summary && !r.suiteName.startsWith("builtin:"))?.id ?? runs[0]?.id ?? null;
  const detail = useApi<EvalDetail>(loaded.data && selectedId ? `/evals/${encodeURIComponent(selectedId)}` : null);
  const biasRun = runs.find((r) => r.summary?.analyses.length);
  const analysesRun = detail.data?.summary?.analyses.length ? detail.data : biasRun;
  return (
    <Page
      title={t("nav.evals")}
      summary={
        loaded.error?.unavailable
          ? t("evals.summary.unavailable")
          : loaded.data
            ? evalSummary(t, lang, runs)
            : t("loading")
      }
    >
      <Show loaded={loaded} what={t("nav.evals")}>
        {() =>
          runs.length === 0 ? (
            <p className="muted">{t("evals.none")}</p>
          ) : (
            <Card title={t("evals.runs")} wide testId="eval-runs">
              <table>
                <thead>
                  <tr>
                    <th>{t("evals.suite")}</th>
                    <th>{t("evals.candidate")}</th>
                    <th>{t("evals.baseline")}</th>
                    <th className="n">{t("evals.passRate")}</th>
                    <th className="n">{t("evals.delta")}</th>
                    <th>{t("evals.gate")}</th>
                    <th>{t("col.status")}</th>
                    <th>{t("col.created")}</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => (
                    <tr key={r.id} className={r.id === selectedId ? "selected" : undefined}>
                      <td>
                        <a href={href("evals", r.id)}>{r.suiteName}</a>
                      </td>
                      <td>{r.candidate}</td>
                      <td>{r.baseline ?? "—"}</td>
                      <td className="n">{pct(lang, evalPassRate(r))}</td>
                      <td className="n">
                        {r.summary?.comparison
                          ? `${r.summary.comparison.delta >= 0 ? "+" : ""}${pct(lang, r.summary.comparison.delta)}`
                          : "—"}
                      </td>
                      <td>
                        {r.gated && r.gatePass !== null ? (
                          <Pill tone={r.gatePass ? "ok" : "bad"}>{r.gatePass ? t("evals.pass") : t("evals.fail")}</Pill>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td>{t(knownKey(`status.${r.status}`, "status.unknown"))}</td>
                      <td>{time(lang, r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )
        }
      </Show>
      {detail.error?.unavailable ? <Unavailable what={t("evals.detail")} /> : null}
      {detail.data ? <EvalDiff run={detail.data} /> : null}
      {loaded.data ? (
        <Card title={t("evals.bias")} wide testId="eval-bias">
          {analysesRun?.summary?.analyses.length ? (
            analysesRun.summary.analyses.map((a) => <AnalysisView key={a.title} analysis={a} run={analysesRun} />)
          ) : (
            <p className="muted">{t("evals.noBias")}</p>
          )}
        </Card>
      ) : null}
    </Page>
  );
}

function EvalDiff(props: { run: EvalDetail }) {
  const { t, lang } = useI18n();
  const { run } = props;
  const s = run.summary;
  const categories = Object.keys(s?.candidate.byCategory ?? {});
  return (
    <Card title={t("evals.diff", { candidate: run.candidate, baseline: run.baseline ?? "—" })} wide testId="eval-diff">
      {s?.comparison ? (
        <p>
          {t("evals.diffSummary", {
            cases: num(lang, run.tests.length),
            regressions: num(lang, s.comparison.regressions),
            fixes: num(lang, s.comparison.improvements),
          })}
        </p>
      ) : null}
      {s && !s.gate.pass && run.gated ? <p className="error">{s.gate.reasons.join(" ")}</p> : null}
      {categories.length > 0 ? (
        <Bars
          items={categories.flatMap((c) => [
            { label: `${c} · ${t("evals.candidate")}`, value: s?.candidate.byCategory[c]?.passRate ?? 0 },
            ...(s?.baseline?.byCategory[c]
              ? [{ label: `${c} · ${t("evals.baseline")}`, value: s.baseline.byCategory[c].passRate }]
              : []),
          ])}
          format={(v) => pct(lang, v, 0)}
        />
      ) : null}
      {run.tests.length === 0 ? (
        <p className="muted">{t("evals.noCases")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("evals.case")}</th>
              <th>{t("evals.category")}</th>
              <th>{t("evals.candidate")}</th>
              <th>{t("evals.baseline")}</th>
              <th>{t("evals.output")}</th>
            </tr>
          </thead>
          <tbody>
            {run.tests.slice(0, 200).map((c) => (
              <tr
                key={c.caseId}
                className={c.change === "regression" ? "bad-row" : c.change === "improvement" ? "good-row" : undefined}
              >
                <td>{c.description}</td>
                <td>{c.category ?? "—"}</td>
                <td>{verdict(t, c.candidate)}</td>
                <td>{c.baseline ? verdict(t, c.baseline) : "—"}</td>
                <td className="mono small" title={c.candidate.reason}>
                  {c.candidate.output.slice(0, 60)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run.holdoutCases ? <p className="muted">{t("evals.holdout", { n: num(lang, run.holdoutCases) })}</p> : null}
    </Card>
  );
}

function AnalysisView(props: { analysis: Analysis; run: EvalRun }) {
  const { t } = useI18n();
  const a = props.analysis;
  const tables = a.sections.filter((s) => s.table).slice(0, 2);
  return (
    <div className="analysis">
      <h3>
        {a.title} <Pill tone={a.pass ? "ok" : "bad"}>{a.pass ? t("evals.pass") : t("evals.flagged")}</Pill>{" "}
        <small className="muted">
          {props.run.candidate} · <a href={href("evals", props.run.id)}>{props.run.suiteName}</a>
        </small>
      </h3>
      <p>{a.summary}</p>
      {tables.map((s) => (
        <div key={s.heading}>
          <h3 className="sub">{s.heading}</h3>
          <table>
            <thead>
              <tr>
                {s.table!.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {s.table!.rows.slice(0, 12).map((row) => (
                <tr key={row.join("|")}>
                  {row.map((cell, i) => (
                    <td key={`${s.table!.columns[i]}`}>{cell === null ? "—" : String(cell)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

function verdict(t: T, side: Side) {
  return (
    <Pill tone={side.pass ? "ok" : "bad"}>
      {side.pass ? t("evals.pass") : t("evals.fail")} {side.score.toFixed(2)}
    </Pill>
  );
}
