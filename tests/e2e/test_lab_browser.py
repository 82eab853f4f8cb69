"""The Lab page in a real browser: the real server, headless Chromium, real clicks."""

from __future__ import annotations

import re
from pathlib import Path

from bench.harness import ROOT, readout, serve, shared_link, wait_idle
from bench.latency import cell_point

SCREENSHOT = ROOT / "assets" / "screenshot.png"


def chart_state(page, i: int) -> dict:
    """What heatmap ``i`` drew: its title, outline (rows, cols), focus, values."""
    return page.evaluate(
        """(i) => {
            const canvas = document.querySelectorAll('.normlab-heatmap canvas')[i];
            const map = document.querySelector('.normlab-heatmaps').lab.maps[i];
            return {title: canvas.dataset.title,
                    outline: canvas.dataset.outline.split(',').map(Number),
                    focus: canvas.dataset.focus,
                    z: Array.from(map.z.slice(0, 64))};
        }""",
        i,
    )


def focus_text(page) -> str:
    text = page.inner_text("[data-testid='stMain']")
    return re.search(r"Focused cell: example \d+, feature \d+", text).group(0)


def click_cell(page, chart: int, row: int, col: int) -> None:
    page.mouse.click(*cell_point(page, chart, row, col))


def wait_readouts(page, row: int, col: int) -> None:
    """Wait for Python's readouts of cell (row, col): the sentence under the
    heatmaps, written from the server's answer, and no readout left dimmed.
    (The page's text names the cell at once, from the browser, before the
    server has answered: waiting for that raced the answer on a busy machine.)"""
    page.wait_for_function(
        "(w) => { const r = document.querySelector('.normlab-readouts');"
        " return r && !r.classList.contains('normlab-pending')"
        " && r.querySelector('.normlab-focus')?.innerText.includes(w); }",
        arg=f"example {row}, feature {col}",
    )
    wait_idle(page)


def test_both_heatmaps_are_drawn(open_lab):
    page = open_lab()
    assert page.locator(".normlab-heatmap canvas").count() == 2
    assert chart_state(page, 0)["title"] == "Raw activations x"
    assert chart_state(page, 1)["title"] == "After BatchNorm (train)"
    # something was painted: the canvas is not blank
    painted = page.evaluate(
        """() => { const c = document.querySelectorAll('.normlab-heatmap canvas')[1];
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }"""
    )
    assert painted > 10_000
    assert page.locator("[data-testid='stException']").count() == 0


def test_cells_have_the_colour_of_their_value_on_the_scale(open_lab):
    """Each cell is painted with Plotly's colour for its value (the diverging
    scale over [−zmax, zmax]), in both heatmaps."""
    from plotly.colors import sample_colorscale

    page = open_lab("?norm=layer")
    data = page.evaluate(
        """() => Array.from(document.querySelector('.normlab-heatmaps').lab.maps,
            (m) => ({z: Array.from(m.z), zmax: m.spec.zmax,
                     scale: m.spec.colorscale}))"""
    )
    for chart, spec in enumerate(data):
        for r, c in ((3, 5), (10, 2), (20, 9), (31, 15)):
            x, y = cell_point(page, chart, r, c)
            pixel = page.evaluate(
                """([i, x, y]) => {
                    const cv = document.querySelectorAll('.normlab-heatmap canvas')[i];
                    const box = cv.getBoundingClientRect();
                    const k = cv.width / box.width;
                    const d = cv.getContext('2d').getImageData(
                        Math.floor((x - box.left) * k), Math.floor((y - box.top) * k),
                        1, 1).data;
                    return [d[0], d[1], d[2]];
                }""",
                [chart, x, y],
            )
            t = (spec["z"][r * 16 + c] + spec["zmax"]) / (2 * spec["zmax"])
            rgb = sample_colorscale(spec["scale"], [min(max(t, 0), 1)])[0]
            want = [float(v) for v in rgb[4:-1].split(",")]
            assert all(abs(a - b) <= 1 for a, b in zip(pixel, want, strict=True)), (
                r,
                c,
                rgb,
            )


