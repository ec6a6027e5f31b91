// Rate limits and token budgets per key, team and model: requests per minute, tokens per minute and
// tokens per day or month, each a fixed-window counter in a LimitStore (Redis when configured, so every
// gateway instance shares them). Before the upstream is called the stage reserves 1 request and an
// upper bound of the tokens the request can use (prompt bound + max_tokens) on every counter that
// applies, atomically; when the request is over it gives back the difference to the real `usage`.
// Concurrent requests can therefore never take more than a limit between them: the only overspend is
// a request that uses more than its reservation (no max_tokens and a longer answer than
// `default_completion_tokens`), at most one request's worth per request in flight.

import type { LimitConfig, LimitsConfig } from "../../config/policy.js";
import { LlmopsError } from "../../errors.js";
import type { Principal } from "../types.js";
import type { CounterSpec, CounterState, LimitStore } from "./limit-store.js";
import type { PolicyMetrics } from "./metrics.js";
import { completionTokenBound, promptTokenBound } from "./texts.js";
import type { PolicyRequest, PolicyStage, RequestOutcome } from "./types.js";

export type ScopeKind = "key" | "team" | "model";
type Measure = "requests_per_minute" | "tokens_per_minute" | "budget_tokens";

export interface LimitScope {
  kind: ScopeKind;
  /** Key id, team name or model name. */
  id: string;
  limits: LimitConfig;
}

interface Reservation {
  counters: CounterSpec[];
  /** Indexes of token counters and the tokens reserved on each. */
  tokenKeys: string[];
  reservedTokens: number;
}

export interface LimitUsage {
  scope: ScopeKind;
  id: string;
  measure: Measure;
  period: "minute" | "day" | "month";
  limit: number;
  used: number;
  remaining: number;
  /** When the window ends (ISO-8601). */
  resets_at: string;
}

const MINUTE = 60_000;

/** The team of a key: its record's `team` when keys carry one, else `key_teams` in the config. */
export function teamOf(principal: Principal, config: LimitsConfig): string | undefined {
  if ("team" in principal && typeof principal.team === "string" && principal.team !== "") return principal.team;
  return config.key_teams[principal.keyId] ?? config.key_teams[principal.name];
}

export function scopesFor(config: LimitsConfig, principal: Principal, model: string): LimitScope[] {
  const scopes: LimitScope[] = [];
  const key = config.keys[principal.keyId] ?? config.keys[principal.name] ?? config.keys["*"];
  if (key !== undefined) scopes.push({ kind: "key", id: principal.keyId, limits: key });
  const team = teamOf(principal, config);
  const teamLimits = team === undefined ? undefined : config.teams[team];
  if (team !== undefined && teamLimits !== undefined) scopes.push({ kind: "team", id: team, limits: teamLimits });
  // One counter per model name whatever version or alias was asked for, so `tiny@3` cannot dodge
  // the limit of `tiny`.
  const base = model.split("@", 1)[0]!;
  const modelLimits = config.models[base] ?? config.models["*"];
  if (modelLimits !== undefined) scopes.push({ kind: "model", id: base, limits: modelLimits });
  return scopes;
}

interface Window {
  suffix: string;
  period: "minute" | "day" | "month";
  endsAt: number;
}

function minuteWindow(now: number): Window {
  const start = Math.floor(now / MINUTE) * MINUTE;
  return { suffix: `m${start}`, period: "minute", endsAt: start + MINUTE };
}

