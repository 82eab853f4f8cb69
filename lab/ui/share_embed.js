// Normalization Lab, "Share this view" (lab/ui/share.js): the <iframe>
// snippet for a course page, and a snapshot for a course site that forbids
// iframes: a PNG of the view's charts as drawn, its readouts, and the link
// printed under them.

const SNIPPET_HEIGHT = 800;
const CHARTS = ".normlab-heatmap canvas, .normlab-figure canvas, .normlab-tensor-panel canvas";
const MAX_CHARTS = 4;
const MAX_READOUTS = 6;

// Streamlit's embedding (?embed=true) and its options: the app without its
// header and menu, in the theme the host page asks for.
function embedLink(link, theme) {
  const params = { embed: "true" };
  if (theme) params.embed_options = `${theme}_theme`;
  return withParams(link, params);
}

// The literal HTML to paste; the link's & written &amp; as HTML requires.
function snippet(src) {
  const href = src.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  return `<iframe src="${href}" title="Normalization Lab" width="100%" ` +
    `height="${SNIPPET_HEIGHT}" style="border: 0;" allow="clipboard-write" ` +
    'loading="lazy"></iframe>';
}

function visible(el) {
  return el.offsetParent !== null && el.width > 0 && el.height > 0;
}

// What the snapshot shows, read from the page as it is now.
function snapshotParts() {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const charts = Array.from(main.querySelectorAll(CHARTS)).filter(visible).slice(0, MAX_CHARTS);
  const title = main.querySelector("h1");
  const focus = main.querySelector(".normlab-focus");
  const readouts = Array.from(main.querySelectorAll(".normlab-metric"))
    .filter((m) => m.offsetParent !== null)
    .slice(0, MAX_READOUTS)
    .map((m) => [
      m.querySelector(".normlab-metric-label").textContent.replace(/\?$/, "").trim(),
      m.querySelector(".normlab-metric-value").textContent.trim(),
    ]);
  return {
    title: title ? title.textContent.trim() : document.title,
    sentence: focus ? focus.textContent.trim() : "",
    charts,
    readouts,
  };
}

// Text wrapped to ``width`` on ``ctx``: its lines.
function wrap(ctx, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

// The snapshot, drawn on a new canvas at the screen's pixel ratio: the title,
// the charts two to a row as drawn, the focus sentence, the readouts, the link.
function drawSnapshot(parts, link, where) {
  const th = theme(where);
  const dpr = window.devicePixelRatio || 1;
  const pad = 24, gap = 16;
  const sizes = parts.charts.map((c) => [c.width / dpr, c.height / dpr]);
  const rows = [];
  for (let i = 0; i < sizes.length; i += 2) rows.push(sizes.slice(i, i + 2));
  const chartsW = Math.max(0, ...rows.map((r) => r.reduce((s, [w]) => s + w, 0) + gap * (r.length - 1)));
  const width = Math.max(640, chartsW + 2 * pad);
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = `15px ${th.font}`;
  const sentence = parts.sentence ? wrap(measure, parts.sentence, width - 2 * pad) : [];
  measure.font = `13px ${th.font}`;
  const linkLines = wrap(measure, link.replace(/([&?])/g, " $1").trim(), width - 2 * pad)
    .map((l) => l.replace(/ ([&?])/g, "$1"));
  const readoutRows = Math.ceil(parts.readouts.length / 3);
  const height = pad + 34 + rows.reduce((s, r) => s + Math.max(...r.map(([, h]) => h)) + gap, 0) +
    sentence.length * 22 + readoutRows * 54 + 12 + linkLines.length * 18 + pad;
  const out = document.createElement("canvas");
  out.width = Math.round(width * dpr);
  out.height = Math.round(height * dpr);
  const ctx = out.getContext("2d");
  ctx.scale(dpr, dpr);
  ctx.fillStyle = th.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = th.text;
  ctx.textBaseline = "top";
  ctx.font = `700 22px ${th.font}`;
  ctx.fillText(parts.title, pad, pad);
  // the charts, as drawn (their bitmaps, at their CSS size)
  let y = pad + 34;
  let k = 0;
  for (const r of rows) {
    let x = pad;
    for (const [w, h] of r) {
      ctx.drawImage(parts.charts[k++], x, y, w, h);
      x += w + gap;
    }
    y += Math.max(...r.map(([, h]) => h)) + gap;
  }
  ctx.fillStyle = th.text;
  ctx.font = `15px ${th.font}`;
  for (const line of sentence) {
    ctx.fillText(line, pad, y);
    y += 22;
  }
  const colW = (width - 2 * pad) / 3;
  parts.readouts.forEach(([label, value], i) => {
    const x = pad + (i % 3) * colW, top = y + Math.floor(i / 3) * 54;
    ctx.globalAlpha = 0.75;
    ctx.font = `13px ${th.font}`;
    ctx.fillText(label, x, top);
    ctx.globalAlpha = 1;
    ctx.font = `600 24px ${th.font}`;
    ctx.fillText(value, x, top + 18);
  });
  y += readoutRows * 54 + 12;
  ctx.font = `13px ${th.font}`;
  ctx.globalAlpha = 0.85;
  for (const line of linkLines) {
    ctx.fillText(line, pad, y);
    y += 18;
  }
  ctx.globalAlpha = 1;
  return out;
}

class Embed {
  constructor(root, link) {
    this.link = link;
    const row = document.createElement("div");
    row.className = "normlab-share-embed";
    const label = document.createElement("label");
    label.textContent = "Theme in the course page ";
    this.theme = document.createElement("select");
    for (const [value, text] of [["", "the reader's"], ["light", "light"], ["dark", "dark"]]) {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      this.theme.appendChild(o);
    }
    this.theme.addEventListener("change", () => this.refresh());
    label.appendChild(this.theme);
    this.locked = document.createElement("label");
    this.lockedBox = document.createElement("input");
    this.lockedBox.type = "checkbox";
    this.lockedBox.addEventListener("change", () => this.refresh());
    this.locked.append(this.lockedBox, document.createTextNode(" locked as the presenter link"));
    row.append(label, this.locked);
    this.code = linkRow(root, "normlab-share-iframe", "Embed in a course page: paste this HTML");
    this.code.parentNode.insertBefore(row, this.code);
    const snap = document.createElement("div");
    snap.className = "normlab-share-row";
    const title = document.createElement("div");
    title.className = "normlab-share-title";
    title.textContent = "Where iframes are not allowed: a picture of this view with its link";
    this.save = document.createElement("button");
    this.save.type = "button";
    this.save.className = "normlab-share-save";
    this.save.textContent = "Download snapshot (PNG)";
    this.save.addEventListener("click", () => this.snapshot());
    snap.append(title, this.save);
    root.appendChild(snap);
    this.root = root;
  }

  refresh(presenter) {
    if (presenter !== undefined) this.presenter = presenter;
    const base = this.lockedBox.checked && this.presenter ? this.presenter : this.link();
    const text = snippet(embedLink(base, this.theme.value));
    if (this.code.textContent !== text) this.code.textContent = text;
  }

  snapshot() {
    const link = this.link();
    const parts = snapshotParts();
    const out = drawSnapshot(parts, link, this.root);
    // what was drawn, for tests (a canvas has no DOM to read; the popover
    // that holds this component may close as the file is saved)
    document.body.dataset.normlabSnapshot = JSON.stringify({
      title: parts.title, charts: parts.charts.length, readouts: parts.readouts, link,
      width: out.width, height: out.height,
    });
    const page = new URL(link).pathname.replace(/\//g, "") || "lab";
    savePng(out, theme(this.root).background, `normlab-${page}-snapshot`);
  }
}
