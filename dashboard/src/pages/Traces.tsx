// Traces: the gateway's request log, filtered and paged on the server (cursor = last id of the
// page, so page 1000 costs what page 1 does), and one request's detail: key, model, tokens and
// the latency breakdown. The log stores no prompts or responses; the detail says so.
import { useState } from "react";
import { type TraceDetail, type TracePage, useApi } from "../api";
import { ms, num, pct, time } from "../format";
import { type Lang, type T, useI18n } from "../i18n";
import { Card, href, KeyValues, navigate, Page, type PageProps, Pill, Show } from "../ui";

const FILTERS = ["model", "version", "status", "route", "min_latency_ms"] as const;

interface Facets {
  models: string[];
  versions: string[];
  routes: string[];
}

export function tracesSummary(t: T, lang: Lang, page: TracePage, filtered: boolean): string {
  if (page.total === 0) return t(filtered ? "traces.summary.noMatch" : "traces.summary.empty");
  const errors = page.data.filter((r) => r.status >= 400).length;
  const slowest = Math.max(...page.data.map((r) => r.latency_ms));
  return t(filtered ? "traces.summary.filtered" : "traces.summary.all", {
    total: `${num(lang, page.total)}${page.total_capped ? "+" : ""}`,
    shown: num(lang, page.data.length),
    errors: pct(lang, page.data.length ? errors / page.data.length : 0, 0),
    slowest: ms(lang, slowest),
    took: ms(lang, page.took_ms),
  });
}

export function TracesPage({ route }: PageProps) {
  return route.args[0] ? <TraceView id={route.args[0]} /> : <TraceList query={route.query} />;
}

