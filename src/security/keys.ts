// API keys: `llm_<ULID>_<secret>`. The ULID is the key's public id (a cheap lookup, so a wrong key
// costs no KDF work); only scrypt(secret) is stored.
//
// The hot path never pays for scrypt twice: a presented key that verified once is remembered (by
// the sha256 of the whole key) for VERIFIED_MS. What can change — revocation, expiry, role, team,
// model allow-list — is re-read from its row (one indexed lookup, no KDF) whenever the cached state
// is older than freshMs, in the background while it is younger than maxStaleMs and on the request
// path after that. So a revocation made by any instance applies everywhere within maxStaleMs
// (900 ms by default) plus one query; with Redis configured, instances also tell each other at once
// (see key-invalidation.ts). Expiry is checked on every request against the cached time.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ulid } from "ulid";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { ApiKeyRow } from "../store/schema.js";
import { durationMs } from "../util/duration.js";
import { sha256 } from "../util/sha256.js";
import { appendAudit } from "./audit.js";
import { hashSecret, verifySecret } from "./kdf.js";
import type { Principal } from "./principal.js";
import { isRole, ROLES, type Role } from "./roles.js";

const KEY_PATTERN = /^llm_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;
const VERIFIED_MS = 10 * 60_000;
const LAST_USED_WRITE_MS = 60_000;
const MAX_CACHED = 10_000;
const MODEL_PATTERN = /^[A-Za-z0-9._:/-]+(@[A-Za-z0-9._-]+)?$/;
const TEAM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const ENV_ADMIN_KEY_ID = "env-admin";

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  team: string | null;
  /** Models the key may use; null = all. */
  models: string[] | null;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedKey extends ApiKeyInfo {
  /** The full key; shown once, never stored. */
  key: string;
}

export interface CreateKeyInput {
  name: string;
  role: string;
  createdBy: string;
  team?: string | null | undefined;
  models?: readonly string[] | null | undefined;
  /** ISO time or Date; must be in the future. */
  expiresAt?: string | Date | null | undefined;
}

/** How an authentication was answered, for metrics. */
export type AuthOutcome = "cached" | "refreshed" | "verified" | "denied";

export interface ApiKeysOptions {
  adminKey?: string | undefined;
  /** Cached key state younger than this is used as is (default 400 ms). */
  freshMs?: number;
  /** Cached key state older than this is re-read before answering (default 900 ms). */
  maxStaleMs?: number;
  /** Told about every authentication (metrics); must not throw. */
  observe?: (outcome: AuthOutcome, reason?: string) => void;
}

interface KeyState {
  principal: Principal;
  /** Date.now() when the row was read. */
  checkedAt: number;
  expiresAtMs: number;
  refreshing: Promise<KeyState | null> | undefined;
}

export class ApiKeys {
  /** sha256(presented key) → key id, for keys whose secret verified. */
  private readonly verified = new Map<string, { keyId: string; until: number }>();
  /** key id → its current state (null entries are never stored: a revoked key is simply absent). */
  private readonly states = new Map<string, KeyState>();
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly adminKeyDigest: Buffer | null;
  private readonly freshMs: number;
  private readonly maxStaleMs: number;
  private observer: ((outcome: AuthOutcome, reason?: string) => void) | undefined;
  private notifier: ((keyId: string) => void) | undefined;

  constructor(
    private readonly store: MetadataStore,
    options: ApiKeysOptions = {},
  ) {
    this.adminKeyDigest = options.adminKey ? Buffer.from(sha256(options.adminKey, "base64"), "base64") : null;
    this.freshMs = options.freshMs ?? 400;
    this.maxStaleMs = Math.max(this.freshMs, options.maxStaleMs ?? 900);
    this.observer = options.observe;
  }

  /** Sets the metrics callback after construction (the server owns the metrics registry). */
  observe(observer: (outcome: AuthOutcome, reason?: string) => void): void {
    this.observer = observer;
  }

  /** Called with a key id after this process revoked it, so other instances can be told at once. */
  onRevoke(notify: (keyId: string) => void): void {
    this.notifier = notify;
  }

