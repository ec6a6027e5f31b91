// The model registry: immutable numbered versions stored by content hash, movable aliases whose
// every move is recorded, and rollback that walks an alias's history back.
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Transaction } from "kysely";
import { monotonicFactory, ulid } from "ulid";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import { readGgufFile, summarizeGguf } from "../formats/gguf/index.js";
import { appendAudit } from "../security/audit.js";
import type { ArtifactStore } from "../store/artifacts/types.js";
import { isUniqueViolation } from "../store/metadata/errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { AliasEventRow, Database, ModelVersionRow } from "../store/schema.js";
import { assertAlias, assertModelName, DEFAULT_ALIAS, formatRef, parseModelRef } from "./refs.js";
import type { AliasEvent, Lineage, ModelInfo, ModelVersion } from "./types.js";

// Alias history is read (and rolled back) in id order. Plain ULIDs are random within a millisecond,
// so two moves in the same millisecond could replay in the wrong order; the monotonic factory makes
// each id greater than the last one this process made.
const eventId = monotonicFactory();

export interface RegisterInput {
  file: string;
  name: string;
  alias?: string | undefined;
  tags?: Record<string, string> | undefined;
  description?: string | undefined;
  lineage?: Lineage | undefined;
  actor: string;
}

const MAX_REGISTER_RETRIES = 5;

export class ModelRegistry {
  constructor(
    private readonly store: MetadataStore,
    private readonly artifacts: ArtifactStore,
  ) {}

