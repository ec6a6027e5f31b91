// Rollouts of an alias: the registry's answer to "where does `support-bot@production` go right now".
// An alias normally points at one version; a rollout record keyed by the alias adds a candidate:
//   canary      — the alias keeps pointing at the stable version; the gateway sends `percent`% of
//                 its requests to the candidate.
//   shadow      — all requests go to the stable version; `percent`% are mirrored to the candidate
//                 and both answers are recorded side by side (rollout_shadow_samples).
//   blue-green  — blue (stable) and green (candidate) both stay served; `switch` moves the alias
//                 from one to the other in one step, and back.
// Each rollout carries an SLO (error rate, p95 latency, window, minimum samples). The gateway's
// controller watches the candidate against it and, on a breach, calls autoRollback(): the alias goes
// back to the stable version and the evidence is written to the audit trail and the alias history.
// Every change is audited; at most one rollout per alias is active (a partial unique index).
import { ulid } from "ulid";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import { appendAudit } from "../security/audit.js";
import { isUniqueViolation } from "../store/metadata/errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { RolloutRow, RolloutShadowSampleRow, RolloutShadowSamplesTable } from "../store/schema.js";
import { assertAlias, assertModelName, formatRef } from "./refs.js";
import type { ModelRegistry } from "./registry.js";

export const ROLLOUT_KINDS = ["canary", "shadow", "blue-green"] as const;
export type RolloutKind = (typeof ROLLOUT_KINDS)[number];
export type RolloutState = "active" | "promoted" | "rolled_back" | "aborted";

export interface RolloutSlo {
  /** Highest tolerated share of failed candidate requests (0–1). */
  maxErrorRate: number;
  /** Highest tolerated candidate p95 latency (ms). */
  maxP95Ms: number;
  /** Sliding window the SLO is evaluated over (ms). */
  windowMs: number;
  /** No verdict before the window holds this many candidate requests. */
  minSamples: number;
}

export const DEFAULT_ROLLOUT_SLO: RolloutSlo = {
  maxErrorRate: 0.05,
  maxP95Ms: 30_000,
  windowMs: 60_000,
  minSamples: 20,
};

export interface Rollout {
  id: string;
  model: string;
  alias: string;
  kind: RolloutKind;
  stableVersion: number;
  candidateVersion: number;
  /** `name@version` of each arm. */
  stable: string;
  candidate: string;
  /** canary: share of requests to the candidate; shadow: share mirrored; blue-green: unused (0). */
  percent: number;
  slo: RolloutSlo;
  state: RolloutState;
  reason: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  endedAt: string | null;
  endedBy: string | null;
  endReason: string | null;
  /** Set by an automatic rollback: the window, counts, rates and p95 that breached the SLO. */
  evidence: Record<string, unknown> | null;
}

export interface StartRolloutInput {
  model: string;
  alias: string;
  kind: RolloutKind;
  /** Candidate version number. */
  candidate: number;
  /** canary default 10, shadow default 100. */
  percent?: number | undefined;
  slo?: Partial<RolloutSlo> | undefined;
  actor: string;
  reason?: string | undefined;
}

export type ShadowSample = RolloutShadowSamplesTable;

export class RolloutStore {
  constructor(
    private readonly store: MetadataStore,
    private readonly registry: ModelRegistry,
  ) {}