def test_clicking_a_cell_moves_the_outline_and_the_readouts(open_lab):
    page = open_lab()
    assert focus_text(page) == "Focused cell: example 0, feature 0"
    std_before = readout(page, "Raw std")
    assert chart_state(page, 0)["outline"] == [0, 31, 0, 0]

    click_cell(page, 0, row=5, col=7)
    wait_readouts(page, 5, 7)
    assert chart_state(page, 0)["outline"] == [0, 31, 7, 7]
    assert chart_state(page, 1)["outline"] == [0, 31, 7, 7]
    assert readout(page, "Raw std") != std_before
    # the readouts were dimmed while Python computed the new cell's numbers
    assert page.locator(".normlab-readouts.normlab-pending").count() == 0
    assert "focus=5%2C7" in page.url

    click_cell(page, 1, row=20, col=2)  # the normalized heatmap is clickable too
    wait_readouts(page, 20, 2)
    assert chart_state(page, 1)["outline"] == [0, 31, 2, 2]


def test_clicking_in_layernorm_outlines_the_row(open_lab):
    page = open_lab("?norm=layer")
    click_cell(page, 0, row=9, col=3)
    wait_readouts(page, 9, 3)
    assert chart_state(page, 0)["outline"] == [9, 9, 0, 15]
    assert readout(page, "Ex. 9 mean") == "0"


def test_switching_family_changes_the_output(open_lab):
    page = open_lab()
    raw_before, out_before = chart_state(page, 0), chart_state(page, 1)
    page.locator("[data-testid='stSidebar'] button", has_text="LayerNorm").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".dataset.title.includes('LayerNorm')"
    )
    wait_idle(page)
    out_after = chart_state(page, 1)
    assert out_after["z"] != out_before["z"]
    assert out_after["outline"] == [0, 0, 0, 15]  # example 0's row
    assert chart_state(page, 0)["z"] == raw_before["z"]  # the input did not change
    assert "norm=layer" in page.url
    # only the board reran; the side panel follows the family it drew
    assert side_panel_shows(page) == "LayerNorm"
    assert page.get_by_role("slider", name="Batch size").count() == 1


