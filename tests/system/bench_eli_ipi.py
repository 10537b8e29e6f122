#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: ELI's exitless IPIs between a VM's vCPUs (issue #10 item 9,
thesis 3.9), measured on the receiver.

The workload (tests/linux/ipiping.c): Debian's generic kernel with two
vCPUs and ELI live (the assigned e1000 up, so the shadow IDT is in use);
a thread pinned to CPU 1 spins in user mode while the main thread on CPU 0
takes write permission away from a page they share, ROUNDS times, each
followed by CYCLES_US of waiting: each time Linux shoots the page's TLB
entry down on CPU 1 with a function-call IPI while CPU 1 runs. The
receiver marks the window itself (HC_MARK from CPU 1, `metrics mark 0|1`),
so the exits counted are the receiving vCPU's, less its closing mark's
VMCALL. IPIs are the guest's own count (CPU 1's CAL and RES columns of
/proc/interrupts): those delivered on the hardware never reach tern.

It runs twice in one boot of tern, eli_ipi = inject (the virtual APIC and
injection mode, as before) and direct (a physical IPI with the guest's
vector: VMs linuxipi_inject and linuxipi_direct of tests/linux/tern.cfg).
The sender's ICR write exits in both (tern must see where an IPI goes).

Output (stable; the README documents it): one line per figure, one column
per setting, then the receiver's exits by reason per setting.

Usage: bench_eli_ipi.py BUILD [--ips N] [--rounds N] [--wait-us N]
                        [--settings inject,direct]"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import Machine, TestFailure, check  # noqa: E402
from bench_blk import delta, metrics  # noqa: E402
from bench_eli_linux import DISTRESS, boot_vm, detach, dump_vm  # noqa: E402

SETTINGS = ("inject", "direct")
IPS = 1000000000
ROUNDS = 5000
WAIT_US = 20
RESULT = re.compile(r"IPIPING rounds=(\d+) ticks=(\d+) ipis=(-?\d+) spins=(\d+)\r?\n")


def ipi_workload(m, vm, rounds, cycles):
    """eth0 up (ELI goes live with the device's interrupt), then ipiping
    -m on the guest's shell; detached, tern's counters at the receiver's
    two marks and vm stats."""
    m.send("\r")
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)
    m.send("ip link set eth0 up && echo TERN-ETH0-UP\r")
    m.expect(r"TERN-ETH0-UP\r?\n", 300, fail=DISTRESS)
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)
    m.send("ipiping -m%s %d\r" % (" -c %d" % cycles if cycles else "", rounds))
    mk = m.expect(RESULT.pattern, 7200, fail=DISTRESS + "|ipiping: ")
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)
    detach(m, vm)
    return {"rounds": int(mk.group(1)), "ticks": int(mk.group(2)), "ipis": int(mk.group(3)),
            "spins": int(mk.group(4)), "before": metrics(m, "metrics mark 0"),
            "after": metrics(m, "metrics mark 1"), "stats": m.command("vm stats " + vm)}


def ipi_figures(w, vm):
    """The receiver's (vCPU 1's) counters between its marks, less the
    closing mark's exit, and the VM's ELI IPI counters there."""
    def d(name, **lab):
        return delta(w["before"], w["after"], name, vm=vm, **lab)
    reasons = {}
    for (n, labels), val in w["after"].items():
        lab = dict(labels)
        if n == "tern_vm_exits_total" and lab.get("vm") == vm and lab.get("vcpu") == "1":
            reasons[lab["reason"]] = (reasons.get(lab["reason"], 0) + val -
                                      w["before"].get((n, labels), 0))
    check(reasons.get("VMCALL", 0) >= 1,
          "no exit of the receiver's closing mark in vm %s's window: %s" % (vm, reasons))
    reasons["VMCALL"] -= 1
    f = {"rounds": w["rounds"], "ticks": w["ticks"], "ipis": w["ipis"], "spins": w["spins"],
         "exits": int(sum(reasons.values())),
         "direct": int(d("tern_eli_ipis_direct_total")),
         "in_tern": int(d("tern_eli_ipis_in_tern_total")),
         "eoi_exits": int(d("tern_eli_eoi_exits_total")),
         "inj_mode": int(d("tern_eli_injection_mode_total")),
         "eli_injections": int(d("tern_eli_injections_total")),
         "reclaimed": int(d("tern_eli_reclaimed_total")),
         "reasons": {k: int(v) for k, v in reasons.items()},
         "stats": w["stats"]}
    # What delivering and completing an interrupt can cost the receiver:
    # the kick's #NP (a hidden gate) or external-interrupt exit, an
    # interrupt window, the EOI (its WRMSR: the TSC deadline is passed
    # through while live). Not the preemption timer's bound, nor ELI's
    # check of CR3 loads (the receiver's scheduler switching tasks).
    f["delivery_exits"] = sum(f["reasons"].get(r, 0) for r in
                              ("exception/NMI", "external-int", "intr-window", "WRMSR"))
    f["exits_per_ipi"] = f["exits"] / float(max(f["ipis"], 1))
    f["delivery_per_ipi"] = f["delivery_exits"] / float(max(f["ipis"], 1))
    guest = d("tern_vcpu_seconds_total", vcpu="1", state="guest")
    tern = d("tern_vcpu_seconds_total", vcpu="1", state="tern")
    f["guest_pct"] = 100.0 * guest / max(guest + tern, 1e-12)
    return f


