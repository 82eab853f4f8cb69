// Normalization Lab: the Lab page's board, drawn on <canvas>: the pair of
// heatmaps and (readouts.js) the readouts of the focused cell's set under them.
//
// Why not st.plotly_chart: Streamlit remounts a Plotly chart whenever its figure
// changes, and moving the outline changes the figure, so every click redrew both
// charts from scratch; even kept alive, a Plotly restyle of a 32×16 heatmap
// costs ~20–30 ms here, per chart, per interaction (docs/streamlit.md).
// Drawing a few thousand rectangles on a canvas costs well under a millisecond.
// A click moves the outline in the browser at once and tells Python the new
// focus; hover shows both values; arrow keys move the focus; "PNG" saves the
// picture exactly as drawn. Everything drawn comes from Python
// (lab.board.figures.board_panels): values, colour range, colour scale, outline
// sets, the readouts' words.

// 430 px tall, or less on a short screen (a projector at 150 % zoom is 480 CSS
// px tall): the space left under the page's header, title and scenario line
// (assets/style.css tightens those there), so both heatmaps fit the first screen.
const HEIGHT = 430;
const MIN_HEIGHT = 200;
const CHROME = 255;
const MARGIN = { left: 46, right: 12, top: 30, bottom: 40 };
const SCALE_WIDTH = 56; // colour bar and its labels, when shown

// window.innerHeight needs no layout, unlike reading an element's size.
// Presenter mode's larger type makes the header taller (scaled: lab/ui/kit.js).
function plotHeight() {
  const room = window.innerHeight - scaled(CHROME);
  return Math.round(Math.min(scaled(HEIGHT), Math.max(MIN_HEIGHT, room)));
}

// A value as hover text and the screen reader say it: four significant digits,
// scientific when huge or tiny.
function value4(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  const s = Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
    ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  return s.replace("-", "−");
}

function dtick(n) {
  let step = 1;
  while (n / step > 16) step *= 2;
  return step;
}

// The set of cells sharing cell (r, c)'s statistic, as a bounding box (every
// family's set is a rectangle on an examples × features matrix).
function outlineOf(pool, rows, cols, r, c) {
  const id = pool[r * cols + c];
  let r0 = rows, r1 = -1, c0 = cols, c1 = -1;
  for (let i = 0; i < pool.length; i++) {
    if (pool[i] !== id) continue;
    const y = (i / cols) | 0, x = i % cols;
    if (y < r0) r0 = y;
    if (y > r1) r1 = y;
    if (x < c0) c0 = x;
    if (x > c1) c1 = x;
  }
  return [r0, r1, c0, c1];
}

