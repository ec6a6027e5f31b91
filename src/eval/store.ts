// Stored evaluation runs. A run is created `running` with a snapshot of its suite, gains one result
// row per finished call (never updated: the primary key is run + cell), and is finished exactly once
// with its summary and gate verdict; after that nothing about it changes.
import os from "node:os";
import { ulid } from "ulid";
import { notFound } from "../errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { EvalRunsTable } from "../store/schema.js";
import type { Suite, TestResult } from "./types.js";

export type EvalStatus = "running" | "completed" | "failed";

export interface EvalRunOptions {
  repeat: number | null;
  concurrency: number;
  cache: boolean;
  baseUrl: string | null;
}

export interface EvalRun {
  id: string;
  suiteName: string;
  suiteHash: string;
  candidate: string;
  candidateId: string;
  baseline: string | null;
  baselineId: string | null;
  modelName: string | null;
  modelVersion: number | null;
  options: EvalRunOptions;
  status: EvalStatus;
  gated: boolean;
  gatePass: boolean | null;
  /** Filled when the run finishes (see ./summary.ts for its shape). */
  summary: unknown;
  totalCells: number;
  createdAt: string;
  createdBy: string;
  finishedAt: string | null;
}

export interface NewEvalRun {
  suiteName: string;
  suiteHash: string;
  suite: Suite;
  candidate: string;
  candidateId: string;
  baseline: string | null;
  baselineId: string | null;
  modelName: string | null;
  modelVersion: number | null;
  options: EvalRunOptions;
  fingerprint: string;
  gated: boolean;
  totalCells: number;
  actor: string;
}

export interface StoredResult {
  cell: string;
  result: TestResult;
}

function toRun(row: EvalRunsTable): EvalRun {
  return {
    id: row.id,
    suiteName: row.suite_name,
    suiteHash: row.suite_hash,
    candidate: row.candidate,
    candidateId: row.candidate_id,
    baseline: row.baseline,
    baselineId: row.baseline_id,
    modelName: row.model_name,
    modelVersion: row.model_version,
    options: JSON.parse(row.options_json) as EvalRunOptions,
    status: row.status as EvalStatus,
    gated: Number(row.gated) === 1,
    gatePass: row.gate_pass === null ? null : Number(row.gate_pass) === 1,
    summary: row.summary_json ? (JSON.parse(row.summary_json) as unknown) : null,
    totalCells: Number(row.total_cells),
    createdAt: row.created_at,
    createdBy: row.created_by,
    finishedAt: row.finished_at,
  };
}

