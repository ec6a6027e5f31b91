// Built-in suites (`llmops eval builtin:NAME`): the bias audit and red-team probes plug in here.
// This file is owned by the bias/red-team work; the evaluation core only calls loadBuiltinSuite.
import type { BuiltinSuite } from "../types.js";

/** The built-in suite called `name` (as in `builtin:bias`), or undefined when there is none. */
export function loadBuiltinSuite(_name: string): BuiltinSuite | undefined {
  return undefined;
}

/** Names `llmops eval builtin:…` accepts, for help and error messages. */
export function builtinSuiteNames(): string[] {
  return [];
}
