#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: ELI's benchmark, thesis table 3.1's shape.

The workload is tests/guests/eli.S in bench mode with Bochs's e1000
assigned: the guest's x2APIC timer ticks every 4,000,000 TSC ticks (250 Hz
at 1 GHz, a kernel's HZ) while it raises device interrupts back to back
(the e1000's ICS register; its handler reads ICR and EOIs) for 200,000,000
ticks. The same workload runs four times in one boot: eli = off, delivery,
on with the guest's timer injected (eli_timer = inject: the thesis's ELI),
and on with the timer on the hardware (eli_timer = direct, the default:
thesis 3.9) (VMs elibench_off, _delivery, _oninject, _on in
tests/guests/tern.cfg).

Figures are per emulated second: Bochs's TSC ticks once per instruction,
and `ips` says how many make a second; the benchmark runs at a realistic
clock (IPS below, 1 GHz) so that the guest's timer weighs against its work
as on a server. Exits per device interrupt count every exit of the vCPU
during the workload, timer exits included.

Output (stable; the README documents it): one line per figure, one column
per setting, then the exits by reason per setting. The bare-metal column
is not there: the guest is a tern test kernel (it uses tern's hypercalls to
read its own exit counts).

Usage: bench_eli.py BUILD [--ips N]"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Machine, TestFailure, prom_parse  # noqa: E402

SETTINGS = ("off", "delivery", "oninject", "on")
LABELS = {"off": "eli=off", "delivery": "eli=delivery", "oninject": "on,timer inj",
          "on": "on,timer hw"}
IPS = 1000000000


