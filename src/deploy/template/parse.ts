// A parser for the subset of Go's text/template that Helm charts use: actions with trim markers,
// comments, pipelines, variables, if/else if/else, range (with index and value variables), with,
// define/include/template. `llmops deploy render` renders our own chart with it, so the chart a
// Helm user installs is exactly the one our tests validate. Anything outside the subset is a parse
// error naming the file and line, never a silently wrong manifest.
import { LlmopsError } from "../../errors.js";

export type Operand =
  | { kind: "field"; base: "dot" | { variable: string }; path: string[] }
  | { kind: "literal"; value: unknown }
  | { kind: "function"; name: string }
  | { kind: "pipeline"; pipeline: Pipeline };

export interface Command {
  operands: Operand[];
}

export interface Pipeline {
  /** `$x :=` or `$i, $v :=` (range) before the commands. */
  declare: string[];
  /** `=` re-assigns an existing variable instead of declaring. */
  assign: boolean;
  commands: Command[];
}

export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipeline: Pipeline; line: number }
  | { kind: "if"; pipeline: Pipeline; body: Node[]; otherwise: Node[]; line: number }
  | { kind: "with"; pipeline: Pipeline; body: Node[]; otherwise: Node[]; line: number }
  | { kind: "range"; pipeline: Pipeline; body: Node[]; otherwise: Node[]; line: number }
  | { kind: "template"; name: string; pipeline: Pipeline | null; line: number };

export interface ParsedTemplate {
  nodes: Node[];
  /** `{{ define "name" }}` blocks found in this file. */
  defines: Map<string, Node[]>;
}

class TemplateSyntaxError extends LlmopsError {
  constructor(file: string, line: number, message: string) {
    super("invalid_request", `${file}:${line}: ${message}`);
  }
}

interface RawAction {
  text: string;
  line: number;
}

/** Splits the source into text and `{{ … }}` actions, applying `{{-` / `-}}` whitespace trimming. */
function lex(source: string, file: string): (string | RawAction)[] {
  const out: (string | RawAction)[] = [];
  let at = 0;
  let trimNext = false;
  while (at < source.length) {
    const open = source.indexOf("{{", at);
    let text = source.slice(at, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (open < 0) {
      out.push(text);
      break;
    }
    const trimBefore = source.startsWith("{{- ", open) || source.startsWith("{{-\n", open);
    if (trimBefore) text = text.replace(/\s+$/, "");
    out.push(text);
    const line = source.slice(0, open).split("\n").length;
    const close = findClose(source, open + 2);
    if (close < 0) throw new TemplateSyntaxError(file, line, "unclosed action: '{{' without '}}'");
    const trimAfter = source[close - 1] === "-" && /\s/.test(source[close - 2] ?? "");
    let inner = source.slice(open + (trimBefore ? 3 : 2), trimAfter ? close - 1 : close).trim();
    if (inner.startsWith("/*")) {
      if (!inner.endsWith("*/")) throw new TemplateSyntaxError(file, line, "unclosed comment");
      inner = "";
    }
    if (inner !== "") out.push({ text: inner, line });
    trimNext = trimAfter;
    at = close + 2;
  }
  return out;
}

/** The `}}` that closes an action, skipping string literals that contain braces. */
function findClose(source: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < source.length; i++) {
    const ch = source[i]!;
    if (quote !== null) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "`") quote = ch;
    else if (ch === "}" && source[i + 1] === "}") return i;
  }
  return -1;
}

type Token = { kind: "word" | "string" | "number" | "var" | "field" | "punct"; text: string; value?: unknown };

function tokenize(action: string, file: string, line: number): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(:=|[|()=,])|(-?\d+(?:\.\d+)?)(?![\w.])|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*|\.)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let at = 0;
  while (at < action.length) {
    re.lastIndex = at;
    const m = re.exec(action);
    if (m === null || m[0].trim() === "") {
      if (action.slice(at).trim() === "") break;
      throw new TemplateSyntaxError(file, line, `cannot read '${action.slice(at).trim()}' in {{ ${action} }}`);
    }
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: "string", text: m[1], value: JSON.parse(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: "string", text: m[2], value: m[2].slice(1, -1) });
    else if (m[3] !== undefined) tokens.push({ kind: "punct", text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: "number", text: m[4], value: Number(m[4]) });
    else if (m[5] !== undefined) tokens.push({ kind: "var", text: m[5] });
    else if (m[6] !== undefined) tokens.push({ kind: "field", text: m[6] });
    else tokens.push({ kind: "word", text: m[7]! });
  }
  return tokens;
}