  /** Starts a rollout of `alias`; its current target becomes the stable version. */
  async start(input: StartRolloutInput): Promise<Rollout> {
    const model = assertModelName(input.model);
    assertAlias(input.alias, { assignable: true });
    if (!(ROLLOUT_KINDS as readonly string[]).includes(input.kind)) {
      throw invalidRequest(`Rollout kind must be one of ${ROLLOUT_KINDS.join(", ")}, got '${input.kind}'.`, "kind");
    }
    const stable = await this.registry.resolve(`${model}@${input.alias}`).catch((error: unknown) => {
      if (error instanceof LlmopsError && error.code === "not_found") {
        throw notFound(
          `${model}@${input.alias} does not exist yet; point the alias at the stable version first with \`llmops models alias ${model} VERSION ${input.alias}\`.`,
          "alias",
        );
      }
      throw error;
    });
    if (!Number.isInteger(input.candidate) || input.candidate < 1) {
      throw invalidRequest("The candidate must be a version number such as 4.", "candidate");
    }
    const candidate = await this.registry.resolve(formatRef(model, input.candidate));
    if (candidate.version === stable.version) {
      throw invalidRequest(
        `${model}@${input.alias} already points at version ${stable.version}; choose another candidate version.`,
        "candidate",
      );
    }
    const percent = checkPercent(
      input.kind,
      input.percent ?? (input.kind === "canary" ? 10 : input.kind === "shadow" ? 100 : 0),
    );
    const slo = checkSlo({ ...DEFAULT_ROLLOUT_SLO, ...stripUndefined(input.slo ?? {}) });
    const now = new Date().toISOString();
    const row: RolloutRow = {
      id: ulid(),
      model_name: model,
      alias: input.alias,
      kind: input.kind,
      stable_version: stable.version,
      candidate_version: candidate.version,
      percent,
      slo_json: JSON.stringify(slo),
      state: "active",
      reason: input.reason ?? null,
      created_at: now,
      created_by: input.actor,
      updated_at: now,
      updated_by: input.actor,
      ended_at: null,
      ended_by: null,
      end_reason: null,
      evidence_json: null,
    };
    try {
      await this.store.db.transaction().execute(async (trx) => {
        await trx.insertInto("rollouts").values(row).execute();
        await appendAudit(trx, {
          actor: input.actor,
          action: "rollout.start",
          target: `alias:${model}@${input.alias}`,
          details: {
            rollout: row.id,
            kind: input.kind,
            stable: stable.version,
            candidate: candidate.version,
            percent,
            slo,
            reason: row.reason,
          },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new LlmopsError(
          "conflict",
          `${model}@${input.alias} already has an active rollout; promote or abort it first (\`llmops models rollout status ${model} --alias ${input.alias}\`).`,
        );
      }
      throw error;
    }
    return toRollout(row);
  }

  /** The active rollout of an alias, or null. */
  async active(model: string, alias: string): Promise<Rollout | null> {
    const row = await this.store.db
      .selectFrom("rollouts")
      .selectAll()
      .where("model_name", "=", model)
      .where("alias", "=", alias)
      .where("state", "=", "active")
      .executeTakeFirst();
    return row === undefined ? null : toRollout(row);
  }

  /** The active rollout of an alias; throws not_found with a hint when there is none. */
  async requireActive(model: string, alias: string): Promise<Rollout> {
    assertModelName(model);
    assertAlias(alias, { assignable: true });
    const rollout = await this.active(model, alias);
    if (rollout === null) {
      throw notFound(
        `${model}@${alias} has no active rollout; start one with \`llmops models rollout start ${model} --alias ${alias} --candidate VERSION\`.`,
        "alias",
      );
    }
    return rollout;
  }

  /** Rollouts of a model (every alias, or one), newest first. */
  async list(model: string, options: { alias?: string | undefined; limit?: number } = {}): Promise<Rollout[]> {
    assertModelName(model);
    let query = this.store.db.selectFrom("rollouts").selectAll().where("model_name", "=", model);
    if (options.alias !== undefined) query = query.where("alias", "=", options.alias);
    const rows = await query
      .orderBy("id", "desc")
      .limit(Math.min(1000, Math.max(1, options.limit ?? 100)))
      .execute();
    return rows.map(toRollout);
  }

  async get(id: string): Promise<Rollout> {
    const row = await this.store.db.selectFrom("rollouts").selectAll().where("id", "=", id).executeTakeFirst();
    if (row === undefined) throw notFound(`Rollout ${id} does not exist.`, "rollout");
    return toRollout(row);
  }

  /** Changes the canary share (or the shadow share) of an active rollout. */
  async setPercent(model: string, alias: string, percent: number, actor: string): Promise<Rollout> {
    const rollout = await this.requireActive(model, alias);
    if (rollout.kind === "blue-green") {
      throw invalidRequest(
        "A blue/green rollout has no percentage; move it with `llmops models rollout switch`.",
        "percent",
      );
    }
    const value = checkPercent(rollout.kind, percent);
    return this.update(rollout, actor, { percent: value }, "rollout.weight", { from: rollout.percent, to: value });
  }

  /** Blue/green: moves the alias to the other version (green when on blue, blue when on green). */
  async switchOver(model: string, alias: string, actor: string, reason?: string): Promise<Rollout> {
    const rollout = await this.requireActive(model, alias);
    if (rollout.kind !== "blue-green") {
      throw invalidRequest(
        `The rollout of ${model}@${alias} is a ${rollout.kind}; switch applies to blue-green rollouts (use weight or promote).`,
        "kind",
      );
    }
    const current = await this.registry.resolve(`${model}@${alias}`);
    const to = current.version === rollout.candidateVersion ? rollout.stableVersion : rollout.candidateVersion;
    await this.registry.setAlias(model, to, alias, actor, reason ?? `blue/green switch (rollout ${rollout.id})`);
    return this.update(rollout, actor, {}, "rollout.switch", { from: current.version, to });
  }

  /** Ends the rollout with the candidate as the alias's target. */
  async promote(model: string, alias: string, actor: string, reason?: string): Promise<Rollout> {
    const rollout = await this.requireActive(model, alias);
    const ended = await this.end(rollout, "promoted", actor, reason ?? null, null);
    if (ended === null) return this.get(rollout.id);
    const current = await this.registry.resolve(`${model}@${alias}`);
    if (current.version !== rollout.candidateVersion) {
      await this.registry.setAlias(
        model,
        rollout.candidateVersion,
        alias,
        actor,
        reason ?? `rollout ${rollout.id} promoted`,
      );
    }
    return ended;
  }

  /** Ends the rollout with the stable version as the alias's target. */
  async abort(model: string, alias: string, actor: string, reason?: string): Promise<Rollout> {
    const rollout = await this.requireActive(model, alias);
    const ended = await this.end(rollout, "aborted", actor, reason ?? null, null);
    if (ended === null) return this.get(rollout.id);
    await this.backToStable(rollout, actor, reason ?? `rollout ${rollout.id} aborted`);
    return ended;
  }

  /**
   * Called by the gateway's controller when the candidate breached its SLO: marks the rollout rolled
   * back with the evidence (audited as `rollout.rollback`), then records a move of the alias to the
   * stable version in its history with the evidence as the reason. Idempotent: returns null when
   * the rollout is no longer active (another gateway instance got there first).
   */
  async autoRollback(
    id: string,
    evidence: Record<string, unknown>,
    actor = "gateway:rollout-controller",
  ): Promise<Rollout | null> {
    const row = await this.store.db.selectFrom("rollouts").selectAll().where("id", "=", id).executeTakeFirst();
    if (row === undefined || row.state !== "active") return null;
    const rollout = toRollout(row);
    const summary = describeEvidence(evidence);
    const ended = await this.end(rollout, "rolled_back", actor, `automatic rollback: ${summary}`, evidence);
    if (ended === null) return null;
    await this.backToStable(rollout, actor, `automatic rollback of rollout ${id}: ${summary}`);
    return ended;
  }

  /** Writes shadow comparisons (called in batches by the gateway's recorder). */
  async insertShadowSamples(rows: ShadowSample[]): Promise<void> {
    if (rows.length === 0) return;
    await this.store.db.insertInto("rollout_shadow_samples").values(rows).execute();
  }

  /** Shadow comparisons of a rollout, newest first. */
  async shadowSamples(rolloutId: string, limit = 100): Promise<RolloutShadowSampleRow[]> {
    return this.store.db
      .selectFrom("rollout_shadow_samples")
      .selectAll()
      .where("rollout_id", "=", rolloutId)
      .orderBy("id", "desc")
      .limit(Math.min(1000, Math.max(1, limit)))
      .execute();
  }

  private async backToStable(rollout: Rollout, actor: string, reason: string): Promise<void> {
    // For a canary or shadow the alias already points at the stable version: the move is recorded
    // anyway (from = to), so the alias history shows when and why traffic returned to it.
    await this.registry.setAlias(rollout.model, rollout.stableVersion, rollout.alias, actor, reason.slice(0, 2000));
  }

  private async update(
    rollout: Rollout,
    actor: string,
    changes: { percent?: number },
    action: string,
    details: Record<string, unknown>,
  ): Promise<Rollout> {
    const now = new Date().toISOString();
    await this.store.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("rollouts")
        .set({ ...changes, updated_at: now, updated_by: actor })
        .where("id", "=", rollout.id)
        .where("state", "=", "active")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw new LlmopsError(
          "conflict",
          `Rollout ${rollout.id} ended meanwhile; see \`llmops models rollout status\`.`,
        );
      }
      await appendAudit(trx, {
        actor,
        action,
        target: `alias:${rollout.model}@${rollout.alias}`,
        details: { rollout: rollout.id, ...details },
      });
    });
    return this.get(rollout.id);
  }

