// Small shared pieces: the hash router, page frame with its plain-language summary, cards, stats,
// and the three states every panel has besides data (loading, error, not available yet).
import { type ReactNode, useSyncExternalStore } from "react";
import type { ApiError, Loaded, Me } from "./api";
import { useI18n } from "./i18n";

// ---- router: #/page/arg1/arg2?query ----

function subscribe(callback: () => void): () => void {
  window.addEventListener("hashchange", callback);
  return () => window.removeEventListener("hashchange", callback);
}

export interface Route {
  page: string;
  args: string[];
  query: URLSearchParams;
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  const [pathPart = "", queryPart = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const [page = "overview", ...args] = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  return { page, args, query: new URLSearchParams(queryPart) };
}

export interface PageProps {
  me: Me;
  route: Route;
}

export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}

export function navigate(to: string): void {
  window.location.hash = to.startsWith("#") ? to.slice(1) : to;
}

// ---- frame ----

export function Page(props: { title: string; summary: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="page">
      <header className="page-head">
        <h1>{props.title}</h1>
        {props.actions}
      </header>
      <p className="summary" data-testid="summary">
        {props.summary}
      </p>
      {props.children}
    </section>
  );
}

export function Card(props: { title?: ReactNode; children: ReactNode; wide?: boolean; testId?: string }) {
  return (
    <div className={props.wide ? "card wide" : "card"} data-testid={props.testId}>
      {props.title ? <h2>{props.title}</h2> : null}
      {props.children}
    </div>
  );
}

export function Stat(props: { label: string; value: ReactNode; note?: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={props.testId}>
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.note ? <div className="stat-note">{props.note}</div> : null}
    </div>
  );
}

export function Pill(props: { tone: "ok" | "warn" | "bad" | "info"; children: ReactNode }) {
  return <span className={`pill ${props.tone}`}>{props.children}</span>;
}

export function Unavailable(props: { what: string }) {
  const { t } = useI18n();
  return (
    <div className="notice" data-testid="unavailable">
      {t("unavailable", { what: props.what })}
    </div>
  );
}

export function ErrorBox(props: { error: ApiError }) {
  const { t } = useI18n();
  if (props.error.status === 403)
    return <div className="notice">{t("forbidden", { message: props.error.message })}</div>;
  return (
    <div className="error" role="alert">
      {props.error.message}
    </div>
  );
}

/** Renders a loaded value, or loading / unavailable / error in its place. */
export function Show<T>(props: { loaded: Loaded<T>; what: string; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  const { data, error, loading } = props.loaded;
  if (error?.unavailable) return <Unavailable what={props.what} />;
  if (error) return <ErrorBox error={error} />;
  if (data === null) return loading ? <div className="loading">{t("loading")}</div> : null;
  return <>{props.children(data)}</>;
}

export function KeyValues(props: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="kv">
      {props.rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
