// Datasets: versions, the pipeline steps that made a version (rows in/out, drop reasons, time),
// and its quality report (lengths, languages, duplicates, PII counts by type).
import { type DatasetInfo, type DatasetReport, type DatasetVersion, type List, type StepReport, useApi } from "../api";
import { Bars } from "../charts";
import { bytes, num, pct, time } from "../format";
import { type Lang, type T, useI18n } from "../i18n";
import { Card, href, KeyValues, Page, type PageProps, Pill, Show } from "../ui";

type Detail = DatasetInfo & { versions: DatasetVersion[] };

export function datasetSummary(t: T, lang: Lang, v: DatasetVersion, report: DatasetReport | null): string {
  const parts = [t("datasets.summary.main", { ref: v.ref, rows: num(lang, v.rowCount), size: bytes(lang, v.bytes) })];
  const steps = v.lineage.steps ?? [];
  if (steps.length > 0) {
    const first = steps[0]!.rowsIn;
    const last = steps.at(-1)!.rowsOut;
    const reasons = new Map<string, number>();
    for (const s of steps) for (const [r, n] of Object.entries(s.dropped)) reasons.set(r, (reasons.get(r) ?? 0) + n);
    const top = [...reasons.entries()].sort((a, b) => b[1] - a[1])[0];
    parts.push(
      t("datasets.summary.pipeline", {
        input: v.lineage.input?.ref ?? "?",
        dropped: pct(lang, first ? (first - last) / first : 0, 0),
        reason: top ? t("datasets.summary.reason", { reason: top[0] }) : "",
      }),
    );
  }
  if (report) {
    const langs = Object.entries(report.languages).sort((a, b) => b[1] - a[1]);
    const total = langs.reduce((s, [, n]) => s + n, 0);
    if (langs[0] && total)
      parts.push(t("datasets.summary.lang", { lang: langs[0][0], share: pct(lang, langs[0][1] / total, 0) }));
    if (report.pii)
      parts.push(
        report.pii.rowsWithPii === 0
          ? t("datasets.summary.noPii")
          : t("datasets.summary.pii", { rows: num(lang, report.pii.rowsWithPii), rate: pct(lang, report.pii.rowRate) }),
      );
  }
  return parts.join(" ");
}