function TraceList(props: { query: URLSearchParams }) {
  const { t, lang } = useI18n();
  const [cursors, setCursors] = useState<string[]>([]);
  const params = new URLSearchParams();
  for (const f of FILTERS) {
    const v = props.query.get(f);
    if (v) params.set(f, v);
  }
  const filterKey = params.toString();
  const [lastFilter, setLastFilter] = useState(filterKey);
  if (lastFilter !== filterKey) {
    setLastFilter(filterKey);
    setCursors([]);
  }
  const cursor = cursors.at(-1);
  const q = new URLSearchParams(params);
  q.set("limit", "50");
  if (cursor) q.set("before", cursor);
  const page = useApi<TracePage>(`/stats/requests?${q}`, cursors.length === 0 ? 5000 : undefined);
  const facets = useApi<Facets>("/stats/requests/facets");
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`${href("traces")}${next.size ? `?${next}` : ""}`);
  };
  const select = (name: (typeof FILTERS)[number], options: string[]) => (
    <select
      aria-label={t(`traces.filter.${name}`)}
      value={props.query.get(name) ?? ""}
      onChange={(e) => setFilter(name, e.target.value)}
    >
      <option value="">
        {t(`traces.filter.${name}`)}: {t("traces.any")}
      </option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
  return (
    <Page
      title={t("nav.traces")}
      summary={page.data ? tracesSummary(t, lang, page.data, filterKey !== "") : t("loading")}
    >
      <div className="filters" data-testid="trace-filters">
        {select("model", facets.data?.models ?? [])}
        {select("version", facets.data?.versions ?? [])}
        {select("status", ["ok", "error", "2xx", "4xx", "5xx", "401", "404", "429", "500", "503"])}
        {select("route", facets.data?.routes ?? [])}
        {select("min_latency_ms", ["10", "100", "500", "1000", "5000"])}
        {filterKey ? (
          <button type="button" className="link" onClick={() => navigate(href("traces"))}>
            {t("traces.clear")}
          </button>
        ) : null}
      </div>
      <Show loaded={page} what={t("nav.traces")}>
        {(p) => (
          <Card wide testId="trace-table">
            <table>
              <thead>
                <tr>
                  <th>{t("traces.time")}</th>
                  <th>{t("traces.route")}</th>
                  <th>{t("col.model")}</th>
                  <th>{t("col.status")}</th>
                  <th className="n">{t("traces.tokens")}</th>
                  <th className="n">{t("traces.ttft")}</th>
                  <th className="n">{t("traces.latency")}</th>
                </tr>
              </thead>
              <tbody>
                {p.data.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <a href={href("traces", r.id)}>{time(lang, r.at)}</a>
                    </td>
                    <td className="mono">{r.route}</td>
                    <td>{r.model_version ?? r.model ?? "—"}</td>
                    <td>
                      <Pill tone={r.status < 400 ? "ok" : r.status < 500 ? "warn" : "bad"}>{r.status}</Pill>
                    </td>
                    <td className="n">
                      {r.prompt_tokens === null
                        ? "—"
                        : `${num(lang, r.prompt_tokens)} → ${num(lang, r.completion_tokens)}`}
                    </td>
                    <td className="n">{ms(lang, r.ttft_ms)}</td>
                    <td className="n">{ms(lang, r.latency_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="pager">
              <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                ← {t("traces.newer")}
              </button>
              <span data-testid="trace-page">
                {t("traces.page", {
                  page: num(lang, cursors.length + 1),
                  total: `${num(lang, p.total)}${p.total_capped ? "+" : ""}`,
                })}
              </span>
              <button
                type="button"
                disabled={!p.next_cursor}
                data-testid="trace-older"
                onClick={() => p.next_cursor && setCursors((c) => [...c, p.next_cursor!])}
              >
                {t("traces.older")} →
              </button>
            </div>
          </Card>
        )}
      </Show>
    </Page>
  );
}

function TraceView(props: { id: string }) {
  const { t, lang } = useI18n();
  const loaded = useApi<TraceDetail>(`/stats/requests/${encodeURIComponent(props.id)}`);
  const d = loaded.data;
  const summary = d
    ? t(d.request.status < 400 ? "traces.detail.summary.ok" : "traces.detail.summary.fail", {
        route: d.request.route,
        model: d.request.model_version ?? d.request.model ?? "?",
        latency: ms(lang, d.breakdown.totalMs),
        status: String(d.request.status),
        code: d.request.error_code ?? "",
      })
    : t("loading");
  return (
    <Page
      title={t("traces.detail")}
      summary={summary}
      actions={
        <a href={href("traces")} className="link">
          ← {t("nav.traces")}
        </a>
      }
    >
      <Show loaded={loaded} what={t("traces.detail")}>
        {(detail) => {
          const r = detail.request;
          const b = detail.breakdown;
          const total = b.totalMs || 1;
          return (
            <>
              <div className="grid2">
                <Card title={t("traces.request")} testId="trace-detail">
                  <KeyValues
                    rows={[
                      ["id", <code key="id">{r.id}</code>],
                      [t("traces.time"), time(lang, r.at)],
                      [t("traces.route"), <code key="r">{r.route}</code>],
                      [t("col.model"), `${r.model ?? "—"} → ${r.model_version ?? "—"}`],
                      [t("traces.upstream"), r.upstream ?? "—"],
                      [t("col.status"), `${r.status}${r.error_code ? ` (${r.error_code})` : ""}`],
                      [t("traces.key"), detail.key ? `${detail.key.name} (${detail.key.role})` : (r.key_id ?? "—")],
                      [t("traces.stream"), r.stream ? t("yes") : t("no")],
                      [t("traces.promptTokens"), num(lang, r.prompt_tokens)],
                      [t("traces.completionTokens"), num(lang, r.completion_tokens)],
                      [
                        t("traces.speed"),
                        b.completionTokensPerSecond === null
                          ? "—"
                          : `${num(lang, b.completionTokensPerSecond, 1)} tok/s`,
                      ],
                    ]}
                  />
                </Card>
                <Card title={t("traces.breakdown")} testId="trace-breakdown">
                  <div className="stack" title={t("traces.breakdown")}>
                    {b.firstTokenMs !== null ? (
                      <>
                        <span
                          className="seg a"
                          style={{ width: `${(b.firstTokenMs / total) * 100}%` }}
                          title={t("traces.firstToken")}
                        />
                        <span
                          className="seg b"
                          style={{ width: `${((b.generationMs ?? 0) / total) * 100}%` }}
                          title={t("traces.generation")}
                        />
                      </>
                    ) : (
                      <span className="seg c" style={{ width: "100%" }} />
                    )}
                  </div>
                  <KeyValues
                    rows={[
                      [
                        t("traces.firstToken"),
                        b.firstTokenMs === null ? t("traces.notStreamed") : ms(lang, b.firstTokenMs),
                      ],
                      [t("traces.generation"), ms(lang, b.generationMs)],
                      [t("traces.latency"), ms(lang, b.totalMs)],
                    ]}
                  />
                </Card>
              </div>
              <Card title={t("traces.body")} wide testId="trace-body">
                {detail.body ? (
                  <>
                    {detail.body.redaction === "none" ? (
                      <Pill tone="warn">{t("traces.unredacted")}</Pill>
                    ) : (
                      <Pill tone="info">{t("traces.redacted", { policy: detail.body.redaction })}</Pill>
                    )}
                    <h3>{t("traces.prompt")}</h3>
                    <pre data-testid="trace-prompt">{detail.body.prompt || t("traces.noText")}</pre>
                    <h3>{t("traces.response")}</h3>
                    <pre data-testid="trace-response">{detail.body.response || t("traces.noText")}</pre>
                  </>
                ) : (
                  <p className="muted">{t("traces.noBody")}</p>
                )}
              </Card>
            </>
          );
        }}
      </Show>
    </Page>
  );
}
