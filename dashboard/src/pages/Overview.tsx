// Overview: requests, latency percentiles, errors, tokens and cache hit rate over a window,
// refreshed every 5 seconds, with a per-version table and request/latency charts.
import { useState } from "react";
import { type Overview, useApi, useOptionalApi } from "../api";
import { LineChart } from "../charts";
import { compact, ms, num, pct, shortTime, time } from "../format";
import { knownKey, type Lang, type T, useI18n } from "../i18n";
import { Card, href, Page, type PageProps, Pill, Show, Stat } from "../ui";

const WINDOWS = ["15m", "1h", "6h", "24h", "7d"] as const;

export function overviewSummary(t: T, lang: Lang, o: Overview): string {
  if (o.requests === 0) return t("overview.summary.none", { window: t(knownKey(`window.${o.window}`, "window.1h")) });
  const parts = [
    t("overview.summary.main", {
      window: t(knownKey(`window.${o.window}`, "window.1h")),
      requests: num(lang, o.requests),
      p50: ms(lang, o.latency.p50),
      p95: ms(lang, o.latency.p95),
      errors: pct(lang, o.errorRate),
    }),
  ];
  if (o.previous.p50 !== null && o.latency.p50 !== null && o.previous.requests > 0) {
    const change = (o.latency.p50 - o.previous.p50) / o.previous.p50;
    if (Math.abs(change) >= 0.05)
      parts.push(
        t(change < 0 ? "overview.summary.faster" : "overview.summary.slower", {
          change: pct(lang, Math.abs(change), 0),
        }),
      );
  }
  const [a, b] = [...o.versions].filter((v) => v.p50 !== null).sort((x, y) => x.p50! - y.p50!);
  if (a && b && b.p50! > 0) {
    parts.push(
      t("overview.summary.fastest", { model: a.model, change: pct(lang, 1 - a.p50! / b.p50!, 0), other: b.model }),
    );
  }
  return parts.join(" ");
}

interface Drift {
  enabled: boolean;
  latest: {
    at: string;
    drifted: boolean;
    reference: { n: number };
    current: { n: number };
    features: Array<{
      feature: string;
      status: "ok" | "insufficient_data";
      test: string | null;
      score: number | null;
      threshold: number | null;
      drifted: boolean;
    }>;
  } | null;
}

