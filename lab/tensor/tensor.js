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
// (lab/tensor/panels.py): values, sets (as the statistic each cell uses),
// colours, titles, captions.
//
// The component's files, in the order lab/tensor/view.py loads them: this one
// (the panels' base class, the view and the entry), tensor_cube.js (the
// cubes), tensor_map.js (the unfolded maps), tensor_blocks.js (readouts,
// pickers and tables).

const CUBE_HEIGHT = { small: 340, large: 470 };
const MAP_MARGIN = { left: 50, right: 12, top: 30, bottom: 44 };
const SCALE_WIDTH = 56;
const DEPTH = 0.55; // length of one step along N, in cube widths
const ANGLE = (35 * Math.PI) / 180; // N recedes up and to the right
const SIZE = { set: 0.84, focus: 0.92, other: 0.5 }; // of a cell's width

function shade(hex, k) {
  // k > 1 lighter, k < 1 darker: the three visible faces of a cube
  const [r, g, b] = hexToRgb(hex);
  const f = (v) => Math.round(k >= 1 ? v + (255 - v) * (k - 1) : v * k);
  return `rgb(${f(r)},${f(g)},${f(b)})`;
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
    chartParts(this, null);
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
    this.canvas.normlabPoint = (f) => this.pointOf(f);
    this.update(spec);
  }

  update(spec) {
    // A click moves the focus and sends every panel again with the same
    // values: those are decoded only when they change.
    const old = this.spec || {};
    this.spec = spec;
    if (old.z !== spec.z || old.other !== spec.other) {
      this.z = decode(spec.z, Float32Array);
      this.other = spec.other ? decode(spec.other, Float32Array) : null;
    }
    if (old.pool !== spec.pool) this.pool = spec.pool ? decode(spec.pool, Int32Array) : null;
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
    return fitCanvas(this.canvas, width, height);
  }

  title(ctx, th) {
    ctx.fillStyle = th.text;
    ctx.font = `600 ${scaled(16)}px ${th.font}`;
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
    // the values as the float32 base64 they came as: exact, and free (printed
    // as decimals they took ~5 ms of a move on the largest tensor)
    c.dataset.numbers = JSON.stringify({
      title: this.spec.title,
      focus: f,
      caption: this.caption.textContent,
      values: this.spec.z,
      other: this.spec.other || "",
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
    savePng(this.canvas, theme(this.view.root).background, this.spec.filename);
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
    // a new shape makes a cube taller: only a new width redraws (kit.js)
    this.observer = widthWatcher("panel", () => this.draw());
  }

  update(data, setStateValue) {
    this.setStateValue = setStateValue;
    // Python's answer to a click here draws what the click already drew (same
    // tensor, same cell): only the text around the pictures changes then. A
    // theme switched in the app's menu sends the same data again, in other
    // colours (kit.js reads them), so the look is part of what must match.
    const sig = JSON.stringify([data.shape, data.big, data.panels]);
    const th = theme(this.root);
    const look = [th.text, th.background, th.font, th.scale].join("|");
    const same =
      sig === this.sig &&
      look === this.look &&
      this.focus &&
      data.focus.every((v, k) => v === this.focus[k]);
    this.sig = sig;
    this.look = look;
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