def side_panel_shows(page) -> str:
    """The family whose formula and cheat sheet are visible (exactly one)."""
    shown = page.evaluate(
        """() => ['batch', 'layer', 'rms', 'group'].filter((f) =>
            [`.st-key-lab-side-${f}`, `.st-key-lab-sheet-${f}`].every((sel) => {
                const el = document.querySelector(sel);
                return el && el.offsetParent !== null;
            }))"""
    )
    hidden = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '[class*="st-key-lab-side-"], [class*="st-key-lab-sheet-"]'))
            .filter((el) => el.offsetParent !== null).length"""
    )
    assert len(shown) == 1 and hidden == 2, (shown, hidden)
    name = page.locator(f".st-key-lab-side-{shown[0]} strong").first.inner_text()
    return name


def heatmaps_top(page) -> float:
    return page.locator(".normlab-heatmaps").bounding_box()["y"]


def test_moves_that_change_the_sidebar_redraw_it(open_lab):
    page = open_lab()
    assert side_panel_shows(page) == "BatchNorm"
    scenario = page.get_by_role("combobox", name="Scenario")
    assert scenario.input_value() == "Stable batch"
    top = heatmaps_top(page)
    thumb = page.get_by_role("slider", name="Batch size")
    thumb.focus()
    thumb.press("ArrowLeft")  # leaves the scenario: the selectbox says Custom
    page.wait_for_function(
        "() => document.querySelector('.normlab-heatmap canvas').dataset.shape"
        " === '31,16'"
    )
    wait_idle(page)
    page.wait_for_function(
        "() => document.querySelector('[role=combobox][aria-label=Scenario]')"
        ".value === 'Custom'"
    )
    # the scenario's box stays ("changed"): the heatmaps stay where they were
    page.get_by_text("Stable batch, changed.").wait_for()
    assert abs(heatmaps_top(page) - top) < 2, (top, heatmaps_top(page))
    page.get_by_text("Layer: γ, β, ε").click()
    beta = page.get_by_role("slider", name="β (shift)")
    assert beta.is_enabled()
    page.locator("[data-testid='stSidebar'] button", has_text="RMSNorm").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".dataset.title.includes('RMSNorm')"
    )
    wait_idle(page)
    page.wait_for_function(OFF.format(key="lab-beta"))
    assert side_panel_shows(page) == "RMSNorm"


# The control's container is marked off, and its slider part and the slider
# itself are aria-disabled (a screen reader says "unavailable").
OFF = """() => {{
    const box = document.querySelector('.st-key-{key}');
    const part = box?.querySelector('[role=group]');
    const slider = part?.querySelector('input[type=range]');
    return box?.hasAttribute('data-normlab-off')
        && part?.getAttribute('aria-disabled') === 'true'
        && slider?.getAttribute('aria-disabled') === 'true';
}}"""


def is_off(page, key: str) -> bool:
    return page.evaluate(OFF.format(key=key))


def test_controls_a_family_does_not_use_are_switched_off(open_lab):
    page = open_lab("?norm=rms&scenario=custom")
    page.get_by_text("Layer: γ, β, ε").click()
    beta = page.get_by_role("slider", name="β (shift)")
    assert is_off(page, "lab-beta") and is_off(page, "lab-groups")
    # neither keyboard nor pointer moves it, and it looks it; it stays in the
    # accessibility tree, announced as unavailable
    assert beta.get_attribute("aria-disabled") == "true"
    beta.focus()
    beta.press("ArrowRight")
    beta.press("End")
    box = page.locator(".st-key-lab-beta [role=group]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert beta.get_attribute("aria-valuetext") == "0.00"
    opacity = page.evaluate(
        "() => getComputedStyle(document.querySelector("
        "'.st-key-lab-beta [data-testid=stWidgetLabel]')).opacity"
    )
    assert float(opacity) < 0.5
    # its help still says why
    page.get_by_role("button", name="Help for β (shift)").hover()
    page.get_by_text("RMSNorm has none").wait_for()

    page.locator("[data-testid='stSidebar'] button", has_text="GroupNorm").click()
    page.wait_for_function(f"() => !({OFF.format(key='lab-beta')})()")
    wait_idle(page)
    assert not is_off(page, "lab-groups")
    beta.focus()
    beta.press("ArrowRight")
    page.wait_for_url(re.compile(r"beta=0\.1"))
    wait_idle(page)
    assert beta.get_attribute("aria-valuetext") == "0.10"

    # a groups slider drawn afresh (one feature has no choice of groups) is
    # switched off too when the family does not use it
    page.locator("[data-testid='stSidebar'] button", has_text="LayerNorm").click()
    page.wait_for_function(OFF.format(key="lab-groups"))
    wait_idle(page)
    features = page.get_by_role("slider", name="Features")
    features.focus()
    features.press("Home")
    page.get_by_text("the only divisor of 1 feature").wait_for()
    wait_idle(page)
    features.press("ArrowRight")
    page.get_by_role("slider", name="Groups (GroupNorm)").wait_for()
    wait_idle(page)
    page.wait_for_function(OFF.format(key="lab-groups"))


def test_back_button_returns_to_the_previous_view(open_lab):
    page = open_lab()
    page.locator("[data-testid='stSidebar'] button", has_text="RMSNorm").click()
    page.wait_for_url(re.compile(r"norm=rms"))
    wait_idle(page)
    page.go_back()
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".dataset.title.includes('BatchNorm')"
    )
    wait_idle(page)
    assert "norm=" not in page.url


def test_a_hostile_link_renders_the_page_with_a_note(open_lab):
    page = open_lab("?batch=%3Cscript%3Ealert(1)%3C/script%3E&focus=99,99&zzz=1")
    main = page.inner_text("[data-testid='stMain']")
    assert "could not be used as written" in main
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0
    # the note is for the link as it arrived: the next move clears it
    page.locator("[data-testid='stSidebar'] button", has_text="LayerNorm").click()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stMain]').innerText"
        ".includes('could not be used as written')"
    )
    wait_idle(page)
    assert "LayerNorm" in chart_state(page, 1)["title"]


def test_readme_screenshot(open_lab):
    """The README's picture of the main page is taken here, from the real app."""
    page = open_lab("?focus=3,5")
    page.set_viewport_size({"width": 1440, "height": 1240})
    page.wait_for_timeout(300)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert Path(SCREENSHOT).stat().st_size > 50_000


