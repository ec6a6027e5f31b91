// Explain: why a model continues a prompt the way it does. A form posts to /api/v1/explain; the
// answer is drawn as a heatmap over the prompt's features (diverging: raised the target's chance vs
// lowered it), with the server's plain-language summary and its own faithfulness check (AOPC).
import { useState } from "react";
import {
  ApiError,
  type ExplainRequest,
  type Explanation,
  explain,
  explainHtml,
  type List,
  type ModelInfo,
  useApi,
} from "../api";
import { type T, useI18n } from "../i18n";
import { Card, ErrorBox, KeyValues, Page, type PageProps, Unavailable } from "../ui";

export const EXPLAIN_METHODS = ["occlusion", "lime", "kernelshap", "ig", "gradxinput", "attention"] as const;
const GROUPS = ["token", "word", "sentence"] as const;

/** Every version and alias of every model, as references the API resolves (name@alias, name@N). */
export function modelChoices(models: ModelInfo[]): string[] {
  const out: string[] = [];
  for (const m of models) {
    for (const alias of Object.keys(m.aliases).sort()) out.push(`${m.name}@${alias}`);
    for (let v = m.latestVersion; v >= 1; v--) out.push(`${m.name}@${v}`);
  }
  return out;
}

/**
 * A diverging colour for a score relative to the largest magnitude: orange for features that raised
 * the target's log-probability, blue for those that lowered it, white for none (readable both ways).
 */
export function heatColour(score: number, max: number): string {
  const x = max > 0 ? Math.max(-1, Math.min(1, score / max)) : 0;
  const [r, g, b] = x >= 0 ? [230, 97, 1] : [33, 102, 172];
  const a = Math.abs(x);
  const mix = (c: number) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : "—";
}

function Heatmap(props: { result: Explanation }) {
  const { t } = useI18n();
  const { features, unit } = props.result;
  const max = Math.max(0, ...features.map((f) => Math.abs(f.score)));
  return (
    <Card wide title={t("explain.heatmap")} testId="explain-heatmap">
      <div style={{ whiteSpace: "pre-wrap", lineHeight: 2, fontSize: "1.05rem" }} lang="und">
        {features.map((f) => (
          <span
            key={f.index}
            data-testid="heat-feature"
            data-score={f.score}
            title={`${f.text.trim() || "␠"}: ${fixed(f.score)} ${unit}`}
            style={{
              background: heatColour(f.score, max),
              borderRadius: 3,
              padding: "2px 0",
              // A hair of space between pieces shows where one ends, even when both are near white.
              marginRight: 1,
              boxShadow: "inset 0 0 0 1px rgba(0,0,0,0.06)",
            }}
          >
            {f.text}
          </span>
        ))}
      </div>
      <div data-testid="explain-legend" style={{ display: "flex", alignItems: "center", gap: 8, marginTop: 12 }}>
        <span className="small muted">
          {t("explain.lowered")} ({fixed(-max)})
        </span>
        <span
          aria-hidden="true"
          style={{
            display: "inline-block",
            width: 180,
            height: 12,
            borderRadius: 3,
            background: `linear-gradient(to right, ${heatColour(-1, 1)}, #fff, ${heatColour(1, 1)})`,
            border: "1px solid #e3e6eb",
          }}
        />
        <span className="small muted">
          {t("explain.raised")} (+{fixed(max)})
        </span>
        <span className="small muted">{t("explain.unit", { unit })}</span>
      </div>
    </Card>
  );
}

function Faithfulness(props: { result: Explanation }) {
  const { t } = useI18n();
  const f = props.result.faithfulness;
  const random = (value: number | undefined) =>
    value === undefined ? t("explain.noRandom") : t("explain.vsRandom", { value: fixed(value) });
  return (
    <Card title={t("explain.faithfulness")} testId="explain-faithfulness">
      <KeyValues
        rows={[
          [
            t("explain.deletion"),
            <span key="d" data-testid="aopc-deletion">
              {fixed(f.deletion.aopc)} <span className="muted">{random(f.random?.deletionAopc)}</span>
            </span>,
          ],
          [
            t("explain.insertion"),
            <span key="i" data-testid="aopc-insertion">
              {fixed(f.insertion.aopc)} <span className="muted">{random(f.random?.insertionAopc)}</span>
            </span>,
          ],
        ]}
      />
      <p className="muted">{t("explain.aopcHint")}</p>
    </Card>
  );
}

