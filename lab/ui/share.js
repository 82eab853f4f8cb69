// Normalization Lab: "Share this view" on pages whose fragments rerun alone.
//
// Each page writes its whole state into the address bar after every change
// (lab.ui.sync.UrlState.end), fragments included, so the address bar is the
// share link. A link built in Python would go stale whenever a fragment reruns
// without the part of the page that holds it; read in the browser it cannot.
// The link is shown as text (textContent: nothing from the URL becomes HTML).

function mount(root) {
  const code = document.createElement("code");
  code.className = "normlab-share-link";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "normlab-share-copy";
  button.textContent = "Copy link";
  root.append(code, button);

  const refresh = () => {
    if (code.textContent !== window.location.href) {
      code.textContent = window.location.href;
    }
  };
  refresh();
  const timer = setInterval(() => {
    if (!root.isConnected) clearInterval(timer);
    else refresh();
  }, 300);

  button.addEventListener("click", async () => {
    refresh();
    try {
      await navigator.clipboard.writeText(code.textContent);
      button.textContent = "Copied";
    } catch {
      // No clipboard (plain http on another host): select it for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      button.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => (button.textContent = "Copy link"), 2000);
  });
}

export default function (component) {
  const { parentElement } = component;
  if (!parentElement.querySelector(".normlab-share")) {
    const root = document.createElement("div");
    root.className = "normlab-share";
    parentElement.appendChild(root);
    mount(root);
  }
}
