// SPDX-License-Identifier: Apache-2.0
// A bar chart of counts per day in plain SVG (no chart library): a y axis with round ticks, one
// bar per day, date labels that thin out on long periods, and a <title> per bar for the exact
// number. Drawn with attributes only (the CSP allows no inline styles); colours are in styles.css.
import { niceScale } from '../lib/rules';

const WIDTH = 760;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 12, bottom: 34, left: 44 };

export function BarChart({ days, label }: { days: { date: string; hits: number }[]; label: string }) {
  const max = days.reduce((m, d) => Math.max(m, d.hits), 0);
  const { top, ticks } = niceScale(max);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = days.length > 0 ? plotWidth / days.length : plotWidth;
  const barWidth = Math.max(1, Math.min(28, slot * 0.72));
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  // At most about 8 date labels.
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  const peak = days.reduce<{ date: string; hits: number } | null>((best, d) => (!best || d.hits > best.hits ? d : best), null);
  const summary =
    days.length === 0
      ? `${label}: no days`
      : `${label}: ${days.length} days, ${days.reduce((s, d) => s + d.hits, 0)} hits in all` +
        (peak && peak.hits > 0 ? `, at most ${peak.hits} on ${peak.date}` : '');
  return (
    <svg className="bar-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
      {ticks.map((tick) => (
        <g key={tick} className="chart-grid">
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
          <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end" className="chart-tick">
            {tick}
          </text>
        </g>
      ))}
      {days.map((day, index) => {
        const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
        const height = (day.hits / top) * plotHeight;
        return (
          <g key={day.date} className="chart-bar" data-date={day.date} data-hits={day.hits}>
            <title>{`${day.date}: ${day.hits} ${day.hits === 1 ? 'hit' : 'hits'}`}</title>
            {/* A transparent full-height target so thin bars are easy to point at. */}
            <rect className="chart-bar-target" x={MARGIN.left + index * slot} y={MARGIN.top} width={slot} height={plotHeight} />
            {day.hits > 0 ? <rect className="chart-bar-fill" x={x} y={y(day.hits)} width={barWidth} height={Math.max(1, height)} rx={Math.min(2, barWidth / 4)} /> : null}
            {index % labelEvery === 0 ? (
              <text x={x + barWidth / 2} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle" className="chart-tick">
                {shortDate(day.date)}
              </text>
            ) : null}
          </g>
        );
      })}
      <line className="chart-axis" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} />
    </svg>
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-03-07" -> "7 Mar" (the UTC day, as the server counts it). */
function shortDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return date;
  return `${Number(match[3])} ${MONTHS[Number(match[2]) - 1] ?? match[2]}`;
}
