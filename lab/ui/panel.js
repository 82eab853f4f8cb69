// ---- panels: a page section as one component (lab/ui/panel.py) ----
//
// Blocks of headings, text, readouts, tables and charts. Each block keeps its
// node while its content is unchanged, so a rerun rewrites only what moved.

let pickerIds = 0; // ids that tie each picker's label to its input

function el(tag, cls, html) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (html != null) e.innerHTML = html; // markup made by lab/ui/markup.py (escaped)
  return e;
}

// A readout's or picker's "?": its help on hover, focusable, read as an image.
function helpMark(help) {
  const q = el("span", "normlab-help");
  q.textContent = "?";
  q.tabIndex = 0;
  q.title = help;
  q.setAttribute("aria-label", help);
  q.setAttribute("role", "img");
  return q;
}

// A readout's comparison, as st.metric draws its delta: a pill, green with an
// up arrow, red with a down arrow, or grey; the words say which way, the
// arrow (Material's arrow_upward, as Streamlit's) is only drawn.
const ARROWS = {
  up: "M4 12l1.41 1.41L11 7.83V20h2V7.83l5.58 5.59L20 12l-8-8-8 8z",
  down: "M20 12l-1.41-1.41L13 16.17V4h-2v12.17l-5.58-5.59L4 12l8 8 8-8z",
};
function deltaPill(text, tone) {
  const pill = el("div", `normlab-metric-delta normlab-delta-${tone}`);
  if (ARROWS[tone]) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ARROWS[tone]);
    path.setAttribute("fill", "currentColor");
    svg.append(path);
    pill.append(svg);
  }
  const words = el("span");
  words.textContent = text;
  pill.append(words);
  return pill;
}

class Panel {
  constructor(root) {
    this.root = root;
    this.nodes = []; // [{sig, node, charts}]
    this.charts = new Map(); // chart name → Figure
  }

  update(blocks, setTriggerValue) {
    const keep = new Set();
    this.setTriggerValue = setTriggerValue;
    blocks.forEach((b, i) => {
      const sig = b.t === "figures"
        ? `figures:${b.cols}:${b.widths}:${b.items.map((c) => c.name).join(",")}`
        : b.t === "pickers" ? `pickers:${JSON.stringify(b.items.map(([l, , , h, c]) => [l, h, c]))}` : JSON.stringify(b);
      let slot = this.nodes[i];
      if (!slot || slot.sig !== sig) {
        const node = this.build(b);
        if (slot) slot.node.replaceWith(node);
        else this.root.appendChild(node);
        slot = this.nodes[i] = { sig, node };
      }
      if (b.t === "pickers") this.fill(slot.node, b.items);
      if (b.t === "figures") {
        b.items.forEach((c, k) => {
          keep.add(c.name);
          let fig = this.charts.get(c.name);
          const cell = slot.node.children[k];
          if (!fig || fig.root.parentNode !== cell) {
            const root = el("div", "normlab-figure");
            cell.replaceChildren(root);
            fig = new Figure(root);
            root.chart = fig;
            this.charts.set(c.name, fig);
          }
          fig.root.dataset.filename = c.filename;
          fig.update(revive(c.figure), {
            clickable: !!c.clickable,
            focus: c.focus || null,
            setTriggerValue: (name, value) => setTriggerValue(name, { ...value, chart: c.name }),
          });
        });
      }
    });
    for (const slot of this.nodes.splice(blocks.length)) slot.node.remove();
    for (const name of [...this.charts.keys()]) if (!keep.has(name)) this.charts.delete(name);
    // what the panel says, for tests that compare two views (its charts
    // record their own numbers)
    this.root.dataset.numbers = JSON.stringify(blocks.filter((b) => b.t !== "figures"));
  }

  // The focused cell's pickers keep their inputs across reruns (a rebuilt
  // input would lose the keyboard's focus): a rerun only sets their values.
  fill(row, items) {
    items.forEach(([, value, size], k) => {
      const input = row.children[k].querySelector("input");
      input.max = String(size - 1);
      input.defaultValue = String(value); // what a cleared input falls back to
      if (input.value !== String(value)) input.value = String(value);
    });
  }

