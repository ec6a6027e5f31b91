// API-key authentication and role checks for /v1 routes. Runs as an onRequest hook, i.e. before the
// body is read, so an unauthenticated client cannot make the gateway buffer or parse anything.
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";
import { LlmopsError } from "../errors.js";
import { modelAllowed } from "../security/principal.js";
import { rolesWith } from "../security/roles.js";
import { contextOf } from "./context.js";
import type { GatewayDeps, Principal, Role } from "./types.js";

/** Roles that may call the inference routes and list models: the platform-wide grants. */
export const INFERENCE_ROLES: readonly Role[] = rolesWith("inference");
export const ANY_ROLE: readonly Role[] = rolesWith("models:read");

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal the auth hook attached to this request, if it ran and succeeded. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/**
 * The API key of a request: `Authorization: Bearer KEY` (what OpenAI SDKs send), or the `api-key`
 * (Azure OpenAI SDKs) or `x-api-key` header. Returns undefined when none is present.
 */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    // Scheme is case-insensitive (RFC 9110); anything but Bearer is not a key we understand.
    if (authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === "bearer ") {
      const key = authorization.slice(7).trim();
      if (key !== "") return key;
    }
    return undefined;
  }
  const header = headers["api-key"] ?? headers["x-api-key"];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

const missingKey = () =>
  new LlmopsError(
    "unauthorized",
    "missing API key; send `Authorization: Bearer <key>` (create one with `llmops keys create`)",
  );

/**
 * onRequest hook for a route that only `roles` may call. Callback style, so a key the cache knows
 * (deps.authenticateCached) is admitted in the same tick, without a promise per request.
 */
export function requireRole(deps: GatewayDeps, roles: readonly Role[], describeRoute: string) {
  const needed = roles.join(", ");
  const admit = (request: FastifyRequest, principal: Principal): LlmopsError | undefined => {
    principals.set(request, principal);
    if (roles.includes(principal.role)) return undefined;
    return new LlmopsError(
      "forbidden",
      `API key '${principal.name}' has role ${principal.role}; ${describeRoute} needs one of: ${needed}`,
    );
  };
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const key = extractApiKey(request.headers);
    if (key === undefined) {
      done(missingKey());
      return;
    }
    const cached = deps.authenticateCached?.(key);
    if (cached !== undefined) {
      done(admit(request, cached));
      return;
    }
    let pending: Promise<Principal>;
    try {
      pending = deps.authenticate(key);
    } catch (error) {
      done(error as Error);
      return;
    }
    pending.then(
      (principal) => done(admit(request, principal)),
      (error: Error) => done(error),
    );
  };
}

/** A route as registered, for the permission-matrix test and tooling. */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** Route config; a route may declare `config: { permission: "models:read" | "public" | "authenticated" }`. */
  config: unknown;
}

const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on the app (and its plugins) after installRouteHooks ran. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registered.get(app) ?? [];
}

/**
 * Route-level hooks installed once on the root app, applying to every route registered after it
 * (plugins included):
 * - records each route (method, url, config) for registeredRoutes();
 * - per-key model allow-lists: each POST /v1 route gets a preHandler (it runs once the body is
 *   parsed) that answers 403 when the body's `model` is not on the caller's list. Keys without a
 *   list, and every other route, pay nothing.
 */
export function installRouteHooks(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, config: route.config });
    if (!route.url.startsWith("/v1/") || !methods.includes("POST")) return;
    const check: preHandlerHookHandler = (request, _reply, done) => {
      const allowed = principals.get(request)?.models;
      const model = (request.body as { model?: unknown } | undefined)?.model;
      if (allowed === null || allowed === undefined || typeof model !== "string" || modelAllowed(allowed, model)) {
        done();
        return;
      }
      const principal = principals.get(request)!;
      contextOf(request).model = model; // the request log and audit entry show what was refused
      done(
        new LlmopsError(
          "forbidden",
          `API key '${principal.name}' may not use model '${model}'; it may use: ${allowed.join(", ")}. Ask an admin for a key that lists it (llmops keys create --models …).`,
          { param: "model" },
        ),
      );
    };
    const existing = route.preHandler;
    route.preHandler =
      existing === undefined ? [check] : Array.isArray(existing) ? [check, ...existing] : [check, existing];
  });
}
