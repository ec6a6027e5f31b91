import { describe, expect, it } from "vitest";
import { createTemplateSet } from "./render.js";

function render(source: string, data: unknown, helpers = ""): string {
  const set = createTemplateSet();
  if (helpers !== "") set.add("_helpers.tpl", helpers);
  return set.render(set.add("t.yaml", source), data, "t.yaml");
}

describe("Go template subset", () => {
  it("prints fields, nested paths and nothing for missing values", () => {
    expect(render("a={{ .a }} b={{ .x.y }} c={{ .missing.deep }}", { a: 1, x: { y: "z" } })).toBe("a=1 b=z c=");
  });

  it("passes the piped value as the last argument", () => {
    expect(render('{{ .name | default "anon" | upper | quote }}', {})).toBe('"ANON"');
    expect(render('{{ printf "%s-%d" .a .b | trunc 5 }}', { a: "abcdef", b: 7 })).toBe("abcde");
    expect(render('{{ .v | trimSuffix "-" }}', { v: "name-" })).toBe("name");
  });

  it("trims whitespace around {{- and -}}", () => {
    expect(render("a  \n  {{- .x -}}  \n  b", { x: "X" })).toBe("aXb");
  });

  it("if / else if / else and Go truthiness", () => {
    const t = "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}";
    expect(render(t, { a: [1] })).toBe("A");
    expect(render(t, { a: [], b: "x" })).toBe("B");
    expect(render(t, { a: 0, b: "" })).toBe("C");
    expect(render("{{ if and .a (not .b) }}yes{{ end }}", { a: 1, b: false })).toBe("yes");
    expect(render('{{ if eq .k "x" "y" }}in{{ end }}', { k: "y" })).toBe("in");
  });

  it("range over lists and maps with variables, and $ for the root", () => {
    expect(render("{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}", { l: ["a", "b"] })).toBe("0=a;1=b;");
    expect(render("{{ range $k, $v := .m }}{{ $k }}:{{ $v }},{{ end }}", { m: { b: 2, a: 1 } })).toBe("a:1,b:2,");
    expect(render("{{ range .l }}{{ .n }}@{{ $.top }} {{ end }}", { l: [{ n: 1 }, { n: 2 }], top: "T" })).toBe(
      "1@T 2@T ",
    );
    expect(render("{{ range .l }}x{{ else }}empty{{ end }}", { l: [] })).toBe("empty");
  });

  it("with rebinds the dot; variables declared outside stay visible", () => {
    expect(render("{{ $r := .name }}{{ with .inner }}{{ .v }}/{{ $r }}{{ end }}", { name: "N", inner: { v: 1 } })).toBe(
      "1/N",
    );
  });

  it("include renders a define with its own dot; toYaml and nindent lay out YAML", () => {
    const helpers = '{{- define "labels" -}}\napp: {{ .name }}\ntier: web\n{{- end -}}';
    expect(render('metadata:\n  labels:\n    {{- include "labels" . | nindent 4 }}', { name: "x" }, helpers)).toBe(
      "metadata:\n  labels:\n    app: x\n    tier: web",
    );
    expect(render("r:\n  {{- toYaml .r | nindent 2 }}", { r: { cpu: "1", list: [1, 2] } })).toBe(
      'r:\n  cpu: "1"\n  list:\n    - 1\n    - 2',
    );
  });

  it("reports what it cannot do with file and line instead of guessing", () => {
    expect(() => render("x\n{{ if .a }}never closed", {})).toThrow(/t\.yaml:2: \{\{ if \}\} without \{\{ end \}\}/);
    expect(() => render("{{ nosuchfn .a }}", {})).toThrow(/function "nosuchfn" is not supported/);
    expect(() => render('{{ include "nope" . }}', {})).toThrow(/no template named "nope"/);
    expect(() => render('{{ required "set x" .x }}', {})).toThrow(/set x/);
    expect(() => render("{{ .a", {})).toThrow(/unclosed action/);
    expect(() => render("{{ $undefined }}", {})).toThrow(/undefined variable/);
  });
});
