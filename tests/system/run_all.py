#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run tern's system tests: run_all.py [-j N] BUILD [NAME ...].

Each emulator runs on one host thread (Bochs; QEMU's tests are short), so
on a machine with two or more cores two tests run at once (-j, or
TERN_TEST_JOBS; default: the host's cores, at most 2). Every test runs in
a process of its own; its output is printed whole when it ends (and kept
in BUILD/logs/NAME.out), so the log reads as if they ran one after the
other. The longest start first; those with wall-clock deadlines (ALONE)
run one at a time at the end. Emulated time does not depend on the host
(Bochs: clock sync=none, time by instructions), so nothing a test counts
changes when two share the machine."""
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TESTS = ["qemu_uefi", "qemu_viommu", "qemu_net", "qemu_grub", "qemu_grub_uefi", "bochs", "bochs_vm", "bochs_net", "bochs_linux",
         "bochs_eli_linux", "bochs_swap", "bench_blk", "kvm"]
ALIASES = {"qemu-uefi": "qemu_uefi", "qemu-net": "qemu_net", "qemu-grub": "qemu_grub",
           "qemu-grub-uefi": "qemu_grub_uefi", "bochs-vm": "bochs_vm", "bochs-net": "bochs_net", "bochs-linux": "bochs_linux",
           "bochs-eli-linux": "bochs_eli_linux",
           "bochs-swap": "bochs_swap",
           "bench-blk": "bench_blk", "qemu-viommu": "qemu_viommu"}
# Wall seconds each took on a 2-core CI machine (about): the order tests
# start in when they run side by side, longest first, so that the last
# to end is a short one.
WEIGHT = {"bochs_swap": 1100, "bochs_eli_linux": 400, "bochs_vm": 470, "bochs_linux": 430,
          "bench_blk": 110, "qemu_net": 40}
# Tests with wall-clock deadlines against the emulator's pace (QEMU's TCG
# runs by the host's clock; the TCP tests' peer retransmits and gives up
# by it): each runs alone, after the others, so a neighbour's load cannot
# fail them.
ALONE = {"qemu_uefi", "qemu_viommu", "qemu_net", "qemu_grub", "qemu_grub_uefi", "bochs_net",
         "kvm"}


def run_one(name, build):
    """One test in this process. 'pass', 'fail' or 'skip'."""
    mod = __import__("test_" + name)
    t0 = time.monotonic()
    print("RUN  %s: %s" % (name, (mod.__doc__ or "").strip().splitlines()[0]), flush=True)
    try:
        mod.run(build)
    except harness.Skip as e:
        print("SKIP %s: %s" % (name, e), flush=True)
        return "skip"
    except harness.TestFailure as e:
        print("FAIL %s (%.1f s): %s" % (name, time.monotonic() - t0, e), flush=True)
        return "fail"
    except Exception:
        print("FAIL %s: %s" % (name, traceback.format_exc()), flush=True)
        return "fail"
    print("PASS %s (%.1f s)" % (name, time.monotonic() - t0), flush=True)
    return "pass"


def run_parallel(names, build, jobs):
    """names in processes, jobs at a time, longest first; each one's output
    printed when it ends. The results in names' order."""
    logs = os.path.join(build, "logs")
    os.makedirs(logs, exist_ok=True)
    todo = sorted((n for n in names if n not in ALONE), key=lambda n: -WEIGHT.get(n, 10))
    todo += [n for n in names if n in ALONE]
    running, results = {}, {}
    t0 = time.monotonic()
    while todo or running:
        while todo and len(running) < (1 if todo[0] in ALONE else jobs) and \
                not any(running[p][0] in ALONE for p in running):
            name = todo.pop(0)
            path = os.path.join(logs, name + ".out")
            out = open(path, "w")
            proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--one", name,
                                     build], stdout=out, stderr=subprocess.STDOUT)
            running[proc] = (name, path, out)
            print("[%4.0f s] started %s" % (time.monotonic() - t0, name), flush=True)
        proc = next((p for p in running if p.poll() is not None), None)
        if proc is None:
            time.sleep(0.5)
            continue
        name, path, out = running.pop(proc)
        out.close()
        text = open(path, errors="replace").read()
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        last = [l for l in text.splitlines() if l.startswith(("PASS ", "FAIL ", "SKIP "))]
        results[name] = ("pass" if last and last[-1].startswith("PASS") else
                         "skip" if last and last[-1].startswith("SKIP") else "fail")
        if not last:
            print("FAIL %s: its process ended with status %d and no verdict" %
                  (name, proc.returncode))
        print("[%4.0f s] ended %s" % (time.monotonic() - t0, name), flush=True)
    return [results[n] for n in names]


def main():
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        return 0 if run_one(args[1], args[2]) != "fail" else 1
    jobs = os.environ.get("TERN_TEST_JOBS") or str(min(2, os.cpu_count() or 1))
    if args[:1] == ["-j"]:
        jobs, args = args[1] if len(args) > 1 else "", args[2:]
    if not jobs.isdigit() or int(jobs) < 1:
        print("run_all.py: -j or TERN_TEST_JOBS wants a number of tests at a time (1 or more), "
              "not %r" % jobs)
        return 2
    jobs = int(jobs)
    build = args[0] if args else "build"
    names = [ALIASES.get(n, n) for n in args[1:]] or TESTS
    os.makedirs(os.path.join(build, "esp-empty"), exist_ok=True)
    if jobs > 1 and len(names) > 1:
        print("system: %d tests, %d at a time" % (len(names), jobs), flush=True)
        results = run_parallel(names, build, jobs)
    else:
        results = [run_one(n, build) for n in names]
    passed, failed, skipped = (results.count(k) for k in ("pass", "fail", "skip"))
    print("system: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
