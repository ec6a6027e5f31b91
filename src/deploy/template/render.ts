// Executes templates parsed by ./parse.ts with Go's semantics where charts depend on them: the
// last command of a pipeline receives the previous result as its final argument, `.` is rebound by
// range/with, `$` is the root, empty values (false, 0, "", nil, empty list/map) are false, and a
// missing value prints as nothing (Helm's behaviour).
import { LlmopsError } from "../../errors.js";
import { HELM_FUNCTIONS, type TemplateFunction } from "./functions.js";
import { type Command, type Node, type Operand, type ParsedTemplate, type Pipeline, parseTemplate } from "./parse.js";

export interface TemplateSet {
  /** Parses a file and adds its `define`s; returns the file's own template. */
  add(file: string, source: string): ParsedTemplate;
  /** Renders one file's nodes with `data` as both `.` and `$`. */
  render(parsed: ParsedTemplate, data: unknown, file: string): string;
}

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>[];
  file: string;
  depth: number;
}

const MAX_INCLUDE_DEPTH = 100;

export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

export function printValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(printValue).join(" ")}]`;
  return `map[${Object.entries(value as Record<string, unknown>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}:${printValue(v)}`)
    .join(" ")}]`;
}

export function createTemplateSet(extraFunctions: Record<string, TemplateFunction> = {}): TemplateSet {
  const defines = new Map<string, Node[]>();
  const functions: Record<string, TemplateFunction> = { ...HELM_FUNCTIONS, ...extraFunctions };

  const fail = (scope: Scope, message: string): never => {
    throw new LlmopsError("invalid_request", `${scope.file}: ${message}`);
  };

  const lookup = (scope: Scope, name: string): unknown => {
    if (name === "$") return scope.vars[0]?.get("$");
    for (let i = scope.vars.length - 1; i >= 0; i--) {
      const frame = scope.vars[i]!;
      if (frame.has(name)) return frame.get(name);
    }
    return fail(scope, `undefined variable ${name}`);
  };

  const field = (value: unknown, path: string[]): unknown => {
    let current = value;
    for (const key of path) {
      if (current === null || current === undefined || typeof current !== "object") return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current;
  };

  const operandValue = (scope: Scope, operand: Operand): unknown => {
    switch (operand.kind) {
      case "literal":
        return operand.value;
      case "field":
        return field(operand.base === "dot" ? scope.dot : lookup(scope, operand.base.variable), operand.path);
      case "pipeline":
        return runPipeline(scope, operand.pipeline);
      case "function":
        return callFunction(scope, operand.name, []);
    }
  };

  const callFunction = (scope: Scope, name: string, args: unknown[]): unknown => {
    if (name === "include") {
      const [templateName, data] = args;
      if (typeof templateName !== "string") return fail(scope, "include needs a template name");
      return includeTemplate(scope, templateName, data);
    }
    if (name === "tpl") {
      const [source, data] = args;
      const parsed = parseTemplate(String(source ?? ""), `${scope.file} (tpl)`);
      return renderNodes({ ...scope, dot: data, vars: [new Map([["$", data]])] }, parsed.nodes);
    }
    const fn = functions[name];
    if (fn === undefined) return fail(scope, `function "${name}" is not supported by llmops' template renderer`);
    try {
      return fn(...args);
    } catch (error) {
      if (error instanceof LlmopsError) throw new LlmopsError(error.code, `${scope.file}: ${error.message}`);
      return fail(scope, `${name}: ${(error as Error).message}`);
    }
  };

  const runCommand = (scope: Scope, command: Command, piped: unknown[]): unknown => {
    const [first, ...rest] = command.operands;
    if (first!.kind === "function") {
      const args = rest.map((o) => operandValue(scope, o));
      return callFunction(scope, first!.name, [...args, ...piped]);
    }
    if (rest.length > 0 || piped.length > 0) return fail(scope, "only a function can take arguments");
    return operandValue(scope, first!);
  };

  const runPipeline = (scope: Scope, pipeline: Pipeline): unknown => {
    let value: unknown;
    pipeline.commands.forEach((command, i) => {
      value = runCommand(scope, command, i === 0 ? [] : [value]);
    });
    if (pipeline.declare.length === 1 && pipeline.declare[0]) {
      const name = pipeline.declare[0];
      if (pipeline.assign) {
        const frame = [...scope.vars].reverse().find((f) => f.has(name));
        if (frame === undefined) fail(scope, `assignment to undeclared variable ${name}`);
        frame!.set(name, value);
      } else scope.vars.at(-1)!.set(name, value);
    }
    return value;
  };

  const includeTemplate = (scope: Scope, name: string, data: unknown): string => {
    const body = defines.get(name);
    if (body === undefined) return fail(scope, `no template named "${name}" (define it in a _helpers.tpl)`);
    if (scope.depth >= MAX_INCLUDE_DEPTH) return fail(scope, `template "${name}" includes itself too deeply`);
    return renderNodes({ dot: data, vars: [new Map([["$", data]])], file: scope.file, depth: scope.depth + 1 }, body);
  };

  const renderNodes = (scope: Scope, nodes: Node[]): string => {
    let out = "";
    for (const node of nodes) {
      switch (node.kind) {
        case "text":
          out += node.text;
          break;
        case "action": {
          const value = runPipeline(scope, node.pipeline);
          if (node.pipeline.declare.length === 0) out += printValue(value);
          break;
        }
        case "template":
          out += includeTemplate(
            scope,
            node.name,
            node.pipeline === null ? undefined : runPipeline(scope, node.pipeline),
          );
          break;
        case "if":
        case "with": {
          scope.vars.push(new Map());
          const value = runPipeline(scope, node.pipeline);
          const inner = isTruthy(value)
            ? renderNodes({ ...scope, dot: node.kind === "with" ? value : scope.dot }, node.body)
            : renderNodes(scope, node.otherwise);
          scope.vars.pop();
          out += inner;
          break;
        }
        case "range": {
          const { declare } = node.pipeline;
          const value = runPipeline(scope, { ...node.pipeline, declare: [] });
          const entries: [unknown, unknown][] = Array.isArray(value)
            ? value.map((v, i) => [i, v])
            : typeof value === "number"
              ? Array.from({ length: Math.max(0, value) }, (_, i) => [i, i])
              : value !== null && typeof value === "object"
                ? Object.keys(value)
                    .sort()
                    .map((k) => [k, (value as Record<string, unknown>)[k]])
                : [];
          if (entries.length === 0) {
            out += renderNodes(scope, node.otherwise);
            break;
          }
          for (const [key, item] of entries) {
            const frame = new Map<string, unknown>();
            if (declare.length === 1) frame.set(declare[0]!, item);
            if (declare.length === 2) {
              frame.set(declare[0]!, key);
              frame.set(declare[1]!, item);
            }
            scope.vars.push(frame);
            out += renderNodes({ ...scope, dot: item }, node.body);
            scope.vars.pop();
          }
          break;
        }
      }
    }
    return out;
  };

  return {
    add(file, source) {
      const parsed = parseTemplate(source, file);
      for (const [name, body] of parsed.defines) defines.set(name, body);
      return parsed;
    },
    render(parsed, data, file) {
      return renderNodes({ dot: data, vars: [new Map([["$", data]])], file, depth: 0 }, parsed.nodes);
    },
  };
}
