// Roles and what each may do. Kept as data so the CLI, the API and the gateway share one answer.

export const ROLES = ["admin", "developer", "viewer", "service"] as const;
export type Role = (typeof ROLES)[number];

/** What a request wants to do; each route declares one. */
export type Permission =
  | "inference" // /v1 completions, chat, embeddings
  | "models:read" // list and show models, /v1/models
  | "models:write" // register versions, move aliases, roll back
  | "requests:read" // the request log
  | "keys:manage" // create, list and revoke API keys
  | "datasets:read" // list and show datasets, read their rows
  | "datasets:write" // create dataset versions (ingest, pipelines)
  | "datasets:decrypt" // read the rows of encrypted datasets (also needs the master key)
  | "audit:read" // read and verify the audit trail
  | "runs:read" // list and show training runs, their metrics and events
  | "runs:write" // create runs, log metrics and events, set status (built-in and external trainers)
  | "evals:read" // list and show eval runs and their (non-holdout) per-test results
  | "evals:write" // start eval runs over the API
  | "explain"; // /api/v1/explain: attributions for a model's continuation (runs the model)

const grants: Record<Role, readonly Permission[]> = {
  admin: [
    "inference",
    "models:read",
    "models:write",
    "requests:read",
    "keys:manage",
    "datasets:read",
    "datasets:write",
    "datasets:decrypt",
    "audit:read",
    "runs:read",
    "runs:write",
    "evals:read",
    "evals:write",
    "explain",
  ],
  developer: [
    "inference",
    "models:read",
    "models:write",
    "requests:read",
    "datasets:read",
    "datasets:write",
    "datasets:decrypt",
    "runs:read",
    "runs:write",
    "evals:read",
    "evals:write",
    "explain",
  ],
  viewer: ["models:read", "requests:read", "datasets:read", "runs:read", "evals:read"],
  service: ["inference", "models:read", "explain"],
};

/** Whether a string names a permission some role holds (route declarations are checked with it). */
export function isPermission(value: string): value is Permission {
  return ROLES.some((role) => (grants[role] as readonly string[]).includes(value));
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

/** Everything a role may do, for the dashboard's Settings page. */
export function permissionsOf(role: Role): readonly Permission[] {
  return grants[role];
}

/** The roles that hold a permission, for error messages ("needs one of: admin, developer"). */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((role) => grants[role].includes(permission));
}