def tern_side(build, ips, rounds, cycles, settings):
    iso = os.path.join(build, "tern-linux.iso")
    m = Machine("bench-eli-ipi", build)
    res = {}
    vm = None
    try:
        m.bochs(iso, cpus=3, megs=512, ips=ips, extra=Machine.BOCHS_E1000)
        m.boot_to_prompt(timeout=600)
        for s in settings:
            vm = "linuxipi_" + s
            boot_vm(m, vm)
            res[s] = ipi_figures(ipi_workload(m, vm, rounds, cycles), vm)
            out = m.command("vm stop " + vm)
            check("vm %s stopped" % vm in out, "stop %s:\n%s" % (vm, out))
    except TestFailure:
        dump_vm(m, vm)
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()
    return res


def table(res, ips, rounds, wait_us):
    cols = [s for s in SETTINGS if s in res]

    def secs(s):
        return res[s]["ticks"] / float(ips)
    rows = (
        ("IPIs to the receiver (guest's count)", lambda s: "%d" % res[s]["ipis"]),
        ("IPIs/s", lambda s: "%.0f" % (res[s]["ipis"] / secs(s))),
        ("receiver exits/s", lambda s: "%.0f" % (res[s]["exits"] / secs(s))),
        ("% of receiver time in guest", lambda s: "%.2f" % res[s]["guest_pct"]),
        ("IPIs sent on the hardware", lambda s: "%d" % res[s]["direct"]),
        ("  landed in tern (injected)", lambda s: "%d" % res[s]["in_tern"]),
        ("receiver EOI exits", lambda s: "%d" % res[s]["eoi_exits"]),
        ("receiver injection-mode entries", lambda s: "%d" % res[s]["inj_mode"]),
        ("receiver's work: spins/s", lambda s: "%.0f" % (res[s]["spins"] / secs(s))),
        ("emulated seconds (window)", lambda s: "%.3f" % secs(s)),
        ("receiver exits per IPI (all)", lambda s: "%.4f" % res[s]["exits_per_ipi"]),
        ("receiver delivery exits per IPI", lambda s: "%.4f" % res[s]["delivery_per_ipi"]),
    )
    out = ["ELI IPI benchmark, Linux (generic kernel, 2 vCPUs, ELI on): %d TLB-shootdown rounds "
           "CPU 0 -> CPU 1 (spinning in user mode), %d us apart, Bochs corei7_icelake_u, ips=%d "
           "(a %g MHz clock)" % (rounds, wait_us, ips, ips / 1e6),
           "  %-38s" % "figure" + "".join(" %14s" % ("eli_ipi=" + s) for s in cols)]
    for name, f in rows:
        out.append("  %-38s" % name + "".join(" %14s" % f(s) for s in cols))
    out.append("  (the receiver's exits and time between its marks, less its closing mark's "
               "VMCALL; delivery exits: #NP or external-interrupt, interrupt-window, EOI WRMSR; "
               "IPIs: the guest's /proc/interrupts, CPU 1's CAL and RES)")
    for s in cols:
        top = sorted(res[s]["reasons"].items(), key=lambda kv: -kv[1])
        out.append("  receiver exits by reason, eli_ipi=%s: %s" %
                   (s, ", ".join("%s %d" % kv for kv in top if kv[1]) or "none"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--ips", type=int, default=IPS)
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--wait-us", type=float, default=WAIT_US)
    ap.add_argument("--settings", default=",".join(SETTINGS))
    a = ap.parse_args()
    settings = [s for s in a.settings.split(",") if s]
    check(all(s in SETTINGS for s in settings), "--settings: of %s" % ",".join(SETTINGS))
    res = tern_side(os.path.abspath(a.build), a.ips, a.rounds, int(a.wait_us * a.ips / 1e6),
                    settings)
    print("\n".join(table(res, a.ips, a.rounds, a.wait_us)))
    for s in settings:
        print("  vm stats linuxipi_%s (ELI):" % s)
        print("\n".join("    " + l.strip() for l in res[s]["stats"].splitlines()
                        if "ELI" in l or "IPI" in l))


if __name__ == "__main__":
    try:
        main()
    except TestFailure as e:
        print("bench_eli_ipi: %s" % e)
        sys.exit(1)
