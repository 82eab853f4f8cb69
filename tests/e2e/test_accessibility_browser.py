"""Accessibility, as a course must serve every student: axe-core on every page in
both themes, controls a view does not use announced as unavailable, and the
heatmaps' colour scale still telling sign apart to a colour-blind eye.

axe-core is the npm package pinned in tests/e2e/axe/package.json, installed by
.ci/run (and here, when missing, with the machine's npm) and injected into the
page by the test; no browser or package is downloaded at run time beyond it.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from bench.harness import wait_idle, wait_styled

AXE_DIR = Path(__file__).with_name("axe")
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

# Every page at its default view, and the views that switch controls off or
# draw what the default does not (badges, a disabled control, the probe).
VIEWS = [
    "",
    "?norm=rms&mode=eval",
    "?norm=group",
    "tensor",
    "coupling",
    "coupling?view=probe",
    "coupling?scenario=accum",
    "train_eval",
    "train_eval?pitfall=eval",
    "train_eval?scenario=dropout",
    "sequences",
    "why",
    "rms",
    "choose",
]
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "npm not found: the accessibility tests inject axe-core from npm "
                "(tests/e2e/axe/package.json); install Node.js and npm."
            )
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
            check=True,
            timeout=300,
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=["light", "dark"])
def themed(request, chromium, warmed):
    context = chromium.new_context(
        viewport={"width": 1400, "height": 1000}, color_scheme=request.param
    )
    page = context.new_page()
    yield request.param, page
    context.close()


def open_view(page, url: str, view: str) -> None:
    page.goto(f"{url}/{view}")
    wait_idle(page, 120_000)
    wait_styled(page)
    # every page draws at least one canvas component; they mark the theme
    page.wait_for_function("() => document.body.dataset.normlabTheme", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=true]')", timeout=60_000
    )


def axe_violations(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ').slice(-100)
                    + ' :: ' + n.failureSummary.replace(/\\s+/g, ' ').slice(0, 240)),
            }));
        }"""
    )


@pytest.mark.parametrize("view", VIEWS)
def test_axe_finds_nothing_serious(themed, warmed, axe_source, view):
    theme, page = themed
    open_view(page, warmed, view)
    assert page.evaluate("() => document.body.dataset.normlabTheme") == theme
    found = axe_violations(page, axe_source)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)


@pytest.mark.parametrize(
    ("view", "theme"),
    [
        ("?presenter=1", "light"),
        ("coupling?presenter=1", "light"),
        ("coupling?presenter=1", "dark"),
        ("rms?presenter=1", "dark"),
    ],
)
def test_a_presenter_s_page_on_a_projector_has_nothing_serious(
    chromium, warmed, axe_source, view, theme
):
    """1280 × 720 at 150 %: the header's menus are icons there (their names
    kept for screen readers), the page reordered around its stage."""
    context = chromium.new_context(
        viewport={"width": 853, "height": 480},
        device_scale_factor=1.5,
        color_scheme=theme,
    )
    try:
        page = context.new_page()
        open_view(page, warmed, view)
        share = page.get_by_role("button", name="Share this view")
        assert share.is_visible()  # found by its name, drawn as an icon
        label = share.locator("[data-testid='stMarkdownContainer']").bounding_box()
        assert label["width"] <= 1 and label["height"] <= 1
        found = axe_violations(page, axe_source)
        blocking = [v for v in found if v["impact"] in BLOCKING]
        assert not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)
    finally:
        context.close()


def test_axe_sees_a_contrast_failure_when_there_is_one(page, warmed, axe_source):
    """The scan is live: grey on white at 2:1 is reported, as it would be on a page."""
    open_view(page, warmed, "")
    page.evaluate(
        """() => { const p = document.createElement('p');
            p.textContent = 'A faint sentence'; p.style.color = '#bbbbbb';
            p.style.background = '#ffffff'; p.id = 'faint';
            document.querySelector('h1').after(p); }"""
    )
    found = axe_violations(page, axe_source)
    assert any(
        v["id"] == "color-contrast" and any("#faint" in n for n in v["nodes"])
        for v in found
    ), found


