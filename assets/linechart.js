// Normalization Lab: the "Why normalize" page's line charts, drawn on <canvas>.
//
// Why not st.plotly_chart: Streamlit remounts a Plotly chart whenever its figure
// changes, and one chart costs 12–34 ms to redraw in a browser without a GPU
// (bench/latency.py); the learning-rate picker changes five. A canvas draws the
// same lines in about a millisecond and is updated in place. Everything drawn
// comes from Python (lab.why_figures.canvas_spec re-packs the Plotly figures):
// the traces' numbers, axes, guides, hover texts, colours of the series.
// The legend (buttons) shows or hides a series; hover shows the nearest point's
// values; "PNG" saves the picture as drawn.

const MARGIN = { left: 62, right: 14, top: 34, bottom: 46 };
const DASH = { solid: [], dot: [2, 3], dash: [6, 4] };

function decode(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function theme(el) {
  const css = getComputedStyle(el);
  return {
    text: css.getPropertyValue("--st-text-color").trim() || "#31333f",
    font: css.getPropertyValue("--st-font").trim() || "sans-serif",
    background: css.getPropertyValue("--st-background-color").trim() || "#ffffff",
  };
}

// d3-style number formats, the few the figures use: ".3f", ".2g", ".3g", ".2~g".
function format(v, spec) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  let s;
  const m = /^\.(\d+)(~?)([fg])$/.exec(spec || "");
  if (!m) s = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  else if (m[3] === "f") s = v.toFixed(Number(m[1]));
  else {
    s = v.toPrecision(Number(m[1]));
    if (s.includes("e")) s = String(Number(s));
    if (m[2] && s.includes(".") && !s.includes("e")) s = s.replace(/\.?0+$/, "");
  }
  return s.replace("-", "−");
}

// Plotly's hover template: %{x}, %{y:.3g}, %{customdata:.3f}, <br>, <extra>.
function hoverText(template, x, y, c) {
  const vals = { x, y, customdata: c };
  return template
    .replace(/<extra>.*?<\/extra>/g, "")
    .replace(/%\{(\w+)(?::([^}]*))?\}/g, (_, k, f) => format(vals[k], f))
    .replace(/<br>/g, "\n");
}

function linearTicks(lo, hi, n) {
  const span = hi - lo || 1;
  const raw = span / n;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * span; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return ticks;
}

// Log ticks at 1, 2, 5 × 10^k (fewer when the range spans many decades).
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

// Every chart changed by one update is drawn in the same animation frame, with
// the theme read once: getComputedStyle in the middle of Streamlit's update
// forces a style recalculation of the page, once per chart otherwise.
const pending = new Set();
let frame = 0;
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
      } catch (err) {
        c.el.textContent = `The chart could not be drawn: ${err.message}`;
      }
    }
  });
}

