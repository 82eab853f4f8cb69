// Normalization Lab, the Tensor view's component (lab/tensor/tensor.js): Wu &
// He's cube, one of the component's panels (its base class Panel is in
// tensor.js).

// Wu & He's cube: N × C × (H·W) cells, C to the right, H·W up, N into the
// page (up and to the right); the focused cell's set solid blue, the cell
// itself orange, every other cell a small faint cube.
class Cube extends Panel {
  indexOf([n, c, h, w]) {
    const [, C, , W] = this.view.shape;
    const P = this.view.shape[2] * W;
    return (n * C + c) * P + h * W + w;
  }

  geometry() {
    const [N, C, H, W] = this.view.shape;
    const P = H * W;
    const width = this.size();
    const height = CUBE_HEIGHT[this.view.big ? "large" : "small"];
    const m = { left: 50, right: 44, top: 34, bottom: 50 };
    const kx = DEPTH * Math.cos(ANGLE), ky = DEPTH * Math.sin(ANGLE);
    const u = Math.min(
      (width - m.left - m.right) / (C + N * kx),
      (height - m.top - m.bottom) / (P + N * ky),
      this.view.big ? 56 : 40,
    );
    const blockW = (C + N * kx) * u, blockH = (P + N * ky) * u;
    const ox = m.left + (width - m.left - m.right - blockW) / 2;
    // as tall as the block needs: a narrow cube leaves no empty band below
    const tall = Math.ceil(Math.min(height, m.top + m.bottom + blockH));
    const oy = m.top + blockH;
    return { N, C, H, W, P, u, dx: kx * u, dy: -ky * u, ox, oy, width, height: tall };
  }

  // Where cell (n, c, p) drawn at fraction f of a cell sits: the front
  // face's lower left corner (x0, y0), its side s and one step along N
  // (ddx, ddy), written into ``out``: the faint cells and the hover place
  // every cell and allocate nothing for it.
  place(g, n, c, p, f, out = {}) {
    const pad = (1 - f) / 2;
    out.s = f * g.u;
    out.x0 = g.ox + (c + pad) * g.u + (n + pad) * g.dx;
    out.y0 = g.oy - (p + pad) * g.u + (n + pad) * g.dy;
    out.ddx = f * g.dx;
    out.ddy = f * g.dy;
    return out;
  }

  // Screen polygon of cell (n, c, p) drawn at fraction f of a cell.
  hexagon(g, n, c, p, f) {
    const { s, x0, y0, ddx, ddy } = this.place(g, n, c, p, f);
    return {
      front: [[x0, y0], [x0 + s, y0], [x0 + s, y0 - s], [x0, y0 - s]],
      top: [[x0, y0 - s], [x0 + s, y0 - s], [x0 + s + ddx, y0 - s + ddy], [x0 + ddx, y0 - s + ddy]],
      right: [[x0 + s, y0], [x0 + s + ddx, y0 + ddy], [x0 + s + ddx, y0 - s + ddy], [x0 + s, y0 - s]],
      outline: [
        [x0, y0], [x0 + s, y0], [x0 + s + ddx, y0 + ddy],
        [x0 + s + ddx, y0 - s + ddy], [x0 + ddx, y0 - s + ddy], [x0, y0 - s],
      ],
    };
  }

  kindOf(i, focusIndex, focusPool) {
    if (i === focusIndex) return "focus";
    return this.pool[i] === focusPool ? "set" : "other";
  }