class PipelineReader {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly line: number,
  ) {}

  fail(message: string): never {
    throw new TemplateSyntaxError(this.file, this.line, message);
  }

  pipeline(allowDeclare: boolean): Pipeline {
    const declare: string[] = [];
    let assign = false;
    if (allowDeclare) {
      // `$x :=`, `$x =`, or `$i, $v :=`
      let probe = this.at;
      const names: string[] = [];
      while (this.tokens[probe]?.kind === "var") {
        names.push(this.tokens[probe]!.text);
        probe++;
        if (this.tokens[probe]?.text === ",") probe++;
        else break;
      }
      const op = this.tokens[probe]?.text;
      if (names.length > 0 && (op === ":=" || op === "=")) {
        declare.push(...names);
        assign = op === "=";
        this.at = probe + 1;
      }
    }
    const commands: Command[] = [this.command()];
    while (this.tokens[this.at]?.text === "|") {
      this.at++;
      commands.push(this.command());
    }
    return { declare, assign, commands };
  }

  private command(): Command {
    const operands: Operand[] = [];
    for (;;) {
      const token = this.tokens[this.at];
      if (token === undefined || token.text === "|" || token.text === ")") break;
      this.at++;
      operands.push(this.operand(token));
    }
    if (operands.length === 0) this.fail("empty command in a pipeline");
    return { operands };
  }

  private operand(token: Token): Operand {
    switch (token.kind) {
      case "string":
      case "number":
        return { kind: "literal", value: token.value };
      case "field":
        return { kind: "field", base: "dot", path: token.text === "." ? [] : token.text.slice(1).split(".") };
      case "var": {
        const [name, ...path] = token.text.split(".");
        return { kind: "field", base: { variable: name! }, path };
      }
      case "word":
        if (token.text === "true" || token.text === "false") return { kind: "literal", value: token.text === "true" };
        if (token.text === "nil") return { kind: "literal", value: null };
        return { kind: "function", name: token.text };
      default:
        if (token.text === "(") {
          const inner = this.pipeline(false);
          if (this.tokens[this.at]?.text !== ")") this.fail("missing ')'");
          this.at++;
          return { kind: "pipeline", pipeline: inner };
        }
        return this.fail(`unexpected '${token.text}'`);
    }
  }

  done(): void {
    if (this.at < this.tokens.length) this.fail(`unexpected '${this.tokens[this.at]!.text}'`);
  }
}

function readPipeline(text: string, file: string, line: number, allowDeclare = true): Pipeline {
  const reader = new PipelineReader(tokenize(text, file, line), file, line);
  const pipeline = reader.pipeline(allowDeclare);
  reader.done();
  return pipeline;
}

const KEYWORD = /^(if|else if|else with|else|end|range|with|define|template|block)\b\s*/;

export function parseTemplate(source: string, file: string): ParsedTemplate {
  const items = lex(source, file);
  const defines = new Map<string, Node[]>();
  let index = 0;

  // Parses nodes until one of `stops` (an `else…`/`end` keyword) and returns which one stopped it.
  const parseNodes = (stops: boolean): { nodes: Node[]; stop: RawAction | null } => {
    const nodes: Node[] = [];
    while (index < items.length) {
      const item = items[index++]!;
      if (typeof item === "string") {
        if (item !== "") nodes.push({ kind: "text", text: item });
        continue;
      }
      const keyword = KEYWORD.exec(item.text)?.[1];
      const rest = keyword === undefined ? item.text : item.text.slice(KEYWORD.exec(item.text)![0].length);
      if (keyword === "end" || keyword === "else" || keyword === "else if" || keyword === "else with") {
        if (!stops) throw new TemplateSyntaxError(file, item.line, `unexpected {{ ${keyword} }}`);
        return { nodes, stop: item };
      }
      if (keyword === "if" || keyword === "with" || keyword === "range") {
        nodes.push(parseBlock(keyword, rest, item.line));
      } else if (keyword === "define") {
        const name = readName(rest, file, item.line);
        const body = parseNodes(true);
        if (body.stop === null || !/^end\b/.test(body.stop.text)) {
          throw new TemplateSyntaxError(file, item.line, `{{ define "${name}" }} without {{ end }}`);
        }
        defines.set(name, body.nodes);
      } else if (keyword === "template") {
        const name = readName(rest, file, item.line);
        const after = rest.replace(/^\s*"(?:[^"\\]|\\.)*"\s*/, "");
        nodes.push({
          kind: "template",
          name,
          pipeline: after === "" ? null : readPipeline(after, file, item.line, false),
          line: item.line,
        });
      } else if (keyword === "block") {
        throw new TemplateSyntaxError(file, item.line, "{{ block }} is not supported; use define + include");
      } else {
        nodes.push({ kind: "action", pipeline: readPipeline(item.text, file, item.line), line: item.line });
      }
    }
    if (stops) return { nodes, stop: null };
    return { nodes, stop: null };
  };

  const parseBlock = (keyword: "if" | "with" | "range", condition: string, line: number): Node => {
    const pipeline = readPipeline(condition, file, line);
    const then = parseNodes(true);
    if (then.stop === null) throw new TemplateSyntaxError(file, line, `{{ ${keyword} }} without {{ end }}`);
    let otherwise: Node[] = [];
    const stopText = then.stop.text;
    if (stopText.startsWith("else if") || stopText.startsWith("else with")) {
      // `else if X` is sugar for `else` + a nested `if X … end` that shares our `end`.
      const nestedKeyword = stopText.startsWith("else if") ? "if" : "with";
      otherwise = [parseBlock(nestedKeyword, stopText.replace(/^else (if|with)\s*/, ""), then.stop.line)];
    } else if (stopText === "else") {
      const rest = parseNodes(true);
      if (rest.stop === null || rest.stop.text !== "end") {
        throw new TemplateSyntaxError(file, line, `{{ ${keyword} }} … {{ else }} without {{ end }}`);
      }
      otherwise = rest.nodes;
    }
    if (keyword === "range") return { kind: "range", pipeline, body: then.nodes, otherwise, line };
    return { kind: keyword, pipeline, body: then.nodes, otherwise, line };
  };

  const { nodes } = parseNodes(false);
  return { nodes, defines };
}

function readName(rest: string, file: string, line: number): string {
  const m = /^\s*("(?:[^"\\]|\\.)*")/.exec(rest);
  if (m === null) throw new TemplateSyntaxError(file, line, 'expected a quoted template name, e.g. "llmops.labels"');
  return JSON.parse(m[1]!) as string;
}
