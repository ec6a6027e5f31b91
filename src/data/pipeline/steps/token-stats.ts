// Token statistics: characters, words (CJK characters count as words) and, when `model` names a
// registered model (`name@version`), tokens under that model's own tokenizer (loaded vocabulary
// only, through llama.cpp). Optionally writes the counts into each row.
import { z } from "zod";
import { LlmopsError } from "../../../errors.js";
import { Summary } from "../../summary.js";
import { countWords } from "../../text/quality.js";
import type { Row } from "../../types.js";
import { defineStep, textOf } from "../step.js";

interface Tokenizer {
  count(text: string): number;
  close(): Promise<void>;
}

async function openTokenizer(modelPath: string): Promise<Tokenizer> {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath, vocabOnly: true });
  return {
    count: (text) => model.tokenize(text).length,
    close: async () => {
      await model.dispose();
    },
  };
}

export const tokenStatsStep = defineStep({
  name: "token-stats",
  summary: "count characters, words and (with `model`) tokens under a registered model's tokenizer",
  options: z.strictObject({
    field: z.string().min(1).optional(),
    /** A registered model, `name@version`, whose tokenizer counts tokens. */
    model: z.string().min(1).optional(),
    /** Prefix of per-row count fields (`n_chars`, `n_words`, `n_tokens`); null adds none. */
    row_fields_prefix: z.string().min(1).nullable().default(null),
  }),
  async create(options, context) {
    const field = options.field ?? context.textField;
    let tokenizer: Tokenizer | null = null;
    if (options.model) {
      if (!context.resolveModelFile) {
        throw new LlmopsError(
          "invalid_request",
          "token-stats: `model` needs a model registry, which this run has none of.",
        );
      }
      tokenizer = await openTokenizer(await context.resolveModelFile(options.model));
    }
    const chars = new Summary();
    const words = new Summary();
    const tokens = new Summary();
    const prefix = options.row_fields_prefix;
    return {
      process(row: Row) {
        const text = textOf(row, field) ?? "";
        const c = text.length;
        const w = countWords(text);
        chars.add(c);
        words.add(w);
        if (prefix) {
          row[`${prefix}chars`] = c;
          row[`${prefix}words`] = w;
        }
        if (tokenizer) {
          const t = tokenizer.count(text);
          tokens.add(t);
          if (prefix) row[`${prefix}tokens`] = t;
        }
        return row;
      },
      stats: () => ({
        chars: { ...chars.toJSON() },
        words: { ...words.toJSON() },
        ...(tokenizer ? { tokens: { ...tokens.toJSON() }, model: options.model ?? null } : {}),
      }),
      close: () => tokenizer?.close(),
    };
  },
});
