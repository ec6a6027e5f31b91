// Output guardrails: run on the upstream's answer before any cache stores it and before the client
// gets it. JSON answers: block → 400 with the reason, mask → the answer's texts are rewritten, log →
// recorded. Streams are checked chunk by chunk as they pass (on a window that overlaps the previous
// chunk, so a value split across chunks is still seen); bytes already sent cannot be taken back, so a
// block — or a mask, which a stream cannot do — stops the stream with an OpenAI error event.
import type { GuardrailDecision } from "../context.js";
import { guardrailBlocked } from "./guardrails-input.js";
import type { Guard } from "./guards/guard.js";
import type { PolicyMetrics } from "./metrics.js";
import { answerTexts, eventTexts } from "./texts.js";
import type { PolicyRequest, PolicyStage, StreamWatcher } from "./types.js";

/** Characters of earlier chunks re-checked with each new chunk (longer than any PII value or term). */
const OVERLAP = 256;

export class OutputGuardrails implements PolicyStage {
  readonly name = "output-guardrails";

  constructor(
    private readonly guards: readonly Guard[],
    private readonly metrics: PolicyMetrics,
  ) {}

  private decide(request: PolicyRequest, guard: Guard, reason: string, action: GuardrailDecision["action"]) {
    const decision: GuardrailDecision = { name: guard.name, stage: "output", action, reason };
    request.context.guardrails.push(decision);
    this.metrics.guardrails.inc({ guardrail: guard.name, stage: "output", action });
    return decision;
  }

  afterJson(request: PolicyRequest, _text: string, json: Record<string, unknown>): string | undefined {
    const slots = answerTexts(json);
    if (slots.length === 0) return undefined;
    let masked = false;
    for (const guard of this.guards) {
      const finding = guard.inspect(slots.map((s) => s.text));
      if (finding === undefined) continue;
      const action = guard.action === "mask" && guard.mask === undefined ? "block" : guard.action;
      const decision = this.decide(request, guard, finding.reason, action);
      if (action === "block") throw guardrailBlocked("output", decision);
      if (action === "mask") {
        for (const s of slots) s.set(guard.mask!(s.text));
        masked = true;
      }
    }
    return masked ? JSON.stringify(json) : undefined;
  }

  watchStream(request: PolicyRequest): StreamWatcher {
    let answer = "";
    const logged = new Set<string>();
    return {
      chunk: (chunk) => {
        let delta = "";
        for (const event of chunk.events) for (const text of eventTexts(event)) delta += text;
        if (delta === "") return undefined;
        const window = answer.slice(-OVERLAP) + delta;
        answer += delta;
        for (const guard of this.guards) {
          if (logged.has(guard.name)) continue;
          // Size limits count the whole answer so far; content checks look at the new text.
          const finding = guard.inspect([guard.name === "size" ? answer : window]);
          if (finding === undefined) continue;
          if (guard.action === "log") {
            logged.add(guard.name);
            this.decide(request, guard, finding.reason, "log");
            continue;
          }
          const reason =
            guard.action === "mask"
              ? `${finding.reason}; a stream cannot be masked once it has started, so it was stopped`
              : finding.reason;
          return guardrailBlocked("output", this.decide(request, guard, reason, "block"));
        }
        return undefined;
      },
      end: () => {},
    };
  }
}
