// GET /v1/models and GET /v1/models/:model in OpenAI's list shape; any valid key may call them.
import type { FastifyInstance } from "fastify";
import { notFound } from "../../errors.js";
import { ANY_ROLE, requireRole } from "../auth.js";
import type { GatewayDeps, ModelCard } from "../types.js";

const asModel = (card: ModelCard) => ({
  id: card.id,
  object: "model" as const,
  created: card.created,
  owned_by: card.owned_by,
});

export function registerModelRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.get("/v1/models", { onRequest: requireRole(deps, ANY_ROLE, "GET /v1/models") }, async () => {
    const models = await deps.listModels();
    return { object: "list", data: models.map(asModel) };
  });
  app.get<{ Params: { model: string } }>(
    "/v1/models/:model",
    { onRequest: requireRole(deps, ANY_ROLE, "GET /v1/models/{model}") },
    async (request) => {
      const models = await deps.listModels();
      const card = models.find((model) => model.id === request.params.model);
      if (card === undefined) {
        throw notFound(`model '${request.params.model}' does not exist; list the models with GET /v1/models`, "model");
      }
      return asModel(card);
    },
  );
}
