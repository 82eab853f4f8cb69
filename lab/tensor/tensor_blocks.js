// Normalization Lab, the Tensor view's component (lab/tensor/tensor.js): the
// readouts, pickers and tables around the canvases.

// Text around the pictures, from Python (lab.tensor.model.cube_panels,
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