def test_a_shared_link_opens_the_same_numbers_in_a_new_browser(open_lab, chromium):
    page = open_lab("?scenario=outlier&norm=group&seed=7")
    click_cell(page, 0, row=6, col=9)
    wait_readouts(page, 6, 9)
    link = shared_link(page)
    assert link.startswith("http://127.0.0.1:") and "focus=6%2C9" in link
    seen = {"raw": chart_state(page, 0), "out": chart_state(page, 1)}
    readouts = [readout(page, m) for m in ("Raw std", "Ex. 6 mean", "Ex. 6 RMS")]

    other = chromium.new_context(viewport={"width": 1200, "height": 900})
    try:
        fresh = other.new_page()
        fresh.goto(link)
        wait_idle(fresh)
        fresh.wait_for_selector(".normlab-heatmap canvas[data-plot]")
        assert chart_state(fresh, 0) == seen["raw"]
        assert chart_state(fresh, 1) == seen["out"]
        assert focus_text(fresh) == "Focused cell: example 6, feature 9"
        assert [
            readout(fresh, m) for m in ("Raw std", "Ex. 6 mean", "Ex. 6 RMS")
        ] == readouts
    finally:
        other.close()


def test_csv_exports_download_with_a_header_and_the_numbers(open_lab):
    page = open_lab("?norm=layer&batch=5")
    page.get_by_role("button", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Normalized matrix (CSV)").click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    assert download.suggested_filename == "normlab-layer-train-seed0-normalized.csv"
    assert text.startswith("# Normalization Lab: normalized output y")
    assert "family=LayerNorm" in text and "batch=5" in text
    rows = [ln for ln in text.splitlines() if ln[:1].isdigit()]
    assert len(rows) == 5 and len(rows[0].split(",")) == 17


def test_the_png_button_saves_the_heatmap_as_drawn(open_lab):
    page = open_lab("?norm=rms")
    with page.expect_download() as info:
        page.locator(".normlab-heatmap").nth(1).get_by_role(
            "button", name="PNG"
        ).click()
    download = info.value
    assert download.suggested_filename == "normalized-rms.png"
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_hover_shows_both_values_and_arrow_keys_move_the_focus(open_lab):
    page = open_lab()
    tip = page.locator(".normlab-tip").nth(1)
    for wiggle in range(40):  # a hand keeps moving: under load one event can
        x, y = cell_point(page, 1, 4, 6)  # land before the page's layout settles
        page.mouse.move(x + wiggle % 2, y)
        if tip.is_visible():
            break
        page.wait_for_timeout(250)
    tip.wait_for(state="visible", timeout=1_000)
    text = tip.inner_text()
    assert text.startswith("example 4, feature 6")
    assert "normalized y = " in text and "raw x = " in text
    page.locator(".normlab-heatmap canvas").nth(1).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "() => document.body.innerText.includes('example 1, feature 1.')"
    )
    wait_idle(page)
    assert chart_state(page, 0)["outline"] == [0, 31, 1, 1]


