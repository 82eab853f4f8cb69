// Normalization Lab: "Share this view" — a link for students, a presenter
// link, (share_embed.js) an <iframe> snippet and a snapshot.
//
// Each page writes its whole state into its own address (lab.ui.sync.UrlState.end)
// after every change, fragments included, so the app's own location is the
// share link. That is `window.location` here: this component runs in the
// app's document, which inside a course page's <iframe> is the iframe's
// document, not the host page's, so the links stay the lab's own view. A link
// built in Python would go stale whenever a fragment reruns without this
// control. Links are shown as text (textContent: nothing from the URL
// becomes HTML).

// How a link presents the page (lab.core.flags) and Streamlit's embedding
// options: none belongs in a student's link.
const VIEW_FLAGS = ["presenter", "show", "score"];
const EMBED_FLAGS = ["embed", "embed_options"];

// The app's own address without the given parameters (unchanged, byte for
// byte, when it has none of them).
function ownLink(drop) {
  const href = window.location.href;
  const url = new URL(href);
  if (!drop.some((k) => url.searchParams.has(k))) return href;
  for (const k of drop) url.searchParams.delete(k);
  return url.toString();
}

// ``link`` with more parameters, written plainly (commas in show= stay commas).
function withParams(link, params) {
  const tail = Object.entries(params).map(([k, v]) => `${k}=${v}`).join("&");
  if (!tail) return link;
  return link + (link.includes("?") ? "&" : "?") + tail;
}

// The link for students: the view, every control, the lab's full page.
function studentLink() {
  return ownLink([...VIEW_FLAGS, ...EMBED_FLAGS]);
}

// The presenter link: the view in presenter mode, only ``names`` movable.
function presenterLink(names) {
  return withParams(studentLink(), { presenter: "1", show: names.join(",") });
}

// A link, read-only, with its "Copy" button.
function linkRow(parent, cls, label) {
  const box = document.createElement("div");
  box.className = "normlab-share-row";
  const title = document.createElement("div");
  title.className = "normlab-share-title";
  title.textContent = label;
  const code = document.createElement("code");
  code.className = cls;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "normlab-share-copy";
  button.textContent = "Copy";
  button.setAttribute("aria-label", `Copy: ${label}`);
  button.addEventListener("click", () => copy(code, button));
  box.append(title, code, button);
  parent.appendChild(box);
  return code;
}

async function copy(code, button) {
  try {
    await navigator.clipboard.writeText(code.textContent);
    button.textContent = "Copied";
  } catch {
    // No clipboard (plain http on another host, an iframe without
    // clipboard-write): select it for Ctrl+C.
    const range = document.createRange();
    range.selectNodeContents(code);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    button.textContent = "Selected: press Ctrl+C";
  }
  setTimeout(() => (button.textContent = "Copy"), 2000);
}

// The page's controls, by setting: those drawn now, in the page's order, with
// their labels (textContent: a collapsed expander's are not rendered text).
function controlsOnPage(controls) {
  const found = [];
  for (const [name, classes] of Object.entries(controls)) {
    const box = classes.map((c) => document.getElementsByClassName(c)[0]).find(Boolean);
    if (!box) continue;
    const label = box.querySelector('[data-testid="stWidgetLabel"]');
    found.push([box, name, (label && label.textContent.trim()) || name]);
  }
  found.sort(([a], [b]) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  return found.map(([, name, label]) => [name, label]);
}

class Share {
  constructor(root) {
    this.root = root;
    this.student = linkRow(root, "normlab-share-link", "Link for students: this view, every control");
    const pres = document.createElement("fieldset");
    pres.className = "normlab-share-pick";
    const legend = document.createElement("legend");
    legend.textContent = "Presenter link: large type; only these controls stay";
    this.picks = document.createElement("div");
    this.picks.className = "normlab-share-picks";
    pres.append(legend, this.picks);
    root.appendChild(pres);
    this.presenter = linkRow(root, "normlab-share-presenter", "Presenter link");
    this.ticked = null;
    this.listed = "";
    this.embed = new Embed(root, studentLink);
    this.score = null; // the "I got 4/5" link, once there are answers
  }

  // The student's predictions so far (lab/ui/questions.py), as a link that
  // shows them to whoever opens it.
  scoreLink() {
    const [right, answered] = this.data.score;
    if (!this.score) {
      this.score = linkRow(this.root, "normlab-share-score", "");
      this.scoreTitle = this.score.parentNode.firstChild;
    }
    this.scoreTitle.textContent =
      `Your predictions: ${right} of ${answered} right. A link that says so:`;
    return withParams(studentLink(), { score: `${right}/${answered}` });
  }

  update(data) {
    this.data = data;
    if (this.ticked === null) this.ticked = new Set(data.show || []);
    this.refresh();
  }

  // Everything here follows the address and the page: read again while shown.
  refresh() {
    if (!this.data) return;
    const student = studentLink();
    if (this.student.textContent !== student) this.student.textContent = student;
    const shown = controlsOnPage(this.data.controls);
    const listed = JSON.stringify(shown);
    if (listed !== this.listed) {
      this.listed = listed;
      this.picks.replaceChildren(
        ...shown.map(([name, label]) => {
          const tick = document.createElement("label");
          const box = document.createElement("input");
          box.type = "checkbox";
          box.value = name;
          box.checked = this.ticked.has(name);
          box.addEventListener("change", () => {
            if (box.checked) this.ticked.add(name);
            else this.ticked.delete(name);
            this.refresh();
          });
          tick.append(box, document.createTextNode(` ${label}`));
          return tick;
        }),
      );
    }
    const names = shown.map(([n]) => n).filter((n) => this.ticked.has(n));
    const link = presenterLink(names);
    if (this.presenter.textContent !== link) this.presenter.textContent = link;
    this.embed.refresh(link);
    if (this.data.score) {
      const score = this.scoreLink();
      if (this.score.textContent !== score) this.score.textContent = score;
    }
  }
}

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".normlab-share");
  if (!root) {
    root = document.createElement("div");
    root.className = "normlab-share";
    parentElement.appendChild(root);
    root.share = new Share(root);
    const timer = setInterval(() => {
      if (!root.isConnected) clearInterval(timer);
      else if (root.offsetParent !== null) root.share.refresh();
    }, 300);
  }
  root.share.update(data || {});
}