  draw(th) {
    const g = this.geometry();
    this.g = g;
    const ctx = this.prepare(g.height);
    const { N, C, P, W } = g;
    const f = this.view.focus;
    const fi = this.indexOf(f);
    const fp = this.pool[fi];
    const colors = this.view.colors;
    const faces = {
      set: [shade(colors.set, 1), shade(colors.set, 1.35), shade(colors.set, 0.72)],
      focus: [shade(colors.focus, 1), shade(colors.focus, 1.3), shade(colors.focus, 0.75)],
    };
    const poly = (pts) => {
      ctx.beginPath();
      ctx.moveTo(pts[0][0], pts[0][1]);
      for (let k = 1; k < pts.length; k++) ctx.lineTo(pts[k][0], pts[k][1]);
      ctx.closePath();
    };
    // The block's outline behind the cells: its back, bottom and left faces.
    const corner = (n, c, p) => [g.ox + c * g.u + n * g.dx, g.oy - p * g.u + n * g.dy];
    ctx.strokeStyle = th.text;
    ctx.globalAlpha = 0.28;
    ctx.lineWidth = 1;
    const edges = [
      [[0, 0, 0], [0, C, 0]], [[0, 0, 0], [0, 0, P]], [[0, 0, 0], [N, 0, 0]],
      [[N, 0, 0], [N, C, 0]], [[N, 0, 0], [N, 0, P]], [[0, C, 0], [N, C, 0]],
      [[0, 0, P], [N, 0, P]], [[N, C, 0], [N, C, P]], [[N, 0, P], [N, C, P]],
      [[0, C, 0], [0, C, P]], [[0, 0, P], [0, C, P]], [[0, C, P], [N, C, P]],
    ];
    ctx.beginPath();
    for (const [a, b] of edges) {
      ctx.moveTo(...corner(...a));
      ctx.lineTo(...corner(...b));
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    // Back to front: far examples first, then bottom to top, left to right.
    // The faint cubes of one example are one path (one fill, one stroke): a
    // fill and a stroke per cube cost ~20 ms for four 8×12×16 cubes. Each
    // outline is `hexagon(...).outline` traced from `place` and closed with a
    // line back to its start: in Chromium closePath on a path of many
    // subpaths took 3× the time of that line, and the arrays `hexagon`
    // allocates per cell kept the garbage collector busy (~12 ms and ~9 ms
    // per move at 8×12×4×4, measured in a CPU profile).
    const at = {};
    let members = 0;
    for (let n = N - 1; n >= 0; n--) {
      ctx.beginPath();
      for (let i0 = n * C * P, i = i0; i < i0 + C * P; i++) {
        if (this.kindOf(i, fi, fp) !== "other") continue;
        const c = Math.floor((i - i0) / P), p = (i - i0) % P;
        const { s, x0, y0, ddx, ddy } = this.place(g, n, c, p, SIZE.other, at);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x0 + s, y0);
        ctx.lineTo(x0 + s + ddx, y0 + ddy);
        ctx.lineTo(x0 + s + ddx, y0 - s + ddy);
        ctx.lineTo(x0 + ddx, y0 - s + ddy);
        ctx.lineTo(x0, y0 - s);
        ctx.lineTo(x0, y0);
      }
      ctx.fillStyle = th.text;
      ctx.globalAlpha = 0.08;
      ctx.fill();
      ctx.globalAlpha = 0.3;
      ctx.strokeStyle = th.text;
      ctx.lineWidth = 0.8;
      ctx.stroke();
      ctx.globalAlpha = 1;
      for (let p = 0; p < P; p++) {
        for (let c = 0; c < C; c++) {
          const i = (n * C + c) * P + p;
          const kind = this.kindOf(i, fi, fp);
          if (kind === "other") continue;
          const hx = this.hexagon(g, n, c, p, SIZE[kind]);
          if (kind === "set") members++;
          const [front, top, right] = faces[kind];
          ctx.fillStyle = front;
          poly(hx.front);
          ctx.fill();
          ctx.fillStyle = top;
          poly(hx.top);
          ctx.fill();
          ctx.fillStyle = right;
          poly(hx.right);
          ctx.fill();
          poly(hx.outline);
          ctx.strokeStyle = kind === "focus" ? colors.outline : "rgba(0,0,0,0.35)";
          ctx.lineWidth = kind === "focus" ? scaled(2) : 0.8;
          ctx.stroke();
        }
      }
    }
    this.title(ctx, th);
    this.axes(ctx, th, g);
    const [fn, fc, fh, fw] = f;
    const k = members + 1;
    this.record({
      set: k,
      shape: this.view.shape,
      label:
        `Focused cell: example ${fn}, channel ${fc}, position (${fh}, ${fw}), ` +
        `${this.spec.label} = ${fmt(this.z[fi])}, ` +
        `${this.spec.other_label} = ${fmt(this.other[fi])}; ` +
        (k === 1 ? "only this cell goes into its mean and variance." : `${k} cells share its mean and variance.`),
    });
    this.canvas.dataset.set = String(members + 1);
  }