/** The latest drift check (reference vs current window), when this server runs them. */
function DriftCard(props: { me: PageProps["me"] }) {
  const { t, lang } = useI18n();
  const drift = useOptionalApi<Drift>(props.me, "/drift?limit=1", 30_000);
  if (drift.error?.unavailable || !drift.data) return null;
  const latest = drift.data.latest;
  return (
    <Card title={t("overview.drift")} wide testId="drift">
      {!latest ? (
        <p className="muted">{drift.data.enabled ? t("overview.drift.none") : t("overview.drift.off")}</p>
      ) : (
        <>
          <p>
            <Pill tone={latest.drifted ? "bad" : "ok"}>
              {latest.drifted ? t("overview.drift.yes") : t("overview.drift.no")}
            </Pill>{" "}
            {t("overview.drift.when", {
              at: time(lang, latest.at),
              ref: num(lang, latest.reference.n),
              cur: num(lang, latest.current.n),
            })}
          </p>
          <table>
            <thead>
              <tr>
                <th>{t("overview.drift.feature")}</th>
                <th>{t("overview.drift.test")}</th>
                <th className="n">{t("overview.drift.score")}</th>
                <th>{t("col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {latest.features.map((f) => (
                <tr key={f.feature}>
                  <td>{f.feature}</td>
                  <td>{f.test ?? "—"}</td>
                  <td className="n">
                    {f.score === null ? "—" : `${num(lang, f.score, 3)} / ${num(lang, f.threshold, 3)}`}
                  </td>
                  <td>
                    {f.status === "insufficient_data" ? (
                      <span className="muted">{t("overview.drift.insufficient")}</span>
                    ) : (
                      <Pill tone={f.drifted ? "bad" : "ok"}>
                        {f.drifted ? t("overview.drift.yes") : t("overview.drift.no")}
                      </Pill>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}

export function OverviewPage({ me }: PageProps) {
  const { t, lang } = useI18n();
  const [window, setWindow] = useState<(typeof WINDOWS)[number]>("1h");
  const loaded = useApi<Overview>(`/stats/overview?window=${window}`, 5000);
  const o = loaded.data;
  const x = (s: Overview["series"][number]) => Date.parse(s.t);
  return (
    <Page
      title={t("nav.overview")}
      summary={o ? overviewSummary(t, lang, o) : t("loading")}
      actions={
        <fieldset className="segmented" aria-label={t("overview.window")}>
          {WINDOWS.map((w) => (
            <button key={w} type="button" className={w === window ? "on" : undefined} onClick={() => setWindow(w)}>
              {t(`window.${w}`)}
            </button>
          ))}
          <span className="live" title={t("overview.live")}>
            ● {t("overview.live")}
          </span>
        </fieldset>
      }
    >
      <Show loaded={loaded} what={t("nav.overview")}>
        {(data) => (
          <>
            <div className="stats" data-testid="overview-stats">
              <Stat testId="stat-requests" label={t("overview.requests")} value={num(lang, data.requests)} />
              <Stat
                label={t("overview.p50")}
                value={ms(lang, data.latency.p50)}
                note={`p99 ${ms(lang, data.latency.p99)}`}
              />
              <Stat label={t("overview.p95")} value={ms(lang, data.latency.p95)} />
              <Stat
                label={t("overview.ttft")}
                value={ms(lang, data.ttft.p50)}
                note={data.ttft.p50 === null ? t("overview.ttft.none") : `p95 ${ms(lang, data.ttft.p95)}`}
              />
              <Stat
                label={t("overview.errors")}
                value={pct(lang, data.errorRate)}
                note={t("overview.errors.note", {
                  n: num(lang, data.errors),
                  s4: num(lang, data.statuses["4xx"]),
                  s5: num(lang, data.statuses["5xx"]),
                })}
              />
              <Stat
                label={t("overview.tokens")}
                value={compact(lang, data.tokens.prompt + data.tokens.completion)}
                note={t("overview.tokens.note", {
                  p: compact(lang, data.tokens.prompt),
                  c: compact(lang, data.tokens.completion),
                })}
              />
              <Stat
                label={t("overview.cache")}
                value={data.cache ? pct(lang, data.cache.hitRate) : "—"}
                note={
                  data.cache
                    ? t("overview.cache.note", { hits: num(lang, data.cache.hits), n: num(lang, data.cache.lookups) })
                    : t("overview.cache.none")
                }
              />
            </div>
            <div className="grid2">
              <Card title={t("overview.chart.requests")}>
                <LineChart
                  label={t("overview.chart.requests")}
                  empty={t("empty")}
                  formatX={(v) => shortTime(lang, new Date(v).toISOString())}
                  formatY={(v) => compact(lang, v)}
                  series={[
                    {
                      name: t("overview.requests"),
                      color: "#2b59c3",
                      points: data.series.map((s) => [x(s), s.requests]),
                    },
                    { name: t("overview.errors"), color: "#e03131", points: data.series.map((s) => [x(s), s.errors]) },
                  ]}
                />
              </Card>
              <Card title={t("overview.chart.latency")}>
                <LineChart
                  label={t("overview.chart.latency")}
                  empty={t("empty")}
                  formatX={(v) => shortTime(lang, new Date(v).toISOString())}
                  formatY={(v) => ms(lang, v)}
                  series={[
                    {
                      name: t("overview.mean"),
                      color: "#2f9e44",
                      points: data.series.map((s) => [x(s), s.meanLatency]),
                    },
                    {
                      name: t("overview.max"),
                      color: "#e67700",
                      dashed: true,
                      points: data.series.map((s) => [x(s), s.maxLatency]),
                    },
                  ]}
                />
              </Card>
            </div>
            <Card title={t("overview.versions")} wide>
              {data.versions.length === 0 ? (
                <p className="muted">{t("empty")}</p>
              ) : (
                <table data-testid="overview-versions">
                  <thead>
                    <tr>
                      <th>{t("col.model")}</th>
                      <th className="n">{t("overview.requests")}</th>
                      <th className="n">{t("overview.errors")}</th>
                      <th className="n">p50</th>
                      <th className="n">p95</th>
                      <th className="n">{t("overview.tokens")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.versions.map((v) => (
                      <tr key={v.model}>
                        <td>
                          <a href={`${href("traces")}?version=${encodeURIComponent(v.model)}`}>{v.model}</a>
                        </td>
                        <td className="n">{num(lang, v.requests)}</td>
                        <td className="n">{pct(lang, v.errorRate)}</td>
                        <td className="n">{ms(lang, v.p50)}</td>
                        <td className="n">{ms(lang, v.p95)}</td>
                        <td className="n">{compact(lang, v.promptTokens + v.completionTokens)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <DriftCard me={me} />
          </>
        )}
      </Show>
    </Page>
  );
}
