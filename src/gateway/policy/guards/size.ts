// Size limits: characters, estimated tokens (about 3 UTF-8 bytes per token) and number of texts
// (messages). Cheap checks that stop oversized prompts before they cost a model minutes, or cap answers.

import { roughTokens } from "../texts.js";
import type { Finding, Guard, GuardAction } from "./guard.js";

export interface SizeGuardOptions {
  action: GuardAction;
  maxChars?: number | undefined;
  maxTokens?: number | undefined;
  maxMessages?: number | undefined;
}

export class SizeGuard implements Guard {
  readonly name = "size";
  readonly action: GuardAction;

  constructor(private readonly options: SizeGuardOptions) {
    this.action = options.action;
  }

  inspect(texts: readonly string[]): Finding | undefined {
    const { maxChars, maxTokens, maxMessages } = this.options;
    if (maxMessages !== undefined && texts.length > maxMessages) {
      return { reason: `${texts.length} messages, more than the limit of ${maxMessages}` };
    }
    let chars = 0;
    let tokens = 0;
    for (const text of texts) {
      chars += text.length;
      if (maxTokens !== undefined) tokens += roughTokens(text);
    }
    if (maxChars !== undefined && chars > maxChars) {
      return { reason: `${chars} characters, more than the limit of ${maxChars}` };
    }
    if (maxTokens !== undefined && tokens > maxTokens) {
      return { reason: `about ${tokens} tokens, more than the limit of ${maxTokens}` };
    }
    return undefined;
  }
}
