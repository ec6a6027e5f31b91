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
import type { CounterSpec, CounterState, LimitStore, ReserveResult } from "./limit-store.js";
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
  /** Keys of the token counters (tokens per minute, budgets), reconciled when the request is over. */
  tokenKeys: readonly string[];
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
  /** String(limit), for the x-ratelimit-limit-* header. */
  limitText: string;
}

/** The counters of one (key, team, model) until the earliest of their windows ends. */
interface Plan {
  planned: Planned[];
  tokenKeys: string[];
  until: number;
}

/** Every counter of these scopes, with its window at `now`. */
function plan(scopes: readonly LimitScope[], now: number): Planned[] {
  const out: Planned[] = [];
  for (const scope of scopes) {
    const base = `${scope.kind}:${encodeURIComponent(scope.id)}:`;
    const { requests_per_minute: rpm, tokens_per_minute: tpm, budget_tokens: budget } = scope.limits;
    const minute = minuteWindow(now);
    const add = (measure: Measure, window: Window, key: string, limit: number) =>
      out.push({ scope, measure, window, key, limit, limitText: String(limit) });
    if (rpm !== undefined) add("requests_per_minute", minute, `${base}rpm:${minute.suffix}`, rpm);
    if (tpm !== undefined) add("tokens_per_minute", minute, `${base}tpm:${minute.suffix}`, tpm);
    if (budget !== undefined) {
      const window = budgetWindow(now, scope.limits.budget_period);
      add("budget_tokens", window, `${base}budget:${window.suffix}`, budget);
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

  // The counters of one (key, team, model) are the same for every request until a window ends:
  // planned once and reused, so the hot path builds no counter names (bounded like every cache here).
  // Keyed by the principal object (the key cache hands out one per key state) and then the model.
  private plans = new WeakMap<Principal, Map<string, Plan>>();
  private plansMade = 0;

  private planFor(request: PolicyRequest, now: number): Plan {
    const { principal } = request;
    const model = request.body.model;
    let byModel = this.plans.get(principal);
    const hit = byModel?.get(model);
    if (hit !== undefined && now < hit.until) return hit;
    const planned = plan(scopesFor(this.config, principal, model), now);
    let until = Number.POSITIVE_INFINITY;
    const tokenKeys: string[] = [];
    for (const p of planned) {
      until = Math.min(until, p.window.endsAt);
      if (p.measure !== "requests_per_minute") tokenKeys.push(p.key);
    }
    if (++this.plansMade > 10_000) {
      this.plans = new WeakMap();
      this.plansMade = 1;
      byModel = undefined;
    }
    if (byModel === undefined) {
      byModel = new Map();
      this.plans.set(principal, byModel);
    }
    const entry = { planned, tokenKeys, until };
    byModel.set(model, entry);
    return entry;
  }

  // Not async: with the in-process store a request reserves in the same tick, without promises.
  before(request: PolicyRequest): Promise<undefined> | undefined {
    const now = this.now();
    const entry = this.planFor(request, now);
    const { planned } = entry;
    if (planned.length === 0) return undefined;
    const json = request.body.json;
    const tokens =
      promptTokenBound(request.route, json) +
      completionTokenBound(request.route, json, this.config.default_completion_tokens);
    const counters: CounterSpec[] = planned.map((p) => ({
      key: p.key,
      limit: p.limit,
      amount: p.measure === "requests_per_minute" ? 1 : tokens,
      ttlMs: Math.max(1, p.window.endsAt - now) + (p.window.period === "minute" ? 1_000 : 60_000),
    }));
    const result = this.store.reserve(counters);
    if (result instanceof Promise)
      return result.then((settled) => this.reserved(request, entry, counters, tokens, settled, now));
    return this.reserved(request, entry, counters, tokens, result, now);
  }

  private reserved(
    request: PolicyRequest,
    entry: Plan,
    counters: readonly CounterSpec[],
    tokens: number,
    result: ReserveResult,
    now: number,
  ): undefined {
    const { planned } = entry;
    if (!result.ok) {
      const refused = planned[result.index]!;
      const counter = counters[result.index]!;
      this.metrics.rateLimited.inc({ scope: refused.scope.kind, measure: refused.measure });
      throw this.refusal(request, refused, counter, result.state);
    }
    this.setHeaders(request, planned, counters, result.states, now);
    if (entry.tokenKeys.length > 0) {
      request.state.set(this.name, { tokenKeys: entry.tokenKeys, reservedTokens: tokens } satisfies Reservation);
    }
    return undefined;
  }

  settle(request: PolicyRequest, outcome: RequestOutcome): void {
    const reservation = request.state.get(this.name) as Reservation | undefined;
    if (reservation === undefined) return;
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
    states: readonly CounterState[],
    now: number,
  ): void {
    const requests = tightest(planned, counters, states, "requests_per_minute");
    if (requests !== -1) this.setHeaderTriple(request, HEADERS.requests, planned, counters, states, requests, now);
    const perMinute = tightest(planned, counters, states, "tokens_per_minute");
    const tokens = perMinute !== -1 ? perMinute : tightest(planned, counters, states, "budget_tokens");
    if (tokens !== -1) this.setHeaderTriple(request, HEADERS.tokens, planned, counters, states, tokens, now);
  }

  private setHeaderTriple(
    request: PolicyRequest,
    names: { limit: string; remaining: string; reset: string },
    planned: readonly Planned[],
    counters: readonly CounterSpec[],
    states: readonly CounterState[],
    i: number,
    now: number,
  ): void {
    const p = planned[i]!;
    request.setHeader(names.limit, p.limitText);
    request.setHeader(names.remaining, String(remaining(planned, counters, states, i)));
    request.setHeader(names.reset, resetText(Math.max(0, Math.ceil((p.window.endsAt - now) / 1000))));
  }
}

const HEADERS = {
  requests: {
    limit: "x-ratelimit-limit-requests",
    remaining: "x-ratelimit-remaining-requests",
    reset: "x-ratelimit-reset-requests",
  },
  tokens: {
    limit: "x-ratelimit-limit-tokens",
    remaining: "x-ratelimit-remaining-tokens",
    reset: "x-ratelimit-reset-tokens",
  },
} as const;

// "42s" for the seconds left in a window: at most a few distinct values per second, so made once each.
const resetTexts: string[] = [];
function resetText(seconds: number): string {
  if (seconds > 3600) return `${seconds}s`;
  resetTexts[seconds] ??= `${seconds}s`;
  return resetTexts[seconds]!;
}

/** The counter of a measure with the least remaining (index into planned), -1 when there is none. */
function tightest(
  planned: readonly Planned[],
  counters: readonly CounterSpec[],
  states: readonly CounterState[],
  measure: Measure,
): number {
  let best = -1;
  let bestRemaining = 0;
  for (let i = 0; i < planned.length; i++) {
    if (planned[i]!.measure !== measure) continue;
    const left = remaining(planned, counters, states, i);
    if (best === -1 || left < bestRemaining) {
      best = i;
      bestRemaining = left;
    }
  }
  return best;
}

/** What counter i has left after this request (its state, or its own amount for a fresh counter). */
function remaining(
  planned: readonly Planned[],
  counters: readonly CounterSpec[],
  states: readonly CounterState[],
  i: number,
): number {
  return Math.max(0, planned[i]!.limit - (states[i]?.used ?? counters[i]!.amount));
}
