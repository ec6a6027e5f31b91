// GET /api/v1/limits: where a key stands against its rate limits and budgets. Any valid key sees its
// own limits (and its team's; add ?model=NAME for that model's); looking at another key or team
// (?key_id=…, ?team=…) needs the `requests:read` permission, like the request log.
import type { FastifyInstance } from "fastify";
import { LlmopsError } from "../../errors.js";
import { can, rolesWith } from "../../security/roles.js";
import { extractApiKey } from "../auth.js";
import type { GatewayDeps } from "../types.js";
import { type LimitScope, type LimitsStage, scopesFor } from "./limits.js";

export const LIMITS_ROUTE = "/api/v1/limits";

function one(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" && first.trim() !== "" ? first.trim() : undefined;
}

export function registerLimitsRoute(
  app: FastifyInstance,
  authenticate: GatewayDeps["authenticate"],
  limits: LimitsStage | undefined,
): void {
  app.get(LIMITS_ROUTE, async (request) => {
    const key = extractApiKey(request.headers);
    if (key === undefined) {
      throw new LlmopsError("unauthorized", "missing API key; send `Authorization: Bearer <key>`");
    }
    const principal = await authenticate(key);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const keyId = one(query.key_id);
    const team = one(query.team);
    const model = one(query.model);
    if (limits === undefined) return { object: "list", enabled: false, data: [] };
    const config = limits.limitsConfig;
    let scopes: LimitScope[];
    if (keyId === undefined && team === undefined) {
      scopes = scopesFor(config, principal, model ?? "\u0000").filter(
        (scope) => model !== undefined || scope.kind !== "model",
      );
    } else {
      if (!can(principal.role, "requests:read") && keyId !== principal.keyId) {
        throw new LlmopsError(
          "forbidden",
          `Key '${principal.name}' has role '${principal.role}'; other keys' limits need one of: ${rolesWith("requests:read").join(", ")}.`,
        );
      }
      scopes = [];
      if (keyId !== undefined) {
        const limitsOfKey = config.keys[keyId] ?? config.keys["*"];
        if (limitsOfKey !== undefined) scopes.push({ kind: "key", id: keyId, limits: limitsOfKey });
        const teamOfKey = config.key_teams[keyId];
        const teamLimits = teamOfKey === undefined ? undefined : config.teams[teamOfKey];
        if (team === undefined && teamOfKey !== undefined && teamLimits !== undefined) {
          scopes.push({ kind: "team", id: teamOfKey, limits: teamLimits });
        }
      }
      const teamLimits = team === undefined ? undefined : config.teams[team];
      if (team !== undefined && teamLimits !== undefined) scopes.push({ kind: "team", id: team, limits: teamLimits });
      const base = model?.split("@", 1)[0];
      const modelLimits = base === undefined ? undefined : (config.models[base] ?? config.models["*"]);
      if (base !== undefined && modelLimits !== undefined)
        scopes.push({ kind: "model", id: base, limits: modelLimits });
    }
    return { object: "list", enabled: true, store: limits.store.kind, data: await limits.usageOf(scopes) };
  });
}
