// Charts, all drawn by uPlot (canvas): the score histogram with the PQL threshold, the points
// per event type, an entity's score history and the decay curve preview.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

// Okabe–Ito: distinguishable with every common colour-vision deficiency.
export const PALETTE = {
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  grey: '#6b7280',
  ink: '#1f2937',
};

const AXIS = {
  stroke: '#374151',
  grid: { stroke: '#e5e7eb', width: 1 },
  ticks: { stroke: '#d1d5db', width: 1, size: 4 },
  font: '11px system-ui, sans-serif',
};

function sizeOf(el: HTMLElement, height: number): { width: number; height: number } {
  return { width: Math.max(160, Math.floor(el.clientWidth)), height };
}

// Keeps a chart as wide as its container.
function autosize(el: HTMLElement, plot: () => uPlot | null, height: number): void {
  const ro = new ResizeObserver(() => {
    const p = plot();
    if (p) {
      const s = sizeOf(el, height);
      if (s.width !== p.width) p.setSize(s);
    }
  });
  ro.observe(el);
}

function vline(u: uPlot, at: number, color: string, label: string): void {
  const ctx = u.ctx;
  const px = u.valToPos(at, 'x', true);
  if (!Number.isFinite(px)) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * uPlot.pxRatio;
  ctx.setLineDash([5 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
  ctx.beginPath();
  ctx.moveTo(px, u.bbox.top);
  ctx.lineTo(px, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
  const right = px > u.bbox.left + u.bbox.width * 0.7;
  const w = ctx.measureText(label).width;
  const x = right ? px - 4 * uPlot.pxRatio - w : px + 4 * uPlot.pxRatio;
  const y = u.bbox.top + 12 * uPlot.pxRatio;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(x - 2 * uPlot.pxRatio, y - 10 * uPlot.pxRatio, w + 4 * uPlot.pxRatio, 13 * uPlot.pxRatio);
  ctx.fillStyle = color;
  ctx.fillText(label, x, y);
  ctx.restore();
}

function hline(u: uPlot, y: number, color: string, label: string): void {
  const ctx = u.ctx;
  const py = u.valToPos(y, 'y', true);
  if (!Number.isFinite(py)) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * uPlot.pxRatio;
  ctx.setLineDash([5 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
  ctx.beginPath();
  ctx.moveTo(u.bbox.left, py);
  ctx.lineTo(u.bbox.left + u.bbox.width, py);
  ctx.stroke();
  ctx.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
  const w = ctx.measureText(label).width;
  const x = u.bbox.left + u.bbox.width - w - 4 * uPlot.pxRatio;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(x - 2 * uPlot.pxRatio, py - 14 * uPlot.pxRatio, w + 4 * uPlot.pxRatio, 13 * uPlot.pxRatio);
  ctx.fillStyle = color;
  ctx.fillText(label, x, py - 4 * uPlot.pxRatio);
  ctx.restore();
}

/** Score histogram: entities per 5-point bin, PQLs overlaid, the PQL threshold as a line. */
export class ScoreHistogram {
  private plot: uPlot | null = null;
  private threshold = 60;
  constructor(
    private el: HTMLElement,
    private height = 130,
  ) {
    autosize(el, () => this.plot, height);
  }

  /** `bins`: the engine's 5-point bins (view().population.histogram), lowest first. */
  update(bins: readonly { from: number; entities: number; qualified: number }[], threshold: number): void {
    this.threshold = threshold;
    const xs = bins.map((b) => b.from + 2.5);
    const all = bins.map((b) => b.entities);
    const pql = bins.map((b) => b.qualified);
    const data: uPlot.AlignedData = [xs, all, pql];
    if (!this.plot) {
      const bars = uPlot.paths.bars!({ size: [0.9, 40], align: 0 });
      this.plot = new uPlot(
        {
          ...sizeOf(this.el, this.height),
          legend: { show: false },
          cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
          scales: { x: { time: false, range: [0, 100] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
          axes: [
            { ...AXIS, size: 28, splits: () => [0, 20, 40, 60, 80, 100] },
            { ...AXIS, size: 34, values: (_u, v) => v.map((n) => (Number.isInteger(n) ? String(n) : '')) },
          ],
          series: [
            {},
            { label: 'entities', fill: '#9ca3af', stroke: '#6b7280', paths: bars, points: { show: false } },
            { label: 'PQLs', fill: PALETTE.blue, stroke: PALETTE.blue, paths: bars, points: { show: false } },
          ],
          hooks: { draw: [(u) => vline(u, this.threshold, PALETTE.vermillion, `PQL ≥ ${this.threshold}`)] },
        },
        data,
        this.el,
      );
    } else {
      this.plot.setData(data);
    }
  }
}

/** Points per event type, horizontal bars (negative points go left). */
export class PointsChart {
  private plot: uPlot | null = null;
  private labels: string[] = [];
  constructor(private el: HTMLElement) {
    autosize(el, () => this.plot, this.height());
  }

  private height(): number {
    return Math.max(60, 26 + this.labels.length * 18);
  }

  update(items: { label: string; points: number }[]): void {
    this.labels = items.map((i) => i.label);
    const xs = items.map((_, i) => i);
    const pos = items.map((i) => (i.points >= 0 ? i.points : null));
    const neg = items.map((i) => (i.points < 0 ? i.points : null));
    this.plot?.destroy();
    this.plot = null;
    // Reserve the height first, so that the panel does not shrink and grow around the chart.
    this.el.style.height = items.length ? `${this.height()}px` : '0px';
    if (!items.length) return;
    const bars = uPlot.paths.bars!({ size: [0.7, 14], align: 0 });
    const labels = this.labels;
    this.plot = new uPlot(
      {
        ...sizeOf(this.el, this.height()),
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: false, ori: 1, dir: -1, range: [-0.5, items.length - 0.5] },
          y: { ori: 0, dir: 1, range: (_u, min, max) => [Math.min(0, min), Math.max(1, max) * 1.05] },
        },
        axes: [
          {
            ...AXIS,
            scale: 'x',
            side: 3,
            size: 132,
            grid: { show: false },
            gap: 4,
            splits: () => xs,
            values: (_u, v) => v.map((i) => truncate(labels[i] ?? '', 16)),
          },
          { ...AXIS, scale: 'y', side: 2, size: 26 },
        ],
        series: [
          {},
          { label: 'points', fill: PALETTE.blue, stroke: PALETTE.blue, paths: bars, points: { show: false } },
          {
            label: 'negative',
            fill: PALETTE.vermillion,
            stroke: PALETTE.vermillion,
            paths: bars,
            points: { show: false },
          },
        ],
      },
      [xs, pos, neg] as uPlot.AlignedData,
      this.el,
    );
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** An entity's score at past as_of dates, with the PQL threshold. */
export class HistoryChart {
  private plot: uPlot | null = null;
  private threshold = 60;
  constructor(
    private el: HTMLElement,
    private height = 130,
  ) {
    autosize(el, () => this.plot, height);
  }

  update(ts: number[], scores: (number | null)[], threshold: number): void {
    this.threshold = threshold;
    const data: uPlot.AlignedData = [ts.map((t) => t / 1000), scores];
    if (!this.plot) {
      this.plot = new uPlot(
        {
          ...sizeOf(this.el, this.height),
          legend: { show: false },
          cursor: { points: { size: 6 }, drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: [0, 100] } },
          axes: [
            { ...AXIS, size: 28 },
            { ...AXIS, size: 30, splits: () => [0, 25, 50, 75, 100] },
          ],
          series: [
            {},
            {
              label: 'score',
              stroke: PALETTE.blue,
              width: 2,
              spanGaps: false,
              points: { show: true, size: 5, fill: PALETTE.blue },
            },
          ],
          hooks: { draw: [(u) => hline(u, this.threshold, PALETTE.vermillion, `PQL ≥ ${this.threshold}`)] },
        },
        data,
        this.el,
      );
    } else {
      this.plot.setData(data);
    }
  }

  clear(): void {
    this.plot?.setData([[], []]);
  }
}

/** f(age) of the decay shape over the window (the half-life slider's preview). */
export class DecayChart {
  private plot: uPlot | null = null;
  constructor(
    private el: HTMLElement,
    private height = 70,
  ) {
    autosize(el, () => this.plot, height);
  }

  update(shape: string, halfLife: number, windowDays: number): void {
    const n = Math.max(2, Math.min(400, Math.round(windowDays)));
    const xs: number[] = [];
    const ys: number[] = [];
    for (let age = 0; age <= n; age++) {
      xs.push(age);
      let f = 1;
      if (age >= windowDays) f = 0;
      else if (shape === 'exponential') f = halfLife > 0 ? Math.pow(2, -age / halfLife) : 0;
      else if (shape === 'linear') f = 1 - age / windowDays;
      ys.push(f);
    }
    const data: uPlot.AlignedData = [xs, ys];
    if (!this.plot) {
      this.plot = new uPlot(
        {
          ...sizeOf(this.el, this.height),
          legend: { show: false },
          cursor: { show: false },
          scales: { x: { time: false }, y: { range: [0, 1.05] } },
          axes: [
            { ...AXIS, size: 20, font: '10px system-ui, sans-serif' },
            { ...AXIS, size: 26, font: '10px system-ui, sans-serif', splits: () => [0, 0.5, 1] },
          ],
          series: [{}, { stroke: PALETTE.green, width: 2, fill: 'rgba(0,158,115,0.12)', points: { show: false } }],
        },
        data,
        this.el,
      );
    } else {
      this.plot.setData(data);
    }
  }
}

/**
 * Vertical bars over named categories (lift by tier, conversion rate by decile), one colour
 * per bar, with an optional dashed reference line (lift 1, the base rate).
 */
export class CategoryBars {
  private plot: uPlot | null = null;
  private labels: string[] = [];
  private colors: string[] = [];
  private ref: { value: number; label: string } | null = null;
  constructor(
    private el: HTMLElement,
    private height = 130,
    private yFormat: (v: number) => string = (v) => String(v),
  ) {
    autosize(el, () => this.plot, height);
  }

  update(
    labels: string[],
    values: (number | null)[],
    colors: string[],
    ref: { value: number; label: string } | null,
  ): void {
    const sameShape = this.plot && labels.length === this.labels.length && labels.every((l, i) => l === this.labels[i]);
    this.labels = labels;
    this.colors = colors;
    this.ref = ref;
    const xs = labels.map((_, i) => i);
    const data: uPlot.AlignedData = [xs, values];
    if (sameShape && this.plot) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.plot = null;
    if (!labels.length) return;
    const bars = uPlot.paths.bars!({
      size: [0.7, 48],
      align: 0,
      disp: { fill: { unit: 3 as unknown as uPlot.Series.BarsPathBuilderFacetUnit, values: () => this.colors } },
    });
    const fmtY = this.yFormat;
    this.plot = new uPlot(
      {
        ...sizeOf(this.el, this.height),
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.5, labels.length - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(max, this.ref?.value ?? 0, 1e-9) * 1.15] },
        },
        axes: [
          {
            ...AXIS,
            size: 22,
            grid: { show: false },
            splits: () => xs,
            values: (_u, v) => v.map((i) => truncate(this.labels[i] ?? '', 9)),
          },
          { ...AXIS, size: 40, values: (_u, v) => v.map(fmtY) },
        ],
        series: [{}, { label: 'value', fill: PALETTE.blue, width: 0, paths: bars, points: { show: false } }], // width 0: per-bar fills
        hooks: {
          draw: [
            (u) => {
              if (this.ref) hline(u, this.ref.value, PALETTE.ink, this.ref.label);
            },
          ],
        },
      },
      data,
      this.el,
    );
  }
}

/** Precision and recall of the PQL flag against min_score (the backtest's sweep), with the current threshold. */
export class SweepChart {
  private plot: uPlot | null = null;
  private threshold = 60;
  constructor(
    private el: HTMLElement,
    private height = 140,
  ) {
    autosize(el, () => this.plot, height);
  }

  update(sweep: { min_score: number; precision: number | null; recall: number | null }[], threshold: number): void {
    this.threshold = threshold;
    const data: uPlot.AlignedData = [
      sweep.map((s) => s.min_score),
      sweep.map((s) => s.precision),
      sweep.map((s) => s.recall),
    ];
    if (!this.plot) {
      this.plot = new uPlot(
        {
          ...sizeOf(this.el, this.height),
          legend: { show: true, live: false },
          cursor: { points: { size: 5 }, drag: { x: false, y: false } },
          scales: { x: { time: false, range: [0, 100] }, y: { range: [0, 1] } },
          axes: [
            { ...AXIS, size: 26, splits: () => [0, 20, 40, 60, 80, 100] },
            {
              ...AXIS,
              size: 36,
              splits: () => [0, 0.25, 0.5, 0.75, 1],
              values: (_u, v) => v.map((n) => `${Math.round(n * 100)}%`),
            },
          ],
          series: [
            { label: 'min_score' },
            { label: 'precision', stroke: PALETTE.blue, width: 2, spanGaps: false, points: { show: false } },
            {
              label: 'recall',
              stroke: PALETTE.orange,
              width: 2,
              dash: [6, 3],
              spanGaps: false,
              points: { show: false },
            },
          ],
          hooks: { draw: [(u) => vline(u, this.threshold, PALETTE.vermillion, `PQL ≥ ${this.threshold}`)] },
        },
        data,
        this.el,
      );
    } else {
      this.plot.setData(data);
    }
  }
}
