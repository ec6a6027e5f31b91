// Evals: eval runs with pass rates, candidate vs baseline per test, and the bias report. Built
// against /api/v1/evals; until that API is in this build the page says so. Field names are read
// leniently (camelCase or snake_case) so the page keeps working while that API settles.
import { useApi, useOptionalApi } from "../api";
import { Bars } from "../charts";
import { num, pct, time } from "../format";
import { type Lang, type T, useI18n } from "../i18n";
import { Card, href, Page, type PageProps, Pill, Show, Unavailable } from "../ui";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const pick = (o: Obj | undefined, ...names: string[]): unknown => {
  for (const n of names) if (o && o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
};
const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
const numOr = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export interface EvalRun {
  id: string;
  suite: string;
  candidate: string | null;
  baseline: string | null;
  status: string;
  createdAt: string | null;
  gatePass: boolean | null;
  summary: Obj;
  raw: Obj;
}

export function toEvalRun(o: Obj): EvalRun {
  const summary = (isObj(o.summary) ? o.summary : {}) as Obj;
  const gate = pick(o, "gatePass", "gate_pass", "passed");
  return {
    id: str(o.id) ?? "?",
    suite: str(pick(o, "suite", "suiteName", "suite_name", "name")) ?? "?",
    candidate: str(pick(o, "candidate", "model")),
    baseline: str(pick(o, "baseline")),
    status: str(o.status) ?? "?",
    createdAt: str(pick(o, "createdAt", "created_at")),
    gatePass: typeof gate === "boolean" ? gate : typeof gate === "number" ? gate === 1 : null,
    summary,
    raw: o,
  };
}

export function evalRuns(data: unknown): EvalRun[] {
  const list = isObj(data) && Array.isArray(data.data) ? data.data : Array.isArray(data) ? data : [];
  return list.filter(isObj).map(toEvalRun);
}

/** The candidate's pass rate, from whatever the summary records. */
export function evalPassRate(run: EvalRun, side: "candidate" | "baseline" = "candidate"): number | null {
  const s = isObj(run.summary[side]) ? (run.summary[side] as Obj) : side === "candidate" ? run.summary : undefined;
  if (!s) return null;
  const rate = numOr(pick(s, "passRate", "pass_rate"));
  if (rate !== null) return rate;
  const passed = numOr(pick(s, "passed", "pass"));
  const total = numOr(pick(s, "total", "tests", "count"));
  return passed !== null && total ? passed / total : null;
}

export function evalSummary(t: T, lang: Lang, runs: EvalRun[]): string {
  const latest = runs[0];
  if (!latest) return t("evals.summary.empty");
  const pass = evalPassRate(latest);
  const base = evalPassRate(latest, "baseline");
  const head = t("evals.summary.latest", {
    suite: latest.suite,
    candidate: latest.candidate ?? "?",
    pass: pct(lang, pass, 0),
  });
  const vs =
    base !== null && latest.baseline
      ? t("evals.summary.vs", { baseline: latest.baseline, pass: pct(lang, base, 0) })
      : "";
  const gate =
    latest.gatePass === null ? "" : latest.gatePass ? t("evals.summary.gatePass") : t("evals.summary.gateFail");
  return `${head}${vs}${gate}`;
}

export function EvalsPage({ route, me }: PageProps) {
  const { t, lang } = useI18n();
  const loaded = useOptionalApi<unknown>(me, "/evals");
  const runs = evalRuns(loaded.data);
  const selectedId = route.args[0] ?? runs[0]?.id ?? null;
  const detail = useApi<unknown>(loaded.data && selectedId ? `/evals/${encodeURIComponent(selectedId)}` : null);
  const unavailable = loaded.error?.unavailable;
  return (
    <Page
      title={t("nav.evals")}
      summary={unavailable ? t("evals.summary.unavailable") : loaded.data ? evalSummary(t, lang, runs) : t("loading")}
    >
      <Show loaded={loaded} what={t("nav.evals")}>
        {() =>
          runs.length === 0 ? (
            <p className="muted">{t("evals.none")}</p>
          ) : (
            <>
              <Card title={t("evals.runs")} wide testId="eval-runs">
                <table>
                  <thead>
                    <tr>
                      <th>{t("evals.suite")}</th>
                      <th>{t("evals.candidate")}</th>
                      <th>{t("evals.baseline")}</th>
                      <th className="n">{t("evals.passRate")}</th>
                      <th>{t("evals.gate")}</th>
                      <th>{t("col.status")}</th>
                      <th>{t("col.created")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {runs.map((r) => (
                      <tr key={r.id} className={r.id === selectedId ? "selected" : undefined}>
                        <td>
                          <a href={href("evals", r.id)}>{r.suite}</a>
                        </td>
                        <td>{r.candidate ?? "—"}</td>
                        <td>{r.baseline ?? "—"}</td>
                        <td className="n">{pct(lang, evalPassRate(r))}</td>
                        <td>
                          {r.gatePass === null ? (
                            "—"
                          ) : (
                            <Pill tone={r.gatePass ? "ok" : "bad"}>
                              {r.gatePass ? t("evals.pass") : t("evals.fail")}
                            </Pill>
                          )}
                        </td>
                        <td>{r.status}</td>
                        <td>{time(lang, r.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
              {detail.error?.unavailable ? (
                <Unavailable what={t("evals.detail")} />
              ) : detail.data && isObj(detail.data) ? (
                <EvalDetail run={toEvalRun(detail.data)} raw={detail.data} />
              ) : null}
            </>
          )
        }
      </Show>
    </Page>
  );
}

interface CaseRow {
  id: string;
  candidate: { pass: boolean | null; score: number | null };
  baseline: { pass: boolean | null; score: number | null } | null;
  group: string | null;
}

/** Per-test results from `results`/`tests`/`cases`, candidate and baseline side by side. */
function caseRows(raw: Obj): CaseRow[] {
  const list = pick(raw, "results", "tests", "cases");
  if (!Array.isArray(list)) return [];
  const byId = new Map<string, CaseRow>();
  for (const item of list.filter(isObj)) {
    const id = str(pick(item, "caseId", "case_id", "id", "test", "description")) ?? String(byId.size);
    const role = str(pick(item, "role", "side")) ?? "candidate";
    const pass = pick(item, "pass", "passed");
    const side = {
      pass: typeof pass === "boolean" ? pass : typeof pass === "number" ? pass === 1 : null,
      score: numOr(pick(item, "score")),
    };
    const row = byId.get(id) ?? { id, candidate: { pass: null, score: null }, baseline: null, group: null };
    if (role === "baseline") row.baseline = side;
    else row.candidate = side;
    const group = str(pick(item, "group", "category", "attribute"));
    if (group) row.group = group;
    if (isObj(item.candidate))
      row.candidate = { pass: Boolean(item.candidate.pass), score: numOr(item.candidate.score) };
    if (isObj(item.baseline)) row.baseline = { pass: Boolean(item.baseline.pass), score: numOr(item.baseline.score) };
    byId.set(id, row);
  }
  return [...byId.values()];
}

function EvalDetail(props: { run: EvalRun; raw: Obj }) {
  const { t, lang } = useI18n();
  const rows = caseRows(props.raw);
  const withBaseline = rows.filter((r) => r.baseline);
  const regressions = withBaseline.filter((r) => r.baseline?.pass && r.candidate.pass === false);
  const fixes = withBaseline.filter((r) => r.baseline?.pass === false && r.candidate.pass);
  const bias = pick(props.raw, "bias") ?? pick(props.run.summary, "bias");
  return (
    <>
      <Card
        title={t("evals.diff", { candidate: props.run.candidate ?? "?", baseline: props.run.baseline ?? "—" })}
        wide
        testId="eval-diff"
      >
        {rows.length === 0 ? (
          <p className="muted">{t("evals.noCases")}</p>
        ) : (
          <>
            <p>
              {t("evals.diffSummary", {
                cases: num(lang, rows.length),
                regressions: num(lang, regressions.length),
                fixes: num(lang, fixes.length),
              })}
            </p>
            <table>
              <thead>
                <tr>
                  <th>{t("evals.case")}</th>
                  <th>{t("evals.candidate")}</th>
                  <th>{t("evals.baseline")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, 200).map((r) => (
                  <tr
                    key={r.id}
                    className={regressions.includes(r) ? "bad-row" : fixes.includes(r) ? "good-row" : undefined}
                  >
                    <td>{r.id}</td>
                    <td>{verdict(t, r.candidate)}</td>
                    <td>{r.baseline ? verdict(t, r.baseline) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
      <Card title={t("evals.bias")} wide testId="eval-bias">
        {isObj(bias) ? (
          <Bars
            items={Object.entries(bias)
              .filter(([, v]) => typeof v === "number" || isObj(v))
              .map(([k, v]) => ({
                label: k,
                value:
                  typeof v === "number" ? v : (numOr(pick(v as Obj, "passRate", "pass_rate", "score", "gap")) ?? 0),
              }))}
            format={(v) => (v <= 1 ? pct(lang, v) : num(lang, v, 2))}
          />
        ) : (
          <p className="muted">{t("evals.noBias")}</p>
        )}
      </Card>
    </>
  );
}

function verdict(t: T, side: { pass: boolean | null; score: number | null }) {
  if (side.pass === null) return "—";
  return (
    <Pill tone={side.pass ? "ok" : "bad"}>
      {side.pass ? t("evals.pass") : t("evals.fail")}
      {side.score !== null ? ` ${side.score.toFixed(2)}` : ""}
    </Pill>
  );
}
