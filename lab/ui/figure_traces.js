// Normalization Lab, the figure component (lab/ui/figure.js): drawing the
// traces (heatmaps, bars, lines and markers), shapes and annotations. Methods
// of Figure, kept apart so that no file of the component passes 500 lines.

Object.assign(Figure.prototype, {
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
  },

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
  },

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
  },

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
      ctx.lineWidth = scaled(line.width ?? 2);
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
  },

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
        ctx.lineWidth = scaled(line.width ?? 2);
        ctx.setLineDash(DASH[line.dash] || []);
        ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      }
    } else {
      ctx.strokeStyle = ink(line.color || "#444", this.th);
      ctx.lineWidth = scaled(line.width ?? 2);
      ctx.setLineDash(DASH[line.dash] || []);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
    }
    ctx.restore();
  },

  annotation(ctx, an, axes, box, th, font) {
    const x = this.refPos(an.xref || "x", an.x, axes, box, "x", true);
    const y = this.refPos(an.yref || "y", an.y, axes, box, "y", true);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const lines = plainText(an.text).split("\n");
    const size = scaled((an.font && an.font.size) || 12);
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
  },
});