function budgetWindow(now: number, period: "day" | "month"): Window {
  const date = new Date(now);
  if (period === "day") {
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    return { suffix: `d${start}`, period, endsAt: start + 86_400_000 };
  }
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return { suffix: `mo${start}`, period, endsAt: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

interface Planned {
  scope: LimitScope;
  measure: Measure;
  window: Window;
  key: string;
  limit: number;
}

/** Every counter of these scopes, with its window at `now`. */
function plan(scopes: readonly LimitScope[], now: number): Planned[] {
  const out: Planned[] = [];
  for (const scope of scopes) {
    const base = `${scope.kind}:${encodeURIComponent(scope.id)}:`;
    const { requests_per_minute: rpm, tokens_per_minute: tpm, budget_tokens: budget } = scope.limits;
    const minute = minuteWindow(now);
    if (rpm !== undefined)
      out.push({
        scope,
        measure: "requests_per_minute",
        window: minute,
        key: `${base}rpm:${minute.suffix}`,
        limit: rpm,
      });
    if (tpm !== undefined)
      out.push({ scope, measure: "tokens_per_minute", window: minute, key: `${base}tpm:${minute.suffix}`, limit: tpm });
    if (budget !== undefined) {
      const window = budgetWindow(now, scope.limits.budget_period);
      out.push({ scope, measure: "budget_tokens", window, key: `${base}budget:${window.suffix}`, limit: budget });
    }
  }
  return out;
}

const describeScope = (scope: LimitScope) =>
  scope.kind === "key" ? `API key ${scope.id}` : scope.kind === "team" ? `team '${scope.id}'` : `model '${scope.id}'`;

const describeMeasure: Record<Measure, string> = {
  requests_per_minute: "requests per minute",
  tokens_per_minute: "tokens per minute",
  budget_tokens: "token budget",
};

export class LimitsStage implements PolicyStage {
  readonly name = "limits";

  constructor(
    private readonly config: LimitsConfig,
    readonly store: LimitStore,
    private readonly metrics: PolicyMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async before(request: PolicyRequest): Promise<undefined> {
    const scopes = scopesFor(this.config, request.principal, request.body.model);
    if (scopes.length === 0) return undefined;
    const planned = plan(scopes, this.now());
    if (planned.length === 0) return undefined;
    const json = request.body.json;
    const tokens =
      promptTokenBound(request.route, json) +
      completionTokenBound(request.route, json, this.config.default_completion_tokens);
    const counters: CounterSpec[] = planned.map((p) => ({
      key: p.key,
      limit: p.limit,
      amount: p.measure === "requests_per_minute" ? 1 : tokens,
      ttlMs: Math.max(1, p.window.endsAt - this.now()) + (p.window.period === "minute" ? 1_000 : 60_000),
    }));
    const result = await this.store.reserve(counters);
    if (!result.ok) {
      const refused = planned[result.index]!;
      const counter = counters[result.index]!;
      this.metrics.rateLimited.inc({ scope: refused.scope.kind, measure: refused.measure });
      this.setHeaders(request, planned, counters, undefined);
      throw this.refusal(request, refused, counter, result.state);
    }
    this.setHeaders(request, planned, counters, result.states);
    const tokenKeys = planned.filter((p) => p.measure !== "requests_per_minute").map((p) => p.key);
    request.state.set(this.name, { counters, tokenKeys, reservedTokens: tokens } satisfies Reservation);
    return undefined;
  }

  settle(request: PolicyRequest, outcome: RequestOutcome): void {
    const reservation = request.state.get(this.name) as Reservation | undefined;
    if (reservation === undefined || reservation.tokenKeys.length === 0) return;
    const { promptTokens, completionTokens } = request.context;
    let used: number;
    if (outcome.cached) used = 0;
    else if (promptTokens !== null || completionTokens !== null) used = (promptTokens ?? 0) + (completionTokens ?? 0);
    // An error answer before any token was reported generated nothing we know of.
    else if (outcome.status >= 400 && outcome.status !== 499) used = 0;
    // A success (or a stream the client left) without `usage`: keep the reservation, the safe side.
    else return;
    const delta = used - reservation.reservedTokens;
    if (delta === 0) return;
    this.store
      .adjust(
        reservation.tokenKeys,
        reservation.tokenKeys.map(() => delta),
      )
      .catch(() => {
        // Reconciling is best effort: a failed adjust leaves the conservative reservation in place.
      });
  }

  /** Current state of these scopes' counters (GET /api/v1/limits). */
  async usageOf(scopes: readonly LimitScope[]): Promise<LimitUsage[]> {
    const now = this.now();
    const planned = plan(scopes, now);
    const states = await this.store.peek(planned.map((p) => p.key));
    return planned.map((p, i) => {
      const used = states[i]?.used ?? 0;
      return {
        scope: p.scope.kind,
        id: p.scope.id,
        measure: p.measure,
        period: p.window.period,
        limit: p.limit,
        used,
        remaining: Math.max(0, p.limit - used),
        resets_at: new Date(p.window.endsAt).toISOString(),
      };
    });
  }

  get limitsConfig(): LimitsConfig {
    return this.config;
  }

  private refusal(request: PolicyRequest, refused: Planned, counter: CounterSpec, state: CounterState): LlmopsError {
    const who = describeScope(refused.scope);
    const what = describeMeasure[refused.measure];
    if (counter.amount > counter.limit) {
      return new LlmopsError(
        "rate_limited",
        `Request too large for ${who} on ${what}: it may use up to ${counter.amount} tokens (prompt bound + max_tokens) ` +
          `and the limit is ${counter.limit}; lower max_tokens or shorten the prompt.`,
      );
    }
    const seconds = Math.max(1, Math.ceil(state.resetMs / 1000));
    request.setHeader("retry-after", String(seconds));
    if (refused.measure === "budget_tokens") {
      return new LlmopsError(
        "rate_limited",
        `Token budget of ${who} for this ${refused.window.period} is used up (${state.used} of ${counter.limit} tokens, ` +
          `this request needs up to ${counter.amount}); it renews at ${new Date(refused.window.endsAt).toISOString()}, or ask an admin to raise it.`,
      );
    }
    return new LlmopsError(
      "rate_limited",
      `Rate limit reached for ${who} on ${what}: limit ${counter.limit}, used ${state.used}, requested ${counter.amount}. ` +
        `Try again in ${seconds} s.`,
    );
  }

  /** OpenAI's x-ratelimit-* headers, for the tightest request and token counters. */
  private setHeaders(
    request: PolicyRequest,
    planned: readonly Planned[],
    counters: readonly CounterSpec[],
    states: readonly CounterState[] | undefined,
  ): void {
    const now = this.now();
    const tightest = (measure: Measure) => {
      let best: { limit: number; remaining: number; resetMs: number } | undefined;
      planned.forEach((p, i) => {
        if (p.measure !== measure) return;
        const used = states?.[i]?.used ?? counters[i]!.amount;
        const remaining = Math.max(0, p.limit - used);
        if (best === undefined || remaining < best.remaining)
          best = { limit: p.limit, remaining, resetMs: p.window.endsAt - now };
      });
      return best;
    };
    if (states === undefined) return;
    const requests = tightest("requests_per_minute");
    if (requests !== undefined) {
      request.setHeader("x-ratelimit-limit-requests", String(requests.limit));
      request.setHeader("x-ratelimit-remaining-requests", String(requests.remaining));
      request.setHeader("x-ratelimit-reset-requests", `${Math.max(0, Math.ceil(requests.resetMs / 1000))}s`);
    }
    const tokens = tightest("tokens_per_minute") ?? tightest("budget_tokens");
    if (tokens !== undefined) {
      request.setHeader("x-ratelimit-limit-tokens", String(tokens.limit));
      request.setHeader("x-ratelimit-remaining-tokens", String(tokens.remaining));
      request.setHeader("x-ratelimit-reset-tokens", `${Math.max(0, Math.ceil(tokens.resetMs / 1000))}s`);
    }
  }
}
