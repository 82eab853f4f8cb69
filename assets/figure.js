// Normalization Lab: any of the lab's Plotly figures, drawn on <canvas>.
//
// Why not st.plotly_chart: Streamlit remounts a Plotly chart whenever its figure
// changes, and one Plotly chart costs 12–34 ms to redraw in a browser without a
// GPU (bench/latency.py); a Train vs eval step changes five. This component
// takes the figure dict itself (lab/ui/figure.py sends it, numpy arrays as
// base64 float32) and draws the part of Plotly's figure format the lab uses:
// scatter (lines, markers, error bars, filled bands), bar (vertical,
// horizontal, grouped), heatmap (with colour bar); linear, log and category
// axes; subplots by axis domain; line and rect shapes; annotations; a legend
// that shows and hides series; hover texts from Plotly's hover templates.
// Keyed, it stays mounted and redraws in place in about a millisecond.
//
// A click on a point or heatmap cell (when Python asks for clicks) sends
// {x, y, curve, index} back; keyboard users move a cursor over a heatmap's
// cells with the arrow keys and press Enter or Space to click.
// The root element keeps `.data` and `.layout` (as Plotly's graph div does)
// and `data-numbers`, so tests can read what is drawn.

const DEFAULT_MARGIN = { l: 60, r: 14, t: 40, b: 46 };
const DASH = { solid: [], dot: [2, 3], dash: [6, 4], dashdot: [6, 3, 2, 3], longdash: [10, 4] };
const PALETTE = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3"];

// ---- data ----

function decode(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

// {"__f32": base64, "shape": [...]} → Float32Array with .shape; everything
// else as sent.
function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (typeof v.__f32 === "string") {
      const a = decode(v.__f32);
      a.shape = v.shape;
      return a;
    }
    const out = {};
    for (const k of Object.keys(v)) out[k] = revive(v[k]);
    return out;
  }
  return v;
}

// A 1-D view of a trace's array: numbers, or category labels (strings).
function seq(v) {
  if (v == null) return null;
  if (v instanceof Float32Array) return v;
  return Array.isArray(v) ? v : [v];
}

// Row r of a 2-D array sent either way (typed with .shape, or nested lists).
function rowOf(v, r) {
  if (v instanceof Float32Array) {
    const cols = v.shape && v.shape.length > 1 ? v.shape[1] : v.length;
    return v.subarray(r * cols, (r + 1) * cols);
  }
  return v[r];
}

function shape2(v) {
  if (v instanceof Float32Array) {
    return v.shape && v.shape.length > 1 ? v.shape : [1, v.length];
  }
  return [v.length, v.length ? v[0].length : 0];
}

function theme(el) {
  const css = getComputedStyle(el);
  return {
    text: css.getPropertyValue("--st-text-color").trim() || "#31333f",
    font: css.getPropertyValue("--st-font").trim() || "sans-serif",
    background: css.getPropertyValue("--st-background-color").trim() || "#ffffff",
  };
}

// ---- numbers and text ----

// d3-style formats the figures use: ".3f", ".4g", ".2~g", ".1%", "+.2f".
function format(v, spec) {
  if (typeof v === "string") return v;
  if (v == null) return "";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  let s;
  const m = /^(\+?)\.(\d+)(~?)([fge%])$/.exec(spec || "");
  if (!m) s = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  else {
    const p = Number(m[2]);
    if (m[4] === "f") s = v.toFixed(p);
    else if (m[4] === "%") s = `${(v * 100).toFixed(p)}%`;
    else if (m[4] === "e") s = v.toExponential(p);
    else {
      s = v.toPrecision(Math.max(1, p));
      if (s.includes("e")) {
        const [a, b] = s.split("e");
        s = `${a}e${b[0] === "-" ? "-" : "+"}${b.replace(/^[+-]/, "")}`;
      }
      if (m[3] && s.includes(".") && !s.includes("e")) s = s.replace(/\.?0+$/, "");
    }
    if (m[1] && v >= 0) s = `+${s}`;
  }
  return s.replace(/-/g, "−");
}

function plainText(html) {
  return String(html ?? "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

// Plotly's hover template: %{x}, %{y:.3g}, %{z}, %{customdata[1]:.4g}, %{text}.
function hoverText(template, vals) {
  return plainText(
    template
      .replace(/<extra>.*?<\/extra>/g, "")
      .replace(/%\{([\w.]+)(?:\[(\d+)\])?(?::([^}]*))?\}/g, (_, k, i, f) => {
        let v = vals[k];
        if (i !== undefined && v != null) v = v[Number(i)];
        return format(v, f);
      }),
  );
}

function linearTicks(lo, hi, n) {
  if (lo > hi) [lo, hi] = [hi, lo];
  const span = hi - lo || 1;
  const raw = span / Math.max(1, n);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) || raw;
  return stepTicks(lo, hi, step);
}

function stepTicks(lo, hi, step) {
  if (lo > hi) [lo, hi] = [hi, lo];
  const ticks = [];
  const span = hi - lo || 1;
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * span; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
    if (ticks.length > 200) break;
  }
  return ticks;
}

function logTicks(lo, hi, n) {
  const out = [];
  const d0 = Math.floor(Math.log10(lo)), d1 = Math.ceil(Math.log10(hi));
  const mults = d1 - d0 > 4 ? [1] : d1 - d0 > 2 ? [1, 3] : [1, 2, 5];
  for (let d = d0; d <= d1; d++) {
    for (const m of mults) {
      const v = m * Math.pow(10, d);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(3)));
    }
  }
  if (out.length < 2) return [lo, hi].map((v) => Number(v.toPrecision(2)));
  const k = Math.ceil(out.length / (n * 2));
  return k > 1 ? out.filter((_, i) => i % k === 0) : out;
}

// ---- colours ----

function parseColor(c) {
  c = String(c || "").trim();
  let m = /^#([0-9a-f]{3})$/i.exec(c);
  if (m) return m[1].split("").map((h) => parseInt(h + h, 16)).concat(1);
  m = /^#([0-9a-f]{6})$/i.exec(c);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)).concat(1);
  m = /^rgba?\(([^)]+)\)$/i.exec(c);
  if (m) {
    const p = m[1].split(",").map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  return [128, 128, 128, 1];
}

// A near-black line (a rule, a guide) drawn on a dark theme takes the text
// colour instead: black on Streamlit's dark background does not show.
function ink(color, th) {
  const [r, g, b] = parseColor(color);
  const dark = parseColor(th.background).slice(0, 3).reduce((x, y) => x + y, 0) < 3 * 96;
  return dark && r + g + b < 3 * 60 ? th.text : color;
}

function scaleColor(stops, t) {
  if (!Number.isFinite(t)) return null;
  t = Math.min(1, Math.max(0, t));
  for (let i = 1; i < stops.length; i++) {
    const [p1, c1] = stops[i];
    if (t <= p1 || i === stops.length - 1) {
      const [p0, c0] = stops[i - 1];
      const u = p1 > p0 ? (t - p0) / (p1 - p0) : 0;
      const c = [0, 1, 2].map((k) => Math.round(c0[k] + (c1[k] - c0[k]) * u));
      return `rgb(${c[0]},${c[1]},${c[2]})`;
    }
  }
  return null;
}

// ---- the chart ----

const pending = new Set();
let frame = 0;
// Every chart changed by one update is drawn in the same animation frame, with
// the theme read once (getComputedStyle during Streamlit's update forces a style
// recalculation of the page, once per chart otherwise).
function schedule(chart) {
  pending.add(chart);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const charts = [...pending];
    pending.clear();
    if (!charts.length) return;
    const th = theme(charts[0].root);
    for (const c of charts) {
      try {
        c.draw(th);
        // what is on screen now, read as Plotly's graph div is read
        c.root.data = c.fig.data;
        c.root.layout = c.fig.layout;
        c.record();
        c.root.dataset.drawn = String(Number(c.root.dataset.drawn || 0) + 1);
      } catch (err) {
        c.tip.style.display = "block";
        c.tip.textContent = `The chart could not be drawn: ${err.message}`;
      }
    }
  });
}

