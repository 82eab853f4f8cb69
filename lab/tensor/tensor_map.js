// Normalization Lab, the Tensor view's component (lab/tensor/tensor.js): the
// unfolded N × (C·H·W) maps, one of the component's panels (its base class
// Panel is in tensor.js).

// A flat map: the unfolded N × (C·H·W) tensor, or one example's C × (H·W).
class FlatMap extends Panel {
  update(spec) {
    super.update(spec);
    this.stops = flatStops(spec.colorscale.map(([p, hex]) => [p, hexToRgb(hex)]));
  }

  // (row, col) of a focus, and back
  rc([n, c, h, w]) {
    const s = this.spec, W = this.view.shape[3], P = this.view.shape[2] * W;
    return s.layout === "unfolded" ? [n, c * P + h * W + w] : [c, h * W + w];
  }

  focusOf(r, col) {
    const W = this.view.shape[3], P = this.view.shape[2] * W;
    if (this.spec.layout === "unfolded") {
      const c = Math.floor(col / P), q = col % P;
      return [r, c, Math.floor(q / W), q % W];
    }
    return [this.spec.example, r, Math.floor(col / W), col % W];
  }

  indexOf(f) {
    const [r, c] = this.rc(f);
    return r * this.spec.cols + c;
  }

  box() {
    const width = this.size();
    // raw over normalized: a presenter's pair fits under the page's header
    // together (heightCap: lab/ui/kit.js)
    const height = Math.min(this.spec.height, Math.max(120, heightCap / 2));
    const right = MAP_MARGIN.right + (this.spec.showscale ? SCALE_WIDTH : 0);
    return {
      width, height, x: MAP_MARGIN.left, y: MAP_MARGIN.top,
      w: Math.max(40, width - MAP_MARGIN.left - right),
      h: height - MAP_MARGIN.top - MAP_MARGIN.bottom,
    };
  }

  outline(f) {
    if (!this.pool) return null;
    const { rows, cols } = this.spec;
    const id = this.pool[this.indexOf(f)];
    let r0 = rows, r1 = -1, c0 = cols, c1 = -1;
    for (let i = 0; i < this.pool.length; i++) {
      if (this.pool[i] !== id) continue;
      const y = (i / cols) | 0, x = i % cols;
      if (y < r0) r0 = y;
      if (y > r1) r1 = y;
      if (x < c0) c0 = x;
      if (x > c1) c1 = x;
    }
    return [r0, r1, c0, c1];
  }

  draw(th) {
    const s = this.spec;
    const { rows, cols, zmax } = s;
    const box = this.box();
    this.b = box;
    const ctx = this.prepare(box.height);
    paintCells(this, ctx, this.z, rows, cols, this.stops, zmax, box);
    const cw = box.w / cols, ch = box.h / rows;
    if (s.block > 1) {
      ctx.strokeStyle = th.background;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let k = s.block; k < cols; k += s.block) {
        ctx.moveTo(box.x + k * cw, box.y);
        ctx.lineTo(box.x + k * cw, box.y + box.h);
      }
      ctx.stroke();
    }
    this.title(ctx, th);
    ctx.fillStyle = th.text;
    ctx.globalAlpha = 0.85;
    ctx.font = `${scaled(12)}px ${th.font}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    let last = -Infinity;
    for (const [pos, text] of s.xticks) {
      const x = box.x + (pos + 0.5) * cw;
      const wtext = ctx.measureText(text).width;
      if (x - wtext / 2 < last + 6) continue;
      ctx.fillText(text, x, box.y + box.h + 4);
      last = x + wtext / 2;
    }
    ctx.fillText(s.xlabel, box.x + box.w / 2, box.y + box.h + 22);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const ystep = Math.max(1, Math.ceil(14 / ch));
    for (let r = 0; r < rows; r += ystep) {
      ctx.fillText(String(r), box.x - 6, box.y + (r + 0.5) * ch);
    }
    if (s.ylabel) {
      ctx.save();
      ctx.translate(12, box.y + box.h / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center";
      ctx.fillText(s.ylabel, 0, 0);
      ctx.restore();
    }
    ctx.globalAlpha = 1;
    if (s.showscale) this.scale(ctx, box, th);
    const f = this.view.focus;
    const [fr, fc] = this.rc(f);
    const rect = (a0, a1, b0, b1, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = scaled(width);
      ctx.strokeRect(box.x + b0 * cw, box.y + a0 * ch, (b1 - b0 + 1) * cw, (a1 - a0 + 1) * ch);
    };
    const out = this.outline(f);
    const colors = this.view.colors;
    if (out) {
      rect(...out, colors.halo, 5);
      rect(...out, colors.outline, 2.5);
    }
    rect(fr, fr, fc, fc, colors.halo, 3);
    rect(fr, fr, fc, fc, colors.outline, 1.5);
    const i = this.indexOf(f);
    const [fn, fcc, fh, fw] = f;
    this.record({
      outline: out,
      shape: [rows, cols],
      label:
        `Focused cell: example ${fn}, channel ${fcc}, position (${fh}, ${fw}), ` +
        `${s.label} = ${fmt(this.z[i])}.`,
    });
    this.canvas.dataset.shape = `${rows},${cols}`;
    this.canvas.dataset.plot = [box.x, box.y, box.w, box.h].map((v) => v.toFixed(1)).join(",");
    this.canvas.dataset.outline = out ? out.join(",") : "";
  }

  scale(ctx, box, th) {
    colorBar(ctx, this.stops, box, this.spec.zmax, th);
  }

  cellAt([x, y]) {
    const b = this.b;
    if (!b) return null;
    const { rows, cols } = this.spec;
    const c = Math.floor(((x - b.x) / b.w) * cols);
    const r = Math.floor(((y - b.y) / b.h) * rows);
    return r >= 0 && r < rows && c >= 0 && c < cols ? this.focusOf(r, c) : null;
  }

  pointOf(f) {
    const b = this.b;
    if (!b) return null;
    const [r, c] = this.rc(f);
    return [b.x + ((c + 0.5) / this.spec.cols) * b.w, b.y + ((r + 0.5) / this.spec.rows) * b.h];
  }

  moves() {
    if (this.spec.layout === "unfolded") {
      return {
        ArrowLeft: [3, -1], ArrowRight: [3, 1], ArrowUp: [0, -1], ArrowDown: [0, 1],
      };
    }
    return { ArrowLeft: [3, -1], ArrowRight: [3, 1], ArrowUp: [1, -1], ArrowDown: [1, 1] };
  }

  key(e) {
    // Left/right walk the row cell by cell (across channel blocks when unfolded).
    const m = this.moves()[e.key];
    if (!m) return;
    e.preventDefault();
    const [r, col] = this.rc(this.view.focus);
    const nr = m[0] === 3 ? r : r + m[1];
    const nc = m[0] === 3 ? col + m[1] : col;
    if (nr < 0 || nr >= this.spec.rows || nc < 0 || nc >= this.spec.cols) return;
    this.view.setFocus(this.focusOf(nr, nc));
  }
}
