// Parses the artifact store URL: `file:PATH` / `file://PATH` / a plain path, or `s3://bucket/prefix`.
import path from "node:path";
import { LlmopsError } from "../../errors.js";
import type { S3Location } from "./s3.js";

export type ArtifactsTarget = { kind: "file"; root: string } | ({ kind: "s3" } & S3Location);

// S3's bucket naming rules (lowercase, digits, dots, hyphens; 3–63 characters).
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseArtifactsUrl(url: string, cwd: string = process.cwd()): ArtifactsTarget {
  const trimmed = url.trim();
  const invalid = (why: string) =>
    new LlmopsError("config_invalid", `${why}: use file:PATH or s3://bucket/prefix`, { param: "artifacts_url" });
  if (trimmed === "") throw invalid("The artifacts URL is empty");
  if (/^s3:/i.test(trimmed)) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(trimmed);
    if (match === null) throw invalid(`'${trimmed}' names no bucket`);
    const bucket = match[1] ?? "";
    if (!BUCKET_RE.test(bucket)) {
      throw invalid(`'${bucket}' is not a valid S3 bucket name (3–63 lowercase letters, digits, '.' or '-')`);
    }
    const prefix = (match[2] ?? "").replace(/\/+$/, "");
    if (prefix !== "" && prefix.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw invalid(`'${prefix}' is not a usable key prefix (it has empty, '.' or '..' segments)`);
    }
    return { kind: "s3", bucket, prefix: prefix === "" ? "" : `${prefix}/` };
  }
  let file: string;
  if (/^file:/i.test(trimmed)) {
    file = trimmed.slice("file:".length);
    if (file.startsWith("//")) file = file.slice(2);
    file = decodeURIComponent(file);
  } else if (/^[a-z][a-z0-9+.-]+:/i.test(trimmed)) {
    throw invalid(`Unsupported artifacts URL scheme in '${trimmed.replace(/\/\/[^/@]*@/, "//***@")}'`);
  } else {
    file = trimmed;
  }
  if (file === "") throw invalid(`'${trimmed}' names no folder`);
  return { kind: "file", root: path.resolve(cwd, file) };
}
