// Normalization Lab, the figure component (lab/ui/figure.js): data from
// Python, number formats, ticks, colours, and one animation frame for every
// chart an update changed.

const DEFAULT_MARGIN = { l: 60, r: 14, t: 40, b: 46 };
const DASH = { solid: [], dot: [2, 3], dash: [6, 4], dashdot: [6, 3, 2, 3], longdash: [10, 4] };
const PALETTE = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3"];

// ---- data ----

// {"__f32": base64, "shape": [...]} → Float32Array with .shape (and the
// base64 it came as, .b64, which `record` writes instead of its numbers);
// everything else as sent.
function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (typeof v.__f32 === "string") {
      const a = decode(v.__f32);
      a.shape = v.shape;
      a.b64 = v.__f32;
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