class Chart {
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
    this.hidden = new Map(); // legend group → hidden, as the user set it
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => (this.tip.style.display = "none"));
    this.button.addEventListener("click", () => this.save());
    this.observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w && w !== this.width) {
        this.width = w;
        if (this.spec) schedule(this);
      }
    });
    this.observer.observe(this.el);
  }

  update(spec) {
    this.spec = spec;
    this.traces = spec.traces.map((t) => ({
      ...t,
      xs: decode(t.x),
      ys: decode(t.y),
      cs: t.custom ? decode(t.custom) : null,
    }));
    // A group the user has not touched keeps the figure's own visibility.
    for (const t of this.traces) {
      if (!this.hidden.has(t.group) && t.legend) this.hidden.set(t.group, !t.visible);
    }
    this.buildLegend();
    this.record();
    schedule(this);
  }

  isShown(t) {
    return this.hidden.has(t.group) ? !this.hidden.get(t.group) : t.visible;
  }

  buildLegend() {
    const items = this.traces.filter((t) => t.legend);
    const sig = items.map((t) => `${t.group}|${t.name}|${t.color}`).join(";");
    if (sig !== this.legendSig) {
      this.legendSig = sig;
      this.legend.replaceChildren();
      for (const t of items) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "normlab-legend-item";
        b.dataset.group = t.group;
        const swatch = document.createElement("span");
        swatch.className = "normlab-swatch";
        // A band's entry takes the colour of the line drawn with it.
        const line = this.traces.find((u) => u.group === t.group && !u.fill && u.lines);
        swatch.style.background = t.fill && line ? line.color : t.color;
        if (t.dash !== "solid") swatch.classList.add("normlab-swatch-dash");
        b.append(swatch, document.createTextNode(t.name));
        b.addEventListener("click", () => {
          this.hidden.set(t.group, !this.hidden.get(t.group));
          this.syncLegend();
          schedule(this);
        });
        this.legend.appendChild(b);
      }
      // The PNG button ends the legend row: over the canvas it hid the end
      // of a long title on narrow charts (projector at 150%).
      this.legend.appendChild(this.button);
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

  // What the chart shows, as numbers, for tests that compare two views (a
  // canvas has no DOM to read): title, and each series' name, x, y, values.
  record() {
    const s = this.spec;
    this.el.dataset.title = s.title;
    this.el.dataset.numbers = JSON.stringify({
      title: s.title,
      axes: [s.x_title, s.y_title],
      traces: this.traces.map((t) => [
        t.name,
        Array.from(t.xs),
        Array.from(t.ys),
        t.cs ? Array.from(t.cs) : null,
      ]),
      guides: s.guides.map((g) => [g.axis, g.at, g.label]),
    });
    const shown = this.traces.filter((t) => t.legend).map((t) => t.name);
    this.canvas.setAttribute(
      "aria-label",
      `${s.title}. Horizontal axis: ${s.x_title}. Vertical axis: ${s.y_title}. ` +
        `Series: ${shown.join(", ")}. Hover a point for its values.`,
    );
  }

  ranges() {
    const s = this.spec;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const t of this.traces) {
      for (let i = 0; i < t.xs.length; i++) {
        const x = t.xs[i], y = t.ys[i];
        if (Number.isFinite(x) && (!s.x_log || x > 0)) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
        }
        if (!this.isShown(t)) continue;
        if (Number.isFinite(y) && (!s.y_log || y > 0)) {
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (!(x1 >= x0)) [x0, x1] = s.x_log ? [1, 10] : [0, 1];
    if (s.x_ticks) {
      x0 = Math.min(x0, ...s.x_ticks.at);
      x1 = Math.max(x1, ...s.x_ticks.at);
    }
    const xpad = s.x_log ? Math.pow(x1 / x0, 0.04) : (x1 - x0) * 0.03 || 0.5;
    const X = s.x_log ? [x0 / xpad, x1 * xpad] : [x0 - xpad, x1 + xpad];
    let Y;
    if (s.y_range) Y = s.y_range;
    else {
      if (!(y1 >= y0)) [y0, y1] = s.y_log ? [0.1, 1] : [0, 1];
      if (s.y_log) {
        if (y1 / y0 < 3) [y0, y1] = [y0 / 1.7, y1 * 1.7];
        const p = Math.pow(y1 / y0, 0.05);
        Y = [y0 / p, y1 * p];
      } else {
        const p = (y1 - y0) * 0.06 || Math.abs(y0) * 0.1 || 1;
        Y = [y0 - p, y1 + p];
      }
    }
    return { X, Y };
  }

  box() {
    const width = this.width || this.el.clientWidth || 420;
    const height = this.spec.height || 400;
    return {
      width, height,
      x: MARGIN.left, y: MARGIN.top,
      w: Math.max(40, width - MARGIN.left - MARGIN.right),
      h: Math.max(40, height - MARGIN.top - MARGIN.bottom),
    };
  }

  scales(box, X, Y) {
    const s = this.spec;
    const f = (log, [a, b], lo, len, flip) => {
      const A = log ? Math.log10(a) : a, B = log ? Math.log10(b) : b;
      return (v) => {
        const u = ((log ? Math.log10(v) : v) - A) / (B - A);
        return flip ? lo + len - u * len : lo + u * len;
      };
    };
    return {
      sx: f(s.x_log, X, box.x, box.w, false),
      sy: f(s.y_log, Y, box.y, box.h, true),
    };
  }

  draw(th) {
    const s = this.spec;
    const box = this.box();
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
    const { X, Y } = this.ranges();
    const { sx, sy } = this.scales(box, X, Y);
    this.view = { box, sx, sy };
    const font = th.font;
    // Grid and ticks.
    ctx.font = `12px ${font}`;
    ctx.fillStyle = th.text;
    ctx.strokeStyle = th.text;
    ctx.lineWidth = 1;
    const yt = s.y_log ? logTicks(Y[0], Y[1], 6) : linearTicks(Y[0], Y[1], 6);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of yt) {
      const y = sy(v);
      if (y < box.y - 0.5 || y > box.y + box.h + 0.5) continue;
      ctx.globalAlpha = 0.12;
      ctx.beginPath();
      ctx.moveTo(box.x, Math.round(y) + 0.5);
      ctx.lineTo(box.x + box.w, Math.round(y) + 0.5);
      ctx.stroke();
      ctx.globalAlpha = 0.8;
      ctx.fillText(format(v, s.y_log ? ".2~g" : ".3~g"), box.x - 6, y);
    }
    let xt, xl;
    if (s.x_ticks) [xt, xl] = [s.x_ticks.at, s.x_ticks.text];
    else {
      xt = s.x_log ? logTicks(X[0], X[1], 6) : linearTicks(X[0], X[1], Math.max(3, box.w / 90));
      xl = xt.map((v) => format(v, ".3~g"));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    let lastRight = -Infinity;
    xt.forEach((v, i) => {
      const x = sx(v);
      if (x < box.x - 0.5 || x > box.x + box.w + 0.5) return;
      ctx.globalAlpha = 0.12;
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, box.y);
      ctx.lineTo(Math.round(x) + 0.5, box.y + box.h);
      ctx.stroke();
      const w = ctx.measureText(xl[i]).width;
      if (x - w / 2 < lastRight + 4) return; // keep labels apart
      lastRight = x + w / 2;
      ctx.globalAlpha = 0.8;
      ctx.fillText(xl[i], x, box.y + box.h + 5);
    });
    ctx.globalAlpha = 0.35;
    ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w - 1, box.h - 1);
    // Titles.
    ctx.globalAlpha = 1;
    // The title in full: a smaller font on a narrow chart, never cut.
    let size = 15;
    ctx.font = `600 ${size}px ${font}`;
    while (size > 11 && ctx.measureText(s.title).width > box.width - 8) {
      size -= 1;
      ctx.font = `600 ${size}px ${font}`;
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(s.title, 4, 20, box.width - 8);
    ctx.font = `13px ${font}`;
    ctx.globalAlpha = 0.85;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(s.x_title, box.x + box.w / 2, box.height - 4);
    ctx.save();
    ctx.translate(14, box.y + box.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(s.y_title, 0, 0, box.h);
    ctx.restore();
    // The data, clipped to the plot.
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.x, box.y, box.w, box.h);
    ctx.clip();
    ctx.globalAlpha = 1;
    for (const t of this.traces) {
      if (!this.isShown(t)) continue;
      const n = t.xs.length;
      const ok = (i) =>
        Number.isFinite(t.ys[i]) && Number.isFinite(t.xs[i]) &&
        (!s.y_log || t.ys[i] > 0) && (!s.x_log || t.xs[i] > 0);
      if (t.fill) {
        ctx.fillStyle = t.fill;
        ctx.beginPath();
        let started = false;
        for (let i = 0; i < n; i++) {
          if (!ok(i)) continue;
          const x = sx(t.xs[i]), y = sy(t.ys[i]);
          if (started) ctx.lineTo(x, y);
          else (ctx.moveTo(x, y), (started = true));
        }
        ctx.closePath();
        ctx.fill();
      }
      if (t.lines) {
        ctx.strokeStyle = t.color;
        ctx.lineWidth = t.width;
        ctx.setLineDash(DASH[t.dash] || []);
        ctx.lineJoin = "round";
        ctx.beginPath();
        let started = false;
        for (let i = 0; i < n; i++) {
          if (!ok(i)) { started = false; continue; }
          const x = sx(t.xs[i]), y = sy(t.ys[i]);
          if (started) ctx.lineTo(x, y);
          else (ctx.moveTo(x, y), (started = true));
        }
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (t.markers) {
        const r = t.size / 2;
        ctx.fillStyle = t.marker_color;
        ctx.strokeStyle = t.marker_color;
        for (let i = 0; i < n; i++) {
          if (!ok(i)) continue;
          const x = sx(t.xs[i]), y = sy(t.ys[i]);
          ctx.beginPath();
          if (t.symbol === "x-thin") {
            ctx.lineWidth = 2;
            ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
            ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
            ctx.stroke();
          } else if (t.symbol === "circle-open") {
            ctx.lineWidth = 2.5;
            ctx.arc(x, y, r, 0, 2 * Math.PI);
            ctx.stroke();
          } else {
            ctx.arc(x, y, r, 0, 2 * Math.PI);
            ctx.fill();
          }
        }
      }
    }
    ctx.restore();
    // Guides: horizontal lines with their label, vertical markers.
    ctx.strokeStyle = "#888888";
    ctx.fillStyle = "#888888";
    ctx.font = `12px ${font}`;
    for (const g of s.guides) {
      ctx.lineWidth = g.width;
      ctx.setLineDash(DASH[g.dash] || []);
      ctx.beginPath();
      if (g.axis === "y") {
        const y = sy(g.at);
        if (y < box.y || y > box.y + box.h) continue;
        ctx.moveTo(box.x, y);
        ctx.lineTo(box.x + box.w, y);
        ctx.stroke();
        if (g.label) {
          ctx.textAlign = "right";
          ctx.textBaseline = "bottom";
          ctx.fillText(g.label, box.x + box.w - 4, y - 2);
        }
      } else {
        const x = sx(g.at);
        ctx.moveTo(x, box.y);
        ctx.lineTo(x, box.y + box.h);
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    this.background = th.background;
  }

  hover(e) {
    if (!this.view) return;
    const rect = this.canvas.getBoundingClientRect();
    const mx = e.clientX - rect.left, my = e.clientY - rect.top;
    const { sx, sy } = this.view;
    let best = null, bestD = 24 * 24;
    for (const t of this.traces) {
      if (!t.hover || !this.isShown(t)) continue;
      for (let i = 0; i < t.xs.length; i++) {
        const x = sx(t.xs[i]), y = sy(t.ys[i]);
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        const d = (x - mx) ** 2 + (y - my) ** 2;
        if (d < bestD) [bestD, best] = [d, [t, i, x, y]];
      }
    }
    if (!best) {
      this.tip.style.display = "none";
      return;
    }
    const [t, i, x, y] = best;
    this.tip.textContent = hoverText(t.hover, t.xs[i], t.ys[i], t.cs ? t.cs[i] : NaN);
    this.tip.style.display = "block";
    this.tip.style.borderLeft = `4px solid ${t.color}`;
    const left = x + 12 + 220 > rect.width ? x - 12 - this.tip.offsetWidth : x + 12;
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${Math.max(0, y - 20)}px`;
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

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".normlab-lines");
  if (!root) {
    root = document.createElement("div");
    root.className = "normlab-lines";
    parentElement.appendChild(root);
    root.chart = new Chart(root);
  }
  root.dataset.filename = data.filename;
  try {
    root.chart.update(data.spec);
  } catch (err) {
    root.textContent = `The chart could not be drawn: ${err.message}`;
  }
}
