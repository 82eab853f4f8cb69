// Normalization Lab: the Tensor view's pictures, drawn on <canvas>.
//
// Why not Plotly: the page drew Wu & He's cube as four 3-D Plotly scenes, and a
// browser without a GPU (headless Chromium here, many students' laptops) spent
// seconds drawing them in software WebGL on every change (first view ~9 s, a
// click ~7 s; bench/latency.py --pages tensor). Here each cube is a 2-D
// oblique projection of the N × C × (H·W) grid of small cubes, painted back to
// front in a few milliseconds, and the flat maps are scaled images as on the
// Lab page. A click on a cube or a map cell moves the focus in the browser at
// once and tells Python; hover shows the cell's raw and normalized value;
// arrow keys move the focus. Everything drawn comes from Python
// (lab.tensor.cube_panels, unfolded_panels, pitfall_panels): values, sets (as
// the statistic each cell uses), colours, titles, captions.

const CUBE_HEIGHT = { small: 340, large: 470 };
const MAP_MARGIN = { left: 50, right: 12, top: 30, bottom: 44 };
const SCALE_WIDTH = 56;
const DEPTH = 0.55; // length of one step along N, in cube widths
const ANGLE = (35 * Math.PI) / 180; // N recedes up and to the right
const SIZE = { set: 0.84, focus: 0.92, other: 0.5 }; // of a cell's width

function decode(b64, Type) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Type(bytes.buffer);
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function shade(hex, k) {
  // k > 1 lighter, k < 1 darker: the three visible faces of a cube
  const [r, g, b] = hexToRgb(hex);
  const f = (v) => Math.round(k >= 1 ? v + (255 - v) * (k - 1) : v * k);
  return `rgb(${f(r)},${f(g)},${f(b)})`;
}

function flatStops(stops) {
  return [0, 1, 2, 3].map((k) =>
    Float64Array.from(stops, ([p, rgb]) => (k === 0 ? p : rgb[k - 1])),
  );
}

function rgbAt(stops, t, out, at) {
  const P = stops[0], R = stops[1], G = stops[2], B = stops[3];
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  let i = 1;
  while (i < P.length - 1 && P[i] < t) i++;
  const u = P[i] > P[i - 1] ? (t - P[i - 1]) / (P[i] - P[i - 1]) : 0;
  out[at] = Math.round(R[i - 1] + (R[i] - R[i - 1]) * u);
  out[at + 1] = Math.round(G[i - 1] + (G[i] - G[i - 1]) * u);
  out[at + 2] = Math.round(B[i - 1] + (B[i] - B[i - 1]) * u);
}

function colorAt(stops, t) {
  const c = [0, 0, 0];
  rgbAt(stops, t, c, 0);
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// As lab.tensor.fmt prints numbers: 3 decimals, a true minus, no −0.
function fmt(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  let s = Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toFixed(3).replace(/\.?0+$/, "");
  if (s === "-0" || s === "0") return "0";
  return s.replace("-", "−");
}

function niceTicks(zmax) {
  const raw = zmax / 2;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => raw / s <= 1.5) || raw;
  const ticks = [];
  for (let v = -Math.floor(zmax / step) * step; v <= zmax + 1e-9; v += step) ticks.push(v);
  return ticks;
}

function theme(el) {
  const css = getComputedStyle(el);
  return {
    text: css.getPropertyValue("--st-text-color").trim() || "#31333f",
    font: css.getPropertyValue("--st-font").trim() || "sans-serif",
    background: css.getPropertyValue("--st-background-color").trim() || "#ffffff",
  };
}

function inConvex(pts, x, y) {
  let sign = 0;
  for (let i = 0; i < pts.length; i++) {
    const [ax, ay] = pts[i];
    const [bx, by] = pts[(i + 1) % pts.length];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (cross !== 0) {
      const s = cross > 0 ? 1 : -1;
      if (sign && s !== sign) return false;
      sign = s;
    }
  }
  return true;
}

