#!/usr/bin/python3
"""A sharded regression campaign through a real Slurm scheduler, checked against one process.

Starts a private single-node cluster (sim/slurm_local.sh), submits the campaign with
`fmalab regress --slurm DIR --shards N --submit` (a job array of shards and a merge job that
depends on it), waits for both, then runs the same campaign in a single process and requires the
merged results to equal it: the totals, and every test case's counts. Also requires each case to
hold exactly --count vectors, so a shard that was lost or counted twice cannot pass.

Exit status: 0 passed, 1 failed, 2 bad usage, 77 skipped (Slurm cannot start on this machine:
no slurmctld/munged binary, not root, or the daemons not up within 30 s; the reason is printed).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SLURM_LOCAL = os.path.join(HERE, "..", "sim", "slurm_local.sh")
# Keys of a case that describe the run, not the result: they may differ between a shard and one process.
RUN_KEYS = {"seconds", "elapsed", "time", "duration", "rate", "vectors_per_second", "host", "shard", "shards",
            "started", "finished", "date", "command"}


def progress(message):
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def fail(message):
    print(f"test_slurm: FAILED: {message}", file=sys.stderr)
    return 1


def campaign_args(opts):
    args = ["--units", opts.units, "--modes", opts.modes, "--classes", opts.classes,
            "--count", str(opts.count), "--seed", str(opts.seed)]
    if opts.chunk:
        args += ["--chunk", str(opts.chunk)]
    return args


def run(cmd, env=None, **kw):
    return subprocess.run(cmd, env=env, text=True, capture_output=True, **kw)


def start_cluster(cluster_dir):
    """None when the cluster is up; the skip reason when Slurm cannot start here."""
    if not shutil.which("slurmctld") and not os.path.exists("/usr/sbin/slurmctld"):
        return "no slurmctld binary (Debian: apt-get install slurm-wlm munge)"
    proc = run(["bash", SLURM_LOCAL, "start", cluster_dir])
    if proc.returncode == 0:
        return None
    if proc.returncode == SKIP:
        return proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "slurm_local.sh start said so"
    raise RuntimeError(f"sim/slurm_local.sh start failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")


def queue(env):
    """(job id, state, reason) of every job the private cluster still holds."""
    proc = run(["squeue", "-h", "-o", "%i %T %r"], env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"squeue failed: {proc.stderr.strip()[:200]}")
    return [tuple(line.split(None, 2)) for line in proc.stdout.splitlines() if line.strip()]


def wait_for_jobs(env, timeout):
    """Waits until the queue is empty; an error text when a job can never run or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = queue(env)
        if not jobs:
            return None
        stuck = [j for j in jobs if len(j) == 3 and "DependencyNeverSatisfied" in j[2]]
        if stuck and all(j[1] == "PENDING" for j in jobs):
            return f"job {stuck[0][0]} can never run (a shard failed: DependencyNeverSatisfied)"
        progress(f"test_slurm: {len(jobs)} job(s) in the queue: " + " ".join(j[0] for j in jobs[:6]))
        time.sleep(1)
    return f"jobs still queued after {timeout} s"