export function DatasetsPage({ route }: PageProps) {
  const { t, lang } = useI18n();
  const list = useApi<List<DatasetInfo>>("/datasets");
  const name = route.args[0] ?? list.data?.data[0]?.name ?? null;
  const detail = useApi<Detail>(name ? `/datasets/${encodeURIComponent(name)}` : null);
  const versionNo = route.args[1] ?? (detail.data ? String(detail.data.latestVersion) : null);
  const version = useApi<DatasetVersion>(
    name && versionNo ? `/datasets/${encodeURIComponent(name)}/versions/${encodeURIComponent(versionNo)}` : null,
  );
  const v = version.data;
  const report = useApi<DatasetReport>(
    v && !v.encrypted && !v.erasedAt ? `/datasets/${encodeURIComponent(v.name)}/versions/${v.version}/report` : null,
  );
  const summary =
    list.data && list.data.data.length === 0
      ? t("datasets.summary.empty")
      : v
        ? datasetSummary(t, lang, v, report.data)
        : t("loading");
  return (
    <Page title={t("nav.datasets")} summary={summary}>
      <Show loaded={list} what={t("nav.datasets")}>
        {(l) => (
          <div className="tabs" data-testid="dataset-list">
            {l.data.map((d) => (
              <a key={d.name} href={href("datasets", d.name)} className={d.name === name ? "on" : undefined}>
                {d.name} <small>({d.versionCount})</small>
              </a>
            ))}
          </div>
        )}
      </Show>
      {name ? (
        <Show loaded={detail} what={t("nav.datasets")}>
          {(d) => (
            <Card title={t("datasets.versions")} wide testId="dataset-versions">
              <table>
                <thead>
                  <tr>
                    <th>{t("col.version")}</th>
                    <th className="n">{t("datasets.rows")}</th>
                    <th className="n">{t("col.size")}</th>
                    <th>{t("datasets.source")}</th>
                    <th>{t("datasets.flags")}</th>
                    <th>{t("col.created")}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...d.versions].reverse().map((dv) => (
                    <tr key={dv.id} className={String(dv.version) === versionNo ? "selected" : undefined}>
                      <td>
                        <a href={href("datasets", dv.name, String(dv.version))}>{dv.ref}</a>
                      </td>
                      <td className="n">{num(lang, dv.rowCount)}</td>
                      <td className="n">{bytes(lang, dv.bytes)}</td>
                      <td>
                        {dv.lineage.input
                          ? `${dv.lineage.input.ref} → ${dv.lineage.pipeline?.name ?? t("datasets.pipeline")}`
                          : (dv.lineage.sources ?? []).map((s) => s.file).join(", ") || "—"}
                      </td>
                      <td>
                        {dv.encrypted ? <Pill tone="info">{t("datasets.encrypted")}</Pill> : null}
                        {dv.erasedAt ? <Pill tone="warn">{t("datasets.erased")}</Pill> : null}
                      </td>
                      <td>{time(lang, dv.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )}
        </Show>
      ) : null}
      {v ? <VersionDetail v={v} report={report} /> : null}
    </Page>
  );
}

function VersionDetail(props: { v: DatasetVersion; report: ReturnType<typeof useApi<DatasetReport>> }) {
  const { t, lang } = useI18n();
  const { v } = props;
  const steps = v.lineage.steps ?? [];
  return (
    <>
      <div className="grid2">
        <Card title={v.ref}>
          <KeyValues
            rows={[
              [t("datasets.rows"), num(lang, v.rowCount)],
              [t("datasets.shards"), num(lang, v.shardCount)],
              [t("col.size"), `${bytes(lang, v.bytes)} (${t("datasets.stored")} ${bytes(lang, v.storedBytes)})`],
              [t("datasets.textField"), v.textField ?? "—"],
              [t("datasets.fields"), Object.keys(v.schema.fields).join(", ") || "—"],
              ["sha256", <code key="h">{v.contentHash.slice(0, 16)}…</code>],
              [t("col.created"), `${time(lang, v.createdAt)} · ${v.createdBy}`],
            ]}
          />
        </Card>
        <Card title={t("datasets.steps")} testId="dataset-steps">
          {steps.length === 0 ? (
            <p className="muted">{t("datasets.noSteps")}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t("datasets.step")}</th>
                  <th className="n">{t("datasets.in")}</th>
                  <th className="n">{t("datasets.out")}</th>
                  <th>{t("datasets.dropped")}</th>
                  <th className="n">{t("datasets.seconds")}</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((s) => (
                  <tr key={`${s.step}:${s.rowsIn}:${s.rowsOut}:${s.seconds}`}>
                    <td>{s.step}</td>
                    <td className="n">{num(lang, s.rowsIn)}</td>
                    <td className="n">{num(lang, s.rowsOut)}</td>
                    <td>
                      {Object.entries(s.dropped)
                        .map(([r, n]) => `${r}: ${num(lang, n)}`)
                        .join(", ") || "—"}
                    </td>
                    <td className="n">{num(lang, s.seconds, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <Show loaded={props.report} what={t("datasets.report")}>
        {(r) => (
          <div className="grid3" data-testid="dataset-report">
            <Card title={t("datasets.lengths")}>
              <Bars
                items={r.length.histogram.map((b) => ({
                  label: `${num(lang, b.from)}–${num(lang, b.to)}`,
                  value: b.count,
                }))}
                format={(n) => num(lang, n)}
              />
              <p className="muted">
                {t("datasets.lengthNote", {
                  mean: num(lang, r.length.mean, 0),
                  p50: num(lang, r.length.quantiles.p50 ?? r.length.quantiles["0.5"] ?? null),
                  outliers: num(lang, r.outliers.robustZ.count),
                })}
              </p>
            </Card>
            <Card title={t("datasets.languages")}>
              <Bars
                items={Object.entries(r.languages)
                  .sort((a, b) => b[1] - a[1])
                  .slice(0, 8)
                  .map(([label, value]) => ({ label, value }))}
                format={(n) => num(lang, n)}
              />
              <p className="muted">
                {t("datasets.dupNote", {
                  exact: pct(lang, r.duplicates.exactRate),
                  near: r.duplicates.nearRate === null ? "—" : pct(lang, r.duplicates.nearRate),
                })}
              </p>
            </Card>
            <Card title={t("datasets.pii")} testId="dataset-pii">
              <PipelinePii steps={props.v.lineage.steps ?? []} />
              {r.pii === null ? (
                <p className="muted">{t("datasets.piiOff")}</p>
              ) : Object.keys(r.pii.byType).length === 0 ? (
                <p>{t("datasets.summary.noPii")}</p>
              ) : (
                <Bars
                  items={Object.entries(r.pii.byType)
                    .sort((a, b) => b[1] - a[1])
                    .map(([label, value]) => ({ label, value }))}
                  format={(n) => num(lang, n)}
                />
              )}
            </Card>
          </div>
        )}
      </Show>
    </>
  );
}

/** What the pipeline's `pii` step found and replaced before this version was written. */
function PipelinePii(props: { steps: StepReport[] }) {
  const { t, lang } = useI18n();
  const step = props.steps.find((s) => s.step === "pii");
  const detections = step?.stats.detections;
  if (!step || typeof detections !== "object" || detections === null) return null;
  const items = Object.entries(detections as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === "number")
    .sort((a, b) => b[1] - a[1]);
  return (
    <div data-testid="pipeline-pii">
      <p>
        {t("datasets.piiPipeline", {
          rows: num(lang, typeof step.stats.rows_with_pii === "number" ? step.stats.rows_with_pii : null),
          mode: String(step.options.mode ?? "mask"),
        })}
      </p>
      <Bars items={items.map(([label, value]) => ({ label, value }))} format={(n) => num(lang, n)} />
      <h3 className="sub">{t("datasets.piiRemaining")}</h3>
    </div>
  );
}