class Heatmap {
  constructor(root, index) {
    this.index = index;
    this.el = document.createElement("div");
    this.el.className = "normlab-heatmap";
    chartParts(this, "heatmap");
    this.el.append(this.canvas, this.tip, this.button);
    root.appendChild(this.el);
    this.root = root;
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => (this.tip.style.display = "none"));
    this.canvas.addEventListener("click", (e) => {
      const cell = this.cellAt(e);
      if (cell) root.lab.setFocus(cell[0], cell[1]);
    });
    this.canvas.addEventListener("keydown", (e) => this.key(e));
  }

  update(spec, shared) {
    this.spec = spec;
    this.shared = shared;
    this.z = decode(spec.z, Float32Array);
    this.other = spec.other ? decode(spec.other, Float32Array) : null;
    this.stops = flatStops(spec.colorscale.map(([p, hex]) => [p, hexToRgb(hex)]));
  }

  plotBox() {
    // The width the ResizeObserver last reported (Lab): reading clientWidth here
    // forced a layout in the middle of Streamlit's update, ~9 ms a redraw.
    if (!this.width) this.width = this.el.clientWidth;
    const width = this.width || 400;
    const right = scaled(MARGIN.right + (this.spec.showscale ? SCALE_WIDTH : 0));
    const height = plotHeight();
    return {
      width, height,
      x: scaled(MARGIN.left), y: scaled(MARGIN.top),
      w: Math.max(40, width - scaled(MARGIN.left) - right),
      h: height - scaled(MARGIN.top + MARGIN.bottom),
    };
  }

  draw(th) {
    const { rows, cols } = this.shared;
    const box = this.plotBox();
    const ctx = fitCanvas(this.canvas, box.width, box.height);
    const zmax = this.spec.zmax;
    const cw = box.w / cols, ch = box.h / rows;
    paintCells(this, ctx, this.z, rows, cols, this.stops, zmax, box);
    // Title and axes.
    ctx.fillStyle = th.text;
    ctx.font = `600 ${scaled(15)}px ${th.font}`;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.fillText(this.spec.title, 4, scaled(18));
    ctx.font = `${scaled(12)}px ${th.font}`;
    ctx.globalAlpha = 0.8;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    let xstep = dtick(cols);
    while (xstep * cw < scaled(18) && xstep < cols) xstep *= 2; // keep labels apart
    for (let c = 0; c < cols; c += xstep) {
      ctx.fillText(String(c), box.x + (c + 0.5) * cw, box.y + box.h + scaled(4));
    }
    ctx.fillText("feature", box.x + box.w / 2, box.y + box.h + scaled(22));
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    let ystep = dtick(rows);
    while (ystep * ch < scaled(13) && ystep < rows) ystep *= 2; // short plots: fewer labels
    for (let r = 0; r < rows; r += ystep) {
      ctx.fillText(String(r), box.x - scaled(6), box.y + (r + 0.5) * ch);
    }
    ctx.save();
    ctx.translate(scaled(12), box.y + box.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText("example", 0, 0);
    ctx.restore();
    ctx.globalAlpha = 1;
    if (this.spec.showscale) this.drawScale(ctx, box, th);
    // The focused cell's set, and the cell itself: dark line on a light halo,
    // visible on every colour of the scale and in both themes.
    const [fr, fc] = this.shared.focus;
    const [r0, r1, c0, c1] = this.shared.outline;
    const rect = (a0, a1, b0, b1, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.strokeRect(box.x + b0 * cw, box.y + a0 * ch, (b1 - b0 + 1) * cw, (a1 - a0 + 1) * ch);
    };
    // (thicker for a presenter: scaled)
    rect(r0, r1, c0, c1, this.shared.colors.halo, scaled(5));
    rect(r0, r1, c0, c1, this.shared.colors.outline, scaled(2.5));
    rect(fr, fr, fc, fc, this.shared.colors.halo, scaled(3));
    rect(fr, fr, fc, fc, this.shared.colors.outline, scaled(1.5));
    this.box = box;
    this.canvas.setAttribute("aria-label", this.describe());
    this.canvas.dataset.title = this.spec.title;
    this.canvas.dataset.outline = `${r0},${r1},${c0},${c1}`;
    this.canvas.dataset.focus = `${fr},${fc}`;
    this.canvas.dataset.shape = `${rows},${cols}`;
    this.canvas.dataset.scale = th.scale.toFixed(2); // presenter: > 1
    this.canvas.dataset.plot = [box.x, box.y, box.w, box.h].map((v) => v.toFixed(1)).join(",");
  }

  // What a screen reader says for this heatmap: its title, the focused cell and
  // its value, and the outlined set (words from Python: lab.board.figures.board_panels).
  describe(withTitle = true) {
    const { rows, cols, focus, outline, words } = this.shared;
    const [r, c] = focus;
    const [r0, r1, c0, c1] = outline;
    const i = r * cols + c;
    let text = withTitle ? `${this.spec.title}, ${rows} examples by ${cols} features. ` : "";
    text += `Focused cell: example ${r}, feature ${c}, ${this.spec.label} = ${value4(this.z[i])}`;
    if (this.other) text += `, ${this.spec.other_label} = ${value4(this.other[i])}`;
    const n = (r1 - r0 + 1) * (c1 - c0 + 1);
    const where = r0 === r1 && c0 === c1 ? `example ${r0}, feature ${c0}`
      : r0 === r1 ? `example ${r0}, features ${c0} to ${c1}`
      : c0 === c1 ? `feature ${c0}, examples ${r0} to ${r1}`
      : `examples ${r0} to ${r1}, features ${c0} to ${c1}`;
    text += `. Outlined: its ${words.set} (${where}, ${n} ${n === 1 ? "cell" : "cells"}), ` +
      "every cell that shares its statistics.";
    return withTitle ? `${text} Arrow keys move the focus.` : text;
  }

  drawScale(ctx, box, th) {
    colorBar(ctx, this.stops, box, this.spec.zmax, th, value4);
  }

  cellAt(e) {
    if (!this.box) return null;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    const { rows, cols } = this.shared;
    const c = Math.floor(((px - this.box.x) / this.box.w) * cols);
    const r = Math.floor(((py - this.box.y) / this.box.h) * rows);
    return r >= 0 && r < rows && c >= 0 && c < cols ? [r, c] : null;
  }

  hover(e) {
    const cell = this.cellAt(e);
    if (!cell) {
      this.tip.style.display = "none";
      return;
    }
    const [r, c] = cell;
    const i = r * this.shared.cols + c;
    let text = `example ${r}, feature ${c}\n${this.spec.label} = ${value4(this.z[i])}`;
    if (this.other) text += `\n${this.spec.other_label} = ${value4(this.other[i])}`;
    this.tip.textContent = text;
    this.tip.style.display = "block";
    const rect = this.canvas.getBoundingClientRect();
    const left = e.clientX - rect.left + 14;
    this.tip.style.left = `${Math.min(left, rect.width - 170)}px`;
    this.tip.style.top = `${e.clientY - rect.top + 14}px`;
  }

  key(e) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const { rows, cols, focus } = this.shared;
    const r = Math.min(rows - 1, Math.max(0, focus[0] + m[0]));
    const c = Math.min(cols - 1, Math.max(0, focus[1] + m[1]));
    this.root.lab.setFocus(r, c);
  }

  save() {
    savePng(this.canvas, theme(this.root).background, this.spec.filename);
  }

}

