// JSON report: the report model as one document (for scripts and dashboards).
import type { EvalReport } from "./model.js";

export function renderJson(report: EvalReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
