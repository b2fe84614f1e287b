#!/usr/bin/env python3
"""The design-space report as a reader sees it, in headless Chromium:

  test_report_browser.py FMALAB [REPORT_DIR]

Builds a small report with `synth/report.py --from-json` from a fixture written here (three units with
made-up costs; accuracy measured by FMALAB, a few seconds), and, when REPORT_DIR holds a finished main
job's units.json, the full report again from it. Each index.html is loaded in Chromium at two window
widths with a probe script injected; the test fails on a JavaScript error, an image that did not load,
or content wider than the viewport. On the fixture it also checks the conclusions against ratios
worked out here from the fixture's numbers (they are computed, not written by hand), and that the
overflowing unit is listed apart. Skips (exit 0, saying so) when no Chromium, or no python3 with
matplotlib, is installed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "synth", "report.py")
DISTS = ("uniform", "gaussian", "laplace", "outliers")
FAILS = []

# The probe goes first in <head> so that it sees every error; after load it writes its findings
# into the DOM, which --dump-dom prints.
PROBE = """<script>
window.__errs = [];
window.addEventListener('error', function (e) {
  if (e.target && e.target.tagName === 'IMG') window.__errs.push('image ' + e.target.getAttribute('src'));
  else window.__errs.push('js ' + (e.message || e.type));
}, true);
window.addEventListener('load', function () {
  var bad = Array.prototype.filter.call(document.images, function (i) { return !i.complete || i.naturalWidth === 0; })
    .map(function (i) { return i.getAttribute('src'); });
  var p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = JSON.stringify({errors: window.__errs, broken: bad, images: document.images.length,
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth});
  document.body.appendChild(p);
});
</script>"""


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            return path
    return None


def fixture_rows():
    """mac_int8 in two variants, the FP8 FMA into fp32 in two, one FP8 FMA into fp16 (it overflows)."""
    costs = [("mac_int8", "array", 1300.0, 50.0), ("mac_int8", "booth4", 700.0, 30.0),
             ("fma_e4m3_fp32", "array", 2600.0, 48.0), ("fma_e4m3_fp32", "booth4", 2590.0, 54.0),
             ("fma_e4m3_fp16", "booth4", 1600.0, 35.0)]
    rows = []
    for unit, variant, area, pj in costs:
        r = {"unit": unit, "variant": variant, "area_ge": area, "transistors": area * 4, "depth": 40, "area_um2": area * 9,
             "delay_ns": 5.0, "macs_per_op": 1, "pj_per_op_zero": 0.5, "netlist_vectors_checked": 100}
        for d in DISTS:
            r[f"pj_per_op_{d}"] = pj
        rows.append(r)
    return rows


def report_python():
    """report.py needs matplotlib: `make main` runs it with Debian's /usr/bin/python3, and ctest's
    interpreter may be another without it."""
    for py in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(py) and subprocess.run([py, "-c", "import matplotlib"], capture_output=True).returncode == 0:
            return py
    return None


def build(fmalab, src, out):
    r = subprocess.run([report_python(), REPORT, "--fmalab", fmalab, "--from-json", src, "--out", out],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"report.py --from-json {src}: exit {r.returncode}: {r.stderr.strip()[-400:]}")
    return os.path.join(out, "index.html")


def probe(browser, index, width):
    """Chromium's view of index at a window width: the probe's JSON and the page's text."""
    text = open(index, encoding="utf-8").read()
    probed = os.path.join(os.path.dirname(index), "probed.html")  # beside index: the images resolve
    with open(probed, "w", encoding="utf-8") as f:
        f.write(text.replace("<head>", "<head>" + PROBE, 1))
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--window-size={width},900", "--virtual-time-budget=10000", "--dump-dom",
                        "file://" + os.path.abspath(probed)], capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="probe">(.*?)</pre>', r.stdout, re.S)
    if not m:
        raise SystemExit(f"chromium printed no probe result (exit {r.returncode}): {r.stderr.strip()[-300:]}")
    raw = m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(raw), r.stdout


def view(browser, index, label):
    for width in (1280, 800):
        got, _ = probe(browser, index, width)
        check(not got["errors"], f"{label} at {width}px: no JavaScript or load error {got['errors']}")
        check(got["images"] > 0 and not got["broken"], f"{label} at {width}px: {got['images']} images, broken "
              f"{got['broken']}")
        check(got["scroll"] <= got["inner"], f"{label} at {width}px: content {got['scroll']}px in a "
              f"{got['inner']}px viewport")


def conclusions_from_fixture(index):
    """The fixture's ratios, worked out here: booth4 2590/700 area, 54/30 energy; array 2600/1300, 48/50;
    best against best 2590/700 area (both smallest), 48/30 energy (least of each)."""
    text = re.sub(r"<[^>]+>", " ", open(index, encoding="utf-8").read())
    text = text.replace("&#x27;", "'")
    want = ["both with booth4 multipliers: area 3.70x (above the published 1.5x-2.8x), energy 1.80x (inside it)",
            "both with array multipliers: area 2.00x (inside the published 1.5x-2.8x), energy 0.96x (below it)",
            "area 3.70x (above the published range), energy 1.60x (inside it)",
            "mac_int8 is 1300 GE with the array multiplier and 700 GE with booth4 (1.86x)"]
    for w in want:
        check(w in text, f"conclusion computed from the fixture: '{w[:60]}...'")
    check(re.search(r"overflowed and left out: fma_e4m3_fp16", text) is not None,
          "the overflowing fp16 unit is left out of the winners, named")
    check("The energy ratio falls inside it" not in text, "no hand-written conclusion")


def main():
    fmalab = sys.argv[1]
    real = sys.argv[2] if len(sys.argv) > 2 else None
    browser = chromium()
    if not browser or not report_python():
        print("skipped: " + ("no chromium (Debian: apt-get install chromium)" if not browser else
                             "no python3 with matplotlib for report.py (Debian: python3-matplotlib)"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "fixture")
        os.makedirs(src)
        with open(os.path.join(src, "units.json"), "w") as f:
            json.dump(fixture_rows(), f)
        index = build(fmalab, src, os.path.join(tmp, "small"))
        conclusions_from_fixture(index)
        view(browser, index, "fixture report")
        if real and os.path.exists(os.path.join(real, "units.json")):
            view(browser, build(fmalab, real, os.path.join(tmp, "full")), f"report from {real}")
        else:
            print(f"note: no finished report in {real}; the fixture report alone was rendered")
    if FAILS:
        print(f"{len(FAILS)} failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