def wait_stopped(m, name, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = m.command("vm list")
        if re.search(r"^%s\s+stopped" % re.escape(name), out, re.M):
            return out
        time.sleep(0.5)
    raise TestFailure("vm %s did not finish its benchmark:\n%s" % (name, out))


def counter(fams, family, **labels):
    """Sum of the samples of family whose labels include labels."""
    f = fams.get(family)
    if not f:
        return 0
    total = 0
    for s in f.samples:
        if s.name.endswith("_created"):
            continue
        if all(s.labels.get(k) == v for k, v in labels.items()):
            total += s.value
    return int(total)


def run_settings(m, ips):
    """Run the three benchmark VMs one after the other on a booted tern.
    Returns {setting: figures}."""
    res = {}
    for s in SETTINGS:
        vm = "elibench_" + s
        out = m.command("vm start " + vm)
        if "vm %s started" % vm not in out:
            raise TestFailure("%s:\n%s" % (vm, out))
        out = wait_stopped(m, vm)
        con = m.command("vm console " + vm)
        g = re.search(r"guest: eli: bench: interrupts (\d+) timer (\d+) exits (\d+) tsc (\d+) "
                      r"guest (\d+)", con)
        if not g or "exit status 0" not in out:
            raise TestFailure("%s did not report its figures:\n%s%s" % (vm, out, con))
        n, timer, exits, tsc, guest = (int(x) for x in g.groups())
        # Serial output takes emulated time: long at a 1 GHz clock.
        fams = prom_parse(m.command("metrics", timeout=1200))
        reasons = {}
        for smp in fams["tern_vm_exits"].samples:
            if smp.labels.get("vm") == vm and smp.value:
                reasons[smp.labels["reason"]] = reasons.get(smp.labels["reason"], 0) + \
                    int(smp.value)
        secs = tsc / float(ips)
        res[s] = {
            "interrupts": n, "timer": timer, "exits": exits, "tsc": tsc, "guest": guest,
            "secs": secs,
            # Host interrupts tern saw on the vCPU's core: external-
            # interrupt exits (eli = off: every device interrupt) and
            # #NP reflections (ELI's hidden gates).
            "host_handled": reasons.get("external-int", 0) +
            counter(fams, "tern_eli_reflected", vm=vm),
            "injections": counter(fams, "tern_vm_interrupts_injected", vm=vm),
            "window": reasons.get("intr-window", 0),
            "eoi_exits": counter(fams, "tern_eli_eoi_exits", vm=vm),
            "inj_mode": counter(fams, "tern_eli_injection_mode", vm=vm),
            "reclaimed": counter(fams, "tern_eli_reclaimed", vm=vm),
            "timer_direct": counter(fams, "tern_eli_direct_interrupts", vm=vm, source="timer"),
            "reasons": reasons,
            "stats": m.command("vm stats " + vm),
        }
    return res


def table(res, ips):
    """The benchmark's table, as lines."""
    def per_s(k, s):
        return res[s][k] / res[s]["secs"]
    rows = (
        ("exits/s", lambda s: "%.0f" % (res[s]["exits"] / res[s]["secs"])),
        ("% of vCPU time in guest", lambda s: "%.2f" % (100.0 * res[s]["guest"] / res[s]["tsc"])),
        ("device interrupts/s", lambda s: "%.0f" % per_s("interrupts", s)),
        ("timer interrupts/s", lambda s: "%.0f" % per_s("timer", s)),
        ("interrupts handled in tern (run)", lambda s: "%d" % res[s]["host_handled"]),
        ("device vectors reclaimed (run)", lambda s: "%d" % res[s]["reclaimed"]),
        ("injections/s (run)", lambda s: "%.0f" % per_s("injections", s)),
        ("IRQ-window exits/s (run)", lambda s: "%.0f" % per_s("window", s)),
        ("EOI exits while live (run)", lambda s: "%d" % res[s]["eoi_exits"]),
        ("injection-mode entries (run)", lambda s: "%d" % res[s]["inj_mode"]),
        ("timer expiries on the hardware (run)", lambda s: "%d" % res[s]["timer_direct"]),
        # With eli = on the device costs nothing: what exits is the
        # timer's (and the odd host interrupt).
        ("exits per timer interrupt (eli on)", lambda s: "%.2f" % (res[s]["exits"] /
                                                                  float(max(res[s]["timer"], 1)))
         if s in ("oninject", "on") else "-"),
        # tern's instructions (Bochs's TSC) a timer tick costs the vCPU:
        # with the timer injected under ELI, the round trip through
        # injection mode (the expiry's exit, the switch to the guest's IDT
        # with exiting interrupts and a trapped EOI, the injection, the
        # EOI's exit, the switch back); on the hardware, the lend's exit.
        ("tern instructions per timer interrupt", lambda s: "%.0f" %
         ((res[s]["tsc"] - res[s]["guest"]) / float(max(res[s]["timer"], 1)))
         if s in ("oninject", "on") else "-"),
        ("throughput: interrupts handled/s", lambda s: "%.0f" % per_s("interrupts", s)),
        ("exits per device interrupt", lambda s: "%.6f" % (res[s]["exits"] / float(res[s]["interrupts"]))),
    )
    out = ["ELI benchmark: eli.S bench workload, Bochs corei7_icelake_u, ips=%d (a %g MHz clock); "
           "timer every 4,000,000 TSC ticks, device interrupts back to back" % (ips, ips / 1e6),
           "  %-37s" % "figure" + "".join(" %13s" % LABELS[s] for s in SETTINGS)]
    for name, f in rows:
        out.append("  %-37s" % name + "".join(" %13s" % f(s) for s in SETTINGS))
    out.append("  (run): counted over the VM's whole run (start-up included), per second of the workload")
    for s in SETTINGS:
        top = sorted(res[s]["reasons"].items(), key=lambda kv: -kv[1])
        out.append("  exits by reason, %s: %s" % (LABELS[s], ", ".join("%s %d" % kv for kv in top)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--ips", type=int, default=IPS)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    m = Machine("bench-eli", build)
    try:
        m.bochs(os.path.join(build, "tern.iso"), cpus=4, ips=a.ips, extra=Machine.BOCHS_E1000)
        m.boot_to_prompt(timeout=600)
        res = run_settings(m, a.ips)
    finally:
        m.stop()
    print("\n".join(table(res, a.ips)))


if __name__ == "__main__":
    main()
