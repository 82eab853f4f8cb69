// Normalization Lab: what every canvas component shares. lab/ui/components.py
// puts this file before each component's own files, so these functions are in
// scope wherever a component draws.

// ---- data from Python ----

// A numpy array sent as base64 (lab.core.figures.b64 / encode): its bytes as
// a typed array of ``Type``.
function decode(b64, Type = Float32Array) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Type(bytes.buffer);
}

// ---- the page's theme ----

// Streamlit's theme colours and font, read from its CSS variables at draw
// time, so light and dark themes both read well; and the presenter's scale
// for text and lines on canvas (assets/presenter.css sets --normlab-scale on
// a presenter link's page; 1 elsewhere), kept for `scaled` until the next draw.
let drawScale = 1;
// A presenter's charts are no taller than this (CSS px): --normlab-figure-cap
// of the window's height (assets/presenter.css), so a chart fits the first
// screen of a projector under the page's header. No cap elsewhere.
let heightCap = Infinity;

function theme(el) {
  const css = getComputedStyle(el);
  // --normlab-scale: relative to the root's type, which a presenter's grows
  const scale = parseFloat(css.getPropertyValue("--normlab-scale"));
  drawScale = scale
    ? (scale * parseFloat(getComputedStyle(document.documentElement).fontSize)) / 16
    : 1;
  const cap = parseFloat(css.getPropertyValue("--normlab-figure-cap"));
  heightCap = cap > 0 ? Math.max(200, cap * window.innerHeight) : Infinity;
  const t = {
    text: css.getPropertyValue("--st-text-color").trim() || "#31333f",
    font: css.getPropertyValue("--st-font").trim() || "sans-serif",
    background: css.getPropertyValue("--st-background-color").trim() || "#ffffff",
    scale: drawScale,
  };
  markTheme(t.background);
  scheduleScrollers();
  return t;
}

// A formula wider than its column scrolls sideways (KaTeX's .katex-display),
// and so does a panel's table on a narrow screen (a phone, a presenter's
// projector), which a keyboard cannot do unless the scroller takes focus: each
// one that overflows gets tabindex 0 and a label, checked when the browser is
// idle after a component draws (reading widths then costs no extra layout).
// One that fits is no tab stop. KaTeX's own spacing overflows most displays by
// a pixel or two; those are clipped rather than made scrollers.
const FORMULA_SLACK = 4;
const SCROLLERS = [
  [".katex-display", "Formula (scrolls sideways)"],
  [".normlab-panel-table", "Table (scrolls sideways)"],
];
let scrollersPending = false;
function scheduleScrollers() {
  if (scrollersPending) return;
  scrollersPending = true;
  const run = () => {
    scrollersPending = false;
    for (const [selector, label] of SCROLLERS) {
      for (const el of document.querySelectorAll(selector)) {
        const excess = el.scrollWidth - el.clientWidth;
        if (excess > 0 && excess <= FORMULA_SLACK && el.style.overflowX !== "hidden") {
          el.style.overflowX = "hidden";
        }
        const over = excess > FORMULA_SLACK;
        if (over && el.tabIndex !== 0) {
          el.tabIndex = 0;
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", label);
        } else if (!over && el.hasAttribute("tabindex")) {
          el.removeAttribute("tabindex");
          el.removeAttribute("role");
          el.removeAttribute("aria-label");
        }
      }
    }
  };
  if (window.requestIdleCallback) requestIdleCallback(run, { timeout: 1000 });
  else setTimeout(run, 200);
  // formulas Streamlit draws after the last component (st.latex in a sidebar)
  // are seen too: one watcher per page, shared by every component's copy of
  // this kit, that only schedules the check above
  if (!window.normlabScrollWatch) {
    window.normlabScrollWatch = new MutationObserver(scheduleScrollers);
    window.normlabScrollWatch.observe(document.body, { childList: true, subtree: true });
  }
}

// The theme on <body> (data-normlab-theme), for the stylesheet's few rules
// that differ by theme (assets/style.css: contrast of captions and of the
// primary button). Streamlit's CSS variables exist only inside components, and
// the reader may switch the theme in the app's menu, so the page's media query
// is not the theme shown.
function markTheme(background) {
  if (!background.startsWith("#") || background.length !== 7) return;
  const [r, g, b] = hexToRgb(background);
  const name = 0.299 * r + 0.587 * g + 0.114 * b < 128 ? "dark" : "light";
  if (document.body.dataset.normlabTheme !== name) document.body.dataset.normlabTheme = name;
}

// A size on canvas (font, line, margin) in CSS pixels, at the page's scale.
function scaled(n) {
  return n * drawScale;
}

// ---- numbers ----

