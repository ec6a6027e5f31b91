// Audit: whether the hash chain verifies, and its entries newest first (paged backwards by seq).
import { useState } from "react";
import { type AuditEvent, type AuditVerification, type List, useApi } from "../api";
import { num, time } from "../format";
import { type Lang, type T, useI18n } from "../i18n";
import { Card, Page, type PageProps, Pill, Show } from "../ui";

export function auditSummary(t: T, lang: Lang, v: AuditVerification): string {
  if (v.ok) return t("audit.summary.ok", { n: num(lang, v.entries), head: v.headHash.slice(0, 12) });
  return t("audit.summary.broken", { seq: num(lang, v.problem?.seq ?? 0), reason: v.problem?.reason ?? "?" });
}

export function AuditPage(_: PageProps) {
  const { t, lang } = useI18n();
  const [before, setBefore] = useState<number[]>([]);
  const [action, setAction] = useState("");
  const verify = useApi<AuditVerification>("/audit/verify");
  const q = new URLSearchParams({ limit: "50" });
  const cursor = before.at(-1);
  if (cursor) q.set("before", String(cursor));
  if (action) q.set("action", action);
  const entries = useApi<List<AuditEvent>>(`/audit?${q}`);
  return (
    <Page
      title={t("nav.audit")}
      summary={verify.data ? auditSummary(t, lang, verify.data) : verify.error ? verify.error.message : t("loading")}
    >
      <Show loaded={verify} what={t("audit.verify")}>
        {(v) => (
          <Card testId="audit-verify">
            <Pill tone={v.ok ? "ok" : "bad"}>{v.ok ? t("audit.intact") : t("audit.broken")}</Pill>{" "}
            {t("audit.head", { seq: num(lang, v.headSeq) })} <code>{v.headHash.slice(0, 24)}…</code>
            <p className="muted">{t("audit.headHint")}</p>
          </Card>
        )}
      </Show>
      <div className="filters">
        <input
          aria-label={t("audit.action")}
          placeholder={t("audit.actionPlaceholder")}
          value={action}
          onChange={(e) => {
            setBefore([]);
            setAction(e.target.value.trim());
          }}
        />
      </div>
      <Show loaded={entries} what={t("nav.audit")}>
        {(l) => (
          <Card wide testId="audit-entries">
            <table>
              <thead>
                <tr>
                  <th className="n">#</th>
                  <th>{t("traces.time")}</th>
                  <th>{t("audit.actor")}</th>
                  <th>{t("audit.action")}</th>
                  <th>{t("audit.target")}</th>
                  <th>{t("audit.details")}</th>
                </tr>
              </thead>
              <tbody>
                {l.data.map((e) => (
                  <tr key={e.id}>
                    <td className="n">{e.seq}</td>
                    <td>{time(lang, e.at)}</td>
                    <td>{e.actor}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.target}</td>
                    <td className="mono small">{JSON.stringify(e.details).slice(0, 160)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="pager">
              <button type="button" disabled={before.length === 0} onClick={() => setBefore((b) => b.slice(0, -1))}>
                ← {t("traces.newer")}
              </button>
              <button
                type="button"
                disabled={l.data.length < 50}
                onClick={() => setBefore((b) => [...b, l.data.at(-1)!.seq])}
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
