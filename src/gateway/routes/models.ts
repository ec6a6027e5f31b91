// GET /v1/models and GET /v1/models/:model in OpenAI's list shape; any valid key may call them.
import type { FastifyInstance } from "fastify";
import { notFound } from "../../errors.js";
import { modelAllowed } from "../../security/principal.js";
import type { FinishRequest } from "../accounting.js";
import { ANY_ROLE, principalOf, requireRole } from "../auth.js";
import { contextOf } from "../context.js";
import type { GatewayDeps, ModelCard } from "../types.js";

const asModel = (card: ModelCard) => ({
  id: card.id,
  object: "model" as const,
  created: card.created,
  owned_by: card.owned_by,
});

export function registerModelRoutes(app: FastifyInstance, deps: GatewayDeps, finish: FinishRequest): void {
  app.get("/v1/models", { onRequest: requireRole(deps, ANY_ROLE, "GET /v1/models") }, async (request, reply) => {
    // A key with a model allow-list sees only the models it may use.
    const allowed = principalOf(request)?.models;
    const models = (await deps.listModels()).filter((card) => modelAllowed(allowed, card.id));
    reply.send({ object: "list", data: models.map(asModel) });
    finish(request, contextOf(request), 200);
    return reply;
  });
  app.get<{ Params: { model: string } }>(
    "/v1/models/:model",
    { onRequest: requireRole(deps, ANY_ROLE, "GET /v1/models/{model}") },
    async (request, reply) => {
      const models = await deps.listModels();
      const allowed = principalOf(request)?.models;
      const card = models.find((model) => model.id === request.params.model && modelAllowed(allowed, model.id));
      if (card === undefined) {
        throw notFound(`model '${request.params.model}' does not exist; list the models with GET /v1/models`, "model");
      }
      reply.send(asModel(card));
      finish(request, contextOf(request), 200);
      return reply;
    },
  );
}
