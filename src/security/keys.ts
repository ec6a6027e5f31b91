// API keys: `llm_<ULID>_<secret>`. The ULID is the key's public id (a cheap lookup, so a wrong key
// costs no KDF work); only scrypt(secret) is stored. Verified keys are cached briefly so the
// gateway's hot path does not pay for scrypt on every request; revocation applies within CACHE_MS
// everywhere, and at once in the process that revoked.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ulid } from "ulid";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { ApiKeyRow } from "../store/schema.js";
import { appendAudit } from "./audit.js";
import { hashSecret, verifySecret } from "./kdf.js";
import type { Principal } from "./principal.js";
import { isRole, ROLES, type Role } from "./roles.js";

const KEY_PATTERN = /^llm_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;
const CACHE_MS = 5_000;
const LAST_USED_WRITE_MS = 60_000;
export const ENV_ADMIN_KEY_ID = "env-admin";

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedKey extends ApiKeyInfo {
  /** The full key; shown once, never stored. */
  key: string;
}

export class ApiKeys {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly adminKeyDigest: Buffer | null;

  constructor(
    private readonly store: MetadataStore,
    options: { adminKey?: string | undefined } = {},
  ) {
    this.adminKeyDigest = options.adminKey ? sha256(options.adminKey) : null;
  }

  async create(input: { name: string; role: string; createdBy: string }): Promise<CreatedKey> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw invalidRequest("A key needs a name of 1–100 characters (--name).", "name");
    if (!isRole(input.role)) {
      throw invalidRequest(`Unknown role '${input.role}'; use one of: ${ROLES.join(", ")}.`, "role");
    }
    const id = ulid();
    const secret = randomBytes(32).toString("base64url");
    const key = `llm_${id}_${secret}`;
    const { hash, salt } = await hashSecret(secret);
    const row = {
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
    };
    await this.store.db.transaction().execute(async (trx) => {
      await trx.insertInto("api_keys").values(row).execute();
      await appendAudit(trx, {
        actor: input.createdBy,
        action: "key.create",
        target: `key:${id}`,
        details: { name, role: input.role },
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
    for (const [digest, entry] of this.cache) if (entry.principal.keyId === row.id) this.cache.delete(digest);
    return toInfo({ ...row, revoked_at: revokedAt });
  }

  /** Resolves a presented key to its principal, or throws `unauthorized`. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (!presented) {
      throw new LlmopsError(
        "unauthorized",
        "Missing API key: send `Authorization: Bearer <key>`; create one with `llmops keys create`.",
      );
    }
    const digest = sha256(presented);
    const cacheKey = digest.toString("hex");
    const cached = this.cache.get(cacheKey);
    const now = Date.now();
    if (cached && cached.until > now) return cached.principal;

    if (this.adminKeyDigest && timingSafeEqual(digest, this.adminKeyDigest)) {
      return this.remember(cacheKey, { keyId: ENV_ADMIN_KEY_ID, name: "admin (LLMOPS_ADMIN_KEY)", role: "admin" });
    }
    const match = KEY_PATTERN.exec(presented);
    const row = match
      ? await this.store.db.selectFrom("api_keys").selectAll().where("id", "=", match[1]!).executeTakeFirst()
      : undefined;
    if (!match || !row || row.revoked_at !== null || !(await verifySecret(match[2]!, row.key_hash, row.key_salt))) {
      throw new LlmopsError("unauthorized", "Invalid or revoked API key; check the key or create a new one.");
    }
    if (!isRole(row.role)) throw new LlmopsError("unauthorized", `Key ${row.id} has an unknown role '${row.role}'.`);
    this.touch(row.id, now);
    return this.remember(cacheKey, { keyId: row.id, name: row.name, role: row.role });
  }

  private remember(cacheKey: string, principal: Principal): Principal {
    if (this.cache.size > 10_000) this.cache.clear(); // bounded: a flood of distinct keys cannot grow memory
    this.cache.set(cacheKey, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  /** Records last use at most once a minute per key, off the request path. */
  private touch(id: string, now: number): void {
    if ((this.lastUsedWritten.get(id) ?? 0) + LAST_USED_WRITE_MS > now) return;
    this.lastUsedWritten.set(id, now);
    this.store.db
      .updateTable("api_keys")
      .set({ last_used_at: new Date(now).toISOString() })
      .where("id", "=", id)
      .execute()
      .catch(() => {}); // best effort: a busy database must not fail a request
  }
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    prefix: row.key_prefix,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
