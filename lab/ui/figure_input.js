// Normalization Lab, the figure component (lab/ui/figure.js): hover, click and
// keyboard. Methods of Figure, kept apart so that no file of the component
// passes 500 lines.

Object.assign(Figure.prototype, {
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
  },

  heatTrace() {
    return this.traces.find((tr) => tr.type === "heatmap" && this.isShown(tr));
  },

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
  },

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
  },

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
  },

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
  },

  mouse(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  },

  hover(e) {
    const h = this.hit(...this.mouse(e));
    this.showTip(h);
    this.canvas.style.cursor = h && this.opts.clickable ? "pointer" : "";
  },

  click(e) {
    if (!this.opts.clickable) return;
    const h = this.hit(...this.mouse(e));
    if (h) this.send(h);
  },

  send(h) {
    this.opts.setTriggerValue("click", {
      x: typeof h.x === "number" ? h.x : String(h.x),
      y: typeof h.y === "number" ? h.y : String(h.y),
      curve: h.trace.i,
      index: h.index,
    });
  },

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
  },
});
