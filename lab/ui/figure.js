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
//
// The component's files, in the order lab/ui/figure.py loads them:
// figure_base.js (data, numbers, ticks, colours), this file (the Figure class and the component's entry), figure_axes.js,
// figure_traces.js and figure_input.js (more of Figure's methods), panel.js.

class Figure {
  constructor(root) {
    this.root = root;
    this.el = document.createElement("div");
    this.el.className = "normlab-line";
    chartParts(this, "chart");
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
    this.el.chart = this;
    this.observer = widthWatcher("chart", () => this.fig && schedule(this));
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
    // An array Python sent as float32 is written as the base64 it came as:
    // exact, and free. As decimals, the Sequences page's two largest heatmaps
    // wrote 711 kB of text on every draw (~5 ms of a click's script, measured
    // alternating with the old code).
    const exact = (v) => (v instanceof Float32Array && v.b64 ? `f32:${v.b64}` : null);
    const arr = (v) => (v == null ? null : exact(v) ?? Array.from(seq(v)));
    this.root.dataset.title = this.title();
    this.root.dataset.numbers = JSON.stringify({
      title: this.title(),
      traces: this.traces.map(({ t, type }) => [
        type,
        t.name ?? null,
        arr(t.x),
        arr(t.y),
        t.z == null ? null : t.z instanceof Float32Array ? arr(t.z) : t.z,
        t.customdata == null ? null : t.customdata instanceof Float32Array ? arr(t.customdata) : t.customdata,
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
    // The width read here is kept, rounded as the width watcher rounds it
    // (kit.js): its first report of the same width must not draw a new chart
    // a second time (it did, on every chart a panel added: a Batch coupling
    // view switch drew both twice).
    if (!this.width && this.el.clientWidth) this.width = Math.round(this.el.clientWidth);
    const width = this.width || 420;
    // sizes at the page's scale: larger for a presenter (scaled: lab/ui/kit.js)
    const height = Math.min(scaled(L.height || 400), heightCap);
    const m = Object.fromEntries(
      Object.entries({ ...DEFAULT_MARGIN, ...(L.margin || {}) }).map(([k, v]) => [k, scaled(v)]),
    );
    const bar = this.traces.some((tr) => tr.type === "heatmap" && tr.t.showscale !== false && this.isShown(tr));
    const right = m.r + (bar ? scaled(46) : 0);
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
    const ctx = fitCanvas(this.canvas, box.width, box.height);
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
      this.canvas.dataset.plot = [xa.px[0], ya.px[0], xa.px[1] - xa.px[0], ya.px[1] - ya.px[0]].map((v) => v.toFixed(1)).join(",");
    }
    const heat = this.traces.find((tr) => tr.type === "heatmap");
    if (heat) this.canvas.dataset.shape = shape2(heat.t.z).join(",");
  }

  frame(ctx, xa, ya) {
    ctx.save();
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = 1;
    ctx.strokeRect(xa.px[0] + 0.5, ya.px[0] + 0.5, xa.px[1] - xa.px[0] - 1, ya.px[1] - ya.px[0] - 1);
    ctx.restore();
  }

  // ---- hover, click, keys ----

  save() {
    savePng(this.canvas, this.background, this.root.dataset.filename || "chart");
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
