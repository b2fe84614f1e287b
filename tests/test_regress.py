#!/usr/bin/python3
"""fmalab regress: sharding, resuming after SIGKILL, JUnit XML, bad input.

usage: test_regress.py FMALAB TEST   (TEST: ShardsEqual, ResumeAfterKill, Junit, BadInput)
Expected values come from independent sources: case lists from the usage text's vector classes,
mismatching vectors re-evaluated with `fmalab eval`, and runs compared with other runs.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

FMALAB = sys.argv[1]
MODES = ["rne", "rtz", "rdn", "rup", "rmm"]


def run(args, check=True):
    p = subprocess.run([FMALAB, "regress"] + args, capture_output=True, text=True)
    if check and p.returncode not in (0, 1):
        sys.exit(f"fmalab regress {' '.join(args)}: status {p.returncode}: {p.stderr}")
    return p


def load(path):
    with open(path) as f:
        return json.load(f)


def counts(results):
    """What must not depend on sharding: per case counts and first mismatches (not times)."""
    return [(c["unit"], c["mode"], c["class"], c["passed"], c["failed"],
             [(m["operands"], m["want"], m["got"], m["stage"]) for m in c["first_mismatches"]])
            for c in results["cases"]]


def classes_of(keyword):
    """The vector classes of an operation kind, from the usage text (not from regress)."""
    usage = subprocess.run([FMALAB, "--help"], capture_output=True, text=True).stdout
    m = re.search(r"^  " + keyword + r":(.*)$", usage, re.M)
    assert m, f"no classes of {keyword} in the usage text"
    return m.group(1).split()


def fail(msg):
    sys.exit("FAIL: " + msg)


def shards_equal(tmp):
    # fault:0 (a planted bit flip) makes some cases fail, so failed counts and first mismatches
    # are compared too, not only zeros.
    camp = ["--units", "fma_e4m3_fp32,mac_int8,fault:0", "--count", "300", "--chunk", "100", "--seed", "7"]
    one = os.path.join(tmp, "one.json")
    run(camp + ["--json", one])
    procs = [subprocess.Popen([FMALAB, "regress"] + camp + ["--shard", f"{i}/7", "--json", os.path.join(tmp, f"s{i}.json")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(1, 8)]
    for p in procs:
        if p.wait() not in (0, 1):
            fail("a shard failed: " + p.stderr.read().decode())
    merged = os.path.join(tmp, "merged.json")
    run(["merge", "--json", merged] + [os.path.join(tmp, f"s{i}.json") for i in range(1, 8)])
    a, b = load(one), load(merged)
    if a["totals"] != b["totals"]:
        fail(f"totals differ: N=1 {a['totals']} N=7 {b['totals']}")
    if counts(a) != counts(b):
        fail("per-case counts or first mismatches differ between N=1 and N=7")
    fma, mac = classes_of("fma"), classes_of("mac")
    want_cases = 5 * len(fma) + len(mac) + 5 * len(fma)  # fma_e4m3_fp32, mac_int8, fault:0 (an fma unit)
    if len(a["cases"]) != want_cases:
        fail(f"{len(a['cases'])} cases, want {want_cases}")
    for c in a["cases"]:
        if c["passed"] + c["failed"] != 300:
            fail(f"case {c['unit']} {c['mode']}/{c['class']} ran {c['passed'] + c['failed']} vectors, want 300")
        if c["unit"] != "fault:0" and c["failed"]:
            fail(f"healthy unit {c['unit']} failed")
    if not a["totals"]["failed"]:
        fail("the planted fault found no mismatch")
    if sorted(b["items"]) != list(range(b["items_total"])):
        fail("merged items are not every item once")
    sizes = [len(load(os.path.join(tmp, f"s{i}.json"))["items"]) for i in range(1, 8)]
    if max(sizes) - min(sizes) > 1:
        fail(f"shards unbalanced: {sizes}")


def resume_after_kill(tmp):
    camp = ["--units", "fma_e4m3_fp32", "--count", "40000", "--chunk", "4000", "--seed", "3"]
    ref = os.path.join(tmp, "ref.json")
    run(camp + ["--json", ref])
    ckpt, out = os.path.join(tmp, "run.ckpt"), os.path.join(tmp, "run.json")
    p = subprocess.Popen([FMALAB, "regress"] + camp + ["--checkpoint", ckpt, "--json", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    lines = 0
    while time.time() < deadline and p.poll() is None:
        if os.path.exists(ckpt):
            with open(ckpt) as f:
                lines = f.read().count("\n")
            if lines >= 4:  # the header and three items
                break
        time.sleep(0.02)
    if p.poll() is not None:
        fail("the run finished before it could be killed; make the campaign longer")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    if os.path.exists(out):
        fail("a killed run left its JSON")
    with open(ckpt) as f:
        kept = f.read()
    total = len(load(ref)["items"])
    done = kept.count("\n") - 1
    if not 3 <= done < total:
        fail(f"{done} items in the checkpoint of {total}")
    # A kill in the middle of a write: a torn last line, to be ignored and redone.
    with open(ckpt, "a") as f:
        f.write('{"item": 9999, "passed": 12')
    r = run(camp + ["--checkpoint", ckpt, "--json", out])
    if r.returncode != 0:
        fail(f"resume: status {r.returncode}: {r.stderr}")
    if counts(load(out)) != counts(load(ref)) or load(out)["totals"] != load(ref)["totals"]:
        fail("the resumed run's results differ from an uninterrupted run's")
    with open(ckpt) as f:
        body = f.read().splitlines()[1:]
    items = [json.loads(l)["item"] for l in body]
    if sorted(items) != list(range(total)):
        fail(f"the checkpoint holds items {sorted(items)[:10]}..., want each of {total} once")
    # A rerun of a finished checkpoint runs nothing and says the same.
    r2 = run(camp + ["--checkpoint", ckpt, "--json", out])
    if r2.returncode != 0 or counts(load(out)) != counts(load(ref)):
        fail("a rerun of a finished checkpoint differs")


def junit(tmp):
    xml_path, js = os.path.join(tmp, "r.xml"), os.path.join(tmp, "r.json")
    r = run(["--units", "fma_e4m3_bf16,fault:1", "--modes", "rne,rtz", "--count", "2000", "--junit", xml_path,
             "--json", js])
    if r.returncode != 1:
        fail(f"a campaign with a planted fault: status {r.returncode}, want 1")
    root = ET.parse(xml_path).getroot()
    if root.tag != "testsuites":
        fail("root is not <testsuites>")
    fma = classes_of("fma")
    cases = root.findall("./testsuite/testcase")
    if len(cases) != 2 * 2 * len(fma):
        fail(f"{len(cases)} testcases, want {2 * 2 * len(fma)} (2 units x 2 modes x {len(fma)} classes)")
    names = {(c.get("classname"), c.get("name")) for c in cases}
    for unit in ("fma_e4m3_bf16", "fault:1"):
        for mode in ("rne", "rtz"):
            for cls in fma:
                if (unit, f"{mode}/{cls}") not in names:
                    fail(f"no testcase {unit} {mode}/{cls}")
    healthy = [c for c in cases if c.get("classname") == "fma_e4m3_bf16"]
    if any(c.find("failure") is not None for c in healthy):
        fail("the healthy unit has a <failure>")
    failures = [c.find("failure") for c in cases if c.get("classname") == "fault:1" and c.find("failure") is not None]
    if not failures:
        fail("the planted fault gave no <failure>")
    f = failures[0]
    if "stage" not in f.get("message") or "operands" not in (f.text or ""):
        fail(f"a failure without its vectors and stage: {f.get('message')} / {f.text}")
    # The first mismatch's expected result is the golden model's: check it with fmalab eval.
    mm = next(c for c in load(js)["cases"] if c["failed"])["first_mismatches"][0]
    if mm["stage"] in ("", "none"):
        fail(f"no differing stage named for a planted stage fault: {mm}")
    operands = re.findall(r"0x[0-9a-fA-F]+", mm["operands"])
    ev = subprocess.run([FMALAB, "eval", "fma:e4m3:bf16", "--round", mm["mode"]], input=" ".join(operands) + "\n",
                        capture_output=True, text=True)
    y, flags = ev.stdout.split()
    want = re.findall(r"0x[0-9a-fA-F]+", mm["want"])
    if int(want[0], 16) != int(y, 16) or int(want[1], 16) != int(flags, 16):
        fail(f"want {mm['want']} but fmalab eval gives {y} {flags} for {operands}")
    if mm["got"] == mm["want"]:
        fail("a mismatch whose got equals want")


def bad_input(tmp):
    def refused(args, what):
        p = run(args, check=False)
        if p.returncode != 2:
            fail(f"{what}: status {p.returncode}, want 2 ({p.stderr.strip()})")
        lines = p.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("fmalab: "):
            fail(f"{what}: want one line 'fmalab: ...', got {p.stderr!r}")
        if len(lines[0]) > 200:
            fail(f"{what}: a {len(lines[0])}-character message")
        return lines[0]

    camp = ["--units", "mac_int8", "--count", "10"]
    for s in ["0/7", "8/7", "1/0", "x", "", "1/", "/7", "-1/7"]:
        refused(camp + ["--shard", s], f"--shard {s!r}")
    refused(camp + ["--shard", "1/2" + "9" * 200], "--shard with a long N")
    ckpt = os.path.join(tmp, "a.ckpt")
    run(camp + ["--checkpoint", ckpt])
    line = refused(["--units", "mac_int8", "--count", "10", "--seed", "2", "--checkpoint", ckpt], "another campaign's checkpoint")
    if "another campaign" not in line:
        fail(f"the checkpoint message does not say why: {line}")
    s1 = os.path.join(tmp, "s1.json")
    run(camp + ["--shard", "1/2", "--json", s1])
    line = refused(["merge", "--json", os.path.join(tmp, "m.json"), s1, s1], "merge of overlapping shards")
    if "overlap" not in line:
        fail(f"the merge message does not say why: {line}")
    if os.path.exists(os.path.join(tmp, "m.json")):
        fail("a refused merge wrote its output")
    other = os.path.join(tmp, "o.json")
    run(["--units", "mac_int8", "--count", "11", "--shard", "2/2", "--json", other])
    refused(["merge", "--json", os.path.join(tmp, "m.json"), s1, other], "merge across campaigns")
    refused(["--units", "nonesuch" * 20, "--count", "10"], "an unknown unit")
    refused(["--units", "mac_int8"], "no --count")
    refused(camp + ["--frobnicate"], "an unknown option")
    refused(camp + ["--modes", "rne,sideways"], "an unknown mode")
    refused(["merge", "--json", os.path.join(tmp, "m.json"), os.path.join(tmp, "missing.json")], "a missing shard file")
    with open(os.path.join(tmp, "junk.json"), "w") as f:
        f.write("{\"campaign\": 3")
    refused(["merge", "--json", os.path.join(tmp, "m.json"), os.path.join(tmp, "junk.json")], "a malformed shard file")


TESTS = {"ShardsEqual": shards_equal, "ResumeAfterKill": resume_after_kill, "Junit": junit, "BadInput": bad_input}

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        TESTS[sys.argv[2]](tmp)
    print(sys.argv[2], "passed")
