// Runs: training runs with live loss and perplexity curves (refreshed while a run is running),
// convergence events on the curve and in a list, and a comparison of two runs.
import { type List, type MetricSeries, type Run, type RunEvent, useApi } from "../api";
import { color, LineChart, type Series } from "../charts";
import { num, time } from "../format";
import { knownKey, type Lang, type T, useI18n } from "../i18n";
import { Card, href, KeyValues, navigate, Page, type PageProps, Pill, Show } from "../ui";

type RunDetail = Run & { events: RunEvent[] };

const numberIn = (o: Record<string, unknown>, ...keys: string[]): number | null => {
  for (const k of keys) if (typeof o[k] === "number" && Number.isFinite(o[k])) return o[k] as number;
  return null;
};

function lastValue(series: MetricSeries[], split: string, name: string): number | null {
  const s = series.find((m) => m.split === split && m.name === name);
  if (!s) return null;
  for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) return s.values[i]!;
  return null;
}

export function runSummary(t: T, lang: Lang, run: RunDetail, metrics: MetricSeries[]): string {
  const loss = lastValue(metrics, "train", "loss") ?? numberIn(run.summary, "loss");
  const val = lastValue(metrics, "eval", "loss") ?? numberIn(run.summary, "valLoss", "val_loss");
  const ppl = lastValue(metrics, "eval", "perplexity") ?? lastValue(metrics, "train", "perplexity");
  const steps = Math.max(0, ...metrics.map((m) => m.steps.at(-1) ?? 0));
  const first = metrics.find((m) => m.split === "train" && m.name === "loss")?.values.find((v) => v !== null) ?? null;
  const warnings = run.events.filter((e) => e.severity !== "info");
  const parts = [
    t(`runs.summary.${run.status === "running" ? "running" : "done"}`, {
      name: run.name ?? run.id,
      status: t(knownKey(`status.${run.status}`, "status.unknown")),
      steps: num(lang, steps),
      loss: num(lang, loss, 3),
    }),
  ];
  if (first !== null && loss !== null && first > 0)
    parts.push(
      t("runs.summary.drop", { from: num(lang, first, 2), change: num(lang, ((first - loss) / first) * 100, 0) }),
    );
  if (val !== null) parts.push(t("runs.summary.val", { val: num(lang, val, 3), ppl: num(lang, ppl, 1) }));
  parts.push(
    warnings.length === 0
      ? t("runs.summary.clean")
      : t("runs.summary.warnings", { n: num(lang, warnings.length), first: warnings[0]!.message }),
  );
  return parts.join(" ");
}