  /** Validates the GGUF, stores its bytes by hash, and records version N+1 (and the alias, if any). */
  async register(input: RegisterInput): Promise<ModelVersion> {
    const name = assertModelName(input.name);
    if (input.alias !== undefined) assertAlias(input.alias, { assignable: true });
    validateTags(input.tags ?? {});
    const file = path.resolve(input.file);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw notFound(`Model file ${file} does not exist or is not a file.`, "file");
    // Parse before storing anything: an invalid file must leave no artifact and no row.
    const gguf = await readGgufFile(file);
    const summary = summarizeGguf(gguf);
    const artifact = await this.artifacts.putFile(file);
    const now = new Date().toISOString();
    const { architecture, parameterCount, quantization, contextLength, vocabSize, ...rest } = summary;

    for (let attempt = 1; ; attempt++) {
      try {
        const version = await this.store.db.transaction().execute(async (trx) => {
          await trx
            .insertInto("models")
            .values({ name, description: input.description ?? null, created_at: now, created_by: input.actor })
            .onConflict((oc) => oc.column("name").doNothing())
            .execute();
          // Registrations of one model take turns for the next number: a row lock on PostgreSQL
          // (SQLite transactions already hold the write lock from their start).
          if (this.store.dialect === "postgres") {
            await trx.selectFrom("models").select("name").where("name", "=", name).forUpdate().execute();
          }
          const latest = await trx
            .selectFrom("model_versions")
            .select((eb) => eb.fn.max("version").as("max"))
            .where("model_name", "=", name)
            .executeTakeFirst();
          const version = Number(latest?.max ?? 0) + 1;
          await trx
            .insertInto("model_versions")
            .values({
              id: ulid(),
              model_name: name,
              version,
              artifact_hash: artifact.hash,
              size_bytes: artifact.size,
              format: "gguf",
              architecture: architecture ?? null,
              parameter_count: parameterCount ?? null,
              quantization: quantization ?? null,
              context_length: contextLength ?? null,
              vocab_size: vocabSize ?? null,
              metadata_json: JSON.stringify(rest),
              lineage_json: JSON.stringify({ sourceFile: path.basename(file), ...(input.lineage ?? {}) }),
              tags_json: JSON.stringify(input.tags ?? {}),
              description: input.description ?? null,
              created_at: now,
              created_by: input.actor,
            })
            .execute();
          await appendAudit(trx, {
            actor: input.actor,
            action: "model.register",
            target: `model:${formatRef(name, version)}`,
            details: { sha256: artifact.hash, sizeBytes: artifact.size, quantization: quantization ?? null },
          });
          if (input.alias) await moveAlias(trx, name, input.alias, version, input.actor, "set", "registered");
          return version;
        });
        return await this.resolve(formatRef(name, version));
      } catch (error) {
        // Two registrations of the same model raced for the same version number: take the next one.
        if (attempt < MAX_REGISTER_RETRIES && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  async list(): Promise<ModelInfo[]> {
    const models = await this.store.db.selectFrom("models").selectAll().orderBy("name").execute();
    const counts = await this.store.db
      .selectFrom("model_versions")
      .select(["model_name", (eb) => eb.fn.max("version").as("latest"), (eb) => eb.fn.countAll().as("count")])
      .groupBy("model_name")
      .execute();
    const aliases = await this.store.db.selectFrom("model_aliases").selectAll().execute();
    return models.map((model) => {
      const count = counts.find((c) => c.model_name === model.name);
      return {
        name: model.name,
        description: model.description,
        createdAt: model.created_at,
        createdBy: model.created_by,
        latestVersion: Number(count?.latest ?? 0),
        versionCount: Number(count?.count ?? 0),
        aliases: Object.fromEntries(
          aliases.filter((a) => a.model_name === model.name).map((a) => [a.alias, a.version]),
        ),
      };
    });
  }

  async getModel(name: string): Promise<ModelInfo & { versions: ModelVersion[] }> {
    assertModelName(name);
    const info = (await this.list()).find((m) => m.name === name);
    if (!info) throw modelNotFound(name);
    const rows = await this.store.db
      .selectFrom("model_versions")
      .selectAll()
      .where("model_name", "=", name)
      .orderBy("version")
      .execute();
    return { ...info, versions: rows.map((row) => toVersion(row, aliasesOf(info.aliases, row.version))) };
  }

  /**
   * Resolves `name@3`, `name@alias` and `name@latest`. A bare name resolves to `bareAlias`
   * (the gateway's default is `production`).
   */
  async resolve(ref: string, options: { bareAlias?: string } = {}): Promise<ModelVersion> {
    const parsed = parseModelRef(ref);
    const { name } = parsed;
    let version: number;
    if (parsed.kind === "version") {
      version = parsed.version;
    } else {
      const alias = parsed.kind === "alias" ? parsed.alias : (options.bareAlias ?? DEFAULT_ALIAS);
      version = await this.aliasTarget(name, alias);
    }
    const row = await this.store.db
      .selectFrom("model_versions")
      .selectAll()
      .where("model_name", "=", name)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) {
      const exists = await this.store.db
        .selectFrom("models")
        .select("name")
        .where("name", "=", name)
        .executeTakeFirst();
      if (!exists) throw modelNotFound(name);
      throw notFound(`Model '${name}' has no version ${version}; see \`llmops models show ${name}\`.`, "model");
    }
    return toVersion(row, await this.aliasesPointingAt(name, version));
  }

  /**
   * Points `alias` at `version`, recording who moved it and from where. Returns the event. `details`
   * go into the audit entry (e.g. the eval run that justified a promotion).
   */
  async setAlias(
    name: string,
    versionRef: number,
    alias: string,
    actor: string,
    reason?: string,
    details?: Record<string, unknown>,
  ): Promise<AliasEvent> {
    assertModelName(name);
    assertAlias(alias, { assignable: true });
    await this.resolve(formatRef(name, versionRef)); // the version must exist
    return this.store.db
      .transaction()
      .execute((trx) => moveAlias(trx, name, alias, versionRef, actor, "set", reason ?? null, details));
  }

  /** Moves `alias` back to the version it pointed at before its latest move (repeatable, like undo). */
  async rollback(name: string, alias: string, actor: string, reason?: string): Promise<AliasEvent> {
    assertModelName(name);
    assertAlias(alias, { assignable: true });
    return this.store.db.transaction().execute(async (trx) => {
      const events = await trx
        .selectFrom("alias_events")
        .selectAll()
        .where("model_name", "=", name)
        .where("alias", "=", alias)
        .orderBy("id")
        .execute();
      if (events.length === 0) {
        throw notFound(`Model '${name}' has no alias '${alias}'; see \`llmops models show ${name}\`.`, "alias");
      }
      const history = replayHistory(events);
      const previous = history.at(-2);
      if (previous === undefined) {
        throw new LlmopsError(
          "conflict",
          `Alias '${name}@${alias}' has no earlier target to roll back to; move it with \`llmops models alias ${name} VERSION ${alias}\`.`,
        );
      }
      return moveAlias(trx, name, alias, previous, actor, "rollback", reason ?? null);
    });
  }

  async aliasHistory(name: string, alias?: string): Promise<AliasEvent[]> {
    assertModelName(name);
    let query = this.store.db.selectFrom("alias_events").selectAll().where("model_name", "=", name);
    if (alias) query = query.where("alias", "=", alias);
    return (await query.orderBy("id").execute()).map(toAliasEvent);
  }

  private async aliasTarget(name: string, alias: string): Promise<number> {
    if (alias === "latest") {
      const row = await this.store.db
        .selectFrom("model_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("model_name", "=", name)
        .executeTakeFirst();
      if (row?.max == null) throw modelNotFound(name);
      return Number(row.max);
    }
    const row = await this.store.db
      .selectFrom("model_aliases")
      .select("version")
      .where("model_name", "=", name)
      .where("alias", "=", alias)
      .executeTakeFirst();
    if (row) return row.version;
    const exists = await this.store.db.selectFrom("models").select("name").where("name", "=", name).executeTakeFirst();
    if (!exists) throw modelNotFound(name);
    throw notFound(
      `Model '${name}' has no alias '${alias}'; point it at a version with \`llmops models alias ${name} VERSION ${alias}\`.`,
      "model",
    );
  }

  private async aliasesPointingAt(name: string, version: number): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom("model_aliases")
      .select("alias")
      .where("model_name", "=", name)
      .where("version", "=", version)
      .orderBy("alias")
      .execute();
    return rows.map((r) => r.alias);
  }
}

async function moveAlias(
  trx: Transaction<Database>,
  name: string,
  alias: string,
  version: number,
  actor: string,
  kind: "set" | "rollback",
  reason: string | null,
  details?: Record<string, unknown>,
): Promise<AliasEvent> {
  const current = await trx
    .selectFrom("model_aliases")
    .select("version")
    .where("model_name", "=", name)
    .where("alias", "=", alias)
    .executeTakeFirst();
  const at = new Date().toISOString();
  if (current) {
    await trx
      .updateTable("model_aliases")
      .set({ version, updated_at: at, updated_by: actor })
      .where("model_name", "=", name)
      .where("alias", "=", alias)
      .execute();
  } else {
    await trx
      .insertInto("model_aliases")
      .values({ model_name: name, alias, version, updated_at: at, updated_by: actor })
      .execute();
  }
  const event = {
    id: eventId(),
    model_name: name,
    alias,
    kind,
    from_version: current?.version ?? null,
    to_version: version,
    actor,
    reason,
    at,
  };
  await trx.insertInto("alias_events").values(event).execute();
  await appendAudit(trx, {
    actor,
    action: `alias.${kind}`,
    target: `alias:${name}@${alias}`,
    details: { ...details, from: event.from_version, to: version, reason },
  });
  return toAliasEvent(event);
}

/** The alias's stack of targets: a set pushes, a rollback pops, a delete clears. */
export function replayHistory(events: Pick<AliasEventRow, "kind" | "to_version">[]): number[] {
  const stack: number[] = [];
  for (const event of events) {
    if (event.kind === "rollback") stack.pop();
    else if (event.kind === "delete") stack.length = 0;
    else if (event.to_version !== null && stack.at(-1) !== event.to_version) stack.push(event.to_version);
  }
  return stack;
}

function validateTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (!/^[A-Za-z0-9_.:/-]{1,64}$/.test(key)) {
      throw invalidRequest(`Invalid tag key '${key}': use 1–64 letters, digits or _.:/-.`, "tag");
    }
    if (typeof value !== "string" || value.length > 512) {
      throw invalidRequest(`Tag '${key}' must be a string of at most 512 characters.`, "tag");
    }
  }
}

function modelNotFound(name: string): LlmopsError {
  return notFound(`Model '${name}' is not registered; see \`llmops models list\`.`, "model");
}

function aliasesOf(aliases: Record<string, number>, version: number): string[] {
  return Object.entries(aliases)
    .filter(([, v]) => v === version)
    .map(([alias]) => alias)
    .sort();
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toVersion(row: ModelVersionRow, aliases: string[]): ModelVersion {
  return {
    id: row.id,
    name: row.model_name,
    version: row.version,
    ref: formatRef(row.model_name, row.version),
    artifactHash: row.artifact_hash,
    sizeBytes: Number(row.size_bytes),
    format: row.format,
    architecture: row.architecture,
    parameterCount: row.parameter_count === null ? null : Number(row.parameter_count),
    quantization: row.quantization,
    contextLength: row.context_length,
    vocabSize: row.vocab_size,
    metadata: parseJson(row.metadata_json, {}),
    lineage: parseJson(row.lineage_json, {}),
    tags: parseJson(row.tags_json, {}),
    description: row.description,
    aliases,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function toAliasEvent(row: AliasEventRow): AliasEvent {
  return {
    id: row.id,
    model: row.model_name,
    alias: row.alias,
    kind: row.kind as AliasEvent["kind"],
    fromVersion: row.from_version,
    toVersion: row.to_version,
    actor: row.actor,
    reason: row.reason,
    at: row.at,
  };
}
