// Run tracking: every training run (built-in or external) with its recipe, provenance, per-step
// metrics and events, in the metadata store. Plain data in and out; the CLI, the HTTP API and the
// trainer all go through this one module.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { ulid } from "ulid";
import { z } from "zod";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { RunEventsTable, RunsTable } from "../store/schema.js";
import { parseOrThrow } from "../validation.js";

export const RUN_STATUSES = ["running", "completed", "failed", "stopped", "diverged"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const EVENT_SEVERITIES = ["info", "warning", "error"] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

const jsonObject = z.record(z.string(), z.unknown());
const metricName = z
  .string()
  .regex(/^[a-z][a-z0-9_./-]{0,63}$/, "metric names are lower-case [a-z0-9_./-], at most 64");

export const newRunSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  source: z.enum(["builtin", "external"]).default("external"),
  params: jsonObject.default({}),
  dataset: jsonObject.default({}),
  tokenizerHash: z.string().max(200).optional(),
  gitCommit: z.string().max(200).optional(),
  env: jsonObject.default({}),
});
export type NewRun = z.input<typeof newRunSchema>;

/** A value of null (JSON has no NaN) or a string "NaN"/"Infinity"/"-Infinity" is accepted. */
const metricValue = z.union([
  // zod 4's z.number() rejects NaN and ±Infinity, which a diverging trainer must be able to log.
  z.custom<number>((v) => typeof v === "number", "expected a number"),
  z.null(),
  z.enum(["NaN", "Infinity", "-Infinity"]).transform((s) => Number(s)),
]);
export const metricPointSchema = z.object({
  step: z.number().int().min(0),
  split: z.enum(["train", "eval"]).default("train"),
  values: z.record(metricName, metricValue),
});
export type MetricPoint = z.output<typeof metricPointSchema>;
export type MetricPointInput = z.input<typeof metricPointSchema>;

export const runEventSchema = z.object({
  step: z.number().int().min(0).nullable().optional(),
  kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, "event kinds are lower-case [a-z0-9_.-]"),
  severity: z.enum(EVENT_SEVERITIES).default("info"),
  message: z.string().min(1).max(2000),
  details: jsonObject.default({}),
});
export type RunEventInput = z.input<typeof runEventSchema>;

export interface Run {
  id: string;
  name: string | null;
  status: RunStatus;
  source: string;
  params: Record<string, unknown>;
  dataset: Record<string, unknown>;
  tokenizerHash: string | null;
  gitCommit: string | null;
  env: Record<string, unknown>;
  summary: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface RunEvent {
  id: string;
  runId: string;
  step: number | null;
  kind: string;
  severity: EventSeverity;
  message: string;
  details: Record<string, unknown>;
  at: string;
}

/** One metric as a series: steps ascending; NaN where a non-finite value was logged as NaN. */
export interface MetricSeries {
  split: string;
  name: string;
  steps: number[];
  values: number[];
}

const parseJson = (s: string): Record<string, unknown> => {
  const v: unknown = JSON.parse(s);
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
};
const toRun = (r: RunsTable): Run => ({
  id: r.id,
  name: r.name,
  status: r.status as RunStatus,
  source: r.source,
  params: parseJson(r.params_json),
  dataset: parseJson(r.dataset_json),
  tokenizerHash: r.tokenizer_hash,
  gitCommit: r.git_commit,
  env: parseJson(r.env_json),
  summary: parseJson(r.summary_json),
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});
const toEvent = (e: RunEventsTable): RunEvent => ({
  id: e.id,
  runId: e.run_id,
  step: e.step,
  kind: e.kind,
  severity: e.severity as EventSeverity,
  message: e.message,
  details: parseJson(e.details_json),
  at: e.at,
});

/** Node, OS and CPU of this process, recorded with every built-in run. */
export function currentEnvironment(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    totalMemBytes: os.totalmem(),
  };
}