function axisName(ref, letter) {
  // "x" → "xaxis", "x2" → "xaxis2", "paper" → null
  if (!ref || ref === "paper") return null;
  const m = new RegExp(`^${letter}(\\d*)`).exec(ref);
  return m ? `${letter}axis${m[1]}` : null;
}

class Figure {
  constructor(root) {
    this.root = root;
    this.el = document.createElement("div");
    this.el.className = "normlab-line";
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.tabIndex = 0;
    this.tip = document.createElement("div");
    this.tip.className = "normlab-tip";
    this.button = document.createElement("button");
    this.button.className = "normlab-png";
    this.button.type = "button";
    this.button.textContent = "PNG";
    this.button.title = "Save this chart as a PNG";
    this.legend = document.createElement("div");
    this.legend.className = "normlab-legend";
    this.el.append(this.canvas, this.tip, this.legend);
    root.appendChild(this.el);
    this.hidden = new Map();
    this.cursor = null; // keyboard cursor on a heatmap: [row, col]
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => {
      this.tip.style.display = "none";
      this.canvas.style.cursor = "";
    });
    this.canvas.addEventListener("click", (e) => this.click(e));
    this.canvas.addEventListener("keydown", (e) => this.key(e));
    this.button.addEventListener("click", () => this.save());
    this.observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w && w !== this.width) {
        this.width = w;
        if (this.fig) schedule(this);
      }
    });
    this.observer.observe(this.el);
  }

  update(fig, opts) {
    this.fig = fig;
    this.opts = opts;
    const L = fig.layout || {};
    this.traces = (fig.data || []).map((t, i) => {
      const type = t.type || "scatter";
      const group = t.legendgroup || t.name || `trace ${i}`;
      return { t, i, type, group, xa: axisName(t.xaxis || "x", "x"), ya: axisName(t.yaxis || "y", "y") };
    });
    for (const tr of this.traces) {
      if (!this.hidden.has(tr.group) && this.inLegend(tr)) {
        this.hidden.set(tr.group, tr.t.visible === "legendonly");
      }
    }
    const legendItems = this.traces.filter((tr) => this.inLegend(tr));
    this.showLegend = L.showlegend === true || (L.showlegend !== false && legendItems.length > 1);
    this.buildLegend(this.showLegend ? legendItems : []);
    schedule(this);
  }

  inLegend(tr) {
    return tr.type !== "heatmap" && tr.t.showlegend !== false && !!tr.t.name;
  }

  isShown(tr) {
    if (tr.t.visible === false) return false;
    if (this.hidden.has(tr.group)) return !this.hidden.get(tr.group);
    return tr.t.visible !== "legendonly";
  }

  color(tr) {
    const t = tr.t;
    const mc = t.marker && typeof t.marker.color === "string" ? t.marker.color : null;
    return (t.line && t.line.color) || mc || t.fillcolor || PALETTE[tr.i % PALETTE.length];
  }

  buildLegend(items) {
    const seen = new Set();
    items = items.filter((tr) => !seen.has(tr.group) && seen.add(tr.group));
    const sig = items.map((tr) => `${tr.group}|${tr.t.name}|${this.color(tr)}`).join(";");
    if (sig !== this.legendSig) {
      this.legendSig = sig;
      this.legend.replaceChildren();
      for (const tr of items) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "normlab-legend-item";
        b.dataset.group = tr.group;
        const swatch = document.createElement("span");
        swatch.className = "normlab-swatch";
        swatch.style.background = this.color(tr);
        const dash = tr.t.line && tr.t.line.dash;
        if (dash && dash !== "solid") swatch.classList.add("normlab-swatch-dash");
        if (tr.type === "scatter" && (tr.t.mode || "") === "markers") {
          swatch.style.width = "0.5rem";
          swatch.style.height = "0.5rem";
          swatch.style.borderRadius = "50%";
        }
        b.append(swatch, document.createTextNode(plainText(tr.t.name)));
        b.addEventListener("click", () => {
          this.hidden.set(tr.group, !this.hidden.get(tr.group));
          this.syncLegend();
          schedule(this);
        });
        this.legend.appendChild(b);
      }
      // The PNG button ends the legend row (over the canvas it would hide the
      // end of a long title); with no legend it sits in the title's corner.
      if (items.length) this.legend.appendChild(this.button);
      else this.el.appendChild(this.button);
    }
    this.syncLegend();
  }

  syncLegend() {
    for (const b of this.legend.querySelectorAll(".normlab-legend-item")) {
      const off = !!this.hidden.get(b.dataset.group);
      b.setAttribute("aria-pressed", String(!off));
      b.title = `${off ? "Show" : "Hide"} ${b.textContent}`;
    }
  }

  title() {
    const t = (this.fig.layout || {}).title;
    return plainText(typeof t === "string" ? t : t && t.text);
  }

  // What the chart shows, as numbers, for tests that compare two views.
  record() {
    const L = this.fig.layout || {};
    const arr = (v) => (v == null ? null : Array.from(seq(v) instanceof Float32Array ? v : seq(v)));
    this.root.dataset.title = this.title();
    this.root.dataset.numbers = JSON.stringify({
      title: this.title(),
      traces: this.traces.map(({ t, type }) => [
        type,
        t.name ?? null,
        arr(t.x),
        arr(t.y),
        t.z == null ? null : t.z instanceof Float32Array ? Array.from(t.z) : t.z,
        t.customdata == null ? null : t.customdata instanceof Float32Array ? Array.from(t.customdata) : t.customdata,
      ]),
      shapes: (L.shapes || []).map((s) => [s.type, s.x0, s.x1, s.y0, s.y1]),
      annotations: (L.annotations || []).map((a) => plainText(a.text)),
    });
    const axes = [];
    for (const k of ["xaxis", "yaxis", "xaxis2", "yaxis2"]) {
      const ax = L[k];
      const tt = ax && ax.title && plainText(typeof ax.title === "string" ? ax.title : ax.title.text);
      if (tt) axes.push(tt);
    }
    const names = [...new Set(this.traces.filter((tr) => this.inLegend(tr)).map((tr) => plainText(tr.t.name)))];
    const heat = this.traces.some((tr) => tr.type === "heatmap");
    this.canvas.setAttribute(
      "aria-label",
      `${this.title()}.` +
        (axes.length ? ` Axes: ${axes.join(", ")}.` : "") +
        (names.length ? ` Series: ${names.join(", ")}.` : "") +
        (heat
          ? this.opts.clickable
            ? " Arrow keys move over the cells, Enter picks one."
            : " Arrow keys move over the cells."
          : " Hover a point for its values."),
    );
  }

  // ---- geometry ----

  axes() {
    const L = this.fig.layout || {};
    const names = new Set(Object.keys(L).filter((k) => /^[xy]axis\d*$/.test(k)));
    for (const tr of this.traces) {
      if (tr.xa) names.add(tr.xa);
      if (tr.ya) names.add(tr.ya);
    }
    const out = {};
    for (const n of names) {
      const ax = L[n] || {};
      out[n] = { name: n, letter: n[0], spec: ax, type: ax.type || null, domain: ax.domain || [0, 1] };
    }
    // An axis type not given is a category axis when its data are strings.
    for (const tr of this.traces) {
      for (const [name, key] of [[tr.xa, "x"], [tr.ya, "y"]]) {
        const a = out[name];
        if (!a || a.type) continue;
        const v = seq(tr.t[key]);
        if (v && !(v instanceof Float32Array) && v.some((e) => typeof e === "string")) a.type = "category";
      }
    }
    for (const a of Object.values(out)) {
      a.type = a.type || "linear";
      if (a.type === "category") {
        const cats = [];
        for (const tr of this.traces) {
          const key = tr.xa === a.name ? "x" : tr.ya === a.name ? "y" : null;
          if (!key) continue;
          for (const c of seq(tr.t[key]) || []) if (!cats.includes(String(c))) cats.push(String(c));
        }
        a.cats = cats;
      }
    }
    return out;
  }

  // Position of a datum on axis a, in the axis' own linear units.
  pos(a, v) {
    if (a.type === "category") {
      const i = a.cats.indexOf(String(v));
      return i < 0 ? NaN : i;
    }
    if (a.type === "log") return v > 0 ? Math.log10(v) : NaN;
    return typeof v === "number" ? v : Number(v);
  }

  extent(axes) {
    const acc = {};
    for (const n of Object.keys(axes)) acc[n] = [Infinity, -Infinity, false];
    const add = (n, v) => {
      const e = acc[n];
      if (!e || !Number.isFinite(v)) return;
      if (v < e[0]) e[0] = v;
      if (v > e[1]) e[1] = v;
    };
    for (const tr of this.traces) {
      const { t } = tr;
      const xa = axes[tr.xa], ya = axes[tr.ya];
      if (!xa || !ya) continue;
      if (tr.type === "heatmap") {
        const [rows, cols] = shape2(t.z);
        const xs = seq(t.x), ys = seq(t.y);
        add(tr.xa, xs ? this.pos(xa, xs[0]) - 0.5 : -0.5);
        add(tr.xa, xs ? this.pos(xa, xs[xs.length - 1]) + 0.5 : cols - 0.5);
        add(tr.ya, ys ? this.pos(ya, ys[0]) - 0.5 : -0.5);
        add(tr.ya, ys ? this.pos(ya, ys[ys.length - 1]) + 0.5 : rows - 0.5);
        acc[tr.xa][2] = acc[tr.ya][2] = true; // no padding
        continue;
      }
      if (!this.isShown(tr) && !(t.marker && t.marker.opacity === 0)) {
        // a hidden series leaves the value axis, keeps the other one
        const x = seq(t.x) || [];
        for (const v of x) add(tr.xa, this.pos(xa, v));
        continue;
      }
      const horizontal = tr.type === "bar" && t.orientation === "h";
      const xs = seq(t.x), ys = seq(t.y);
      const n = Math.max(xs ? xs.length : 0, ys ? ys.length : 0);
      const err = t.error_y && t.error_y.visible !== false ? seq(t.error_y.array) : null;
      for (let i = 0; i < n; i++) {
        const x = xs ? this.pos(xa, xs[i]) : i, y = ys ? this.pos(ya, ys[i]) : i;
        add(tr.xa, x);
        if (err && Number.isFinite(err[i])) {
          add(tr.ya, this.pos(ya, ys[i] - err[i]));
          add(tr.ya, this.pos(ya, ys[i] + err[i]));
        } else add(tr.ya, y);
      }
      if (tr.type === "bar") {
        add(horizontal ? tr.xa : tr.ya, 0);
        const cat = horizontal ? tr.ya : tr.xa;
        const e = acc[cat];
        e[0] -= 0.5;
        e[1] += 0.5;
        e[2] = true;
      }
    }
    return acc;
  }

  ranges(axes) {
    const acc = this.extent(axes);
    const ranges = {};
    for (const a of Object.values(axes)) {
      const s = a.spec;
      if (Array.isArray(s.range) && s.range.length === 2 && s.range.every((v) => v != null)) {
        ranges[a.name] = s.range.map((v) => (a.type === "log" ? Number(v) : this.pos(a, v)));
        continue;
      }
      let [lo, hi, tight] = acc[a.name];
      if (a.type === "category") {
        const n = a.cats.length;
        ranges[a.name] = [-0.5, Math.max(0.5, n - 0.5)];
        continue;
      }
      if (s.rangemode === "tozero") {
        lo = Math.min(lo, 0);
        hi = Math.max(hi, 0);
      }
      if (!(hi >= lo)) [lo, hi] = [0, 1];
      if (!tight) {
        const span = hi - lo;
        const p = span * 0.05 || Math.abs(lo) * 0.1 || 0.5;
        if (!(s.rangemode === "tozero" && lo === 0)) lo -= p;
        hi += p;
      }
      ranges[a.name] = s.autorange === "reversed" ? [hi, lo] : [lo, hi];
    }
    // matches: an axis drawn on another's range
    for (const a of Object.values(axes)) {
      const m = a.spec.matches;
      const other = m && axisName(m, a.letter);
      if (other && ranges[other]) ranges[a.name] = ranges[other];
    }
    return ranges;
  }

  layoutBox() {
    const L = this.fig.layout || {};
    const width = this.width || this.el.clientWidth || 420;
    const height = L.height || 400;
    const m = { ...DEFAULT_MARGIN, ...(L.margin || {}) };
    const bar = this.traces.some((tr) => tr.type === "heatmap" && tr.t.showscale !== false && this.isShown(tr));
    const right = m.r + (bar ? 46 : 0);
    const x = m.l, y = m.t;
    return {
      width, height, x, y,
      w: Math.max(30, width - m.l - right),
      h: Math.max(30, height - m.t - m.b),
      bar,
    };
  }

  // ---- drawing ----

  draw(th) {
    this.th = th;
    const L = this.fig.layout || {};
    const box = this.layoutBox();
    const dpr = window.devicePixelRatio || 1;
    const cv = this.canvas;
    if (cv.width !== Math.round(box.width * dpr) || cv.height !== Math.round(box.height * dpr)) {
      cv.width = Math.round(box.width * dpr);
      cv.height = Math.round(box.height * dpr);
      cv.style.width = `${box.width}px`;
      cv.style.height = `${box.height}px`;
    }
    const ctx = cv.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, box.width, box.height);
    const axes = this.axes();
    const ranges = this.ranges(axes);
    // pixel scale of each axis
    for (const a of Object.values(axes)) {
      const [r0, r1] = ranges[a.name];
      const [d0, d1] = a.domain;
      if (a.letter === "x") {
        const p0 = box.x + d0 * box.w, p1 = box.x + d1 * box.w;
        a.px = [p0, p1];
        a.map = (u) => p0 + ((u - r0) / (r1 - r0 || 1)) * (p1 - p0);
      } else {
        const p0 = box.y + (1 - d1) * box.h, p1 = box.y + (1 - d0) * box.h;
        a.px = [p0, p1];
        a.map = (u) => p1 - ((u - r0) / (r1 - r0 || 1)) * (p1 - p0);
      }
      a.range = [r0, r1];
    }
    const sx = (a, v) => a.map(this.pos(a, v));
    this.view = { box, axes, sx };
    const font = th.font;
    ctx.fillStyle = th.text;
    ctx.strokeStyle = th.text;
    ctx.lineWidth = 1;
    // subplots: the pairs traces are drawn on (or each x axis with its anchor)
    const pairs = new Map();
    for (const tr of this.traces) if (axes[tr.xa] && axes[tr.ya]) pairs.set(`${tr.xa}|${tr.ya}`, [axes[tr.xa], axes[tr.ya]]);
    for (const a of Object.values(axes)) {
      if (a.letter !== "x") continue;
      const ya = axes[axisName(a.spec.anchor || "y", "y")];
      if (ya && ![...pairs.values()].some(([x]) => x === a)) pairs.set(`${a.name}|${ya.name}`, [a, ya]);
    }
    this.pairs = [...pairs.values()];
    // shapes below the data
    const shapes = L.shapes || [];
    for (const s of shapes) if (s.layer === "below") this.shape(ctx, s, axes, box);
    // grid and ticks of each axis
    for (const [xa, ya] of this.pairs) this.frame(ctx, xa, ya, th, font);
    for (const a of Object.values(axes)) this.ticks(ctx, a, axes, th, font);
    // data, clipped to each subplot
    const bars = this.barSlots();
    for (const tr of this.traces) {
      const xa = axes[tr.xa], ya = axes[tr.ya];
      if (!xa || !ya || !this.isShown(tr)) continue;
      ctx.save();
      ctx.beginPath();
      ctx.rect(xa.px[0], ya.px[0], xa.px[1] - xa.px[0], ya.px[1] - ya.px[0]);
      ctx.clip();
      if (tr.type === "heatmap") this.heatmap(ctx, tr, xa, ya);
      else if (tr.type === "bar") this.bar(ctx, tr, xa, ya, bars.get(tr));
      else this.scatter(ctx, tr, xa, ya);
      ctx.restore();
    }
    for (const s of shapes) if (s.layer !== "below") this.shape(ctx, s, axes, box);
    this.cursorBox(ctx);
    for (const an of L.annotations || []) this.annotation(ctx, an, axes, box, th, font);
    if (box.bar) this.colorbar(ctx, box, th, font);
    this.titleText(ctx, box, th, font);
    this.background = th.background;
    // for tests and the bench: where the first subplot is drawn
    if (this.pairs.length) {
      const [xa, ya] = this.pairs[0];
      cv.dataset.plot = [xa.px[0], ya.px[0], xa.px[1] - xa.px[0], ya.px[1] - ya.px[0]].map((v) => v.toFixed(1)).join(",");
    }
    const heat = this.traces.find((tr) => tr.type === "heatmap");
    if (heat) cv.dataset.shape = shape2(heat.t.z).join(",");
  }

  frame(ctx, xa, ya) {
    ctx.save();
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = 1;
    ctx.strokeRect(xa.px[0] + 0.5, ya.px[0] + 0.5, xa.px[1] - xa.px[0] - 1, ya.px[1] - ya.px[0] - 1);
    ctx.restore();
  }

  tickValues(a) {
    const s = a.spec;
    const [r0, r1] = a.range;
    const lo = Math.min(r0, r1), hi = Math.max(r0, r1);
    if (Array.isArray(s.tickvals)) {
      const text = Array.isArray(s.ticktext) ? s.ticktext : s.tickvals.map((v) => format(v, s.tickformat));
      return s.tickvals.map((v, i) => [this.pos(a, v), plainText(text[i])]);
    }
    if (a.type === "category") {
      return a.cats.map((c, i) => [i, plainText(c)]);
    }
    const len = Math.abs(a.px[1] - a.px[0]);
    if (a.type === "log") {
      return logTicks(Math.pow(10, lo), Math.pow(10, hi), 6).map((v) => [Math.log10(v), format(v, s.tickformat || ".2~g")]);
    }
    let vals = s.dtick ? stepTicks(lo, hi, Number(s.dtick)) : linearTicks(lo, hi, Math.max(2, len / (a.letter === "x" ? 80 : 45)));
    // a heatmap's axis counts cells: whole numbers only
    const cells = this.traces.some((tr) => tr.type === "heatmap" && !seq(tr.t[a.letter]) && (tr.xa === a.name || tr.ya === a.name));
    if (cells && !s.dtick && vals.length > 1) {
      const step = Math.max(1, Math.round(vals[1] - vals[0]));
      vals = stepTicks(Math.ceil(lo), hi, step);
    }
    return vals.map((v) => [v, format(v, s.tickformat || ".3~g")]);
  }

  ticks(ctx, a, axes, th, font) {
    const s = a.spec;
    const other = axes[axisName(s.anchor || (a.letter === "x" ? "y" : "x"), a.letter === "x" ? "y" : "x")]
      || Object.values(axes).find((o) => o.letter !== a.letter);
    if (!other || !a.map) return;
    const ticks = this.tickValues(a);
    const grid = s.showgrid !== false && !this.traces.some((tr) => tr.type === "heatmap" && (tr.xa === a.name || tr.ya === a.name));
    const labels = s.showticklabels !== false;
    ctx.save();
    ctx.font = `12px ${font}`;
    ctx.fillStyle = th.text;
    ctx.strokeStyle = th.text;
    let last = -Infinity;
    for (const [u, text] of ticks) {
      const p = a.map(u);
      const lo = Math.min(...a.px) - 0.5, hi = Math.max(...a.px) + 0.5;
      if (!(p >= lo && p <= hi)) continue;
      if (grid) {
        ctx.globalAlpha = 0.12;
        ctx.beginPath();
        if (a.letter === "x") {
          ctx.moveTo(Math.round(p) + 0.5, other.px[0]);
          ctx.lineTo(Math.round(p) + 0.5, other.px[1]);
        } else {
          ctx.moveTo(a === other ? 0 : this.pairXs(a)[0], Math.round(p) + 0.5);
          ctx.lineTo(this.pairXs(a)[1], Math.round(p) + 0.5);
        }
        ctx.stroke();
      }
      if (!labels) continue;
      ctx.globalAlpha = 0.8;
      if (a.letter === "x") {
        const w = ctx.measureText(text).width;
        if (p - w / 2 < last + 4) continue;
        last = p + w / 2;
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        ctx.fillText(text, p, other.px[1] + 4);
      } else {
        if (Math.abs(p - last) < 13) continue;
        last = p;
        ctx.textAlign = "right";
        ctx.textBaseline = "middle";
        ctx.fillText(text, this.pairXs(a)[0] - 5, p);
      }
    }
    // zero line
    if (s.zeroline !== false && a.type === "linear" && grid) {
      const p = a.map(0);
      if (p > Math.min(...a.px) + 1 && p < Math.max(...a.px) - 1) {
        ctx.globalAlpha = 0.3;
        ctx.beginPath();
        if (a.letter === "x") {
          ctx.moveTo(p, other.px[0]);
          ctx.lineTo(p, other.px[1]);
        } else {
          ctx.moveTo(this.pairXs(a)[0], p);
          ctx.lineTo(this.pairXs(a)[1], p);
        }
        ctx.stroke();
      }
    }
    // axis title
    const t = s.title && plainText(typeof s.title === "string" ? s.title : s.title.text);
    if (t) {
      ctx.globalAlpha = 0.85;
      ctx.font = `13px ${font}`;
      if (a.letter === "x") {
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        const standoff = labels ? 20 : 4;
        ctx.fillText(t, (a.px[0] + a.px[1]) / 2, other.px[1] + standoff, Math.abs(a.px[1] - a.px[0]));
      } else {
        ctx.save();
        const x = this.pairXs(a)[0] - (labels ? this.labelWidth(ctx, ticks, font) + 14 : 8);
        ctx.translate(Math.max(8, x), (a.px[0] + a.px[1]) / 2);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "center";
        ctx.textBaseline = "bottom";
        ctx.fillText(t, 0, 0, Math.abs(a.px[1] - a.px[0]));
        ctx.restore();
      }
    }
    ctx.restore();
  }

  labelWidth(ctx, ticks, font) {
    ctx.save();
    ctx.font = `12px ${font}`;
    let w = 0;
    for (const [, text] of ticks) w = Math.max(w, ctx.measureText(text).width);
    ctx.restore();
    return w;
  }

  // the x extent of the subplot a y axis belongs to
  pairXs(ya) {
    const p = this.pairs.find(([, y]) => y === ya);
    return p ? p[0].px : [this.view.box.x, this.view.box.x + this.view.box.w];
  }

  heatmap(ctx, tr, xa, ya) {
    const { t } = tr;
    const [rows, cols] = shape2(t.z);
    const xs = seq(t.x), ys = seq(t.y);
    let zmin = t.zmin, zmax = t.zmax;
    if (zmin == null || zmax == null) {
      let lo = Infinity, hi = -Infinity;
      for (let r = 0; r < rows; r++) for (const v of rowOf(t.z, r)) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      zmin = zmin ?? lo;
      zmax = zmax ?? hi;
    }
    const stops = (t.colorscale || [[0, "#2166ac"], [0.5, "#f7f7f7"], [1, "#b2182b"]]).map(([p, c]) => [p, parseColor(c)]);
    tr.scale = { stops, zmin, zmax };
    const cx = (c) => (xs ? this.pos(xa, xs[c]) : c), cy = (r) => (ys ? this.pos(ya, ys[r]) : r);
    // The cells as one image, one pixel per cell, scaled up without smoothing:
    // rectangles at fractional pixel edges leave faint seams between cells.
    const left = xa.map(cx(0) - 0.5), right = xa.map(cx(cols - 1) + 0.5);
    const first = ya.map(cy(0) - 0.5), last = ya.map(cy(rows - 1) + 0.5);
    const flipX = left > right, flipY = first > last;
    if (!this.cells || this.cells.width !== cols || this.cells.height !== rows) {
      this.cells = document.createElement("canvas");
      this.cells.width = cols;
      this.cells.height = rows;
    }
    const cctx = this.cells.getContext("2d");
    const img = cctx.createImageData(cols, rows);
    const px = img.data;
    const lut = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(scaleColor(stops, i / 255));
      lut[3 * i] = +m[1];
      lut[3 * i + 1] = +m[2];
      lut[3 * i + 2] = +m[3];
    }
    const span = zmax - zmin || 1;
    for (let r = 0; r < rows; r++) {
      const row = rowOf(t.z, r);
      const y = flipY ? rows - 1 - r : r;
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        const o = 4 * (y * cols + (flipX ? cols - 1 - c : c));
        if (!Number.isFinite(v)) {
          px[o + 3] = 0; // NaN and ±∞ cells stay empty, as in Plotly
          continue;
        }
        const k = 3 * Math.round(255 * Math.min(1, Math.max(0, (v - zmin) / span)));
        px[o] = lut[k];
        px[o + 1] = lut[k + 1];
        px[o + 2] = lut[k + 2];
        px[o + 3] = 255;
      }
    }
    cctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.cells, Math.min(left, right), Math.min(first, last), Math.abs(right - left), Math.abs(last - first));
    ctx.imageSmoothingEnabled = true;
  }

  colorbar(ctx, box, th, font) {
    const tr = this.traces.find((u) => u.type === "heatmap" && u.t.showscale !== false && u.scale);
    if (!tr) return;
    const { stops, zmin, zmax } = tr.scale;
    const [xa, ya] = [this.view.axes[tr.xa], this.view.axes[tr.ya]];
    const x = xa.px[1] + 8, y0 = Math.min(...ya.px), h = Math.abs(ya.px[1] - ya.px[0]);
    const w = 10;
    const grad = ctx.createLinearGradient(0, y0 + h, 0, y0);
    for (const [p, c] of stops) grad.addColorStop(p, `rgb(${c[0]},${c[1]},${c[2]})`);
    ctx.fillStyle = grad;
    ctx.fillRect(x, y0, w, h);
    ctx.save();
    ctx.font = `11px ${font}`;
    ctx.fillStyle = th.text;
    ctx.globalAlpha = 0.8;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    let last = -Infinity;
    for (const v of linearTicks(zmin, zmax, Math.max(2, h / 40))) {
      const p = y0 + h - ((v - zmin) / (zmax - zmin || 1)) * h;
      if (p < y0 - 1 || p > y0 + h + 1 || Math.abs(p - last) < 12) continue;
      last = p;
      ctx.fillText(format(v, ".2~g"), x + w + 3, p);
    }
    ctx.restore();
  }

  barSlots() {
    // bars of several traces on one subplot stand side by side (Plotly's "group")
    const byPair = new Map();
    for (const tr of this.traces) {
      if (tr.type !== "bar" || !this.isShown(tr)) continue;
      const k = `${tr.xa}|${tr.ya}`;
      if (!byPair.has(k)) byPair.set(k, []);
      byPair.get(k).push(tr);
    }
    const slots = new Map();
    for (const list of byPair.values()) list.forEach((tr, i) => slots.set(tr, [i, list.length]));
    return slots;
  }

  bar(ctx, tr, xa, ya, slot) {
    const { t } = tr;
    const [k, n] = slot || [0, 1];
    const horizontal = t.orientation === "h";
    const xs = seq(t.x), ys = seq(t.y);
    const len = Math.max(xs ? xs.length : 0, ys ? ys.length : 0);
    const width = (t.width || 0.8) / n;
    const colors = t.marker && Array.isArray(t.marker.color) ? t.marker.color : null;
    ctx.globalAlpha = t.marker && t.marker.opacity != null ? t.marker.opacity : 1;
    for (let i = 0; i < len; i++) {
      const cat = horizontal ? this.pos(ya, ys[i]) : this.pos(xa, xs[i]);
      const val = horizontal ? this.pos(xa, xs[i]) : this.pos(ya, ys[i]);
      if (!Number.isFinite(cat) || !Number.isFinite(val)) continue;
      const c0 = cat - (t.width || 0.8) / 2 + k * width, c1 = c0 + width;
      ctx.fillStyle = colors ? colors[i] : this.color(tr);
      if (horizontal) {
        const x0 = xa.map(0), x1 = xa.map(val), y0 = ya.map(c0), y1 = ya.map(c1);
        ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      } else {
        const y0 = ya.map(0), y1 = ya.map(val), x0 = xa.map(c0), x1 = xa.map(c1);
        ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      }
    }
    ctx.globalAlpha = 1;
  }

  scatter(ctx, tr, xa, ya) {
    const { t } = tr;
    const mode = t.mode || "lines+markers";
    const xs = seq(t.x), ys = seq(t.y);
    const n = Math.min(xs ? xs.length : 0, ys ? ys.length : 0);
    const px = new Float64Array(n), py = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      px[i] = xa.map(this.pos(xa, xs[i]));
      py[i] = ya.map(this.pos(ya, ys[i]));
    }
    const ok = (i) => Number.isFinite(px[i]) && Number.isFinite(py[i]);
    const color = this.color(tr);
    if (t.fill === "toself" || t.fill === "tozeroy") {
      ctx.fillStyle = t.fillcolor || color;
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < n; i++) {
        if (!ok(i)) continue;
        if (started) ctx.lineTo(px[i], py[i]);
        else (ctx.moveTo(px[i], py[i]), (started = true));
      }
      if (t.fill === "tozeroy" && started) {
        const z = ya.map(0);
        ctx.lineTo(px[n - 1], z);
        ctx.lineTo(px[0], z);
      }
      ctx.closePath();
      ctx.fill();
    }
    const err = t.error_y && t.error_y.visible !== false ? seq(t.error_y.array) : null;
    if (err) {
      ctx.strokeStyle = t.error_y.color || color;
      ctx.lineWidth = t.error_y.thickness || 1.5;
      const cap = t.error_y.width ?? 4;
      for (let i = 0; i < n; i++) {
        if (!ok(i) || !Number.isFinite(err[i])) continue;
        const a = ya.map(this.pos(ya, ys[i] - err[i])), b = ya.map(this.pos(ya, ys[i] + err[i]));
        ctx.beginPath();
        ctx.moveTo(px[i], a);
        ctx.lineTo(px[i], b);
        if (cap) {
          ctx.moveTo(px[i] - cap, a);
          ctx.lineTo(px[i] + cap, a);
          ctx.moveTo(px[i] - cap, b);
          ctx.lineTo(px[i] + cap, b);
        }
        ctx.stroke();
      }
    }
    const line = t.line || {};
    if (mode.includes("lines") && line.width !== 0) {
      ctx.strokeStyle = line.color || color;
      ctx.lineWidth = line.width ?? 2;
      ctx.setLineDash(DASH[line.dash] || []);
      ctx.lineJoin = "round";
      ctx.globalAlpha = t.opacity ?? 1;
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < n; i++) {
        if (!ok(i)) {
          started = false;
          continue;
        }
        if (started) ctx.lineTo(px[i], py[i]);
        else (ctx.moveTo(px[i], py[i]), (started = true));
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    const m = t.marker || {};
    if (mode.includes("markers") && m.opacity !== 0) {
      const r = (typeof m.size === "number" ? m.size : 6) / 2;
      const colors = Array.isArray(m.color) ? m.color : null;
      ctx.globalAlpha = m.opacity ?? t.opacity ?? 1;
      const symbol = m.symbol || "circle";
      for (let i = 0; i < n; i++) {
        if (!ok(i)) continue;
        const c = colors ? colors[i] : m.color || color;
        ctx.fillStyle = c;
        ctx.strokeStyle = c;
        const x = px[i], y = py[i];
        ctx.beginPath();
        if (symbol.startsWith("x")) {
          ctx.lineWidth = 2;
          ctx.moveTo(x - r, y - r);
          ctx.lineTo(x + r, y + r);
          ctx.moveTo(x - r, y + r);
          ctx.lineTo(x + r, y - r);
          ctx.stroke();
        } else if (symbol.startsWith("square")) {
          if (symbol.endsWith("open")) (ctx.lineWidth = 2), ctx.strokeRect(x - r, y - r, 2 * r, 2 * r);
          else ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
        } else if (symbol.startsWith("diamond")) {
          ctx.moveTo(x, y - r * 1.3);
          ctx.lineTo(x + r * 1.3, y);
          ctx.lineTo(x, y + r * 1.3);
          ctx.lineTo(x - r * 1.3, y);
          ctx.closePath();
          if (symbol.endsWith("open")) (ctx.lineWidth = 2), ctx.stroke();
          else ctx.fill();
        } else {
          ctx.arc(x, y, r, 0, 2 * Math.PI);
          if (symbol.endsWith("open")) (ctx.lineWidth = 2.5), ctx.stroke();
          else ctx.fill();
        }
        const ml = m.line;
        if (ml && ml.width && !symbol.endsWith("open")) {
          ctx.lineWidth = ml.width;
          ctx.strokeStyle = ml.color || "#fff";
          ctx.stroke();
        }
      }
      ctx.globalAlpha = 1;
    }
  }

  refPos(ref, v, axes, box, letter, logged = false) {
    // "x domain": a fraction of that axis' own extent (Plotly's subplot titles)
    const dom = /^([xy]\d*) domain$/.exec(ref || "");
    if (dom) {
      const a = axes[axisName(dom[1], letter)];
      if (a) return letter === "x" ? a.px[0] + v * (a.px[1] - a.px[0]) : a.px[1] - v * (a.px[1] - a.px[0]);
    }
    const name = axisName(ref, letter);
    if (name && axes[name]) {
      const a = axes[name];
      // an annotation on a log axis is placed in log10 units, as in Plotly
      return a.map(logged && a.type === "log" ? Number(v) : this.pos(a, v));
    }
    // paper: the whole plot area
    return letter === "x" ? box.x + v * box.w : box.y + (1 - v) * box.h;
  }

  shape(ctx, s, axes, box) {
    const x0 = this.refPos(s.xref || "x", s.x0, axes, box, "x");
    const x1 = this.refPos(s.xref || "x", s.x1, axes, box, "x");
    // "paper" on y with an x axis means the height of that x axis' subplot
    let y0, y1;
    const xaName = axisName(s.xref || "x", "x");
    if ((s.yref || "y") === "paper" && xaName && axes[xaName]) {
      const ya = axes[axisName(axes[xaName].spec.anchor || "y", "y")];
      const [top, bottom] = ya ? ya.px : [box.y, box.y + box.h];
      y0 = bottom - s.y0 * (bottom - top);
      y1 = bottom - s.y1 * (bottom - top);
    } else {
      y0 = this.refPos(s.yref || "y", s.y0, axes, box, "y");
      y1 = this.refPos(s.yref || "y", s.y1, axes, box, "y");
    }
    if (![x0, x1, y0, y1].every(Number.isFinite)) return;
    const line = s.line || {};
    ctx.save();
    ctx.globalAlpha = s.opacity ?? 1;
    if (s.type === "rect") {
      if (s.fillcolor && parseColor(s.fillcolor)[3] > 0) {
        ctx.fillStyle = s.fillcolor;
        ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      }
      if (line.width !== 0) {
        ctx.strokeStyle = line.color || "#444";
        ctx.lineWidth = line.width ?? 2;
        ctx.setLineDash(DASH[line.dash] || []);
        ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      }
    } else {
      ctx.strokeStyle = ink(line.color || "#444", this.th);
      ctx.lineWidth = line.width ?? 2;
      ctx.setLineDash(DASH[line.dash] || []);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
    }
    ctx.restore();
  }

  annotation(ctx, an, axes, box, th, font) {
    const x = this.refPos(an.xref || "x", an.x, axes, box, "x", true);
    const y = this.refPos(an.yref || "y", an.y, axes, box, "y", true);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const lines = plainText(an.text).split("\n");
    const size = (an.font && an.font.size) || 12;
    ctx.save();
    ctx.font = `${size}px ${font}`;
    ctx.fillStyle = (an.font && an.font.color) || th.text;
    ctx.globalAlpha = 0.9;
    const xa = an.xanchor || "center";
    ctx.textAlign = xa === "auto" ? "center" : xa;
    const ya = an.yanchor || "middle";
    const lh = size * 1.25;
    const total = lines.length * lh;
    let top = ya === "top" ? y : ya === "bottom" ? y - total : y - total / 2;
    top += (an.yshift || 0) * -1;
    const dx = an.xshift || 0;
    ctx.textBaseline = "top";
    for (const [i, text] of lines.entries()) ctx.fillText(text, x + dx, top + i * lh, box.width - 4);
    ctx.restore();
  }

  titleText(ctx, box, th, font) {
    const text = this.title();
    if (!text) return;
    const t = (this.fig.layout || {}).title || {};
    let size = (t.font && t.font.size) || 15;
    ctx.save();
    ctx.fillStyle = th.text;
    ctx.font = `600 ${size}px ${font}`;
    // in full: a smaller font on a narrow chart, never cut (nor under the
    // PNG button, which sits in the title's corner when there is no legend)
    const room = box.width - 8 - (this.button.parentNode === this.el ? 44 : 0);
    while (size > 10 && ctx.measureText(text).width > room) {
      size -= 1;
      ctx.font = `600 ${size}px ${font}`;
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(text, 4, Math.min(box.y - 8, 20), room);
    ctx.restore();
  }

  cursorBox(ctx) {
    if (!this.cursor || document.activeElement !== this.canvas) return;
    const hit = this.cellHit(...this.cursor);
    if (!hit) return;
    const [x0, y0, x1, y1] = hit.rect;
    ctx.save();
    ctx.strokeStyle = "#ffbf00";
    ctx.lineWidth = 2;
    ctx.setLineDash([3, 2]);
    ctx.strokeRect(x0 + 1, y0 + 1, x1 - x0 - 2, y1 - y0 - 2);
    ctx.restore();
  }

  // ---- hover, click, keys ----

  heatTrace() {
    return this.traces.find((tr) => tr.type === "heatmap" && this.isShown(tr));
  }

  // The heatmap cell (r, c) as a hit: its rectangle and hover values.
  cellHit(r, c) {
    const tr = this.heatTrace();
    if (!tr || !this.view) return null;
    const { axes } = this.view;
    const xa = axes[tr.xa], ya = axes[tr.ya];
    const [rows, cols] = shape2(tr.t.z);
    if (r < 0 || c < 0 || r >= rows || c >= cols) return null;
    const xs = seq(tr.t.x), ys = seq(tr.t.y);
    const X = xs ? xs[c] : c, Y = ys ? ys[r] : r;
    const px = [xa.map(this.pos(xa, X) - 0.5), xa.map(this.pos(xa, X) + 0.5)];
    const py = [ya.map(this.pos(ya, Y) - 0.5), ya.map(this.pos(ya, Y) + 0.5)];
    const rect = [Math.min(...px), Math.min(...py), Math.max(...px), Math.max(...py)];
    // the hover text: a transparent marker trace at the cell (the lab's
    // figures carry one for Plotly's sake), else the heatmap's own
    let text = null;
    for (const u of this.traces) {
      if (u.type !== "scatter" || !u.t.hovertemplate || u.t.hoverinfo === "skip") continue;
      const ux = seq(u.t.x), uy = seq(u.t.y);
      if (!ux || !uy || u.xa !== tr.xa || u.ya !== tr.ya) continue;
      for (let i = 0; i < ux.length; i++) {
        if (Number(ux[i]) === Number(X) && Number(uy[i]) === Number(Y)) {
          text = hoverText(u.t.hovertemplate, this.values(u, i));
          break;
        }
      }
      if (text) break;
    }
    const z = rowOf(tr.t.z, r)[c];
    if (!text && tr.t.hoverinfo !== "skip") {
      text = tr.t.hovertemplate
        ? hoverText(tr.t.hovertemplate, { x: X, y: Y, z })
        : `x ${format(X)}, y ${format(Y)}: ${format(z, ".4g")}`;
    }
    return { trace: tr, index: r * cols + c, x: X, y: Y, rect, cx: (rect[0] + rect[2]) / 2, cy: (rect[1] + rect[3]) / 2, text, color: null };
  }

  values(tr, i) {
    const { t } = tr;
    const xs = seq(t.x), ys = seq(t.y);
    let custom = null;
    if (t.customdata != null) {
      const cd = t.customdata;
      if (cd instanceof Float32Array) {
        const w = cd.shape && cd.shape.length > 1 ? cd.shape[1] : 1;
        custom = w > 1 ? Array.from(cd.subarray(i * w, (i + 1) * w)) : cd[i];
      } else custom = cd[i];
    }
    const text = Array.isArray(t.text) ? t.text[i] : t.text;
    return { x: xs ? xs[i] : i, y: ys ? ys[i] : i, customdata: custom, text, "fullData.name": t.name };
  }

  hit(mx, my) {
    if (!this.view) return null;
    const { axes } = this.view;
    // a heatmap cell under the pointer
    const tr = this.heatTrace();
    if (tr) {
      const xa = axes[tr.xa], ya = axes[tr.ya];
      const [rows, cols] = shape2(tr.t.z);
      if (!seq(tr.t.x) && !seq(tr.t.y)) {
        const inv = (a, p) => a.range[0] + ((p - (a.letter === "x" ? a.px[0] : a.px[1])) / ((a.letter === "x" ? a.px[1] - a.px[0] : a.px[0] - a.px[1]) || 1)) * (a.range[1] - a.range[0]);
        const c = Math.round(inv(xa, mx)), r = Math.round(inv(ya, my));
        if (mx >= Math.min(...xa.px) && mx <= Math.max(...xa.px) && my >= Math.min(...ya.px) && my <= Math.max(...ya.px) && r >= 0 && c >= 0 && r < rows && c < cols) {
          return this.cellHit(r, c);
        }
      }
    }
    // a bar under the pointer
    for (const u of this.traces) {
      if (u.type !== "bar" || !this.isShown(u) || u.t.hoverinfo === "skip") continue;
      const xa = axes[u.xa], ya = axes[u.ya];
      const h = u.t.orientation === "h";
      const xs = seq(u.t.x), ys = seq(u.t.y);
      const w = (u.t.width || 0.8) / 2;
      for (let i = 0; i < (xs || ys).length; i++) {
        const cat = h ? this.pos(ya, ys[i]) : this.pos(xa, xs[i]);
        const a = h ? ya.map(cat - w) : xa.map(cat - w), b = h ? ya.map(cat + w) : xa.map(cat + w);
        const along = h ? my : mx;
        const val = h ? xa.map(this.pos(xa, xs[i])) : ya.map(this.pos(ya, ys[i]));
        const zero = h ? xa.map(0) : ya.map(0);
        const across = h ? mx : my;
        if (along >= Math.min(a, b) && along <= Math.max(a, b) && across >= Math.min(val, zero) - 3 && across <= Math.max(val, zero) + 3) {
          const vals = this.values(u, i);
          return { trace: u, index: i, x: vals.x, y: vals.y, cx: h ? val : (a + b) / 2, cy: h ? (a + b) / 2 : val, text: u.t.hovertemplate ? hoverText(u.t.hovertemplate, vals) : `${plainText(u.t.name || "")} ${format(vals.x)}: ${format(vals.y, ".4g")}`, color: this.color(u) };
        }
      }
    }
    // the nearest point
    let best = null, bestD = 24 * 24;
    for (const u of this.traces) {
      if (u.type !== "scatter" || u.t.hoverinfo === "skip" || !this.isShown(u)) continue;
      const xa = axes[u.xa], ya = axes[u.ya];
      if (!xa || !ya) continue;
      const xs = seq(u.t.x), ys = seq(u.t.y);
      if (!xs || !ys) continue;
      for (let i = 0; i < xs.length; i++) {
        const x = xa.map(this.pos(xa, xs[i])), y = ya.map(this.pos(ya, ys[i]));
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        const d = (x - mx) ** 2 + (y - my) ** 2;
        if (d < bestD) [bestD, best] = [d, [u, i, x, y]];
      }
    }
    if (!best) return null;
    const [u, i, x, y] = best;
    const vals = this.values(u, i);
    const text = u.t.hovertemplate
      ? hoverText(u.t.hovertemplate, vals)
      : `${plainText(u.t.name || "")}\n${format(vals.x)}, ${format(vals.y, ".4g")}`;
    return { trace: u, index: i, x: vals.x, y: vals.y, cx: x, cy: y, text, color: this.color(u) };
  }

  showTip(h) {
    if (!h || !h.text) {
      this.tip.style.display = "none";
      return;
    }
    this.tip.textContent = h.text;
    this.tip.style.display = "block";
    this.tip.style.borderLeft = h.color ? `4px solid ${h.color}` : "";
    const w = this.canvas.clientWidth;
    const left = h.cx + 12 + 220 > w ? h.cx - 12 - this.tip.offsetWidth : h.cx + 12;
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${Math.max(0, h.cy - 20)}px`;
  }

  mouse(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  hover(e) {
    const h = this.hit(...this.mouse(e));
    this.showTip(h);
    this.canvas.style.cursor = h && this.opts.clickable ? "pointer" : "";
  }

  click(e) {
    if (!this.opts.clickable) return;
    const h = this.hit(...this.mouse(e));
    if (h) this.send(h);
  }

  send(h) {
    this.opts.setTriggerValue("click", {
      x: typeof h.x === "number" ? h.x : String(h.x),
      y: typeof h.y === "number" ? h.y : String(h.y),
      curve: h.trace.i,
      index: h.index,
    });
  }

  key(e) {
    const tr = this.heatTrace();
    if (!tr) return;
    const [rows, cols] = shape2(tr.t.z);
    const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (move) {
      e.preventDefault();
      const start = this.cursor || this.opts.focus || [0, 0];
      const r = Math.min(rows - 1, Math.max(0, start[0] + (this.cursor ? move[0] : 0)));
      const c = Math.min(cols - 1, Math.max(0, start[1] + (this.cursor ? move[1] : 0)));
      this.cursor = [r, c];
      const h = this.cellHit(r, c);
      this.showTip(h);
      if (h) this.canvas.setAttribute("aria-description", h.text || "");
      schedule(this);
    } else if ((e.key === "Enter" || e.key === " ") && this.cursor && this.opts.clickable) {
      e.preventDefault();
      const h = this.cellHit(...this.cursor);
      if (h) this.send(h);
    } else if (e.key === "Escape") {
      this.cursor = null;
      this.showTip(null);
      schedule(this);
    }
  }

  save() {
    const out = document.createElement("canvas");
    out.width = this.canvas.width;
    out.height = this.canvas.height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = this.background || "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(this.canvas, 0, 0);
    const a = document.createElement("a");
    a.href = out.toDataURL("image/png");
    a.download = `${this.root.dataset.filename || "chart"}.png`;
    a.click();
  }
}

// ---- panels: a page section as one component (lab/ui/panel.py) ----
//
// Blocks of headings, text, readouts, tables and charts. Each block keeps its
// node while its content is unchanged, so a rerun rewrites only what moved.

function el(tag, cls, html) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (html != null) e.innerHTML = html; // markup made by lab/ui/markup.py (escaped)
  return e;
}

class Panel {
  constructor(root) {
    this.root = root;
    this.nodes = []; // [{sig, node, charts}]
    this.charts = new Map(); // chart name → Figure
  }

  update(blocks, setTriggerValue) {
    const keep = new Set();
    blocks.forEach((b, i) => {
      const sig = b.t === "figures" ? `figures:${b.cols}:${b.widths}:${b.items.map((c) => c.name).join(",")}` : JSON.stringify(b);
      let slot = this.nodes[i];
      if (!slot || slot.sig !== sig) {
        const node = this.build(b);
        if (slot) slot.node.replaceWith(node);
        else this.root.appendChild(node);
        slot = this.nodes[i] = { sig, node };
      }
      if (b.t === "figures") {
        b.items.forEach((c, k) => {
          keep.add(c.name);
          let fig = this.charts.get(c.name);
          const cell = slot.node.children[k];
          if (!fig || fig.root.parentNode !== cell) {
            const root = el("div", "normlab-figure");
            cell.replaceChildren(root);
            fig = new Figure(root);
            root.chart = fig;
            this.charts.set(c.name, fig);
          }
          fig.root.dataset.filename = c.filename;
          fig.update(revive(c.figure), {
            clickable: !!c.clickable,
            focus: c.focus || null,
            setTriggerValue: (name, value) => setTriggerValue(name, { ...value, chart: c.name }),
          });
        });
      }
    });
    for (const slot of this.nodes.splice(blocks.length)) slot.node.remove();
    for (const name of [...this.charts.keys()]) if (!keep.has(name)) this.charts.delete(name);
    // what the panel says, for tests that compare two views (its charts
    // record their own numbers)
    this.root.dataset.numbers = JSON.stringify(blocks.filter((b) => b.t !== "figures"));
  }

  build(b) {
    switch (b.t) {
      case "heading":
        return el("h3", "normlab-panel-heading", b.html);
      case "text":
        return el("div", "normlab-panel-text", b.html);
      case "formula":
        return el("div", "normlab-panel-formula", b.html);
      case "caption":
        return el("div", "normlab-panel-text normlab-panel-caption", b.html);
      case "callout":
        return el("div", `normlab-panel-text normlab-callout normlab-callout-${b.level}`, b.html);
      case "metrics": {
        const box = el("div", "normlab-panel-metrics");
        for (const [label, value, help] of b.items) {
          const cell = el("div", "normlab-metric");
          const head = el("div", "normlab-metric-label");
          head.append(el("span", null, null));
          head.firstChild.textContent = label;
          if (help) {
            const q = el("span", "normlab-help");
            q.textContent = "?";
            q.tabIndex = 0;
            q.title = help;
            q.setAttribute("aria-label", help);
            q.setAttribute("role", "img");
            head.append(q);
          }
          const v = el("div", "normlab-metric-value");
          v.textContent = value;
          cell.append(head, v);
          box.append(cell);
        }
        return box;
      }
      case "table": {
        const wrap = el("div", "normlab-panel-table");
        const t = el("table", "normlab-table");
        const tr = el("tr");
        b.head.forEach((h, k) => {
          const th = el("th", b.align[k] === "r" ? "normlab-num" : null, h);
          th.dataset.col = k;
          tr.append(th);
        });
        t.append(el("thead"));
        t.firstChild.append(tr);
        const body = el("tbody");
        for (const row of b.rows) {
          const r = el("tr");
          row.forEach((c, k) => {
            const td = el("td", b.align[k] === "r" ? "normlab-num" : null, c);
            td.dataset.label = b.head[k].replace(/<[^>]+>/g, "");
            r.append(td);
          });
          body.append(r);
        }
        t.append(body);
        wrap.append(t);
        return wrap;
      }
      case "figures": {
        const grid = el("div", "normlab-panel-figures");
        grid.style.setProperty("--cols", String(b.cols || 1));
        if (b.widths) grid.style.gridTemplateColumns = b.widths.map((w) => `minmax(0, ${w}fr)`).join(" ");
        for (let k = 0; k < b.items.length; k++) grid.append(el("div", "normlab-panel-cell"));
        return grid;
      }
      default:
        return el("div");
    }
  }
}

// Controls a panel says are off (lab/ui/panel.py show(off=)), by their
// container's class: dimmed (assets/style.css) and inert, so neither pointer
// nor keyboard reaches them, while the label and its help stay readable.
// Python draws them enabled: redrawing a control only to disable it would
// redraw the sidebar. Attributes React does not manage.
function switchOff(off) {
  const parts = '[data-testid="stSlider"] > :not([data-testid="stWidgetLabel"]), ' +
    '[data-testid="stButtonGroup"] > :not([data-testid="stWidgetLabel"])';
  for (const [cls, isOff] of Object.entries(off || {})) {
    for (const box of document.getElementsByClassName(cls)) {
      box.toggleAttribute("data-normlab-off", isOff);
      for (const part of box.querySelectorAll(parts)) part.inert = isOff;
    }
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data.off) switchOff(data.off);
  if (data.blocks) {
    let root = parentElement.querySelector(".normlab-panel");
    if (!root) {
      root = el("div", "normlab-panel");
      parentElement.appendChild(root);
      root.panel = new Panel(root);
    }
    try {
      root.panel.update(data.blocks, setTriggerValue);
    } catch (err) {
      root.textContent = `This part of the page could not be drawn: ${err.message}`;
    }
    return;
  }
  let root = parentElement.querySelector(".normlab-figure");
  if (!root) {
    root = document.createElement("div");
    root.className = "normlab-figure";
    parentElement.appendChild(root);
    root.chart = new Figure(root);
  }
  root.dataset.filename = data.filename;
  try {
    root.chart.update(revive(data.figure), {
      clickable: !!data.clickable,
      focus: data.focus || null,
      setTriggerValue,
    });
  } catch (err) {
    root.textContent = `The chart could not be drawn: ${err.message}`;
  }
}