  picked(row) {
    const v = Array.from(row.querySelectorAll("input"), (input) => {
      const n = Math.round(Number(input.value));
      const top = Number(input.max);
      const ok = input.value !== "" && Number.isFinite(n) ? n : Number(input.defaultValue);
      return Math.min(top, Math.max(0, ok));
    });
    v.forEach((n, k) => (row.children[k].querySelector("input").value = String(n)));
    // what a click on a chart sends (lab/ui/figure_input.js): x is the column
    this.setTriggerValue("click", { x: v[1], y: v[0], chart: "pickers", t: Date.now() % 1e9 });
  }

  build(b) {
    switch (b.t) {
      case "heading":
        return el("h3", "normlab-panel-heading", b.html);
      case "text":
        return el("div", "normlab-panel-text", b.html);
      case "formula":
        return el("div", "normlab-panel-formula", b.html);
      case "caption":
        return el("div", "normlab-panel-text normlab-panel-caption", b.html);
      case "callout":
        return el("div", `normlab-panel-text normlab-callout normlab-callout-${b.level}`, b.html);
      case "pickers": {
        // each box: its label and "?" as a readout's (the help also read out
        // as the input's description), then the input
        const row = el("div", "normlab-pickrow");
        for (const [label, value, , help, cls] of b.items) {
          const box = el("div", cls ? `normlab-pick ${cls}` : "normlab-pick");
          const input = el("input");
          input.id = `normlab-pick-${++pickerIds}`;
          input.type = "number";
          input.min = "0";
          input.step = "1";
          input.value = input.defaultValue = String(value);
          const head = el("div", "normlab-metric-label");
          const name = el("label");
          name.htmlFor = input.id;
          name.textContent = label;
          head.append(name);
          if (help) {
            input.setAttribute("aria-description", help);
            head.append(helpMark(help));
          }
          input.addEventListener("change", () => this.picked(row));
          box.append(head, input);
          row.append(box);
        }
        return row;
      }
      case "metrics": {
        const box = el("div", "normlab-panel-metrics");
        b.items.forEach(([label, value, help], k) => {
          const cell = el("div", "normlab-metric");
          const head = el("div", "normlab-metric-label");
          head.append(el("span", null, null));
          head.firstChild.textContent = label;
          if (help) head.append(helpMark(help));
          const v = el("div", "normlab-metric-value");
          v.textContent = value;
          cell.append(head, v);
          const delta = b.deltas && b.deltas[k];
          if (delta) cell.append(deltaPill(...delta));
          box.append(cell);
        });
        return box;
      }
      case "table": {
        const wrap = el("div", "normlab-panel-table");
        const t = el("table", "normlab-table");
        const tr = el("tr");
        b.head.forEach((h, k) => {
          const th = el("th", b.align[k] === "r" ? "normlab-num" : null, h);
          th.dataset.col = k;
          tr.append(th);
        });
        t.append(el("thead"));
        t.firstChild.append(tr);
        const body = el("tbody");
        for (const row of b.rows) {
          const r = el("tr");
          row.forEach((c, k) => {
            const td = el("td", b.align[k] === "r" ? "normlab-num" : null, c);
            td.dataset.label = b.head[k].replace(/<[^>]+>/g, "");
            r.append(td);
          });
          body.append(r);
        }
        t.append(body);
        wrap.append(t);
        return wrap;
      }
      case "figures": {
        const grid = el("div", "normlab-panel-figures");
        grid.style.setProperty("--cols", String(b.cols || 1));
        if (b.widths) grid.style.gridTemplateColumns = b.widths.map((w) => `minmax(0, ${w}fr)`).join(" ");
        for (let k = 0; k < b.items.length; k++) grid.append(el("div", "normlab-panel-cell"));
        return grid;
      }
      default:
        return el("div");
    }
  }
}