  /** Moves an active rollout to a final state; null when it was no longer active. */
  private async end(
    rollout: Rollout,
    state: Exclude<RolloutState, "active">,
    actor: string,
    reason: string | null,
    evidence: Record<string, unknown> | null,
  ): Promise<Rollout | null> {
    const now = new Date().toISOString();
    const done = await this.store.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("rollouts")
        .set({
          state,
          updated_at: now,
          updated_by: actor,
          ended_at: now,
          ended_by: actor,
          end_reason: reason,
          evidence_json: evidence === null ? null : JSON.stringify(evidence),
        })
        .where("id", "=", rollout.id)
        .where("state", "=", "active")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await appendAudit(trx, {
        actor,
        action:
          state === "rolled_back" ? "rollout.rollback" : state === "promoted" ? "rollout.promote" : "rollout.abort",
        target: `alias:${rollout.model}@${rollout.alias}`,
        details: {
          rollout: rollout.id,
          kind: rollout.kind,
          stable: rollout.stableVersion,
          candidate: rollout.candidateVersion,
          automatic: evidence !== null,
          reason,
          ...(evidence === null ? {} : { evidence }),
        },
      });
      return true;
    });
    return done ? this.get(rollout.id) : null;
  }
}

function checkPercent(kind: RolloutKind, percent: number): number {
  if (kind === "blue-green") return 0;
  if (typeof percent !== "number" || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw invalidRequest(`The ${kind} percentage must be a number from 0 to 100, got ${percent}.`, "percent");
  }
  return percent;
}