  /** Forgets what is cached about a key (another instance revoked or changed it). */
  invalidate(keyId: string): void {
    this.states.delete(keyId);
    for (const [digest, entry] of this.verified) if (entry.keyId === keyId) this.verified.delete(digest);
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw invalidRequest("A key needs a name of 1–100 characters (--name).", "name");
    if (!isRole(input.role)) {
      throw invalidRequest(`Unknown role '${input.role}'; use one of: ${ROLES.join(", ")}.`, "role");
    }
    const team = normalizeTeam(input.team);
    const models = normalizeModels(input.models);
    const expiresAt = normalizeExpiry(input.expiresAt);
    const id = ulid();
    const secret = randomBytes(32).toString("base64url");
    const key = `llm_${id}_${secret}`;
    const { hash, salt } = await hashSecret(secret);
    const row: ApiKeyRow = {
      id,
      name,
      role: input.role,
      key_hash: hash,
      key_salt: salt,
      key_prefix: key.slice(0, 12),
      created_at: new Date().toISOString(),
      created_by: input.createdBy,
      revoked_at: null,
      last_used_at: null,
      models_json: models === null ? null : JSON.stringify(models),
      expires_at: expiresAt,
      team,
    };
    await this.store.db.transaction().execute(async (trx) => {
      await trx.insertInto("api_keys").values(row).execute();
      await appendAudit(trx, {
        actor: input.createdBy,
        action: "key.create",
        target: `key:${id}`,
        details: { name, role: input.role, team, models, expiresAt },
      });
    });
    return { ...toInfo(row), key };
  }

  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
    let query = this.store.db.selectFrom("api_keys").selectAll().orderBy("id");
    if (!options.includeRevoked) query = query.where("revoked_at", "is", null);
    return (await query.execute()).map(toInfo);
  }

  /** Revokes by id or by name (when the name is unique among active keys). */
  async revoke(idOrName: string, actor = "unknown"): Promise<ApiKeyInfo> {
    const matches = await this.store.db
      .selectFrom("api_keys")
      .selectAll()
      .where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)]))
      .where("revoked_at", "is", null)
      .execute();
    if (matches.length === 0)
      throw notFound(`No active API key with id or name '${idOrName}'; see \`llmops keys list\`.`);
    if (matches.length > 1) {
      throw new LlmopsError("conflict", `Several active keys are named '${idOrName}'; revoke one by its id.`);
    }
    const row = matches[0]!;
    const revokedAt = new Date().toISOString();
    await this.store.db.transaction().execute(async (trx) => {
      await trx.updateTable("api_keys").set({ revoked_at: revokedAt }).where("id", "=", row.id).execute();
      await appendAudit(trx, { actor, action: "key.revoke", target: `key:${row.id}`, details: { name: row.name } });
    });
    this.invalidate(row.id);
    try {
      this.notifier?.(row.id);
    } catch {
      // best effort: the other instances still notice within maxStaleMs
    }
    return toInfo({ ...row, revoked_at: revokedAt });
  }

  /** Resolves a presented key to its principal, or throws `unauthorized`. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    try {
      return await this.resolve(presented);
    } catch (error) {
      this.observer?.("denied", error instanceof LlmopsError ? error.code : "error");
      throw error;
    }
  }

  /**
   * The principal of a key answered from the cache without waiting (its secret verified before and
   * its state is younger than maxStaleMs; older than freshMs starts a background re-read), or
   * undefined when authenticate() has to look further. Lets the gateway's auth hook finish in the
   * same tick for the common case instead of going through two promises.
   */
  authenticateCached(presented: string): Principal | undefined {
    const now = Date.now();
    const state = this.cachedState(sha256(presented, "base64"), now);
    // An expired key goes the slow way too: authenticate() answers it with the reason.
    if (state === undefined || state.expiresAtMs <= now) return undefined;
    this.observer?.("cached");
    return this.usable(state, now);
  }

  /**
   * The state of a verified key when it may be answered from the cache (younger than maxStaleMs;
   * older than freshMs starts a background re-read), else undefined. Expiry is the caller's check.
   */
  private cachedState(cacheKey: string, now: number): KeyState | undefined {
    const known = this.verified.get(cacheKey);
    if (known === undefined || known.until <= now) return undefined;
    const state = this.states.get(known.keyId);
    if (state === undefined) return undefined;
    const age = now - state.checkedAt;
    if (age >= this.maxStaleMs) return undefined;
    if (age >= this.freshMs) void this.refresh(state.principal.keyId).catch(() => {});
    return state;
  }

  private async resolve(presented: string | undefined): Promise<Principal> {
    if (!presented) {
      throw new LlmopsError(
        "unauthorized",
        "Missing API key: send `Authorization: Bearer <key>`; create one with `llmops keys create`.",
      );
    }
    const now = Date.now();
    const cacheKey = sha256(presented, "base64");
    const cached = this.cachedState(cacheKey, now);
    if (cached !== undefined) {
      this.observer?.("cached");
      return this.usable(cached, now);
    }
    const known = this.verified.get(cacheKey);
    if (known !== undefined && known.until > now) {
      // The secret verified before; only the row's current state is needed (no KDF).
      const fresh = await this.refresh(known.keyId);
      if (fresh === null) throw revokedOrUnknown();
      this.observer?.("refreshed");
      return this.usable(fresh, now);
    }

    if (this.adminKeyDigest && timingSafeEqual(Buffer.from(cacheKey, "base64"), this.adminKeyDigest)) {
      const principal: Principal = {
        keyId: ENV_ADMIN_KEY_ID,
        name: "admin (LLMOPS_ADMIN_KEY)",
        role: "admin",
        team: null,
        models: null,
        expiresAt: null,
      };
      // The admin key lives in configuration, not in a row: its state never needs refreshing.
      this.remember(cacheKey, ENV_ADMIN_KEY_ID);
      this.states.set(ENV_ADMIN_KEY_ID, {
        principal,
        checkedAt: Number.POSITIVE_INFINITY,
        expiresAtMs: Number.POSITIVE_INFINITY,
        refreshing: undefined,
      });
      this.observer?.("verified");
      return principal;
    }
    const match = KEY_PATTERN.exec(presented);
    const row = match
      ? await this.store.db.selectFrom("api_keys").selectAll().where("id", "=", match[1]!).executeTakeFirst()
      : undefined;
    if (!match || !row || row.revoked_at !== null || !(await verifySecret(match[2]!, row.key_hash, row.key_salt))) {
      throw revokedOrUnknown();
    }
    const state = stateOf(row, Date.now());
    if (state === null) throw new LlmopsError("unauthorized", `Key ${row.id} has an unknown role '${row.role}'.`);
    this.remember(cacheKey, row.id);
    this.states.set(row.id, state);
    this.touch(row.id, now);
    this.observer?.("verified");
    return this.usable(state, now);
  }

  private usable(state: KeyState, now: number): Principal {
    if (state.expiresAtMs <= now) {
      throw new LlmopsError(
        "unauthorized",
        `API key '${state.principal.name}' expired at ${state.principal.expiresAt}; create a new one with \`llmops keys create\`.`,
      );
    }
    this.touch(state.principal.keyId, now);
    return state.principal;
  }

  /** Re-reads a key's row (one query per key at a time); null and forgotten when revoked or gone. */
  private refresh(keyId: string): Promise<KeyState | null> {
    const current = this.states.get(keyId);
    if (current?.refreshing !== undefined) return current.refreshing;
    const refreshing = this.store.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", keyId)
      .executeTakeFirst()
      .then((row) => {
        const state = row === undefined || row.revoked_at !== null ? null : stateOf(row, Date.now());
        if (state === null) this.invalidate(keyId);
        else this.states.set(keyId, state);
        return state;
      })
      .finally(() => {
        if (current !== undefined) current.refreshing = undefined;
      });
    if (current !== undefined) current.refreshing = refreshing;
    return refreshing;
  }

  private remember(cacheKey: string, keyId: string): void {
    // Bounded: a flood of distinct keys cannot grow memory.
    if (this.verified.size > MAX_CACHED) this.verified.clear();
    if (this.states.size > MAX_CACHED) this.states.clear();
    this.verified.set(cacheKey, { keyId, until: Date.now() + VERIFIED_MS });
  }

  /** Records last use at most once a minute per key, off the request path. */
  private touch(id: string, now: number): void {
    if (id === ENV_ADMIN_KEY_ID || (this.lastUsedWritten.get(id) ?? 0) + LAST_USED_WRITE_MS > now) return;
    if (this.lastUsedWritten.size > MAX_CACHED) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(id, now);
    this.store.db
      .updateTable("api_keys")
      .set({ last_used_at: new Date(now).toISOString() })
      .where("id", "=", id)
      .execute()
      .catch(() => {}); // best effort: a busy database must not fail a request
  }
}

