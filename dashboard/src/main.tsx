// The dashboard shell: sign-in with an API key (kept in sessionStorage), the navigation, the
// language switch, and one page per hash route. Talks only to /api/v1.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, api, type Me, storedKey, storeKey } from "./api";
import { I18nProvider, type Lang, useI18n } from "./i18n";
import { AuditPage } from "./pages/Audit";
import { DatasetsPage } from "./pages/Datasets";
import { EvalsPage } from "./pages/Evals";
import { ExplainPage } from "./pages/Explain";
import { ModelsPage } from "./pages/Models";
import { OverviewPage } from "./pages/Overview";
import { RunsPage } from "./pages/Runs";
import { SettingsPage } from "./pages/Settings";
import { TracesPage } from "./pages/Traces";
import "./styles.css";
import { href, useRoute } from "./ui";

const PAGES = {
  overview: OverviewPage,
  models: ModelsPage,
  datasets: DatasetsPage,
  runs: RunsPage,
  evals: EvalsPage,
  traces: TracesPage,
  explain: ExplainPage,
  audit: AuditPage,
  settings: SettingsPage,
} as const;
type PageName = keyof typeof PAGES;

/** What a key needs for each page's data; pages it cannot use are left out of the navigation. */
const NEEDS: Record<PageName, string | null> = {
  overview: "requests:read",
  models: "models:read",
  datasets: "datasets:read",
  runs: "runs:read",
  evals: "evals:read",
  traces: "requests:read",
  explain: "explain",
  audit: "audit:read",
  settings: null,
};

function SignIn(props: { onSignedIn(me: Me): void; expired: boolean }) {
  const { t } = useI18n();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(props.expired ? t("signin.expired") : null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>("/me", { key: key.trim() });
      storeKey(key.trim());
      props.onSignedIn(me);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? t("signin.invalid") : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit}>
        <h1>llmops</h1>
        <p>{t("signin.intro")}</p>
        <label>
          {t("signin.key")}
          <input
            name="key"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="llm_…"
            required
          />
        </label>
        <button type="submit" disabled={busy || !key.trim()}>
          {t("signin.submit")}
        </button>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <p className="hint">{t("signin.hint")}</p>
        <LangSwitch />
      </form>
    </main>
  );
}

function LangSwitch() {
  const { lang, setLang } = useI18n();
  const other: Lang = lang === "en" ? "zh" : "en";
  return (
    <button type="button" className="lang" data-testid="lang" onClick={() => setLang(other)}>
      {other === "zh" ? "中文" : "English"}
    </button>
  );
}

function Shell(props: { me: Me; onSignOut(): void }) {
  const { t } = useI18n();
  const route = useRoute();
  const allowed = (Object.keys(PAGES) as PageName[]).filter((name) => {
    const needs = NEEDS[name];
    return needs === null || props.me.permissions.includes(needs);
  });
  const wanted = (route.page in PAGES ? route.page : "overview") as PageName;
  const page = allowed.includes(wanted) ? wanted : (allowed[0] ?? "settings");
  const Current = PAGES[page];
  return (
    <div className="shell">
      <nav className="side">
        <div className="brand">llmops</div>
        {allowed.map((name) => (
          <a key={name} href={href(name)} className={name === page ? "active" : undefined} data-nav={name}>
            {t(`nav.${name}`)}
          </a>
        ))}
        <div className="side-foot">
          <div className="who" title={props.me.key_id}>
            {props.me.name} · {props.me.role}
          </div>
          <LangSwitch />
          <button type="button" className="link" onClick={props.onSignOut}>
            {t("signout")}
          </button>
        </div>
      </nav>
      <main className="content">
        <Current me={props.me} route={route} />
      </main>
    </div>
  );
}

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(storedKey() !== null);
  const [expired, setExpired] = useState(false);
  useEffect(() => {
    if (!storedKey()) return;
    api<Me>("/me")
      .then(setMe)
      .catch(() => {
        storeKey(null);
        setExpired(true);
      })
      .finally(() => setChecking(false));
  }, []);
  if (checking) return null;
  if (!me) return <SignIn onSignedIn={setMe} expired={expired} />;
  return (
    <Shell
      me={me}
      onSignOut={() => {
        storeKey(null);
        setMe(null);
      }}
    />
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