function alive(pid: number | null, host: string | null): boolean {
  if (pid === null || host !== os.hostname()) return true; // cannot tell: assume it is
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

export class EvalStore {
  constructor(private readonly store: MetadataStore) {}

  async create(input: NewEvalRun): Promise<EvalRun> {
    const row: EvalRunsTable = {
      id: ulid(),
      suite_name: input.suiteName,
      suite_hash: input.suiteHash,
      suite_json: JSON.stringify(input.suite),
      candidate: input.candidate,
      candidate_id: input.candidateId,
      baseline: input.baseline,
      baseline_id: input.baselineId,
      model_name: input.modelName,
      model_version: input.modelVersion,
      options_json: JSON.stringify(input.options),
      fingerprint: input.fingerprint,
      status: "running",
      gated: input.gated ? 1 : 0,
      gate_pass: null,
      summary_json: null,
      total_cells: input.totalCells,
      pid: process.pid,
      host: os.hostname(),
      created_at: new Date().toISOString(),
      created_by: input.actor,
      finished_at: null,
    };
    await this.store.db.insertInto("eval_runs").values(row).execute();
    return toRun(row);
  }

  /** An unfinished run with this fingerprint whose process is gone (killed, crashed): resume it. */
  async findInterrupted(fingerprint: string): Promise<EvalRun | null> {
    const rows = await this.store.db
      .selectFrom("eval_runs")
      .selectAll()
      .where("fingerprint", "=", fingerprint)
      .where("status", "=", "running")
      .orderBy("id", "desc")
      .execute();
    const row = rows.find((r) => !alive(r.pid, r.host));
    return row ? toRun(row) : null;
  }

  /** Takes over an interrupted run: this process now owns it. */
  async claim(id: string): Promise<void> {
    await this.store.db
      .updateTable("eval_runs")
      .set({ pid: process.pid, host: os.hostname() })
      .where("id", "=", id)
      .where("status", "=", "running")
      .execute();
  }

  async get(id: string): Promise<EvalRun> {
    const row = await this.store.db.selectFrom("eval_runs").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound(`There is no eval run '${id}'; see \`llmops evals list\`.`, "id");
    return toRun(row);
  }

  async suiteOf(id: string): Promise<Suite> {
    const row = await this.store.db
      .selectFrom("eval_runs")
      .select("suite_json")
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw notFound(`There is no eval run '${id}'; see \`llmops evals list\`.`, "id");
    return JSON.parse(row.suite_json) as Suite;
  }

  async list(filter: { limit?: number; model?: string; status?: EvalStatus } = {}): Promise<EvalRun[]> {
    let query = this.store.db.selectFrom("eval_runs").selectAll();
    if (filter.model) {
      const at = filter.model.lastIndexOf("@");
      if (at > 0 && /^\d+$/.test(filter.model.slice(at + 1))) {
        query = query
          .where("model_name", "=", filter.model.slice(0, at))
          .where("model_version", "=", Number(filter.model.slice(at + 1)));
      } else query = query.where("model_name", "=", filter.model);
    }
    if (filter.status) query = query.where("status", "=", filter.status);
    const rows = await query
      .orderBy("id", "desc")
      .limit(filter.limit ?? 50)
      .execute();
    return rows.map(toRun);
  }

  async doneCells(id: string): Promise<Set<string>> {
    const rows = await this.store.db.selectFrom("eval_results").select("cell").where("run_id", "=", id).execute();
    return new Set(rows.map((r) => r.cell));
  }

  async addResults(runId: string, results: StoredResult[]): Promise<void> {
    if (results.length === 0) return;
    const at = new Date().toISOString();
    await this.store.db.transaction().execute(async (trx) => {
      for (const { cell, result } of results) {
        await trx
          .insertInto("eval_results")
          .values({
            run_id: runId,
            cell,
            role: result.role,
            case_id: result.caseId,
            test_index: result.testIndex,
            repeat: result.repeat,
            holdout: result.holdout ? 1 : 0,
            pass: result.pass ? 1 : 0,
            score: result.score,
            result_json: JSON.stringify(result),
            created_at: at,
          })
          // A resumed run may race its own earlier attempt's last batch: first write wins.
          .onConflict((oc) => oc.columns(["run_id", "cell"]).doNothing())
          .execute();
      }
    });
  }

  async results(id: string): Promise<TestResult[]> {
    const rows = await this.store.db
      .selectFrom("eval_results")
      .select("result_json")
      .where("run_id", "=", id)
      .orderBy("test_index")
      .orderBy("cell")
      .execute();
    return rows.map((r) => JSON.parse(r.result_json) as TestResult);
  }

  /** Finishes a running run once; a finished run is immutable. */
  async finish(
    id: string,
    outcome: { status: Exclude<EvalStatus, "running">; gatePass: boolean | null; summary: unknown },
  ): Promise<EvalRun> {
    await this.store.db
      .updateTable("eval_runs")
      .set({
        status: outcome.status,
        gate_pass: outcome.gatePass === null ? null : outcome.gatePass ? 1 : 0,
        summary_json: JSON.stringify(outcome.summary),
        finished_at: new Date().toISOString(),
        pid: null,
      })
      .where("id", "=", id)
      .where("status", "=", "running")
      .execute();
    return this.get(id);
  }

  /** The newest completed, gated run of a model version that passed its gate. */
  async latestPassingGate(name: string, version: number): Promise<EvalRun | null> {
    const row = await this.store.db
      .selectFrom("eval_runs")
      .selectAll()
      .where("model_name", "=", name)
      .where("model_version", "=", version)
      .where("status", "=", "completed")
      .where("gated", "=", 1)
      .where("gate_pass", "=", 1)
      .orderBy("id", "desc")
      .executeTakeFirst();
    return row ? toRun(row) : null;
  }

  /** The newest gated run of a model version, whatever its verdict (for refusal messages). */
  async latestGated(name: string, version: number): Promise<EvalRun | null> {
    const row = await this.store.db
      .selectFrom("eval_runs")
      .selectAll()
      .where("model_name", "=", name)
      .where("model_version", "=", version)
      .where("gated", "=", 1)
      .orderBy("id", "desc")
      .executeTakeFirst();
    return row ? toRun(row) : null;
  }
}
