// Builds the configured guards of one stage (input or output) from the `guardrails:` config, in a
// fixed order: size first (cheapest, and nothing else should scan a huge text), then banned terms,
// injection, PII.
import type { GuardrailsConfig } from "../../config/policy.js";
import { BannedTermsGuard } from "./guards/banned-terms.js";
import type { Guard } from "./guards/guard.js";
import { InjectionGuard } from "./guards/injection.js";
import { PiiGuard } from "./guards/pii.js";
import { SizeGuard } from "./guards/size.js";

type StageConfig = GuardrailsConfig["input"] & Partial<GuardrailsConfig["output"]>;

export function buildGuards(config: StageConfig): Guard[] {
  const guards: Guard[] = [];
  const { size, banned_terms: banned, pii } = config;
  const injection = "injection" in config ? config.injection : undefined;
  if (size !== undefined && size.action !== "off") {
    guards.push(
      new SizeGuard({
        action: size.action,
        maxChars: size.max_chars,
        maxTokens: size.max_tokens,
        maxMessages: size.max_messages,
      }),
    );
  }
  if (banned !== undefined && banned.action !== "off") guards.push(new BannedTermsGuard(banned.action, banned.terms));
  if (injection !== undefined && injection.action !== "off") {
    guards.push(new InjectionGuard(injection.action, injection.threshold));
  }
  if (pii !== undefined && pii.action !== "off") {
    guards.push(new PiiGuard({ action: pii.action, types: pii.types, minScore: pii.min_score }));
  }
  return guards;
}
