// Hand-written SVG charts: a line chart with axes (time series, training curves) and horizontal
// bars. No chart library: the whole dashboard stays a few tens of KB gzip'd.
import type { ReactNode } from "react";

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number | null]>;
  dashed?: boolean;
}

const PALETTE = ["#2b59c3", "#d9480f", "#2f9e44", "#ae3ec9", "#e67700", "#1098ad", "#c2255c"];
export const color = (i: number): string => PALETTE[i % PALETTE.length]!;

function ticks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function LineChart(props: {
  series: Series[];
  height?: number;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  markers?: Array<{ x: number; label: string; color: string }>;
  label: string;
  empty?: ReactNode;
}) {
  const width = 640;
  const height = props.height ?? 200;
  const pad = { left: 52, right: 12, top: 10, bottom: 24 };
  const all = props.series.flatMap((s) => s.points.filter((p): p is [number, number] => p[1] !== null));
  if (all.length === 0) return <div className="chart-empty">{props.empty}</div>;
  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(0, ...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMax === yMin) yMax = yMin + 1;
  yMax *= 1.05;
  const sx = (x: number) => pad.left + ((x - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  const fx = props.formatX ?? ((x: number) => String(x));
  const fy = props.formatY ?? ((y: number) => String(y));
  const path = (points: Array<[number, number | null]>) => {
    let d = "";
    let pen = false;
    for (const [x, y] of points) {
      if (y === null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label}>
        {ticks(yMin, yMax, 4).map((y) => (
          <g key={`y${y}`}>
            <line x1={pad.left} x2={width - pad.right} y1={sy(y)} y2={sy(y)} className="grid" />
            <text x={pad.left - 6} y={sy(y) + 4} textAnchor="end" className="tick">
              {fy(y)}
            </text>
          </g>
        ))}
        {ticks(xMin, xMax, 5)
          .map((x) => [x, fx(x)] as const)
          // Ticks closer than the label's unit (minutes on a 2-minute range) would repeat a label.
          .filter(([, label], i, all) => i === 0 || label !== all[i - 1]![1])
          .map(([x, label]) => (
            <text key={`x${x}`} x={sx(x)} y={height - 6} textAnchor="middle" className="tick">
              {label}
            </text>
          ))}
        {props.markers?.map((m) => (
          <g key={`m${m.x}${m.label}`}>
            <line
              x1={sx(m.x)}
              x2={sx(m.x)}
              y1={pad.top}
              y2={height - pad.bottom}
              stroke={m.color}
              strokeDasharray="3 3"
            />
            <title>{m.label}</title>
          </g>
        ))}
        {props.series.map((s) => {
          // Few points (a new server, a short run): draw each one, a lone point has no line.
          const real = s.points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1]));
          return real.length > 0 && real.length <= 3
            ? real.map(([x, y]) => <circle key={`${s.name}${x}`} cx={sx(x)} cy={sy(y)} r={3} fill={s.color} />)
            : null;
        })}
        {props.series.map((s) => (
          <path
            key={s.name}
            d={path(s.points)}
            fill="none"
            stroke={s.color}
            strokeWidth={1.8}
            strokeDasharray={s.dashed ? "5 4" : undefined}
          />
        ))}
      </svg>
      {props.series.length > 1 && (
        <figcaption className="legend">
          {props.series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} />
              {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

export function Bars(props: {
  items: Array<{ label: string; value: number; note?: string }>;
  format: (v: number) => string;
}) {
  const max = Math.max(1, ...props.items.map((i) => i.value));
  return (
    <div className="bars">
      {props.items.map((item) => (
        <div className="bar-row" key={item.label}>
          <span className="bar-label" title={item.label}>
            {item.label}
          </span>
          <span className="bar-track">
            <span className="bar-fill" style={{ width: `${(item.value / max) * 100}%` }} />
          </span>
          <span className="bar-value">
            {props.format(item.value)}
            {item.note ? <small> {item.note}</small> : null}
          </span>
        </div>
      ))}
    </div>
  );
}
