// Normalization Lab, the Lab's heatmap component (lab/board/heatmaps.js): the
// readouts under the heatmaps.

// The readouts under the heatmaps: text from Python (lab.board.figures.readout_panel),
// set with textContent only. Built once; each update changes a few text nodes.
class Readouts {
  constructor(parent) {
    this.el = document.createElement("div");
    this.el.className = "normlab-readouts";
    this.sentence = document.createElement("p");
    this.sentence.className = "normlab-focus";
    this.grid = document.createElement("div");
    this.grid.className = "normlab-metrics";
    const status = document.createElement("div");
    status.className = "normlab-status";
    this.badge = document.createElement("span");
    this.caption = document.createElement("span");
    this.caption.className = "normlab-caption";
    status.append(this.badge, this.caption);
    this.el.append(this.sentence, this.grid, status);
    parent.appendChild(this.el);
    this.cells = [];
  }

  // ro: lab.board.figures.readout_panel for the cell at focus.
  update(ro, focus) {
    this.focus = focus;
    this.sentence.replaceChildren(
      ...ro.sentence.map(([text, bold]) => {
        if (!bold) return document.createTextNode(text);
        const b = document.createElement("strong");
        b.textContent = text;
        return b;
      }),
    );
    while (this.cells.length < ro.metrics.length) {
      const cell = document.createElement("div");
      cell.className = "normlab-metric";
      const label = document.createElement("div");
      label.className = "normlab-metric-label";
      const name = document.createElement("span");
      const help = document.createElement("span");
      help.className = "normlab-help";
      help.textContent = "?";
      help.tabIndex = 0;
      label.append(name, help);
      const value = document.createElement("div");
      value.className = "normlab-metric-value";
      cell.append(label, value);
      this.grid.appendChild(cell);
      this.cells.push({ name, help, value });
    }
    ro.metrics.forEach(([label, value, help], i) => {
      const cell = this.cells[i];
      cell.name.textContent = label;
      cell.value.textContent = value;
      cell.help.title = help;
      cell.help.setAttribute("aria-label", help);
    });
    const [text, color, help] = ro.badge;
    this.badge.className = `normlab-badge normlab-badge-${color}`;
    this.badge.textContent = text;
    this.badge.title = help;
    this.caption.textContent = ro.caption;
    this.el.classList.remove("normlab-pending");
  }

  // The focus moved in the browser: these numbers are the old cell's until
  // Python's answer arrives.
  pending(focus) {
    const same = this.focus && this.focus[0] === focus[0] && this.focus[1] === focus[1];
    this.el.classList.toggle("normlab-pending", !same);
  }
}
