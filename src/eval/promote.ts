// Promotion behind the evaluation gate: `llmops models promote N@V --alias production` moves the
// alias only when a completed, gated eval run of exactly that version passed its gate, and records
// that run's id on the move (alias history reason and audit entry). Lives in the eval module because
// the registry must not depend on evaluation; the CLI and the API both call it.
import { LlmopsError } from "../errors.js";
import type { AliasEvent, ModelRegistry } from "../registry/index.js";
import type { MetadataStore } from "../store/metadata/types.js";
import { type EvalRun, EvalStore } from "./store.js";

export interface PromoteResult {
  event: AliasEvent;
  evalRun: EvalRun;
}

export async function promoteWithGate(
  deps: { registry: ModelRegistry; store: MetadataStore },
  ref: string,
  alias: string,
  actor: string,
  note?: string,
): Promise<PromoteResult> {
  const version = await deps.registry.resolve(ref);
  const evals = new EvalStore(deps.store);
  const passing = await evals.latestPassingGate(version.name, version.version);
  if (!passing) {
    const last = await evals.latestGated(version.name, version.version);
    const why = !last
      ? "no gated eval run of it exists"
      : last.status !== "completed"
        ? `its latest gated eval run ${last.id} is ${last.status}`
        : `its latest gated eval run ${last.id} failed the gate`;
    throw new LlmopsError(
      "conflict",
      `Refusing to promote ${version.ref} to '${alias}': ${why}. Run \`llmops eval SUITE --model ${version.ref} --baseline ${version.name}@${alias} --gate\` and promote after it passes.`,
    );
  }
  const reason = `eval run ${passing.id} passed (suite ${passing.suiteName})${note ? `: ${note}` : ""}`;
  const event = await deps.registry.setAlias(version.name, version.version, alias, actor, reason, {
    evalRun: passing.id,
    suite: passing.suiteName,
    suiteHash: passing.suiteHash,
  });
  return { event, evalRun: passing };
}