const revokedOrUnknown = () =>
  new LlmopsError("unauthorized", "Invalid or revoked API key; check the key or create a new one.");

function stateOf(row: ApiKeyRow, now: number): KeyState | null {
  if (!isRole(row.role)) return null;
  const info = toInfo(row);
  return {
    principal: {
      keyId: row.id,
      name: row.name,
      role: row.role,
      team: info.team,
      models: info.models,
      expiresAt: info.expiresAt,
    },
    checkedAt: now,
    expiresAtMs: info.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(info.expiresAt),
    refreshing: undefined,
  };
}

function normalizeTeam(team: string | null | undefined): string | null {
  if (team === undefined || team === null || team.trim() === "") return null;
  const value = team.trim();
  if (!TEAM_PATTERN.test(value)) {
    throw invalidRequest(`Team '${team}' is not valid; use 1–64 letters, digits, '.', '_' or '-' (--team).`, "team");
  }
  return value;
}

function normalizeModels(models: readonly string[] | null | undefined): string[] | null {
  if (models === undefined || models === null) return null;
  const list = [...new Set(models.map((m) => m.trim()).filter((m) => m !== ""))];
  if (list.length === 0) {
    throw invalidRequest("The model allow-list is empty; list at least one model (--models a,b) or omit it.", "models");
  }
  if (list.length > 1000) throw invalidRequest("At most 1000 models may be listed on a key.", "models");
  for (const model of list) {
    if (model.length > 256 || !MODEL_PATTERN.test(model)) {
      throw invalidRequest(
        `'${model}' is not a model name; use NAME or NAME@ALIAS / NAME@VERSION (--models).`,
        "models",
      );
    }
  }
  return list;
}