class Panel {
  constructor(view, spec) {
    this.view = view;
    this.el = document.createElement("figure");
    this.el.className = "normlab-tensor-panel";
    this.canvas = document.createElement("canvas");
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.tip = document.createElement("div");
    this.tip.className = "normlab-tip";
    this.button = document.createElement("button");
    this.button.className = "normlab-png";
    this.button.type = "button";
    this.button.textContent = "PNG";
    this.caption = document.createElement("figcaption");
    this.caption.className = "normlab-tensor-caption";
    this.el.append(this.canvas, this.tip, this.button, this.caption);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => (this.tip.style.display = "none"));
    this.canvas.addEventListener("click", (e) => {
      const cell = this.cellAt(this.point(e));
      if (cell) view.setFocus(cell);
    });
    this.canvas.addEventListener("keydown", (e) => this.key(e));
    this.button.addEventListener("click", () => this.save());
    this.canvas.normlabPoint = (f) => this.pointOf(f);
    this.update(spec);
  }

  update(spec) {
    this.spec = spec;
    this.printed = null;
    this.pool = spec.pool ? decode(spec.pool, Int32Array) : null;
    this.z = decode(spec.z, Float32Array);
    this.other = spec.other ? decode(spec.other, Float32Array) : null;
    this.button.title = `Save “${spec.title}” as a PNG`;
    this.caption.replaceChildren(
      ...(spec.caption || []).map(([text, bold]) => {
        if (!bold) return document.createTextNode(text);
        const b = document.createElement("strong");
        b.textContent = text;
        return b;
      }),
    );
    this.caption.style.display = spec.caption ? "" : "none";
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  hover(e) {
    const [px, py] = this.point(e);
    const cell = this.cellAt([px, py]);
    if (!cell) {
      this.tip.style.display = "none";
      return;
    }
    const [n, c, h, w] = cell;
    const i = this.indexOf(cell);
    let text = `example ${n}, channel ${c}, position (${h}, ${w})`;
    text += `\n${this.spec.label} = ${fmt(this.z[i])}`;
    if (this.other) text += `\n${this.spec.other_label} = ${fmt(this.other[i])}`;
    this.tip.textContent = text;
    this.tip.style.display = "block";
    this.tip.style.left = `${Math.max(0, Math.min(px + 14, this.width - 200))}px`;
    this.tip.style.top = `${py + 14}px`;
  }

  size() {
    if (!this.width) this.width = this.el.clientWidth || 320;
    return this.width;
  }

  prepare(height) {
    const width = this.size();
    const dpr = window.devicePixelRatio || 1;
    const cv = this.canvas;
    if (cv.width !== Math.round(width * dpr) || cv.height !== Math.round(height * dpr)) {
      cv.width = Math.round(width * dpr);
      cv.height = Math.round(height * dpr);
      cv.style.width = `${width}px`;
      cv.style.height = `${height}px`;
    }
    const ctx = cv.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return ctx;
  }

  title(ctx, th) {
    ctx.fillStyle = th.text;
    ctx.font = `600 16px ${th.font}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(this.spec.title, 4, 19);
  }

  // What the canvas shows, as numbers, for tests that compare two views.
  record(extra) {
    const c = this.canvas;
    const f = this.view.focus;
    c.dataset.title = this.spec.title;
    c.dataset.focus = f.join(",");
    if (!this.printed) {
      // the values as printed, once per update from Python (not per focus move)
      this.printed = [
        Array.from(this.z, fmt).join(" "),
        this.other ? Array.from(this.other, fmt).join(" ") : "",
      ];
    }
    const [values, other] = this.printed;
    c.dataset.numbers = JSON.stringify({
      title: this.spec.title,
      focus: f,
      caption: this.caption.textContent,
      values,
      other,
      ...extra,
    });
    c.setAttribute("aria-label", `${this.spec.title}. ${extra.label}`);
  }

  key(e) {
    const moves = this.moves();
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const next = this.view.focus.slice();
    next[m[0]] += m[1];
    const [N, C, H, W] = this.view.shape;
    if (m[0] === 2 || m[0] === 3) {
      // position p = h·W + w moves along H·W as one axis
      let p = next[2] * W + next[3];
      if (m[0] === 2) p = this.view.focus[2] * W + this.view.focus[3] + m[1];
      if (p < 0 || p >= H * W) return;
      next[2] = Math.floor(p / W);
      next[3] = p % W;
    }
    if (next[0] < 0 || next[0] >= N || next[1] < 0 || next[1] >= C) return;
    this.view.setFocus(next);
  }

  save() {
    const out = document.createElement("canvas");
    out.width = this.canvas.width;
    out.height = this.canvas.height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = theme(this.view.root).background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(this.canvas, 0, 0);
    out.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `${this.spec.filename}.png`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, "image/png");
  }
}

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

  // Screen polygon of cell (n, c, p) drawn at fraction f of a cell.
  hexagon(g, n, c, p, f) {
    const s = f * g.u, pad = (1 - f) / 2;
    const x0 = g.ox + (c + pad) * g.u + (n + pad) * g.dx;
    const y0 = g.oy - (p + pad) * g.u + (n + pad) * g.dy;
    const ddx = f * g.dx, ddy = f * g.dy;
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
    // fill and a stroke per cube cost ~20 ms for four 8×12×16 cubes.
    let members = 0;
    for (let n = N - 1; n >= 0; n--) {
      ctx.beginPath();
      for (let i0 = n * C * P, i = i0; i < i0 + C * P; i++) {
        if (this.kindOf(i, fi, fp) !== "other") continue;
        const c = Math.floor((i - i0) / P), p = (i - i0) % P;
        const pts = this.hexagon(g, n, c, p, SIZE.other).outline;
        ctx.moveTo(pts[0][0], pts[0][1]);
        for (let k = 1; k < 6; k++) ctx.lineTo(pts[k][0], pts[k][1]);
        ctx.closePath();
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
          ctx.lineWidth = kind === "focus" ? 2 : 0.8;
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
    ctx.font = `12px ${th.font}`;
    // C along the front bottom edge
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const cstep = Math.max(1, Math.ceil(16 / u));
    for (let c = 0; c < C; c += cstep) ctx.fillText(String(c), g.ox + (c + 0.5) * u, g.oy + 4);
    ctx.font = `600 14px ${th.font}`;
    ctx.fillText("C", g.ox + (C * u) / 2, g.oy + 20);
    // H·W up the front left edge, as "h,w"
    ctx.font = `12px ${th.font}`;
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
    ctx.font = `600 14px ${th.font}`;
    ctx.fillText("H·W", 0, 0);
    ctx.restore();
    // N along the bottom right edge, receding
    ctx.font = `12px ${th.font}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    const step = Math.hypot(g.dx, g.dy);
    const nstep = Math.max(1, Math.ceil(14 / step));
    const x1 = g.ox + C * u;
    for (let n = 0; n < N; n += nstep) {
      ctx.fillText(String(n), x1 + (n + 0.5) * g.dx + 5, g.oy + (n + 0.5) * g.dy + 1);
    }
    ctx.font = `600 14px ${th.font}`;
    ctx.fillText("N", x1 + N * g.dx + 8, g.oy + N * g.dy - 6);
    ctx.globalAlpha = 1;
  }

  // Front to back: the first drawn shape under the pointer is the one seen.
  cellAt([x, y]) {
    const g = this.g;
    if (!g) return null;
    const { N, C, P, W } = g;
    const fi = this.indexOf(this.view.focus);
    const fp = this.pool[fi];
    for (let n = 0; n < N; n++) {
      for (let p = P - 1; p >= 0; p--) {
        for (let c = C - 1; c >= 0; c--) {
          const i = (n * C + c) * P + p;
          const hx = this.hexagon(g, n, c, p, SIZE[this.kindOf(i, fi, fp)]);
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
    const height = this.spec.height;
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
    const img = new ImageData(cols, rows);
    const px = img.data;
    for (let i = 0; i < rows * cols; i++) {
      const v = this.z[i];
      if (!Number.isFinite(v)) continue;
      rgbAt(this.stops, (v + zmax) / (2 * zmax), px, 4 * i);
      px[4 * i + 3] = 255;
    }
    if (!this.cells) this.cells = document.createElement("canvas");
    this.cells.width = cols;
    this.cells.height = rows;
    this.cells.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.cells, box.x, box.y, box.w, box.h);
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
    ctx.font = `12px ${th.font}`;
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
      ctx.lineWidth = width;
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
    const x = box.x + box.w + 14, w = 12, zmax = this.spec.zmax;
    for (let i = 0; i < box.h; i++) {
      ctx.fillStyle = colorAt(this.stops, 1 - i / box.h);
      ctx.fillRect(x, box.y + i, w, 1.5);
    }
    ctx.fillStyle = th.text;
    ctx.globalAlpha = 0.8;
    ctx.font = `11px ${th.font}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const v of niceTicks(zmax)) {
      ctx.fillText(fmt(v), x + w + 4, box.y + (1 - (v + zmax) / (2 * zmax)) * box.h);
    }
    ctx.globalAlpha = 1;
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

// Text around the pictures, from Python (lab.tensor.cube_panels,
// pitfall_panels): the cell pickers, sentences, readouts and the counts table,
// set with textContent only. Streamlit elements cost a few milliseconds each
// to draw again on every click (bench/latency.py); these change a few nodes.
class Blocks {
  constructor(view, cls) {
    this.view = view;
    this.el = document.createElement("div");
    this.el.className = cls;
    this.parts = [];
  }

  update(blocks) {
    this.blocks = blocks || [];
    const wanted = this.blocks.map((b) => b.type).join(" ");
    if (this.built !== wanted) {
      this.el.replaceChildren();
      this.parts = this.blocks.map((b) => this.make(b));
      this.built = wanted;
    }
    this.blocks.forEach((b, i) => this.fill(this.parts[i], b));
    this.pending(false);
  }

  make(b) {
    const el = document.createElement("div");
    el.className = `normlab-tensor-${b.type}`;
    this.el.appendChild(el);
    const part = { el };
    if (b.type === "pickers") {
      const row = document.createElement("div");
      row.className = "normlab-tensor-pickrow";
      part.inputs = b.items.map(([label, , help], k) => {
        const box = document.createElement("label");
        box.className = "normlab-tensor-pick";
        const name = document.createElement("span");
        name.textContent = label;
        name.title = help;
        const input = document.createElement("input");
        input.type = "number";
        input.min = "0";
        input.step = "1";
        input.setAttribute("aria-description", help);
        input.addEventListener("change", () => this.picked(k, input));
        box.append(name, input);
        row.appendChild(box);
        return input;
      });
      part.line = document.createElement("p");
      part.line.className = "normlab-tensor-line";
      el.append(row, part.line);
    }
    return part;
  }

  picked(k, input) {
    const f = this.view.focus.slice();
    const max = this.view.shape[k];
    let v = Math.round(Number(input.value));
    if (!Number.isFinite(v)) v = f[k];
    v = Math.min(max - 1, Math.max(0, v));
    input.value = String(v);
    f[k] = v;
    this.view.setFocus(f);
  }

  static pieces(el, parts, focus) {
    el.replaceChildren(
      ...parts.map(([text, style]) => {
        let t = text;
        if (focus) {
          const [n, c, h, w] = focus;
          t = t.replace("{n}", n).replace("{c}", c).replace("{h}", h).replace("{w}", w);
        }
        if (!style) return document.createTextNode(t);
        const e = document.createElement(style === "b" ? "strong" : "code");
        e.textContent = t;
        return e;
      }),
    );
  }

  fill(part, b) {
    const el = part.el;
    if (b.type === "pickers") {
      this.focus(part, b);
    } else if (b.type === "text" || b.type === "caption") {
      Blocks.pieces(el, b.parts);
    } else if (b.type === "metrics") {
      el.replaceChildren(
        ...b.items.map(([label, value, help]) => {
          const cell = document.createElement("div");
          cell.className = "normlab-metric";
          const lab = document.createElement("div");
          lab.className = "normlab-metric-label";
          const name = document.createElement("span");
          name.textContent = label;
          const q = document.createElement("span");
          q.className = "normlab-help";
          q.textContent = "?";
          q.title = help;
          q.setAttribute("aria-label", help);
          lab.append(name, q);
          const val = document.createElement("div");
          val.className = "normlab-metric-value";
          val.textContent = value;
          cell.append(lab, val);
          return cell;
        }),
      );
    } else if (b.type === "table") {
      const table = document.createElement("table");
      const head = document.createElement("tr");
      b.head.forEach((h, k) => {
        const th = document.createElement("th");
        th.textContent = h;
        if (b.right.includes(k)) th.className = "normlab-num";
        head.appendChild(th);
      });
      const thead = document.createElement("thead");
      thead.appendChild(head);
      const tbody = document.createElement("tbody");
      for (const row of b.rows) {
        const tr = document.createElement("tr");
        row.forEach((v, k) => {
          const td = document.createElement("td");
          td.textContent = v;
          td.dataset.label = b.head[k]; // a phone shows each row as a card
          if (b.right.includes(k)) td.className = "normlab-num";
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      }
      table.append(thead, tbody);
      el.replaceChildren(table);
    }
    el.dataset.numbers = b.type === "pickers" ? this.view.focus.join(",") : el.textContent;
  }

  // The focus moved: the pickers and their sentence follow at once.
  focus(part, b) {
    const f = this.view.focus;
    part.inputs.forEach((input, k) => {
      input.max = String(this.view.shape[k] - 1);
      if (document.activeElement !== input || input.value === "") input.value = String(f[k]);
    });
    Blocks.pieces(part.line, b.line, f);
    part.el.dataset.numbers = f.join(",");
  }

  moved() {
    this.blocks.forEach((b, i) => {
      if (b.type === "pickers") this.focus(this.parts[i], b);
    });
    this.pending(true);
  }

  // Until Python answers, the readouts are the old cell's: dimmed.
  pending(on) {
    this.blocks.forEach((b, i) => {
      if (b.type !== "pickers") this.parts[i].el.classList.toggle("normlab-tensor-pending", on);
    });
  }
}

class View {
  constructor(root) {
    this.root = root;
    this.panels = [];
    this.before = new Blocks(this, "normlab-tensor-before");
    this.grid = document.createElement("div");
    this.grid.className = "normlab-tensor-grid";
    this.after = new Blocks(this, "normlab-tensor-after");
    root.append(this.before.el, this.grid, this.after.el);
    this.observer = new ResizeObserver((entries) => {
      for (const e of entries) if (e.target.panel) e.target.panel.width = e.contentRect.width;
      this.draw();
    });
  }

  update(data, setStateValue) {
    this.setStateValue = setStateValue;
    // Python's answer to a click here draws what the click already drew (same
    // tensor, same cell): only the text around the pictures changes then.
    const sig = JSON.stringify([data.shape, data.big, data.panels]);
    const same =
      sig === this.sig && this.focus && data.focus.every((v, k) => v === this.focus[k]);
    this.sig = sig;
    if (same) {
      this.before.update(data.before);
      this.after.update(data.after);
      return;
    }
    this.shape = data.shape;
    this.focus = data.focus.slice();
    this.colors = data.colors;
    this.big = data.big;
    this.root.dataset.kind = data.kind;
    this.root.dataset.layout = data.panels.length ? data.panels[0].layout || "cube" : "";
    this.root.dataset.big = data.big ? "1" : "0";
    const Kind = data.kind === "cubes" ? Cube : FlatMap;
    // One panel per spec; a changed count (All four ⇄ One family) rebuilds.
    if (this.panels.length !== data.panels.length) {
      for (const p of this.panels) p.el.remove();
      this.panels = data.panels.map((spec) => {
        const p = new Kind(this, spec);
        p.el.panel = p;
        this.grid.appendChild(p.el);
        this.observer.observe(p.el);
        return p;
      });
    } else {
      data.panels.forEach((spec, i) => this.panels[i].update(spec));
    }
    this.before.update(data.before);
    this.after.update(data.after);
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  setFocus(f) {
    if (f.every((v, k) => v === this.focus[k])) return;
    this.focus = f.slice();
    this.draw();
    this.before.moved();
    this.after.moved();
    // a nonce: the same cell clicked here again after the focus moved elsewhere
    // on the page must still count as a change
    this.setStateValue("focus", [...f, Date.now() % 1e9]);
  }

  draw() {
    const th = theme(this.root);
    for (const p of this.panels) p.draw(th);
    this.root.dataset.focus = this.focus ? this.focus.join(",") : "";
  }
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".normlab-tensor");
  if (!root) {
    root = document.createElement("div");
    root.className = "normlab-tensor";
    parentElement.appendChild(root);
    root.view = new View(root);
  }
  if (data.norm) {
    root.dataset.norm = data.norm;
    // The side panel shows this family's part (assets/style.css): a rule on
    // <body>'s attribute, not body:has(...), which Chromium re-matched against
    // the whole page on every change (~30 ms a move on the largest tensor).
    document.body.dataset.tensorNorm = data.norm;
  }
  try {
    root.view.update(data, setStateValue);
  } catch (err) {
    root.textContent = `The picture could not be drawn: ${err.message}`;
  }
}
