// Input guardrails: run before the cache lookup and the upstream, on the request's messages, prompt
// or input. block → 400 with the reason in OpenAI's error shape; mask → the texts are rewritten before
// anything else sees them (the cache keys and the upstream get the masked prompt); log → recorded only.
// Every decision goes onto the request context (`context.guardrails`) for the audit log.
import { LlmopsError } from "../../errors.js";
import type { GuardrailDecision } from "../context.js";
import type { Guard } from "./guards/guard.js";
import type { PolicyMetrics } from "./metrics.js";
import { requestTexts } from "./texts.js";
import type { PolicyRequest, PolicyStage } from "./types.js";

export function guardrailBlocked(stage: "input" | "output", decision: GuardrailDecision): LlmopsError {
  const where = stage === "input" ? "request" : "answer";
  return new LlmopsError(
    "invalid_request",
    `The ${where} was blocked by the ${decision.name} guardrail: ${decision.reason}. ` +
      (stage === "input" ? "Remove it from the prompt and retry." : "Rephrase the request and retry."),
    stage === "input" ? { param: "messages" } : {},
  );
}

export class InputGuardrails implements PolicyStage {
  readonly name = "input-guardrails";

  constructor(
    private readonly guards: readonly Guard[],
    private readonly metrics: PolicyMetrics,
  ) {}

  before(request: PolicyRequest): undefined {
    const slots = requestTexts(request.route, request.body.json);
    if (slots.length === 0) return undefined;
    for (const guard of this.guards) {
      // Operators write system prompts; injection heuristics look at what users send.
      const checked = guard.name === "injection" ? slots.filter((s) => s.role !== "system") : slots;
      const finding = guard.inspect(checked.map((s) => s.text));
      if (finding === undefined) continue;
      const action = guard.action === "mask" && guard.mask === undefined ? "block" : guard.action;
      const decision: GuardrailDecision = { name: guard.name, stage: "input", action, reason: finding.reason };
      request.context.guardrails.push(decision);
      this.metrics.guardrails.inc({ guardrail: guard.name, stage: "input", action });
      if (action === "block") throw guardrailBlocked("input", decision);
      if (action === "mask") for (const s of checked) s.set(guard.mask!(s.text));
    }
    return undefined;
  }
}