def test_a_deep_link_to_a_fresh_server_gets_the_full_app(chromium):
    """Streamlit's legacy pages/ mode must not serve a page without app.py."""
    with serve() as url:
        context = chromium.new_context(viewport={"width": 1200, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{url}/coupling?seed=3")
            page.wait_for_selector("[data-testid='stSidebarNav']")
            # The first run may draw Streamlit's legacy navigation for an instant
            # before ensure_routed reruns through app.py; wait for the rerun.
            page.wait_for_function(
                "() => document.querySelector(\"[data-testid='stSidebarNav']\")"
                ".innerText.includes('Tensor view')",
                timeout=30_000,
            )
            wait_idle(page)
            nav = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
            assert [n.split("\n")[-1] for n in nav][:3] == [
                "Lab",
                "Tensor view",
                "Batch coupling",
            ]
            assert "seed=3" in page.url
        finally:
            context.close()


def test_on_a_projector_both_heatmaps_are_side_by_side_on_the_first_screen(
    chromium, app_url
):
    """1280 × 720 at 150 % browser zoom: 853 × 480 CSS px."""
    context = chromium.new_context(
        viewport={"width": 853, "height": 480}, device_scale_factor=1.5
    )
    try:
        page = context.new_page()
        page.goto(app_url)
        wait_idle(page)
        page.wait_for_selector(".normlab-heatmap:nth-child(2) canvas[data-plot]")
        page.wait_for_timeout(300)
        raw, out = (
            page.locator(".normlab-heatmap canvas").nth(i).bounding_box()
            for i in (0, 1)
        )
        assert abs(raw["y"] - out["y"]) < 2  # one row
        assert raw["x"] + raw["width"] <= out["x"]  # side by side
        for box in (raw, out):
            assert box["y"] >= 0 and box["y"] + box["height"] <= 480, box
            assert box["x"] + box["width"] <= 853 and box["width"] >= 200, box
        sidebar = page.locator("[data-testid='stSidebar']").bounding_box()
        assert sidebar["width"] <= 240
        # the title is on screen, not under the header
        title = page.get_by_role("heading", name="Normalization Lab").bounding_box()
        assert title["y"] >= 0 and title["y"] + title["height"] <= raw["y"]
    finally:
        context.close()


def test_the_first_tab_stop_skips_to_the_heatmaps_and_help_stays_reachable(open_lab):
    page = open_lab()
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.className === 'normlab-skip'"):
            break
    assert page.evaluate("() => document.activeElement.textContent") == (
        "Skip to the heatmaps"
    )
    assert page.locator(".normlab-skip").is_visible()  # shown while focused
    page.keyboard.press("Enter")
    assert page.evaluate(
        "() => document.activeElement === "
        "document.querySelector('.normlab-heatmap canvas')"
    )
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.body.innerText.includes('example 0, feature 1.')"
    )
    wait_idle(page)
    # the help of every control is still in the tab order
    help_button = page.get_by_role("button", name="Help for Batch size")
    assert help_button.get_attribute("tabindex") != "-1"
    help_button.focus()
    assert page.evaluate("() => document.activeElement.ariaLabel") == (
        "Help for Batch size"
    )


def test_the_heatmaps_tell_a_screen_reader_the_focused_cell_and_its_set(open_lab):
    page = open_lab("?focus=3,5")
    label = page.locator(".normlab-heatmap canvas").nth(0).get_attribute("aria-label")
    raw = chart_state(page, 0)["z"][3 * 16 + 5]
    assert label.startswith("Raw activations x, 32 examples by 16 features.")
    assert "Focused cell: example 3, feature 5, raw x = " in label
    shown = label.split("raw x = ")[1].split(",")[0].replace("−", "-")
    assert abs(float(shown) - raw) < 1e-3 * max(1, abs(raw))
    assert "Outlined: its column (feature 5, examples 0 to 31, 32 cells)" in label
    canvas = page.locator(".normlab-heatmap canvas").nth(1)
    canvas.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".getAttribute('aria-label').includes('example 4, feature 5, normalized y')"
    )
    live = page.locator(".normlab-sr-only[aria-live='polite']")
    assert live.inner_text().startswith("Focused cell: example 4, feature 5, ")
    page.locator("[data-testid='stSidebar'] button", has_text="LayerNorm").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".getAttribute('aria-label').includes('its row (example 4, features 0 to 15')"
    )