def test_a_switched_off_control_is_announced_not_removed(page, warmed):
    """RMSNorm has no β: the slider stays in the accessibility tree, disabled,
    and no key or click moves it."""
    open_view(page, warmed, "?norm=rms&scenario=custom")
    page.get_by_text("Layer: γ, β, ε").click()
    snapshot = page.locator("[data-testid=stSidebar]").aria_snapshot()
    assert "β (shift)" in snapshot
    beta = page.get_by_role("slider", name="β (shift)")
    assert beta.get_attribute("aria-disabled") == "true"
    assert beta.is_visible()
    before = page.url
    beta.focus()
    for key in ("ArrowRight", "End", "PageUp"):
        beta.press(key)
    box = page.locator(".st-key-lab-beta [role=group]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    page.wait_for_timeout(400)
    assert beta.get_attribute("aria-valuetext") == "0.00"
    assert page.url == before
    # the same in train mode for the stale-statistics shift, an eval-only control
    stale = page.get_by_role("slider", name="Shift since training (eval)")
    assert stale.get_attribute("aria-disabled") == "true"


def test_the_heatmap_reads_its_cell_and_outline_by_keyboard(page, warmed):
    open_view(page, warmed, "?norm=layer&scenario=custom&focus=0,0")
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'.normlab-heatmap canvas[aria-label]').length === 2"
    )
    canvas = page.locator(".normlab-heatmap canvas").first
    canvas.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.normlab-heatmap canvas')"
        ".dataset.focus === '1,1'"
    )
    label = canvas.get_attribute("aria-label")
    assert "example 1, feature 1" in label
    # LayerNorm pools one example's row: the outline says so, with its size
    assert "Outlined:" in label and "example 1, features 0 to" in label
    live = page.locator(".normlab-sr-only[aria-live=polite]").first
    assert "example 1, feature 1" in live.text_content()


def _bar_colours(png: bytes, plot: list[float], origin: dict) -> list[tuple]:
    """The colour bar's colour at its top (most positive), middle and bottom,
    read off a screenshot (kit.js colorBar: 14 px right of the plot, 12 wide)."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    x, y, w, h = plot
    cx = origin["x"] + x + w + 20
    return [
        img.getpixel((round(cx), round(origin["y"] + y + f * h)))
        for f in (0.02, 0.5, 0.98)
    ]


def _distance(a: tuple, b: tuple) -> float:
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5


DEFICIENCIES = ["none", "deuteranopia", "protanopia", "tritanopia", "achromatopsia"]


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_the_colour_scale_tells_sign_apart_to_a_colour_blind_eye(
    page, warmed, deficiency
):
    """Chromium's own vision-deficiency emulation (DevTools' Rendering panel),
    on the Lab's colour bar (beside the normalized heatmap): the scale's two
    ends stay far apart from each other and from its neutral middle. A
    red-green scale fails this."""
    open_view(page, warmed, "")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})
    canvas = page.locator(".normlab-heatmap canvas").nth(1)
    plot = [float(v) for v in canvas.get_attribute("data-plot").split(",")]
    origin = canvas.bounding_box()
    png = page.screenshot()
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    (out / f"colour-scale-{deficiency}.png").write_bytes(png)
    top, middle, bottom = _bar_colours(png, plot, origin)
    if deficiency == "achromatopsia":
        # the check can fail: seen in grey, the scale's ends (a dark blue and
        # a dark red of similar lightness) come close
        assert _distance(top, bottom) < 120, (top, bottom)
        return
    assert _distance(top, bottom) > 120, (top, bottom)
    assert _distance(top, middle) > 60 and _distance(bottom, middle) > 60


# Every formula on screen: [scrolls (wider than its box, not clipped), takes focus]
SCROLLERS = """() => Array.from(document.querySelectorAll('.katex-display'))
    .filter((e) => e.offsetParent !== null)
    .map((e) => [e.scrollWidth > e.clientWidth
                 && getComputedStyle(e).overflowX !== 'hidden',
                 e.tabIndex === 0])"""


@pytest.mark.parametrize("width", [390, 1400])
@pytest.mark.parametrize("view", ["", "train_eval", "coupling?scenario=accum"])
def test_a_formula_wider_than_its_column_takes_keyboard_focus(
    chromium, warmed, view, width
):
    """A formula that scrolls sideways is a tab stop (a keyboard can scroll it);
    one that fits is not."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        open_view(page, warmed, view)
        page.wait_for_function(
            f"() => ({SCROLLERS})().every(([over, focusable]) => over === focusable)",
            timeout=10_000,
        )
        seen = page.evaluate(SCROLLERS)
        assert seen, "no formula on screen"
    finally:
        context.close()


def test_a_formula_in_a_narrow_column_becomes_a_tab_stop(page, warmed):
    """The same check on a formula put in a column too narrow for it (as a
    phone's would be for a longer formula): it takes focus and says why."""
    open_view(page, warmed, "train_eval")
    page.evaluate(
        """() => { const box = document.createElement('div');
            box.style.width = '100px'; box.id = 'narrow';
            box.appendChild(document.querySelector('.katex-display').cloneNode(true));
            document.querySelector('h1').after(box); }"""
    )
    formula = page.locator("#narrow .katex-display")
    page.wait_for_function(
        "() => document.querySelector('#narrow .katex-display').tabIndex === 0",
        timeout=10_000,
    )
    assert formula.get_attribute("aria-label") == "Formula (scrolls sideways)"
    formula.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#narrow .katex-display').scrollLeft > 0"
    )
