// Models: every registered model, its versions, aliases and their history, a lineage graph
// (dataset → run → model version, parent versions) and a model card built from what the registry,
// the runs, the request log and (when it lands) the eval API know about a version.
import {
  type AliasEvent,
  type List,
  type ModelInfo,
  type ModelVersion,
  type Overview,
  type Run,
  useApi,
  useOptionalApi,
} from "../api";
import { bytes, compact, ms, num, pct, time } from "../format";
import { type Lang, type T, useI18n } from "../i18n";
import { Card, href, KeyValues, Page, type PageProps, Pill, Show } from "../ui";
import { type EvalRun, evalFor, evalPassRate, evalRuns } from "./Evals";

type Detail = ModelInfo & { versions: ModelVersion[] };

export function modelSummary(t: T, lang: Lang, detail: Detail, overview: Overview | null, evals: EvalRun[]): string {
  const prodVersion = detail.aliases.production;
  const parts = [
    t("models.summary.main", {
      name: detail.name,
      versions: num(lang, detail.versionCount),
      production: prodVersion === undefined ? t("models.none") : `@${prodVersion}`,
    }),
  ];
  // "llmops-tiny@2 answers 12% faster than @1 and passes 98% of tests"
  const stats = (overview?.versions ?? []).filter((v) => v.model.startsWith(`${detail.name}@`) && v.p50 !== null);
  stats.sort((a, b) => Number(b.model.split("@")[1]) - Number(a.model.split("@")[1]));
  const [newer, older] = stats;
  const passOf = (ref: string) => {
    const run = evalFor(evals, detail.name, Number(ref.split("@")[1]));
    return run ? evalPassRate(run) : null;
  };
  if (newer && older && older.p50! > 0) {
    const change = (older.p50! - newer.p50!) / older.p50!;
    const pass = passOf(newer.model);
    parts.push(
      t(change >= 0 ? "models.summary.faster" : "models.summary.slower", {
        newer: newer.model,
        older: `@${older.model.split("@")[1]}`,
        change: pct(lang, Math.abs(change), 0),
      }) + (pass !== null ? t("models.summary.passes", { pass: pct(lang, pass, 0) }) : "."),
    );
  } else if (newer) {
    const pass = passOf(newer.model);
    parts.push(
      t("models.summary.serving", { model: newer.model, p50: ms(lang, newer.p50), n: num(lang, newer.requests) }) +
        (pass !== null ? t("models.summary.passes", { pass: pct(lang, pass, 0) }) : "."),
    );
  }
  return parts.join(" ");
}

