// Settings: the signed-in key, API keys (admins: list, create — the key is shown once — and
// revoke) and what each role may do.
import { useState } from "react";
import { ApiError, type ApiKeyInfo, api, type List, useApi } from "../api";
import { num, time } from "../format";
import { useI18n } from "../i18n";
import { Card, ErrorBox, KeyValues, Page, type PageProps, Pill, Show } from "../ui";

export function SettingsPage({ me }: PageProps) {
  const { t, lang } = useI18n();
  const isAdmin = me.permissions.includes("keys:manage");
  const keys = useApi<List<ApiKeyInfo>>(isAdmin ? "/keys?all=true" : null);
  const [name, setName] = useState("");
  const [role, setRole] = useState("viewer");
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const active = keys.data?.data.filter((k) => !k.revokedAt) ?? [];
  const summary = isAdmin
    ? t("settings.summary.admin", { name: me.name, role: me.role, active: num(lang, active.length) })
    : t("settings.summary.user", { name: me.name, role: me.role, n: num(lang, me.permissions.length) });

  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await api<{ key: string }>("/keys", { method: "POST", body: { name: name.trim(), role } });
      setCreated(result.key);
      setName("");
      keys.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e), null));
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api(`/keys/${encodeURIComponent(id)}`, { method: "DELETE" });
      keys.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e), null));
    }
  };
  const roles = Object.keys(me.roles);
  const permissions = [...new Set(Object.values(me.roles).flat())];
  return (
    <Page title={t("nav.settings")} summary={summary}>
      <Card title={t("settings.you")}>
        <KeyValues
          rows={[
            [t("settings.keyName"), me.name],
            [t("settings.role"), me.role],
            ["id", <code key="id">{me.key_id}</code>],
          ]}
        />
      </Card>
      {error ? <ErrorBox error={error} /> : null}
      {isAdmin ? (
        <Card title={t("settings.keys")} wide testId="keys">
          <form className="inline" onSubmit={create}>
            <input
              aria-label={t("settings.keyName")}
              placeholder={t("settings.keyName")}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
            <select aria-label={t("settings.role")} value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <button type="submit" disabled={!name.trim()}>
              {t("settings.create")}
            </button>
          </form>
          {created ? (
            <p className="created" data-testid="created-key">
              {t("settings.createdOnce")} <code>{created}</code>
            </p>
          ) : null}
          <Show loaded={keys} what={t("settings.keys")}>
            {(l) => (
              <table>
                <thead>
                  <tr>
                    <th>{t("settings.keyName")}</th>
                    <th>{t("settings.role")}</th>
                    <th>{t("settings.prefix")}</th>
                    <th>{t("col.created")}</th>
                    <th>{t("settings.lastUsed")}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {l.data.map((k) => (
                    <tr key={k.id} className={k.revokedAt ? "revoked" : undefined}>
                      <td>{k.name}</td>
                      <td>{k.role}</td>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{time(lang, k.createdAt)}</td>
                      <td>{time(lang, k.lastUsedAt)}</td>
                      <td>
                        {k.revokedAt ? (
                          <Pill tone="warn">{t("settings.revoked")}</Pill>
                        ) : k.id === me.key_id ? (
                          <Pill tone="info">{t("settings.thisKey")}</Pill>
                        ) : (
                          <button type="button" className="link danger" onClick={() => revoke(k.id)}>
                            {t("settings.revoke")}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Show>
        </Card>
      ) : (
        <Card>
          <p className="muted">{t("settings.notAdmin")}</p>
        </Card>
      )}
      <Card title={t("settings.roles")} wide testId="roles">
        <table className="matrix">
          <thead>
            <tr>
              <th>{t("settings.permission")}</th>
              {roles.map((r) => (
                <th key={r}>{r}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {permissions.map((p) => (
              <tr key={p}>
                <td>
                  <code>{p}</code>
                </td>
                {roles.map((r) => (
                  <td key={r} className="c">
                    {me.roles[r]?.includes(p) ? "✓" : ""}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </Page>
  );
}
