// Normalization Lab, the figure component (lab/ui/figure.js): axes, ticks,
// the colour bar and the title. Methods of Figure, kept apart so that no file
// of the component passes 500 lines (tests/test_layout.py).

Object.assign(Figure.prototype, {
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
  },

  ticks(ctx, a, axes, th, font) {
    const s = a.spec;
    const other = axes[axisName(s.anchor || (a.letter === "x" ? "y" : "x"), a.letter === "x" ? "y" : "x")]
      || Object.values(axes).find((o) => o.letter !== a.letter);
    if (!other || !a.map) return;
    const ticks = this.tickValues(a);
    const grid = s.showgrid !== false && !this.traces.some((tr) => tr.type === "heatmap" && (tr.xa === a.name || tr.ya === a.name));
    const labels = s.showticklabels !== false;
    ctx.save();
    ctx.font = `${scaled(12)}px ${font}`;
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
      ctx.font = `${scaled(13)}px ${font}`;
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
  },

  labelWidth(ctx, ticks, font) {
    ctx.save();
    ctx.font = `${scaled(12)}px ${font}`;
    let w = 0;
    for (const [, text] of ticks) w = Math.max(w, ctx.measureText(text).width);
    ctx.restore();
    return w;
  },

  // the x extent of the subplot a y axis belongs to
  pairXs(ya) {
    const p = this.pairs.find(([, y]) => y === ya);
    return p ? p[0].px : [this.view.box.x, this.view.box.x + this.view.box.w];
  },

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
  },

  titleText(ctx, box, th, font) {
    const text = this.title();
    if (!text) return;
    const t = (this.fig.layout || {}).title || {};
    let size = scaled((t.font && t.font.size) || 15);
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
  },

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
    ctx.font = `${scaled(11)}px ${font}`;
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
  },
});
