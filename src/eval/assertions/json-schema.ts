// json-schema: the output is JSON that validates against a JSON Schema (draft 2020-12 features that
// Ajv's default draft-07 dialect supports, plus `format` keywords via ajv-formats).
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";
import { parseJsonOutput } from "./is-json.js";

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);

const schema = z.object({
  value: z.record(z.string(), z.unknown(), { error: "needs a JSON Schema object as value" }),
});

export const jsonSchema: Assertion<ValidateFunction> = {
  type: "json-schema",
  description: "output is JSON valid against the JSON Schema in value",
  parse(spec) {
    const { value } = parseSpec("json-schema", schema, spec);
    try {
      return ajv.compile(value);
    } catch (error) {
      throw invalidRequest(`assertion 'json-schema': invalid JSON Schema (${(error as Error).message})`);
    }
  },
  evaluate(validate, { output }) {
    const parsed = parseJsonOutput(output);
    if (!parsed.ok) return passFail(false, parsed.error);
    if (validate(parsed.value)) return passFail(true, "output matches the schema");
    const errors = (validate.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`)
      .join("; ");
    return passFail(false, `output does not match the schema: ${errors}`);
  },
};