/** `git rev-parse HEAD` of the working directory, or null outside a repository / without git. */
export function currentGitCommit(cwd = process.cwd()): string | null {
  try {
    const out = execFileSync("git", ["rev-parse", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"], timeout: 5000 });
    const s = out.toString().trim();
    return /^[0-9a-f]{40,64}$/.test(s) ? s : null;
  } catch {
    return null;
  }
}

const MAX_POINTS_PER_CALL = 10_000;

export class RunStore {
  constructor(private readonly store: MetadataStore) {}

  async create(input: NewRun, actor: string): Promise<Run> {
    const r = parseOrThrow(newRunSchema, input, "run");
    const now = new Date().toISOString();
    const row: RunsTable = {
      id: ulid(),
      name: r.name ?? null,
      status: "running",
      source: r.source,
      params_json: JSON.stringify(r.params),
      dataset_json: JSON.stringify(r.dataset),
      tokenizer_hash: r.tokenizerHash ?? null,
      git_commit: r.gitCommit ?? null,
      env_json: JSON.stringify(r.env),
      summary_json: "{}",
      created_at: now,
      created_by: actor,
      updated_at: now,
      finished_at: null,
    };
    await this.store.db.insertInto("runs").values(row).execute();
    return toRun(row);
  }

  /** Finds a run by its id or a unique id prefix (at least 6 characters, case-insensitive). */
  async get(ref: string): Promise<Run> {
    const id = ref.trim().toUpperCase();
    if (!/^[0-9A-Z]{6,26}$/.test(id))
      throw invalidRequest(`'${ref}' is not a run id (26 characters, or a unique prefix of 6+)`, "run");
    const rows = await this.store.db
      .selectFrom("runs")
      .selectAll()
      .where("id", ">=", id)
      .where("id", "<", `${id}~`)
      .orderBy("id")
      .limit(2)
      .execute();
    const matches = rows.filter((r) => r.id.startsWith(id));
    if (matches.length === 0) throw notFound(`No run '${ref}'. List runs with 'llmops runs list'.`);
    if (matches.length > 1)
      throw invalidRequest(`Run prefix '${ref}' is ambiguous; give more characters of the id.`, "run");
    return toRun(matches[0] as RunsTable);
  }

  async list(opts: { limit?: number; status?: RunStatus } = {}): Promise<Run[]> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 1000);
    let q = this.store.db.selectFrom("runs").selectAll().orderBy("id", "desc").limit(limit);
    if (opts.status) q = q.where("status", "=", opts.status);
    return (await q.execute()).map(toRun);
  }

  /**
   * Appends metric points in one transaction. A point already logged (same run, split, step and
   * name) is kept as first written, so a trainer may safely retry a batch after a timeout.
   */
  async logMetrics(runId: string, points: MetricPointInput[]): Promise<{ written: number }> {
    if (points.length > MAX_POINTS_PER_CALL)
      throw invalidRequest(`At most ${MAX_POINTS_PER_CALL} metric points per call; split the batch.`, "points");
    const parsed = parseOrThrow(z.array(metricPointSchema), points, "points");
    const run = await this.get(runId);
    const at = new Date().toISOString();
    const rows = parsed.flatMap((p) =>
      Object.entries(p.values).map(([name, value]) => ({
        run_id: run.id,
        split: p.split,
        step: p.step,
        name,
        value: value === null || Number.isNaN(value) ? null : value,
        at,
      })),
    );
    if (rows.length === 0) return { written: 0 };
    await this.store.db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += 200) {
        await tx
          .insertInto("run_metrics")
          .values(rows.slice(i, i + 200))
          .onConflict((oc) => oc.columns(["run_id", "split", "name", "step"]).doNothing())
          .execute();
      }
      await tx.updateTable("runs").set({ updated_at: at }).where("id", "=", run.id).execute();
    });
    return { written: rows.length };
  }

  async metrics(runId: string, filter: { split?: string; names?: string[] } = {}): Promise<MetricSeries[]> {
    const run = await this.get(runId);
    let q = this.store.db
      .selectFrom("run_metrics")
      .select(["split", "name", "step", "value"])
      .where("run_id", "=", run.id)
      .orderBy("split")
      .orderBy("name")
      .orderBy("step");
    if (filter.split) q = q.where("split", "=", filter.split);
    if (filter.names && filter.names.length > 0) q = q.where("name", "in", filter.names);
    const out: MetricSeries[] = [];
    let cur: MetricSeries | undefined;
    for (const r of await q.execute()) {
      if (!cur || cur.split !== r.split || cur.name !== r.name) {
        cur = { split: r.split, name: r.name, steps: [], values: [] };
        out.push(cur);
      }
      cur.steps.push(Number(r.step));
      cur.values.push(r.value === null ? Number.NaN : Number(r.value));
    }
    return out;
  }

  async addEvents(runId: string, events: RunEventInput[]): Promise<RunEvent[]> {
    if (events.length > 1000) throw invalidRequest("At most 1000 events per call.", "events");
    const parsed = parseOrThrow(z.array(runEventSchema), events, "events");
    const run = await this.get(runId);
    const rows: RunEventsTable[] = parsed.map((e) => ({
      id: ulid(),
      run_id: run.id,
      step: e.step ?? null,
      kind: e.kind,
      severity: e.severity,
      message: e.message,
      details_json: JSON.stringify(e.details),
      at: new Date().toISOString(),
    }));
    if (rows.length > 0) await this.store.db.insertInto("run_events").values(rows).execute();
    return rows.map(toEvent);
  }

  async events(runId: string): Promise<RunEvent[]> {
    const run = await this.get(runId);
    const rows = await this.store.db
      .selectFrom("run_events")
      .selectAll()
      .where("run_id", "=", run.id)
      .orderBy("id")
      .execute();
    return rows.map(toEvent);
  }

  /** Sets status (and merges `summary`); a finished run (not running) cannot be reopened. */
  async setStatus(runId: string, status: RunStatus, summary: Record<string, unknown> = {}): Promise<Run> {
    if (!(RUN_STATUSES as readonly string[]).includes(status))
      throw invalidRequest(`status must be one of ${RUN_STATUSES.join(", ")}`, "status");
    const run = await this.get(runId);
    if (run.status !== "running" && status === "running")
      throw new LlmopsError(
        "conflict",
        `Run ${run.id} is already ${run.status}; start a new run (or resume it with 'llmops train resume').`,
      );
    const now = new Date().toISOString();
    const merged = { ...run.summary, ...summary };
    await this.store.db
      .updateTable("runs")
      .set({
        status,
        summary_json: JSON.stringify(merged),
        updated_at: now,
        finished_at: status === "running" ? null : now,
      })
      .where("id", "=", run.id)
      .execute();
    return { ...run, status, summary: merged, updatedAt: now, finishedAt: status === "running" ? null : now };
  }

  /** Puts a stopped or failed run back to "running" (the built-in trainer's resume). */
  async reopen(runId: string): Promise<void> {
    const run = await this.get(runId);
    if (run.status === "completed")
      throw new LlmopsError("conflict", `Run ${run.id} already completed; nothing to resume.`);
    await this.store.db
      .updateTable("runs")
      .set({ status: "running", finished_at: null, updated_at: new Date().toISOString() })
      .where("id", "=", run.id)
      .execute();
  }

  /** Merges numbers into the run's summary while it runs (latest loss, tokens/s, …). */
  async updateSummary(runId: string, summary: Record<string, unknown>): Promise<void> {
    const run = await this.get(runId);
    await this.store.db
      .updateTable("runs")
      .set({ summary_json: JSON.stringify({ ...run.summary, ...summary }), updated_at: new Date().toISOString() })
      .where("id", "=", run.id)
      .execute();
  }
}