def requeue_running_task(env, array_id, campaign_dir, timeout):
    """Requeues the first array task seen running with a finished work item in its checkpoint, as a
    preemption would; returns its id (ARRAY_TASK), or None when no task got that far in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job in queue(env):
            task = job[0].split("_")[-1]
            checkpoint = os.path.join(campaign_dir, f"shard-{task}.ckpt")
            if job[0].startswith(f"{array_id}_") and job[1] == "RUNNING" and task.isdigit() and \
                    os.path.isfile(checkpoint) and os.path.getsize(checkpoint) > 0:
                proc = run(["scontrol", "requeue", job[0]], env=env)
                if proc.returncode != 0:
                    raise RuntimeError(f"scontrol requeue {job[0]} failed: {proc.stderr.strip()[:200]}")
                print(f"test_slurm: requeued running task {job[0]} after its checkpoint recorded a finished item")
                release_now(env, job[0])
                return job[0]
        time.sleep(0.1)
    return None


def release_now(env, task):
    """Slurm holds a requeued job back two minutes (its BeginTime); a test need not wait for that."""
    for _ in range(20):
        time.sleep(0.5)
        if run(["scontrol", "update", f"JobId={task}", "StartTime=now"], env=env).returncode == 0:
            return


def restarts(env, task):
    proc = run(["scontrol", "-o", "show", "job", task], env=env)
    found = re.search(r"\bRestarts=(\d+)", proc.stdout)
    return int(found.group(1)) if found else 0


def job_states(env, job_ids):
    """(id, state, exit code) of each job and array task Slurm still remembers (MinJobAge=600)."""
    states = []
    for job_id in job_ids:
        proc = run(["scontrol", "-o", "show", "job", job_id], env=env)
        for line in proc.stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            task = fields.get("ArrayTaskId")
            name = fields.get("JobId", job_id) + (f"_{task}" if task else "")
            states.append((name, fields.get("JobState"), fields.get("ExitCode")))
    return states


def show_job_output(directory):
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            if name.endswith((".out", ".err", ".log")):
                path = os.path.join(root, name)
                with open(path, errors="replace") as f:
                    tail = f.read()[-600:]
                print(f"--- {path}\n{tail}", file=sys.stderr)


def load_results(path):
    with open(path) as f:
        results = json.load(f)
    totals, cases = results.get("totals"), results.get("cases")
    if not isinstance(totals, dict) or not isinstance(cases, list):
        raise ValueError(f"{path}: no totals{{}} and cases[]")
    return results


def case_view(case):
    """A case without its run-describing keys, as canonical text (for comparing multisets of cases)."""
    return json.dumps({k: v for k, v in case.items() if k not in RUN_KEYS}, sort_keys=True)


def compare(merged, single, count):
    """The list of differences between the Slurm campaign's merged results and the single process's."""
    problems = []
    for key in ("passed", "failed"):
        if merged["totals"].get(key) != single["totals"].get(key):
            problems.append(f"totals.{key}: merged {merged['totals'].get(key)} != single {single['totals'].get(key)}")
    expected_total = count * len(single["cases"])
    merged_total = merged["totals"].get("passed", 0) + merged["totals"].get("failed", 0)
    if merged_total != expected_total:
        problems.append(f"merged total {merged_total} != count {count} x {len(single['cases'])} cases = {expected_total}")
    for case in merged["cases"]:
        if case.get("passed", 0) + case.get("failed", 0) != count:
            problems.append(f"case {case_view(case)[:120]}: {case.get('passed')}+{case.get('failed')} != {count} vectors")
            break
    if merged.get("campaign") != single.get("campaign"):
        problems.append(f"campaign: merged '{str(merged.get('campaign'))[:80]}' != single '{str(single.get('campaign'))[:80]}'")
    if merged.get("items") != list(range(single.get("items_total", -1))):
        problems.append(f"merged work items are not exactly 0..{single.get('items_total')}-1, each once")
    merged_cases = sorted(case_view(c) for c in merged["cases"])
    single_cases = sorted(case_view(c) for c in single["cases"])
    if merged_cases != single_cases:
        only_merged = sorted(set(merged_cases) - set(single_cases))
        only_single = sorted(set(single_cases) - set(merged_cases))
        problems.append(f"cases differ: {len(merged_cases)} merged, {len(single_cases)} single; "
                        f"only merged: {only_merged[:1]}; only single: {only_single[:1]}")
    return problems


def check_detects_lost_shard(opts, fmalab, campaign_dir, single):
    """The comparison must notice a campaign merged without its last shard; an error text when it does not."""
    shards = [os.path.join(campaign_dir, f"shard-{i}.json") for i in range(1, opts.shards)]
    lost = os.path.join(campaign_dir, "without_last_shard.json")
    proc = run([fmalab, "regress", "merge", "--json", lost, *shards])
    if proc.returncode not in (0, 1) or not os.path.isfile(lost):
        return f"merging all shards but the last failed ({proc.returncode}): {proc.stderr.strip()[-200:]}"
    problems = compare(load_results(lost), single, opts.count)
    if not problems:
        return "the comparison did not notice a merge without the last shard"
    print(f"test_slurm: control: a merge without shard {opts.shards} differs, as it must ({problems[0][:80]})")
    return None


def check_junit(path, cases):
    root = ET.parse(path).getroot()
    testcases = root.iter("testcase")
    n = sum(1 for _ in testcases)
    return [] if n == cases else [f"{path}: {n} <testcase> elements for {cases} cases"]


def submit(opts, fmalab, campaign_dir, env):
    cmd = [fmalab, "regress", "--slurm", campaign_dir, "--shards", str(opts.shards), *campaign_args(opts),
           "--partition", opts.partition, "--time", str(opts.job_minutes), "--submit"]
    proc = run(cmd, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:4])} ... failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    print(proc.stdout.strip())
    ids = re.findall(r"\b(\d+)\b", proc.stdout)
    return sorted(set(ids), key=int)


def run_campaign(opts, fmalab, work):
    cluster_dir = os.path.join(work, "cluster")
    reason = start_cluster(cluster_dir)
    if reason:
        print(f"test_slurm: SKIPPED: {reason}")
        return SKIP
    env = dict(os.environ, SLURM_CONF=os.path.join(os.path.abspath(cluster_dir), "slurm.conf"))
    try:
        campaign_dir = os.path.join(work, "campaign")
        started = time.monotonic()
        job_ids = submit(opts, fmalab, campaign_dir, env)
        requeued = requeue_running_task(env, job_ids[0], campaign_dir, opts.timeout) if opts.requeue_one else None
        if opts.requeue_one and not requeued:
            return fail("no array task ran long enough to be requeued (raise --count)")
        error = wait_for_jobs(env, opts.timeout)
        slurm_seconds = time.monotonic() - started
        bad = [s for s in job_states(env, job_ids) if s[1] != "COMPLETED" or s[2] != "0:0"]
        if requeued and not error and restarts(env, requeued) < 1:
            return fail(f"task {requeued} was requeued but Slurm shows no restart")
        if error or bad:
            show_job_output(campaign_dir)
            return fail(error or f"jobs not completed cleanly: {bad[:4]}")
    finally:
        run(["bash", SLURM_LOCAL, "stop", cluster_dir])

    merged_path = os.path.join(campaign_dir, "results.json")
    junit_path = os.path.join(campaign_dir, "results.xml")
    for path in (merged_path, junit_path):
        if not os.path.isfile(path):
            return fail(f"the merge job left no {path}")
    merged = load_results(merged_path)

    single_path = os.path.join(work, "single.json")
    started = time.monotonic()
    proc = run([fmalab, "regress", *campaign_args(opts), "--json", single_path])
    single_seconds = time.monotonic() - started
    if proc.returncode not in (0, 1) or not os.path.isfile(single_path):
        return fail(f"single-process run failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    single = load_results(single_path)

    problems = compare(merged, single, opts.count) + check_junit(junit_path, len(single["cases"]))
    total = merged["totals"].get("passed", 0) + merged["totals"].get("failed", 0)
    print(f"test_slurm: Slurm: {opts.shards} shards + merge, {total} vectors in {len(merged['cases'])} cases, "
          f"{slurm_seconds:.1f} s ({total / max(slurm_seconds, 1e-9) / 1e6:.1f} M vectors/s); "
          f"single process: {single_seconds:.1f} s; totals {merged['totals']}")
    if problems:
        for p in problems:
            print(f"test_slurm: {p}", file=sys.stderr)
        return fail(f"{len(problems)} difference(s) between the Slurm campaign and the single process")
    if opts.shards > 1:
        error = check_detects_lost_shard(opts, fmalab, campaign_dir, single)
        if error:
            return fail(error)
    if merged["totals"].get("failed", 0):
        return fail(f"{merged['totals']['failed']} vectors failed (the same in both runs)")
    print("test_slurm: PASSED: merged Slurm results equal the single-process run")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fmalab", required=True, help="the fmalab executable")
    p.add_argument("--units", default="mac_int8")
    p.add_argument("--modes", default="all")
    p.add_argument("--classes", default="all")
    p.add_argument("--count", type=int, default=200000, help="vectors per (unit, mode, class) case")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--chunk", type=int, default=0)
    p.add_argument("--shards", type=int, default=4)
    p.add_argument("--partition", default="fmalab")
    p.add_argument("--job-minutes", type=int, default=60, help="each job's --time limit")
    p.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the jobs")
    p.add_argument("--requeue-one", action="store_true",
                   help="requeue one running array task mid-way (as a preemption would); it must resume from its "
                        "checkpoint and the results must still equal the single-process run")
    p.add_argument("--work", help="working directory (default: a new temporary one, removed on success)")
    opts = p.parse_args()
    if opts.count < 1 or opts.shards < 1:
        p.error("--count and --shards must be positive")
    fmalab = os.path.abspath(opts.fmalab)
    if not os.access(fmalab, os.X_OK):
        p.error(f"--fmalab: not an executable: {opts.fmalab[:64]}")
    # Slurm's daemons, not this process, run the shards: they need the working directory's absolute path.
    work = os.path.abspath(opts.work) if opts.work else tempfile.mkdtemp(prefix="fmalab_slurm_")
    os.makedirs(work, exist_ok=True)
    try:
        status = run_campaign(opts, fmalab, work)
    except (RuntimeError, ValueError, OSError, ET.ParseError) as e:
        status = fail(str(e))
    if status in (0, SKIP) and not opts.work:
        shutil.rmtree(work, ignore_errors=True)
    elif status not in (0, SKIP):
        print(f"test_slurm: kept {work} (cluster logs in cluster/log, job output in campaign/)", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