// As lab.core.helpers.fmt prints numbers, to the character: 3 decimals, a
// true minus, no −0; from 1e4 on, scientific with a two-digit exponent
// (1.235e+04). Where a value lies exactly halfway, Python rounds to the even
// digit and JavaScript's toFixed and toExponential away from zero (0.0625:
// 0.062 and 0.063), so those are rounded here as Python does
// (tests/unit/test_kit_fmt.py runs this against Python's). Trimmed by hand:
// with regular expressions it took 1.6 times as long (in Node).
function fmt(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  let s;
  if (Math.abs(v) >= 1e4) s = exponential(v);
  else {
    // halfway at 3 decimals: exactly the odd multiples of 1/16
    if (Number.isInteger(v * 16) && !Number.isInteger(v * 8)) v = evenHalf(v * 1000) / 1000;
    // toFixed(3) always has a point: its trailing zeros go, then the point
    s = v.toFixed(3);
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
    if (s === "-0") return "0";
  }
  return s.charCodeAt(0) === 45 ? `−${s.slice(1)}` : s;
}

// t = k + 0.5 exactly: the even one of k and k + 1
function evenHalf(t) {
  const k = Math.floor(t);
  return k % 2 === 0 ? k : k + 1;
}

// |v| >= 1e4 as Python's f"{v:.3e}": halfway at 4 significant digits only
// an integer can be, whose digits BigInt gives exactly
function exponential(v) {
  let s = v.toExponential(3);
  if (Number.isInteger(v)) {
    const digits = BigInt(Math.abs(v)).toString();
    const rest = digits.slice(4);
    if (/^50*$/.test(rest)) {
      let head = String(evenHalf(Number(digits.slice(0, 4)) + 0.5));
      let exp = digits.length - 1;
      if (head.length > 4) {
        head = head.slice(0, 4);
        exp += 1;
      }
      s = `${v < 0 ? "-" : ""}${head[0]}.${head.slice(1)}e+${exp}`;
    }
  }
  const e = s.indexOf("e");
  const sign = s[e + 1];
  const exp = s.slice(e + 2);
  return `${s.slice(0, e)}e${sign}${exp.length < 2 ? `0${exp}` : exp}`;
}

// Round ticks for a colour bar symmetric around zero, ±zmax.
function niceTicks(zmax) {
  const raw = zmax / 2;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => raw / s <= 1.5) || raw;
  const ticks = [];
  for (let v = -Math.floor(zmax / step) * step; v <= zmax + 1e-9; v += step) ticks.push(v);
  return ticks;
}

// ---- colours ----

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// A colour scale's stops ([position, [r, g, b]] pairs) as flat arrays:
// positions, then red, green, blue.
function flatStops(stops) {
  return [0, 1, 2, 3].map((k) =>
    Float64Array.from(stops, ([p, rgb]) => (k === 0 ? p : rgb[k - 1])),
  );
}

// Linear interpolation between the scale's stops, as Plotly does; writes the
// colour's red, green and blue into out[at..at+2]. Flat arrays: this runs once
// a cell, 8,192 times for a 64×64 pair (~1.8 ms with [p, [r, g, b]] pairs).
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

// ---- canvases ----

// A ResizeObserver for elements that carry their chart as ``el[prop]``: it
// records each chart's new width (rounded, as clientWidth reads it, so a
// chart that read its own width first is not drawn again for the same one)
// and calls ``redraw`` once when any width changed. Not on a change of
// height: a chart's height follows what it draws, and redrawing on that
// drew every chart of a component a second time per update.
function widthWatcher(prop, redraw) {
  return new ResizeObserver((entries) => {
    let wider = false;
    for (const e of entries) {
      const chart = e.target[prop];
      const w = Math.round(e.contentRect.width);
      if (chart && w && chart.width !== w) (chart.width = w), (wider = true);
    }
    if (wider) redraw();
  });
}

// Size ``canvas`` to width × height CSS pixels at the screen's pixel ratio
// (sharp on a high-density screen); return its context, cleared and scaled so
// that drawing is in CSS pixels. Resizing only when the size changed keeps a
// redraw from reallocating the bitmap.
function fitCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(width * dpr), h = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

// Save ``canvas`` as ``filename``.png exactly as drawn, on the page's
// background (a transparent PNG would show the viewer's own background).
function savePng(canvas, background, filename) {
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext("2d");
  ctx.fillStyle = background || "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  out.toBlob((blob) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${filename}.png`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, "image/png");
}

// A chart's parts, created on ``owner``: a focusable canvas the screen reader
// reads as an image, the hover tip, and the "PNG" button (calling
// ``owner.save()``) when ``png`` names what it saves.
function chartParts(owner, png) {
  owner.canvas = document.createElement("canvas");
  owner.canvas.tabIndex = 0;
  owner.canvas.setAttribute("role", "img");
  owner.tip = document.createElement("div");
  owner.tip.className = "normlab-tip";
  owner.button = document.createElement("button");
  owner.button.className = "normlab-png";
  owner.button.type = "button";
  owner.button.textContent = "PNG";
  if (png) owner.button.title = `Save this ${png} as a PNG`;
  owner.button.addEventListener("click", () => owner.save());
}

