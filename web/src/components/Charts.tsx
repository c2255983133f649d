// SPDX-License-Identifier: Apache-2.0
// Small hand-drawn SVG charts of the dashboard (no chart library): bars over time stacked by a key
// (decision, severity) with a legend, and horizontal bars for rankings (rules, assignees). Drawn
// with attributes and classes only (the CSP allows no inline styles); colours are in styles.css
// (`.series-<key>`). Every bar has a <title> with its exact figure, and each chart an aria-label
// summing it up.
import type { ReactNode } from 'react';
import { compactNumber, type Stack } from '../lib/dashboard';
import { niceScale } from '../lib/rules';

const HEIGHT = 200;
const MARGIN = { top: 10, right: 8, bottom: 28, left: 40 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "7 Mar" for day buckets, "14:00" (and the day at midnight) for hour buckets (UTC). A day bucket
 * starts at the local midnight of the organization's zone, so its date is read at its middle.
 */
export function bucketLabel(start: string, bucket: 'hour' | 'day'): string {
  const at = new Date(start);
  if (Number.isNaN(at.getTime())) return start;
  const d = bucket === 'day' ? new Date(at.getTime() + 12 * 3_600_000) : at;
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  if (bucket === 'day' || d.getUTCHours() === 0) return day;
  return `${String(d.getUTCHours()).padStart(2, '0')}:00`;
}

export function StackedBars({
  starts,
  stacks,
  bucket,
  label,
  format = (n) => n.toLocaleString('en-US'),
  names = {},
  width = 440,
}: {
  /** The drawing's width in SVG units: about its width on screen, so the labels keep their size. */
  width?: number;
  starts: string[];
  stacks: Stack[];
  bucket: 'hour' | 'day';
  label: string;
  format?: (n: number) => string;
  /** Legend names of the keys (default: the key). */
  names?: Record<string, string>;
}) {
  const totals = starts.map((_, i) => stacks.reduce((sum, s) => sum + s.values[i], 0));
  const max = totals.reduce((m, t) => Math.max(m, t), 0);
  const { top, ticks } = niceScale(max);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = starts.length > 0 ? plotWidth / starts.length : plotWidth;
  const barWidth = Math.max(1, Math.min(24, slot * 0.75));
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const labelEvery = Math.max(1, Math.ceil(starts.length / 8));
  const grand = totals.reduce((a, b) => a + b, 0);
  const summary = `${label}: ${format(grand)} in ${starts.length} ${bucket === 'hour' ? 'hours' : 'days'}; ${stacks
    .map((s) => `${names[s.key] ?? s.key} ${format(s.values.reduce((a, b) => a + b, 0))}`)
    .join(', ')}`;
  return (
    <figure className="chart">
      <svg className="bar-chart" viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end" className="chart-tick">
              {compactNumber(tick)}
            </text>
          </g>
        ))}
        {starts.map((start, i) => {
          const x = MARGIN.left + i * slot + (slot - barWidth) / 2;
          let base = 0;
          return (
            <g key={start} className="chart-bar">
              <title>{`${bucketLabel(start, bucket)}${bucket === 'hour' ? ` ${start.slice(0, 10)}` : ''}: ${stacks
                .filter((s) => s.values[i] > 0)
                .map((s) => `${names[s.key] ?? s.key} ${format(s.values[i])}`)
                .join(', ') || 'none'}`}</title>
              <rect className="chart-bar-target" x={MARGIN.left + i * slot} y={MARGIN.top} width={slot} height={plotHeight} />
              {stacks.map((s) => {
                const v = s.values[i];
                if (v <= 0) return null;
                const y0 = y(base);
                base += v;
                const y1 = y(base);
                return <rect key={s.key} className={`series series-${s.key}`} x={x} y={y1} width={barWidth} height={Math.max(1, y0 - y1)} />;
              })}
              {i % labelEvery === 0 ? (
                <text x={x + barWidth / 2} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle" className="chart-tick">
                  {bucketLabel(start, bucket)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line className="chart-axis" x1={MARGIN.left} x2={width - MARGIN.right} y1={y(0)} y2={y(0)} />
      </svg>
      <Legend items={stacks.map((s) => ({ key: s.key, label: names[s.key] ?? s.key }))} />
    </figure>
  );
}

export function Legend({ items }: { items: { key: string; label: ReactNode }[] }) {
  return (
    <figcaption className="chart-legend">
      {items.map((item) => (
        <span key={item.key} className="legend-item">
          <svg className="legend-swatch" viewBox="0 0 10 10" aria-hidden="true">
            <rect className={`series series-${item.key}`} width="10" height="10" rx="2" />
          </svg>
          {item.label}
        </span>
      ))}
    </figcaption>
  );
}

export interface HBar {
  key: string;
  label: ReactNode;
  /** Parts drawn one after the other, each with its series class. */
  parts: { series: string; value: number; title: string }[];
  /** The figure printed after the bar. */
  figure: ReactNode;
}

/** Horizontal bars, longest first as given; the scale is the largest total. */
export function HBars({ rows, label, empty }: { rows: HBar[]; label: string; empty: string }) {
  if (rows.length === 0) return <p className="section-empty">{empty}</p>;
  const max = rows.reduce((m, r) => Math.max(m, r.parts.reduce((s, p) => s + p.value, 0)), 0) || 1;
  return (
    <ul className="hbars" aria-label={label}>
      {rows.map((row) => {
        let at = 0;
        return (
          <li key={row.key} className="hbar-row">
            <span className="hbar-label">{row.label}</span>
            <svg className="hbar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
              <rect className="hbar-track" width="100" height="10" rx="1.5" />
              {row.parts.map((part) => {
                const length = (part.value / max) * 100;
                const x = at;
                at += length;
                return part.value > 0 ? (
                  <rect key={part.series} className={`series series-${part.series}`} x={x} width={length} height="10">
                    <title>{part.title}</title>
                  </rect>
                ) : null;
              })}
            </svg>
            <span className="hbar-figure">{row.figure}</span>
          </li>
        );
      })}
    </ul>
  );
}