function Result(props: { result: Explanation; request: ExplainRequest }) {
  const { t } = useI18n();
  const r = props.result;
  const [download, setDownload] = useState<{ busy: boolean; error: ApiError | null }>({ busy: false, error: null });
  const saveHtml = async () => {
    setDownload({ busy: true, error: null });
    try {
      const html = await explainHtml(props.request);
      const url = URL.createObjectURL(new Blob([html], { type: "text/html;charset=utf-8" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `explanation-${r.model.replace(/[^\w.@-]+/g, "_")}-${r.method}.html`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDownload({ busy: false, error: null });
    } catch (e) {
      setDownload({ busy: false, error: e instanceof ApiError ? e : new ApiError(0, String(e), null) });
    }
  };
  return (
    <>
      <Heatmap result={r} />
      <Card title={t("explain.target")} testId="explain-target">
        <p style={{ whiteSpace: "pre-wrap" }}>
          <code>{r.target}</code>{" "}
          <span className="muted">
            ({r.targetSource === "given" ? t("explain.targetGiven") : t("explain.targetGreedy")})
          </span>
        </p>
        <p data-testid="explain-summary">{r.summary}</p>
        {r.notes.length > 0 ? (
          <ul className="muted small">
            {r.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        ) : null}
      </Card>
      <Faithfulness result={r} />
      <Card title={t("explain.details")}>
        <KeyValues
          rows={[
            [t("explain.model"), r.model],
            [t("explain.method"), `${r.method} (${r.methodKind})`],
            [
              "",
              <span key="desc" className="muted small">
                {r.methodDescription}
              </span>,
            ],
            [t("explain.cost"), t("explain.costValue", { calls: r.cost.calls, seconds: r.cost.seconds.toFixed(1) })],
          ]}
        />
        <button type="button" onClick={saveHtml} disabled={download.busy} data-testid="explain-download">
          {download.busy ? t("explain.working") : t("explain.download")}
        </button>
        {download.error ? <ErrorBox error={download.error} /> : null}
      </Card>
    </>
  );
}

function pageSummary(t: T, busy: boolean, result: Explanation | null): string {
  if (busy) return t("explain.working");
  if (result)
    return t("explain.summary.done", { model: result.model, method: result.method, n: result.features.length });
  return t("explain.summary.intro");
}

export function ExplainPage({ me }: PageProps) {
  const { t } = useI18n();
  const present = me.apis?.["/api/v1/explain"] !== false;
  const models = useApi<List<ModelInfo>>(present ? "/models" : null);
  const choices = models.data ? modelChoices(models.data.data) : [];
  const [model, setModel] = useState("");
  const [prompt, setPrompt] = useState("");
  const [target, setTarget] = useState("");
  const [method, setMethod] = useState<string>("occlusion");
  const [group, setGroup] = useState<ExplainRequest["group"]>("word");
  const [budget, setBudget] = useState("500");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<{ result: Explanation; request: ExplainRequest } | null>(null);

  if (!present)
    return (
      <Page title={t("nav.explain")} summary={t("explain.summary.intro")}>
        <Unavailable what={t("nav.explain")} />
      </Page>
    );

  const chosen = model || choices[0] || "";
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const request: ExplainRequest = {
      model: chosen,
      prompt,
      ...(target ? { target } : {}),
      method,
      group,
      seed: 0,
      budget: Number(budget),
    };
    setBusy(true);
    setError(null);
    try {
      setDone({ result: await explain(request), request });
    } catch (e) {
      setDone(null);
      setError(e instanceof ApiError ? e : new ApiError(0, String((e as Error)?.message ?? e), null));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={t("nav.explain")} summary={pageSummary(t, busy, done?.result ?? null)}>
      <Card wide testId="explain-form">
        <form onSubmit={submit} className="explain-form" style={{ display: "grid", gap: 10 }}>
          <label>
            {t("explain.model")}{" "}
            <select value={chosen} onChange={(e) => setModel(e.target.value)} name="model">
              {choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("explain.prompt")}
            <textarea
              name="prompt"
              rows={4}
              style={{ width: "100%", display: "block" }}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              placeholder={t("explain.promptPlaceholder")}
              required
            />
          </label>
          <label>
            {t("explain.targetLabel")}
            <input
              name="target"
              style={{ width: "100%", display: "block" }}
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              placeholder={t("explain.targetPlaceholder")}
            />
          </label>
          <div style={{ display: "flex", gap: 16, flexWrap: "wrap", alignItems: "center" }}>
            <label>
              {t("explain.method")}{" "}
              <select name="method" value={method} onChange={(e) => setMethod(e.target.value)}>
                {EXPLAIN_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("explain.group")}{" "}
              <select name="group" value={group} onChange={(e) => setGroup(e.target.value as ExplainRequest["group"])}>
                {GROUPS.map((g) => (
                  <option key={g} value={g}>
                    {t(`explain.group.${g}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("explain.budget")}{" "}
              <input
                name="budget"
                type="number"
                min={1}
                max={20000}
                style={{ width: 90 }}
                value={budget}
                onChange={(e) => setBudget(e.target.value)}
              />
            </label>
            <button type="submit" disabled={busy || !prompt.trim() || !chosen} data-testid="explain-run">
              {busy ? t("explain.working") : t("explain.run")}
            </button>
          </div>
          <p className="muted small">{t("explain.methodHint")}</p>
        </form>
        {models.error ? <ErrorBox error={models.error} /> : null}
        {busy ? (
          <div className="loading" data-testid="explain-working">
            {t("explain.workingHint")}
          </div>
        ) : null}
        {error ? <ErrorBox error={error} /> : null}
      </Card>
      {done && !busy ? <Result result={done.result} request={done.request} /> : null}
    </Page>
  );
}