function checkSlo(slo: RolloutSlo): RolloutSlo {
  const fail = (field: string, rule: string) => {
    throw invalidRequest(`SLO ${field} must be ${rule}.`, field);
  };
  if (!(slo.maxErrorRate >= 0 && slo.maxErrorRate <= 1)) fail("maxErrorRate", "between 0 and 1 (e.g. 0.05)");
  if (!(slo.maxP95Ms > 0 && Number.isFinite(slo.maxP95Ms))) fail("maxP95Ms", "a positive number of milliseconds");
  if (!(Number.isInteger(slo.windowMs) && slo.windowMs >= 1000 && slo.windowMs <= 86_400_000)) {
    fail("windowMs", "whole milliseconds from 1000 to 86400000");
  }
  if (!(Number.isInteger(slo.minSamples) && slo.minSamples >= 1 && slo.minSamples <= 16_000)) {
    fail("minSamples", "a whole number from 1 to 16000");
  }
  return slo;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describeEvidence(evidence: Record<string, unknown>): string {
  const stats = evidence.candidateStats as
    | { samples?: number; errors?: number; errorRate?: number; p95Ms?: number }
    | undefined;
  const slo = evidence.slo as Partial<RolloutSlo> | undefined;
  const breached = Array.isArray(evidence.breached) ? evidence.breached.join(", ") : "slo";
  if (stats === undefined) return `${breached} breached`;
  return (
    `${breached} breached over ${evidence.windowMs ?? "?"} ms: ${stats.errors}/${stats.samples} failed ` +
    `(${((stats.errorRate ?? 0) * 100).toFixed(1)}% > ${((slo?.maxErrorRate ?? 0) * 100).toFixed(1)}%?), ` +
    `p95 ${stats.p95Ms ?? "n/a"} ms (limit ${slo?.maxP95Ms ?? "?"} ms)`
  );
}

function toRollout(row: RolloutRow): Rollout {
  let slo: RolloutSlo = DEFAULT_ROLLOUT_SLO;
  try {
    slo = { ...DEFAULT_ROLLOUT_SLO, ...(JSON.parse(row.slo_json) as Partial<RolloutSlo>) };
  } catch {
    // keep the defaults: a damaged row must not stop routing
  }
  let evidence: Record<string, unknown> | null = null;
  if (row.evidence_json !== null) {
    try {
      evidence = JSON.parse(row.evidence_json) as Record<string, unknown>;
    } catch {
      evidence = null;
    }
  }
  return {
    id: row.id,
    model: row.model_name,
    alias: row.alias,
    kind: row.kind as RolloutKind,
    stableVersion: Number(row.stable_version),
    candidateVersion: Number(row.candidate_version),
    stable: formatRef(row.model_name, Number(row.stable_version)),
    candidate: formatRef(row.model_name, Number(row.candidate_version)),
    percent: Number(row.percent),
    slo,
    state: row.state as RolloutState,
    reason: row.reason,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    endReason: row.end_reason,
    evidence,
  };
}