export function ModelsPage({ route, me }: PageProps) {
  const { t, lang } = useI18n();
  const list = useApi<List<ModelInfo>>("/models");
  const selected = route.args[0] ?? list.data?.data[0]?.name ?? null;
  const detail = useApi<Detail>(selected ? `/models/${encodeURIComponent(selected)}` : null);
  const history = useApi<List<AliasEvent>>(selected ? `/models/${encodeURIComponent(selected)}/alias-history` : null);
  const runs = useApi<List<Run>>("/runs?limit=200");
  const overview = useApi<Overview>("/stats/overview?window=24h");
  const evals = useOptionalApi<unknown>(me, "/evals");
  const evalList = evalRuns(evals.data);
  const versionArg = route.args[1] ? Number(route.args[1]) : null;

  const summary =
    list.data && list.data.data.length === 0
      ? t("models.summary.empty")
      : detail.data
        ? modelSummary(t, lang, detail.data, overview.data, evalList)
        : t("loading");

  return (
    <Page title={t("nav.models")} summary={summary}>
      <Show loaded={list} what={t("nav.models")}>
        {(models) => (
          <div className="tabs" data-testid="model-list">
            {models.data.map((m) => (
              <a key={m.name} href={href("models", m.name)} className={m.name === selected ? "on" : undefined}>
                {m.name} <small>({m.versionCount})</small>
              </a>
            ))}
          </div>
        )}
      </Show>
      {selected ? (
        <Show loaded={detail} what={t("nav.models")}>
          {(d) => {
            const current =
              d.versions.find((v) => v.version === versionArg) ??
              d.versions.find((v) => v.version === d.aliases.production) ??
              d.versions.at(-1);
            return (
              <>
                <Card title={t("models.versions")} wide testId="model-versions">
                  <table>
                    <thead>
                      <tr>
                        <th>{t("col.version")}</th>
                        <th>{t("models.aliases")}</th>
                        <th>{t("models.arch")}</th>
                        <th className="n">{t("models.params")}</th>
                        <th>{t("models.quant")}</th>
                        <th className="n">{t("col.size")}</th>
                        <th>{t("models.lineage")}</th>
                        <th>{t("col.created")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...d.versions].reverse().map((v) => (
                        <tr key={v.id} className={v.version === current?.version ? "selected" : undefined}>
                          <td>
                            <a href={href("models", d.name, String(v.version))}>{v.ref}</a>
                          </td>
                          <td>
                            {v.aliases.map((a) => (
                              <Pill key={a} tone={a === "production" ? "ok" : "info"}>
                                {a}
                              </Pill>
                            ))}
                          </td>
                          <td>{v.architecture ?? "—"}</td>
                          <td className="n">{v.parameterCount === null ? "—" : compact(lang, v.parameterCount)}</td>
                          <td>{v.quantization ?? "—"}</td>
                          <td className="n">{bytes(lang, v.sizeBytes)}</td>
                          <td className="mono">
                            {[
                              v.lineage.parent ? `← ${v.lineage.parent}` : null,
                              v.lineage.runId ? `← run ${v.lineage.runId.slice(-6)}` : null,
                            ]
                              .filter(Boolean)
                              .join(" ") || "—"}
                          </td>
                          <td>{time(lang, v.createdAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </Card>
                <div className="grid2">
                  {current ? (
                    <ModelCard
                      version={current}
                      runs={runs.data?.data ?? []}
                      overview={overview.data}
                      evals={evalList}
                    />
                  ) : null}
                  <Card title={t("models.aliasHistory")} testId="alias-history">
                    <Show loaded={history} what={t("models.aliasHistory")}>
                      {(h) =>
                        h.data.length === 0 ? (
                          <p className="muted">{t("empty")}</p>
                        ) : (
                          <ol className="timeline">
                            {[...h.data].reverse().map((e) => (
                              <li key={e.id}>
                                <b>{e.alias}</b>{" "}
                                {t(
                                  e.kind === "rollback"
                                    ? "models.move.rollback"
                                    : e.kind === "delete"
                                      ? "models.move.delete"
                                      : e.fromVersion === null
                                        ? "models.move.create"
                                        : "models.move.set",
                                  {
                                    from: e.fromVersion === null ? "∅" : `@${e.fromVersion}`,
                                    to: e.toVersion === null ? "∅" : `@${e.toVersion}`,
                                  },
                                )}
                                <div className="muted">
                                  {time(lang, e.at)} · {e.actor}
                                  {e.reason ? ` · “${e.reason}”` : ""}
                                </div>
                              </li>
                            ))}
                          </ol>
                        )
                      }
                    </Show>
                  </Card>
                </div>
                <Rollouts me={me} model={d.name} />
                <Card title={t("models.lineageGraph")} wide testId="lineage">
                  <LineageGraph versions={d.versions} runs={runs.data?.data ?? []} />
                </Card>
              </>
            );
          }}
        </Show>
      ) : null}
    </Page>
  );
}

function ModelCard(props: { version: ModelVersion; runs: Run[]; overview: Overview | null; evals: EvalRun[] }) {
  const { t, lang } = useI18n();
  const v = props.version;
  const run = props.runs.find((r) => r.id === v.lineage.runId);
  const served = props.overview?.versions.find((s) => s.model === v.ref);
  const evalRun = evalFor(props.evals, v.name, v.version);
  const datasets = v.lineage.datasetVersions ?? (typeof run?.dataset.version === "string" ? [run.dataset.version] : []);
  const summary = run?.summary ?? {};
  const numberOf = (k: string) => (typeof summary[k] === "number" ? (summary[k] as number) : null);
  return (
    <Card title={t("models.card", { ref: v.ref })} testId="model-card">
      {v.description ? <p>{v.description}</p> : null}
      <KeyValues
        rows={[
          [t("models.arch"), `${v.architecture ?? "—"} · ${v.format}`],
          [t("models.params"), v.parameterCount === null ? "—" : num(lang, v.parameterCount)],
          [t("models.quant"), v.quantization ?? "—"],
          [t("models.context"), num(lang, v.contextLength)],
          [t("models.vocab"), num(lang, v.vocabSize)],
          [t("col.size"), bytes(lang, v.sizeBytes)],
          ["sha256", <code key="h">{v.artifactHash.slice(0, 16)}…</code>],
          [
            t("models.trainedOn"),
            datasets.length
              ? datasets.map((ds) => (
                  <a key={ds} href={href("datasets", ds.split("@")[0] ?? ds)}>
                    {ds}{" "}
                  </a>
                ))
              : "—",
          ],
          [
            t("models.run"),
            run ? (
              <a key="run" href={href("runs", run.id)}>
                {run.name ?? run.id} ({run.status})
              </a>
            ) : (
              (v.lineage.runId ?? "—")
            ),
          ],
          [
            t("models.trainLoss"),
            numberOf("valLoss") !== null || numberOf("loss") !== null
              ? `${num(lang, numberOf("loss"), 3)} / ${t("runs.val")} ${num(lang, numberOf("valLoss"), 3)}`
              : "—",
          ],
          [
            t("models.serving"),
            served
              ? t("models.servingValue", {
                  n: num(lang, served.requests),
                  p50: ms(lang, served.p50),
                  err: pct(lang, served.errorRate),
                })
              : t("models.notServed"),
          ],
          [
            t("models.evals"),
            evalRun ? (
              <a key="e" href={href("evals", evalRun.id)}>
                {t("models.evalValue", { pass: pct(lang, evalPassRate(evalRun), 0), suite: evalRun.suiteName })}
              </a>
            ) : (
              t("models.noEvals")
            ),
          ],
          [
            t("models.tags"),
            Object.entries(v.tags)
              .map(([k, val]) => `${k}=${val}`)
              .join(", ") || "—",
          ],
          [t("col.created"), `${time(lang, v.createdAt)} · ${v.createdBy}`],
          ["git", v.lineage.gitCommit ? <code key="g">{String(v.lineage.gitCommit).slice(0, 10)}</code> : "—"],
        ]}
      />
    </Card>
  );
}

interface Node {
  id: string;
  label: string;
  kind: "dataset" | "run" | "model";
  link: string;
}

/** Three columns (datasets → runs → model versions) with edges, plus parent → child between versions. */
export function LineageGraph(props: { versions: ModelVersion[]; runs: Run[] }) {
  const { t } = useI18n();
  const nodes = new Map<string, Node>();
  const edges: Array<[string, string]> = [];
  const add = (n: Node) => nodes.set(n.id, nodes.get(n.id) ?? n);
  for (const v of props.versions) {
    add({ id: `m:${v.ref}`, label: v.ref, kind: "model", link: href("models", v.name, String(v.version)) });
    if (v.lineage.parent) {
      const [pn, pv] = v.lineage.parent.split("@");
      add({
        id: `m:${v.lineage.parent}`,
        label: v.lineage.parent,
        kind: "model",
        link: href("models", pn ?? "", pv ?? ""),
      });
      edges.push([`m:${v.lineage.parent}`, `m:${v.ref}`]);
    }
    const run = v.lineage.runId ? props.runs.find((r) => r.id === v.lineage.runId) : undefined;
    if (v.lineage.runId) {
      add({
        id: `r:${v.lineage.runId}`,
        label: run?.name ? `${run.name} (${v.lineage.runId.slice(-6)})` : `run ${v.lineage.runId.slice(-6)}`,
        kind: "run",
        link: href("runs", v.lineage.runId),
      });
      edges.push([`r:${v.lineage.runId}`, `m:${v.ref}`]);
    }
    const datasets = [...(v.lineage.datasetVersions ?? [])];
    if (run && typeof run.dataset.version === "string") datasets.push(run.dataset.version);
    for (const ds of new Set(datasets)) {
      add({ id: `d:${ds}`, label: ds, kind: "dataset", link: href("datasets", ds.split("@")[0] ?? ds) });
      edges.push([`d:${ds}`, v.lineage.runId ? `r:${v.lineage.runId}` : `m:${v.ref}`]);
    }
  }
  const columns: Node["kind"][] = ["dataset", "run", "model"];
  const byKind = columns.map((k) => [...nodes.values()].filter((n) => n.kind === k));
  const rows = Math.max(1, ...byKind.map((c) => c.length));
  const [w, h, boxW, boxH] = [640, 40 + rows * 48, 170, 30];
  const pos = new Map<string, { x: number; y: number }>();
  byKind.forEach((col, ci) => {
    col.forEach((n, ri) => {
      pos.set(n.id, { x: 20 + ci * 225, y: 30 + ri * 48 });
    });
  });
  return (
    <figure className="lineage">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={t("models.lineageGraph")}>
        {columns.map((k, i) => (
          <text key={k} x={20 + i * 225} y={18} className="col-title">
            {t(`lineage.${k}`)}
          </text>
        ))}
        {edges.map(([from, to]) => {
          const a = pos.get(from);
          const b = pos.get(to);
          if (!a || !b) return null;
          const sameColumn = a.x === b.x;
          const [x1, y1, x2, y2] = sameColumn
            ? [a.x + boxW, a.y + boxH / 2, b.x + boxW, b.y + boxH / 2]
            : [a.x + boxW, a.y + boxH / 2, b.x, b.y + boxH / 2];
          const bend = sameColumn ? x1 + 30 : (x1 + x2) / 2;
          return (
            <path
              key={`${from}->${to}`}
              d={`M${x1},${y1} C${bend},${y1} ${sameColumn ? bend : bend},${y2} ${x2},${y2}`}
              className="edge"
              markerEnd="url(#arrow)"
            />
          );
        })}
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#868e96" />
          </marker>
        </defs>
        {[...nodes.values()].map((n) => {
          const p = pos.get(n.id)!;
          return (
            <a key={n.id} href={n.link}>
              <rect x={p.x} y={p.y} width={boxW} height={boxH} rx={6} className={`node ${n.kind}`} />
              <text x={p.x + 8} y={p.y + 19} className="node-label">
                {n.label.length > 24 ? `${n.label.slice(0, 23)}…` : n.label}
              </text>
            </a>
          );
        })}
      </svg>
    </figure>
  );
}

interface Rollout {
  id: string;
  alias: string;
  kind: string;
  stable: string;
  candidate: string;
  percent: number;
  state: string;
  reason: string | null;
  createdAt: string;
  endedAt: string | null;
  endReason: string | null;
}

/** Canary, shadow and blue/green rollouts of this model's aliases, when the server has them. */
function Rollouts(props: { me: PageProps["me"]; model: string }) {
  const { t, lang } = useI18n();
  const loaded = useOptionalApi<List<Rollout>>(
    props.me,
    `/models/${encodeURIComponent(props.model)}/rollouts`,
    undefined,
    "/api/v1/models/:name/rollouts",
  );
  if (loaded.error?.unavailable || !loaded.data || loaded.data.data.length === 0) return null;
  return (
    <Card title={t("models.rollouts")} wide testId="rollouts">
      <table>
        <thead>
          <tr>
            <th>{t("models.aliases")}</th>
            <th>{t("models.rolloutKind")}</th>
            <th>{t("models.rolloutArms")}</th>
            <th className="n">%</th>
            <th>{t("col.status")}</th>
            <th>{t("col.created")}</th>
          </tr>
        </thead>
        <tbody>
          {loaded.data.data.map((r) => (
            <tr key={r.id}>
              <td>{r.alias}</td>
              <td>{r.kind}</td>
              <td>
                {r.stable} → {r.candidate}
              </td>
              <td className="n">{num(lang, r.percent)}</td>
              <td title={r.endReason ?? r.reason ?? undefined}>
                <Pill tone={r.state === "active" ? "info" : r.state === "promoted" ? "ok" : "warn"}>{r.state}</Pill>
              </td>
              <td>{time(lang, r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