  axes(ctx, th, g) {
    const { N, C, P, W, u } = g;
    ctx.fillStyle = th.text;
    ctx.globalAlpha = 0.85;
    ctx.font = `${scaled(12)}px ${th.font}`;
    // C along the front bottom edge
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const cstep = Math.max(1, Math.ceil(16 / u));
    for (let c = 0; c < C; c += cstep) ctx.fillText(String(c), g.ox + (c + 0.5) * u, g.oy + 4);
    ctx.font = `600 ${scaled(14)}px ${th.font}`;
    ctx.fillText("C", g.ox + (C * u) / 2, g.oy + 20);
    // H·W up the front left edge, as "h,w"
    ctx.font = `${scaled(12)}px ${th.font}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const pstep = Math.max(1, Math.ceil(15 / u));
    for (let p = 0; p < P; p += pstep) {
      ctx.fillText(`${Math.floor(p / W)},${p % W}`, g.ox - 5, g.oy - (p + 0.5) * u);
    }
    ctx.save();
    ctx.translate(Math.max(12, g.ox - 40), g.oy - (P * u) / 2); // beside its ticks
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.font = `600 ${scaled(14)}px ${th.font}`;
    ctx.fillText("H·W", 0, 0);
    ctx.restore();
    // N along the bottom right edge, receding
    ctx.font = `${scaled(12)}px ${th.font}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    const step = Math.hypot(g.dx, g.dy);
    const nstep = Math.max(1, Math.ceil(14 / step));
    const x1 = g.ox + C * u;
    for (let n = 0; n < N; n += nstep) {
      ctx.fillText(String(n), x1 + (n + 0.5) * g.dx + 5, g.oy + (n + 0.5) * g.dy + 1);
    }
    ctx.font = `600 ${scaled(14)}px ${th.font}`;
    ctx.fillText("N", x1 + N * g.dx + 8, g.oy + N * g.dy - 6);
    ctx.globalAlpha = 1;
  }

  // Front to back: the first drawn shape under the pointer is the one seen.
  // Runs on every mouse move over a cube (the browser sends one after each
  // layout too), so a cell whose box misses the pointer is passed over
  // before its outline is built: at 8×12×4×4 that was ~1,500 outlines of
  // arrays per move.
  cellAt([x, y]) {
    const g = this.g;
    if (!g) return null;
    const { N, C, P, W } = g;
    const fi = this.indexOf(this.view.focus);
    const fp = this.pool[fi];
    const at = {};
    for (let n = 0; n < N; n++) {
      for (let p = P - 1; p >= 0; p--) {
        for (let c = C - 1; c >= 0; c--) {
          const i = (n * C + c) * P + p;
          const f = SIZE[this.kindOf(i, fi, fp)];
          // the outline's box first
          const { s, x0, y0, ddx, ddy } = this.place(g, n, c, p, f, at);
          if (x < x0 + Math.min(0, ddx) || x > x0 + s + Math.max(0, ddx)) continue;
          if (y < y0 - s + Math.min(0, ddy) || y > y0 + Math.max(0, ddy)) continue;
          const hx = this.hexagon(g, n, c, p, f);
          if (inConvex(hx.outline, x, y)) return [n, c, Math.floor(p / W), p % W];
        }
      }
    }
    return null;
  }

  // A point (canvas coordinates) where a click reaches cell f, or null.
  pointOf(f) {
    const g = this.g;
    if (!g) return null;
    const [n, c, h, w] = f;
    const p = h * g.W + w;
    const i = this.indexOf(f);
    const kind = this.kindOf(i, this.indexOf(this.view.focus), this.pool[this.indexOf(this.view.focus)]);
    const hx = this.hexagon(g, n, c, p, SIZE[kind]);
    const centre = (pts) => [
      pts.reduce((s, q) => s + q[0], 0) / pts.length,
      pts.reduce((s, q) => s + q[1], 0) / pts.length,
    ];
    for (const face of [hx.front, hx.top, hx.right]) {
      const pt = centre(face);
      const got = this.cellAt(pt);
      if (got && got.every((v, k) => v === f[k])) return pt;
    }
    return null;
  }

  moves() {
    return {
      ArrowLeft: [1, -1], ArrowRight: [1, 1], ArrowUp: [2, 1], ArrowDown: [2, -1],
      PageUp: [0, 1], PageDown: [0, -1],
    };
  }
}
