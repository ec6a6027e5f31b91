// What each HTTP route needs, declared as data so one test (test/roles-matrix.test.ts) can check the
// whole matrix — every role against every registered /v1 and /api/v1 route — and fail on a route
// that declares nothing. A new route either declares `config: { permission }` in its own options or
// gets a line here.
import { isPermission, type Permission } from "./roles.js";

/** A permission, `authenticated` (any valid key) or `public` (no key). */
export type RouteAccess = Permission | "authenticated" | "public";

// Typed loosely on purpose: a permission another module adds to roles.ts may appear here before it
// exists in every checkout; declaredPermission() only accepts names that roles.ts knows.
export const ROUTE_PERMISSIONS: Readonly<Record<string, string>> = {
  "GET /api/v1/audit": "audit:read",
  "GET /api/v1/audit/verify": "audit:read",
  "GET /api/v1/audit/export": "audit:read",
  "GET /api/v1/datasets/:name/versions/:version/report": "datasets:read",
  "GET /api/v1/datasets": "datasets:read",
  "GET /api/v1/datasets/:name": "datasets:read",
  "GET /api/v1/datasets/:name/versions/:version": "datasets:read",
  "GET /api/v1/datasets/:name/versions/:version/rows": "datasets:read",
  "GET /api/v1/evals": "evals:read",
  "GET /api/v1/evals/:id": "evals:read",
  "GET /api/v1/evals/:id/results": "evals:read",
  "GET /api/v1/evals/:id/report": "evals:read",
  "POST /api/v1/evals": "evals:write",
  "POST /api/v1/explain": "explain",
  "GET /api/v1/keys": "keys:manage",
  "POST /api/v1/keys": "keys:manage",
  "DELETE /api/v1/keys/:id": "keys:manage",
  "GET /api/v1/models": "models:read",
  "GET /api/v1/models/:name": "models:read",
  "GET /api/v1/models/:name/versions/:selector": "models:read",
  "GET /api/v1/models/:name/alias-history": "models:read",
  "POST /api/v1/models/:name/versions": "models:write",
  "PUT /api/v1/models/:name/aliases/:alias": "models:write",
  "POST /api/v1/models/:name/aliases/:alias/promote": "models:write",
  "POST /api/v1/models/:name/aliases/:alias/rollback": "models:write",
  "GET /api/v1/requests": "requests:read",
  "GET /api/v1/workers": "models:read",
  "GET /api/v1/models/:name/rollouts": "models:read",
  "GET /api/v1/models/:name/aliases/:alias/rollout": "models:read",
  "POST /api/v1/models/:name/aliases/:alias/rollout": "models:write",
  "PATCH /api/v1/models/:name/aliases/:alias/rollout": "models:write",
  "POST /api/v1/models/:name/aliases/:alias/rollout/switch": "models:write",
  "POST /api/v1/models/:name/aliases/:alias/rollout/promote": "models:write",
  "POST /api/v1/models/:name/aliases/:alias/rollout/abort": "models:write",
  "GET /api/v1/rollouts/:id": "models:read",
  "GET /api/v1/rollouts/:id/shadow": "models:read",
  "GET /api/v1/runs": "runs:read",
  "POST /api/v1/runs": "runs:write",
  "GET /api/v1/runs/:id": "runs:read",
  "GET /api/v1/runs/:id/metrics": "runs:read",
  "POST /api/v1/runs/:id/metrics": "runs:write",
  "GET /api/v1/runs/:id/events": "runs:read",
  "POST /api/v1/runs/:id/events": "runs:write",
  "PUT /api/v1/runs/:id/status": "runs:write",
  "PUT /api/v1/runs/:id/artifacts/:name": "runs:write",
  "GET /api/v1/runs/:id/artifacts/:name": "runs:read",
  "GET /api/v1/me": "authenticated",
  "GET /api/v1/stats/overview": "requests:read",
  "GET /api/v1/stats/requests": "requests:read",
  "GET /api/v1/stats/requests/facets": "requests:read",
  "GET /api/v1/stats/requests/:id": "requests:read",
  "GET /api/v1/health": "public",
  "GET /api/v1/limits": "authenticated",
  "GET /v1/models": "models:read",
  "GET /v1/models/:model": "models:read",
  "POST /v1/chat/completions": "inference",
  "POST /v1/completions": "inference",
  "POST /v1/embeddings": "inference",
};

/** The access a route declares: its config's `permission`, else this table; undefined = undeclared. */
export function declaredPermission(method: string, url: string, config: unknown): RouteAccess | undefined {
  const fromConfig = (config as { permission?: unknown } | undefined)?.permission;
  if (fromConfig === "public" || fromConfig === "authenticated") return fromConfig;
  if (typeof fromConfig === "string" && isPermission(fromConfig)) return fromConfig;
  const declared = ROUTE_PERMISSIONS[`${method} ${url}`];
  if (declared === "public" || declared === "authenticated") return declared;
  return declared !== undefined && isPermission(declared) ? declared : undefined;
}