// A vertical colour bar right of ``box`` for a scale symmetric around zero,
// ±zmax, its ticks written by ``label``.
function colorBar(ctx, stops, box, zmax, th, label = fmt) {
  const x = box.x + box.w + scaled(14), w = scaled(12);
  for (let i = 0; i < box.h; i++) {
    ctx.fillStyle = colorAt(stops, 1 - i / box.h);
    ctx.fillRect(x, box.y + i, w, 1.5);
  }
  ctx.fillStyle = th.text;
  ctx.globalAlpha = 0.8;
  ctx.font = `${scaled(11)}px ${th.font}`;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const v of niceTicks(zmax)) {
    ctx.fillText(label(v), x + w + scaled(4), box.y + (1 - (v + zmax) / (2 * zmax)) * box.h);
  }
  ctx.globalAlpha = 1;
}

// A matrix of values drawn as one scaled image in ``box`` of ``ctx``: one pixel
// per cell, scaled up without smoothing (a 64×64 matrix in well under a
// millisecond, where a fillRect per cell took ~4 ms). NaN and ±inf stay blank,
// as in Plotly. ``owner`` keeps the small canvas between draws.
function paintCells(owner, ctx, z, rows, cols, stops, zmax, box) {
  const img = new ImageData(cols, rows);
  const px = img.data;
  for (let i = 0; i < rows * cols; i++) {
    const v = z[i];
    if (!Number.isFinite(v)) continue;
    rgbAt(stops, (v + zmax) / (2 * zmax), px, 4 * i);
    px[4 * i + 3] = 255;
  }
  if (!owner.cells) owner.cells = document.createElement("canvas");
  owner.cells.width = cols;
  owner.cells.height = rows;
  owner.cells.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(owner.cells, box.x, box.y, box.w, box.h);
}

// ---- controls elsewhere on the page ----

// Controls a view does not use, by their container's class (lab.ui.page.Page.off):
// dimmed (assets/style.css) and marked aria-disabled, so a screen reader still
// finds them and says they are unavailable, while neither pointer nor keyboard
// moves them: a listener on the container, in the capture phase, stops the
// event before it reaches the control (React's handlers listen at the root, in
// the bubble phase). `inert` did the stopping before, but it also took the
// controls out of the accessibility tree, so they vanished without a word.
// Python draws them enabled: redrawing a control only to disable it would
// redraw the sidebar (a slider costs ~10 ms in the browser). Attributes React
// does not manage.
//
// The map is kept and applied again whenever Streamlit adds elements to the
// page: a control mounted after the component's update (the sidebar drawn
// late on a busy machine, a fragment redrawing its control) is switched off
// too, not only at the next update.
const OFF_PARTS = '[data-testid="stSlider"] > :not([data-testid="stWidgetLabel"]), ' +
  '[data-testid="stButtonGroup"] > :not([data-testid="stWidgetLabel"])';
const OFF_CONTROLS = '[role="slider"], input, button';
const OFF_EVENTS = ["pointerdown", "mousedown", "touchstart", "click", "keydown"];
let offMap = {};
let offWatch = null;

function stopWhenOff(event) {
  // Tab still moves focus past the control; everything else stops here.
  if (event.type === "keydown" && event.key === "Tab") return;
  if (!event.currentTarget.hasAttribute("data-normlab-off")) return;
  event.preventDefault();
  event.stopPropagation();
}

function applyOff() {
  for (const [cls, isOff] of Object.entries(offMap)) {
    for (const box of document.getElementsByClassName(cls)) {
      if (box.hasAttribute("data-normlab-off") !== isOff) {
        box.toggleAttribute("data-normlab-off", isOff);
      }
      if (isOff && !box.normlabGuard) {
        box.normlabGuard = true;
        for (const type of OFF_EVENTS) box.addEventListener(type, stopWhenOff, true);
      }
      for (const label of box.querySelectorAll('[data-testid="stWidgetLabel"]')) {
        setDisabled(label, isOff);
      }
      for (const part of box.querySelectorAll(OFF_PARTS)) {
        setDisabled(part, isOff);
        for (const control of part.querySelectorAll(OFF_CONTROLS)) setDisabled(control, isOff);
      }
    }
  }
}

function setDisabled(el, isOff) {
  if (isOff) {
    if (el.getAttribute("aria-disabled") !== "true") el.setAttribute("aria-disabled", "true");
  } else if (el.getAttribute("aria-disabled") === "true" && !el.disabled) {
    el.removeAttribute("aria-disabled");
  }
}

function switchOff(off) {
  offMap = off || {};
  applyOff();
  if (!offWatch && Object.keys(offMap).length) {
    offWatch = new MutationObserver(applyOff);
    offWatch.observe(document.body, { childList: true, subtree: true });
  }
}