function normalizeExpiry(expiresAt: string | Date | null | undefined): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const time = expiresAt instanceof Date ? expiresAt.getTime() : Date.parse(expiresAt);
  if (!Number.isFinite(time)) {
    throw invalidRequest(
      `Expiry '${String(expiresAt)}' is not a time; use ISO 8601 such as 2026-12-31T00:00:00Z (--expires-at).`,
      "expires_at",
    );
  }
  if (time <= Date.now()) throw invalidRequest("The expiry time is in the past; choose a later one.", "expires_at");
  return new Date(time).toISOString();
}

/** Parses `30d`, `12h`, `90m`, `45s`, `2w` into milliseconds; throws invalid_request otherwise. */
export function parseDuration(text: string, what = "--expires-in"): number {
  const ms = durationMs(text);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw invalidRequest(`${what} '${text}' is not a duration; use a number and a unit: 45s, 90m, 12h, 30d or 2w.`);
  }
  return ms;
}

function parseModels(json: string | null | undefined): string[] | null {
  if (json === null || json === undefined) return null;
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((m): m is string => typeof m === "string") : [];
  } catch {
    return []; // a corrupt list denies every model rather than allowing all
  }
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    prefix: row.key_prefix,
    team: row.team ?? null,
    models: parseModels(row.models_json),
    expiresAt: row.expires_at ?? null,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