export function RunsPage({ route }: PageProps) {
  const { t, lang } = useI18n();
  const list = useApi<List<Run>>("/runs?limit=100", 5000);
  const id = route.args[0] ?? list.data?.data[0]?.id ?? null;
  const compareId = route.query.get("compare");
  const running = list.data?.data.find((r) => r.id === id)?.status === "running";
  const detail = useApi<RunDetail>(id ? `/runs/${id}` : null, running ? 3000 : undefined);
  const metrics = useApi<List<MetricSeries>>(id ? `/runs/${id}/metrics` : null, running ? 3000 : undefined);
  const other = useApi<List<MetricSeries>>(compareId ? `/runs/${compareId}/metrics` : null);
  const otherRun = list.data?.data.find((r) => r.id === compareId) ?? null;
  const summary =
    list.data && list.data.data.length === 0
      ? t("runs.summary.empty")
      : detail.data && metrics.data
        ? runSummary(t, lang, detail.data, metrics.data.data)
        : t("loading");

  return (
    <Page title={t("nav.runs")} summary={summary}>
      <Show loaded={list} what={t("nav.runs")}>
        {(l) => (
          <Card title={t("runs.all")} wide testId="run-list">
            <table>
              <thead>
                <tr>
                  <th>{t("runs.name")}</th>
                  <th>{t("col.status")}</th>
                  <th className="n">{t("runs.loss")}</th>
                  <th>{t("runs.source")}</th>
                  <th>{t("col.created")}</th>
                  <th>{t("runs.compare")}</th>
                </tr>
              </thead>
              <tbody>
                {l.data.map((r) => (
                  <tr key={r.id} className={r.id === id ? "selected" : undefined}>
                    <td>
                      <a href={href("runs", r.id)}>{r.name ?? r.id}</a>
                    </td>
                    <td>
                      <Pill tone={r.status === "completed" ? "ok" : r.status === "running" ? "info" : "bad"}>
                        {t(knownKey(`status.${r.status}`, "status.unknown"))}
                      </Pill>
                    </td>
                    <td className="n">{num(lang, numberIn(r.summary, "loss", "trainLoss"), 3)}</td>
                    <td>{r.source}</td>
                    <td>{time(lang, r.createdAt)}</td>
                    <td>
                      {id && r.id !== id ? (
                        <button
                          type="button"
                          className="link"
                          onClick={() => navigate(`${href("runs", id)}?compare=${r.id}`)}
                        >
                          {t("runs.compareWith")}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
      </Show>
      {id ? (
        <Show loaded={detail} what={t("nav.runs")}>
          {(run) => (
            <>
              <div className="grid2">
                <CurveCard
                  title={t("runs.lossCurve")}
                  metric="loss"
                  run={run}
                  metrics={metrics.data?.data ?? []}
                  other={
                    compareId && other.data ? { name: otherRun?.name ?? compareId, metrics: other.data.data } : null
                  }
                />
                <CurveCard
                  title={t("runs.pplCurve")}
                  metric="perplexity"
                  run={run}
                  metrics={metrics.data?.data ?? []}
                  other={
                    compareId && other.data ? { name: otherRun?.name ?? compareId, metrics: other.data.data } : null
                  }
                />
              </div>
              {compareId && otherRun ? <Compare a={run} b={otherRun} /> : null}
              <div className="grid2">
                <Card title={t("runs.events")} testId="run-events">
                  {run.events.length === 0 ? (
                    <p className="muted">{t("runs.noEvents")}</p>
                  ) : (
                    <ol className="timeline">
                      {run.events.map((e) => (
                        <li key={e.id}>
                          <Pill tone={e.severity === "error" ? "bad" : e.severity === "warning" ? "warn" : "info"}>
                            {e.kind}
                          </Pill>{" "}
                          {e.step !== null ? `${t("runs.step")} ${num(lang, e.step)} · ` : ""}
                          {e.message}
                        </li>
                      ))}
                    </ol>
                  )}
                </Card>
                <Card title={t("runs.recipe")}>
                  <KeyValues
                    rows={[
                      ["id", <code key="id">{run.id}</code>],
                      [
                        t("runs.data"),
                        String(run.dataset.version ?? run.dataset.file ?? run.dataset.hash ?? "—").slice(0, 60),
                      ],
                      ["git", run.gitCommit ? <code key="g">{run.gitCommit.slice(0, 10)}</code> : "—"],
                      [t("col.created"), `${time(lang, run.createdAt)} · ${run.createdBy}`],
                      [t("runs.finished"), time(lang, run.finishedAt)],
                      [t("runs.params"), <code key="p">{JSON.stringify(run.params).slice(0, 240)}</code>],
                    ]}
                  />
                </Card>
              </div>
            </>
          )}
        </Show>
      ) : null}
    </Page>
  );
}

function CurveCard(props: {
  title: string;
  metric: string;
  run: RunDetail;
  metrics: MetricSeries[];
  other: { name: string; metrics: MetricSeries[] } | null;
}) {
  const { t, lang } = useI18n();
  const series: Series[] = [];
  const push = (metrics: MetricSeries[], prefix: string, offset: number, dashed: boolean) => {
    for (const split of ["train", "eval"]) {
      const s = metrics.find((m) => m.split === split && m.name === props.metric);
      if (!s) continue;
      series.push({
        name: `${prefix}${t(split === "eval" ? "runs.split.eval" : "runs.split.train")}`,
        color: color(offset + (split === "eval" ? 1 : 0)),
        dashed,
        points: s.steps.map((step, i) => [step, s.values[i] ?? null]),
      });
    }
  };
  push(props.metrics, props.other ? `${props.run.name ?? "A"} · ` : "", 0, false);
  if (props.other) push(props.other.metrics, `${props.other.name} · `, 2, true);
  const markers = props.run.events
    .filter((e) => e.step !== null && e.severity !== "info")
    .map((e) => ({ x: e.step!, label: e.message, color: e.severity === "error" ? "#e03131" : "#f08c00" }));
  return (
    <Card title={props.title} testId={`curve-${props.metric}`}>
      <LineChart
        label={props.title}
        series={series}
        markers={markers}
        empty={t("runs.noMetric")}
        formatX={(x) => num(lang, x)}
        formatY={(y) => num(lang, y, 2)}
      />
    </Card>
  );
}

function Compare(props: { a: Run; b: Run }) {
  const { t, lang } = useI18n();
  const keys = [...new Set([...Object.keys(props.a.summary), ...Object.keys(props.b.summary)])].filter(
    (k) => typeof props.a.summary[k] === "number" || typeof props.b.summary[k] === "number",
  );
  const show = (v: unknown) => (typeof v === "number" ? num(lang, v, 4) : "—");
  return (
    <Card title={t("runs.comparison")} wide testId="run-compare">
      <table>
        <thead>
          <tr>
            <th>{t("runs.metric")}</th>
            <th className="n">{props.a.name ?? props.a.id}</th>
            <th className="n">{props.b.name ?? props.b.id}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k}>
              <td>{k}</td>
              <td className="n">{show(props.a.summary[k])}</td>
              <td className="n">{show(props.b.summary[k])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