class Lab {
  constructor(root) {
    this.root = root;
    this.maps = [];
    this.observer = widthWatcher("heatmap", () => this.draw());
    // A taller or shorter window changes the heatmaps' height (plotHeight).
    window.addEventListener("resize", () => this.draw());
    // Announces the focused cell when it moves (the canvas's label says it too,
    // but a changed label is not read out by every screen reader).
    this.live = document.createElement("div");
    this.live.className = "normlab-sr-only";
    this.live.setAttribute("aria-live", "polite");
    root.after(this.live);
  }

  update(data, setStateValue) {
    this.setStateValue = setStateValue;
    // Python's answer to a click draws what the click already drew (same
    // matrices, same cell): then only the readouts change, not the pixels.
    // Only that answer: any other update (a theme switched in the app's
    // menu re-renders the component with the same data) is drawn.
    const sig = JSON.stringify([data.rows, data.cols, data.colors, data.words, data.pool, data.charts]);
    const f = this.shared && this.shared.focus;
    const echo = this.clicked && sig === this.sig && f[0] === data.focus[0] && f[1] === data.focus[1];
    this.clicked = false;
    this.sig = sig;
    if (echo) return;
    const { rows, cols } = data;
    this.pool = decode(data.pool, Int32Array);
    this.shared = {
      rows, cols,
      colors: data.colors,
      focus: data.focus,
      outline: outlineOf(this.pool, rows, cols, data.focus[0], data.focus[1]),
      words: data.words,
    };
    while (this.maps.length < data.charts.length) {
      const map = new Heatmap(this.root, this.maps.length);
      map.el.heatmap = map;
      this.observer.observe(map.el);
      this.maps.push(map);
    }
    data.charts.forEach((spec, i) => this.maps[i].update(spec, this.shared));
    // Drawn in the next animation frame, after Streamlit's own update of the
    // page: reading the theme's colours here forced the browser to restyle the
    // page in the middle of that update, and again after it (~6 ms at 64×64).
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  setFocus(r, c) {
    const s = this.shared;
    if (s.focus[0] === r && s.focus[1] === c) return;
    s.focus = [r, c];
    s.outline = outlineOf(this.pool, s.rows, s.cols, r, c);
    this.draw();
    const map = this.maps[this.maps.length - 1];
    if (map && map.spec) this.live.textContent = map.describe(false);
    if (this.root.readouts) this.root.readouts.pending([r, c]);
    this.clicked = true;
    this.setStateValue("focus", [r, c]);
  }

  draw() {
    const th = theme(this.root);
    for (const m of this.maps) if (m.spec) m.draw(th);
    this.root.dataset.focus = this.shared ? this.shared.focus.join(",") : "";
  }
}

// "Skip to the heatmaps": the page's first Tab stop (before the sidebar's
// controls and their help), shown when focused; it moves the keyboard focus to
// the raw heatmap. Outside React's root, so Streamlit's redraws leave it alone;
// assets/style.css hides it on pages without heatmaps.
function skipLink(words) {
  let link = document.querySelector(".normlab-skip");
  if (!link) {
    link = document.createElement("a");
    link.className = "normlab-skip";
    link.href = "#";
    link.addEventListener("click", (e) => {
      e.preventDefault();
      const canvas = document.querySelector(".normlab-heatmap canvas");
      if (canvas) canvas.focus();
    });
    document.body.prepend(link);
  }
  link.textContent = words.skip;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".normlab-heatmaps");
  if (!root) {
    root = document.createElement("div");
    root.className = "normlab-heatmaps";
    parentElement.appendChild(root);
    root.lab = new Lab(root);
  }
  if (!root.readouts) root.readouts = new Readouts(parentElement);
  // The family drawn: assets/style.css shows only its part of the side panel.
  root.dataset.norm = data.norm;
  // the side panel shows this family's part (assets/style.css), by <body>'s
  // attribute rather than body:has(...), re-matched on every change
  document.body.dataset.labNorm = data.norm;
  try {
    root.lab.update(data, setStateValue);
    root.readouts.update(data.readouts, data.focus);
    switchOff(data.off);
    skipLink(data.words);
  } catch (err) {
    root.textContent = `The heatmaps could not be drawn: ${err.message}`;
  }
}
