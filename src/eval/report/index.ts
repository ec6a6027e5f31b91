// Report formats: one renderer per file, chosen by name.
import { invalidRequest } from "../../errors.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { EvalReport } from "./model.js";
import { renderTable } from "./table.js";

export const REPORT_FORMATS = ["table", "json", "md", "html", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

export function renderReport(report: EvalReport, format: string): string {
  switch (format) {
    case "table":
      return renderTable(report);
    case "json":
      return renderJson(report);
    case "md":
    case "markdown":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report);
    case "junit":
    case "xml":
      return renderJunit(report);
    default:
      throw invalidRequest(`Unknown report format '${format}'; use one of ${REPORT_FORMATS.join(", ")}.`, "format");
  }
}

/** The format a file name implies (report.html → html), for --output without --format. */
export function formatFromFile(file: string): ReportFormat | undefined {
  const ext = file.toLowerCase().split(".").pop();
  const map: Record<string, ReportFormat> = {
    html: "html",
    htm: "html",
    md: "md",
    json: "json",
    xml: "junit",
    txt: "table",
  };
  return ext ? map[ext] : undefined;
}

export { buildReport, type EvalReport } from "./model.js";
