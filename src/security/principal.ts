import type { Role } from "./roles.js";

/** Who is calling: resolved from an API key (or the configured admin key). */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** The key's team (team limits and budgets, audit); null or absent = none. */
  team?: string | null;
  /**
   * Models the key may use (`name` = every version and alias of it, `name@alias` / `name@3` = just
   * that one); null or absent = every model.
   */
  models?: readonly string[] | null;
  /** When the key stops working (ISO time); null or absent = never. */
  expiresAt?: string | null;
}

/**
 * Whether a key's model allow-list admits a requested model name. A bare requested name means its
 * `production` alias, so `tiny` is admitted by `tiny` or `tiny@production`.
 */
export function modelAllowed(allowed: readonly string[] | null | undefined, requested: string): boolean {
  if (allowed === null || allowed === undefined) return true;
  const at = requested.indexOf("@");
  const base = at === -1 ? requested : requested.slice(0, at);
  const exact = at === -1 ? `${requested}@production` : requested;
  for (const entry of allowed) {
    if (entry === base || entry === requested || entry === exact) return true;
  }
  return false;
}
