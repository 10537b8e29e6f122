#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: ELI with Linux's own e1000 driver, thesis table 3.1's shape.

The workload (tests/linux/udpwork.sh, udpflood.c): Debian's generic
kernel drives Bochs's e1000 (ethmod=null: nothing leaves the machine)
with its e1000 module and sends 64-byte UDP datagrams back to back to a
static neighbour; the device's interrupts are its transmit completions.
It runs under tern three times in one boot, eli = off, delivery and on
(VMs linuxeli_off, _delivery, _on of tests/linux/tern.cfg: paravirt = kvm,
one vCPU), and once natively in Bochs without tern (the same kernel and
initramfs by GRUB: the bare-metal column).

Under tern the guest marks the sends' ends itself (udpflood -m: HC_MARK,
a VMCALL, just before the first datagram and just after the last) and the
harness reads tern's counters at those marks afterwards (`metrics mark 0`
and `mark 1`): the window holds the sends and nothing of the harness's,
plus the one VMCALL exit of the closing mark, which is taken out. Rates
are per emulated second: the guest's rdtsc ticks over the sends, at IPS
instructions a second (Bochs's TSC ticks once per instruction); the
guest's timer is 250 Hz of that clock. Device interrupts are the guest's
count (/proc/interrupts, eth0): ELI's never reach tern. Exits per device
interrupt count every exit of the vCPU in the window, timer exits
included.

Each datagram is followed by COMPUTE_US of computation (udpflood -c, the
thesis's modified netperf of 3.6.4): Bochs's e1000 raises a transmit
completion 10 us of emulated time after the last send, and a send within
that time postpones it, so back-to-back datagrams at a realistic clock
share one interrupt (about 2,000 a second at ips 1G); with the computation
each datagram gets its own, at a rate like the thesis's netperf
(30,000-60,000 a second).

Output (stable; the README documents it): one line per figure, one column
per setting, the native column last, then the exits by reason per setting.

Usage: bench_eli_linux.py BUILD [--ips N] [--packets N] [--compute-us N]
                           [--only tern|native] [--settings off,delivery,on]"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import Machine, TestFailure, check  # noqa: E402
from bench_blk import delta, metrics  # noqa: E402

SETTINGS = ("off", "delivery", "on")
LABELS = {"off": "eli=off", "delivery": "eli=delivery", "on": "eli=on", "native": "bare metal"}
IPS = 1000000000
PACKETS = 20000
COMPUTE_US = 12
DISTRESS = (r"soft lockup|hard LOCKUP|rcu_\w+ (?:self-)?detected stalls?|"
            r"Kernel panic|BUG: |Oops|general protection fault|"
            r"csd: CSD lock|NMI backtrace|WARNING: CPU: \d+ PID|udpflood: ")
BOOT_TIMEOUT = 900
# To the end of the line: at ips 1G the UART is slow enough for a match
# on a number still arriving ("irqs=3" of "irqs=306").
RESULT = re.compile(r"UDPFLOOD sent=(\d+) bytes=(\d+) ticks=(\d+) irqs=(-?\d+)\r?\n")
# A kernel message can land inside the line on the console.
KMSG = re.compile(r"\[\s*\d+\.\d+\] [^\n]*\n?")


def boot_vm(m, vm):
    """Start vm, attach to its console, wait for its shell."""
    out = m.command("vm start " + vm)
    check("vm %s started" % vm in out, "%s:\n%s" % (vm, out))
    m.send("vm console %s\r" % vm)
    m.expect(r"attached to vm %s's COM1" % vm, 60)
    m.expect(r"TERN-LINUX-INIT: /init running", BOOT_TIMEOUT, fail=DISTRESS)
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)


def detach(m, vm):
    """Ctrl-] to tern's shell."""
    m.send("\x1d")
    m.expect(r"detached from vm %s" % vm, 60)
    m.expect(r"tern> ", 30)


def workload(m, vm, packets, compute=0):
    """udpwork -m on the guest's shell; then, detached, tern's counters at
    the guest's two marks, the live ones around the run (for the device's
    INTx count, which a mark does not hold) and vm stats."""
    detach(m, vm)
    live0 = metrics(m)
    m.send("vm console %s\r" % vm)
    m.expect(r"attached to vm %s's COM1" % vm, 600)
    m.send("\r")
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)
    m.send("udpwork -m%s %d\r" % (" -c %d" % compute if compute else "", packets))
    mk = m.expect(RESULT.pattern, 7200, fail=DISTRESS)
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)
    detach(m, vm)
    return {"sent": int(mk.group(1)), "bytes": int(mk.group(2)), "ticks": int(mk.group(3)),
            "irqs": int(mk.group(4)), "before": metrics(m, "metrics mark 0"),
            "after": metrics(m, "metrics mark 1"), "live0": live0, "live1": metrics(m),
            "stats": m.command("vm stats " + vm)}


def dump_vm(m, vm):
    """After a failure: tern's view of the VM (its vCPU, virtual APIC and
    ELI state, counters), if tern still answers."""
    try:
        # Detach if attached; a bare line at tern's prompt otherwise.
        m.send("\x1d")
        time.sleep(1)
        m.send("\r")
        m.expect(r"tern> ", 30)
        print("  tern's view of vm %s:\n%s\n%s" % (vm, m.command("vm regs " + vm),
                                                  m.command("vm stats " + vm)))
    except TestFailure as e:
        print("  tern did not answer after the failure: %s" % e)


def window_figures(w, vm, hz=None):
    """The counters between the guest's marks, less the closing mark's exit."""
    def d(name, **lab):
        return delta(w["before"], w["after"], name, vm=vm, **lab)
    reasons = {}
    for (n, labels), val in w["after"].items():
        if n == "tern_vm_exits_total" and ("vm", vm) in labels:
            r = dict(labels)["reason"]
            reasons[r] = reasons.get(r, 0) + val - w["before"].get((n, labels), 0)
    check(reasons.get("VMCALL", 0) >= 1 and d("tern_vm_exits_total") >= 1,
          "no exit of the guest's closing mark in vm %s's window: %s" % (vm, reasons))
    reasons["VMCALL"] -= 1
    f = {"sent": w["sent"], "bytes": w["bytes"], "ticks": w["ticks"], "irqs": w["irqs"],
         "exits": int(d("tern_vm_exits_total")) - 1,
         "eoi_exits": int(d("tern_eli_eoi_exits_total")),
         "device_eoi_exits": int(d("tern_eli_device_eoi_exits_total")),
         "reflected": int(d("tern_eli_reflected_total")),
         "injections": int(d("tern_vm_interrupts_injected_total")),
         "window": int(reasons.get("intr-window", 0)),
         "ext_int": int(reasons.get("external-int", 0)),
         "inj_mode": int(d("tern_eli_injection_mode_total")),
         "eli_injections": int(d("tern_eli_injections_total")),
         "fallbacks": int(d("tern_eli_fallbacks_total")),
         # Device interrupts that came through tern (the vCPU in injection
         # mode, or eli = off): the assigned function's INTx count, over
         # the whole run (udpwork's setup included: a mark does not hold it).
         "intx_tern": int(delta(w["live0"], w["live1"], "tern_vm_assigned_interrupts_total",
                                vm=vm, kind="intx")),
         "timer_direct": int(d("tern_eli_direct_interrupts_total", source="timer")),
         "timer_tscd": int(d("tern_eli_timer_deadline_passthrough_total")),
         "reclaimed": int(d("tern_eli_reclaimed_total")),
         "reasons": {k: int(v) for k, v in reasons.items()},
         "stats": w.get("stats", "")}
    f["exits_per_irq"] = f["exits"] / float(max(f["irqs"], 1))
    if hz:
        guest = d("tern_vcpu_seconds_total", state="guest") * hz
        tern = d("tern_vcpu_seconds_total", state="tern") * hz
        f["guest_pct"] = 100.0 * guest / max(guest + tern, 1)
    return f


def tern_side(build, ips, packets, compute, settings):
    iso = os.path.join(build, "tern-linux.iso")
    m = Machine("bench-eli-linux", build)
    res = {}
    vm = None
    try:
        m.bochs(iso, cpus=2, megs=512, ips=ips, extra=Machine.BOCHS_E1000)
        m.boot_to_prompt(timeout=600)
        mk = re.search(r"tsc (\d+)\.(\d+) MHz", m.command("uptime"))
        check(mk, "no TSC rate in uptime")
        hz = int(mk.group(1)) * 1000000 + int(mk.group(2)) * 1000
        for s in settings:
            vm = "linuxeli_" + s
            boot_vm(m, vm)
            res[s] = window_figures(workload(m, vm, packets, compute), vm, hz)
            out = m.command("vm stop " + vm)
            check("vm %s stopped" % vm in out, "stop %s:\n%s" % (vm, out))
    except TestFailure:
        dump_vm(m, vm)
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()
    return res


def native_side(build, ips, packets, compute):
    """The same kernel and initramfs by GRUB in Bochs (1 CPU, no tern):
    /init runs the workload (tern.udp) and powers off."""
    iso = os.path.join(build, "linux-eli-native.iso")
    subprocess.run(["sh", "tests/linux/mknativeiso.sh", build, iso, "tern.udp=-c,%d,%d" % (compute, packets)],
                   check=True, cwd=os.path.join(HERE, "..", ".."),
                   env=dict(os.environ, TERN_NATIVE_VM="linuxeli_on"))
    m = Machine("bench-eli-linux-native", build)
    try:
        m.bochs(iso, cpus=1, megs=192, ips=ips, extra=Machine.BOCHS_E1000, msrs=iso + ".msrs")
        m.expect(r"TERN-LINUX-INIT: workload done", 3600, fail=DISTRESS)
        mk = RESULT.search(KMSG.sub("", m.transcript))
        check(mk, "no UDPFLOOD line in the native run")
    except TestFailure:
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()
    return {"sent": int(mk.group(1)), "bytes": int(mk.group(2)), "ticks": int(mk.group(3)),
            "irqs": int(mk.group(4)), "exits": 0, "guest_pct": 100.0, "injections": 0,
            "window": 0, "reflected": 0, "ext_int": 0, "eoi_exits": 0, "reasons": {}}


def table(res, ips, packets, compute):
    cols = [s for s in SETTINGS + ("native",) if s in res]

    def secs(s):
        return res[s]["ticks"] / float(ips)

    def rate(k):
        return lambda s: "%.0f" % (res[s][k] / secs(s))

    def tern_only(fmt, k):
        return lambda s: "-" if s == "native" else fmt % res[s][k]
    rows = (
        ("exits/s", lambda s: "-" if s == "native" else "%.0f" % (res[s]["exits"] / secs(s))),
        ("% of vCPU time in guest", lambda s: "%.2f" % res[s]["guest_pct"]),
        ("device interrupts/s", rate("irqs")),
        ("interrupts handled in tern", lambda s: "-" if s == "native" else
         "%d" % (res[s]["ext_int"] + res[s]["reflected"])),
        ("device interrupts via tern (run)", tern_only("%d", "intx_tern")),
        ("injections/s", lambda s: "-" if s == "native" else
         "%.0f" % (res[s]["injections"] / secs(s))),
        ("IRQ-window exits/s", lambda s: "-" if s == "native" else
         "%.0f" % (res[s]["window"] / secs(s))),
        ("EOI exits while ELI live", tern_only("%d", "eoi_exits")),
        ("  of a device vector", tern_only("%d", "device_eoi_exits")),
        ("throughput: datagrams/s", rate("sent")),
        ("throughput: Mbit/s", lambda s: "%.2f" % (res[s]["bytes"] * 8 / secs(s) / 1e6)),
        ("device interrupts (window)", lambda s: "%d" % res[s]["irqs"]),
        ("emulated seconds (window)", lambda s: "%.3f" % secs(s)),
        ("exits per device interrupt", lambda s: "-" if s == "native" else
         "%.6f" % res[s]["exits_per_irq"]),
    )
    out = ["ELI benchmark, Linux e1000 (generic kernel's e1000 module, %d UDP datagrams of 64 "
           "bytes, %d cycles of computation after each), Bochs corei7_icelake_u, ips=%d (a %g MHz "
           "clock); 2 CPUs under tern (its core 0, the vCPU's core 1), 1 natively" %
           (packets, compute, ips, ips / 1e6),
           "  %-30s" % "figure" + "".join(" %13s" % LABELS[s] for s in cols)]
    for name, f in rows:
        out.append("  %-30s" % name + "".join(" %13s" % f(s) for s in cols))
    out.append("  (exits, injections, IRQ-window exits and vCPU time between the guest's marks, "
               "less the closing mark's VMCALL; device interrupts: the guest's /proc/interrupts; "
               "via tern: the whole run)")
    for s in cols:
        if s == "native":
            continue
        top = sorted(res[s]["reasons"].items(), key=lambda kv: -kv[1])
        out.append("  exits by reason in the window, %s: %s" %
                   (LABELS[s], ", ".join("%s %d" % kv for kv in top if kv[1])))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--ips", type=int, default=IPS)
    ap.add_argument("--packets", type=int, default=PACKETS)
    ap.add_argument("--compute-us", type=float, default=COMPUTE_US)
    ap.add_argument("--only", choices=("tern", "native"))
    ap.add_argument("--settings", default=",".join(SETTINGS))
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    settings = [s for s in a.settings.split(",") if s]
    check(all(s in SETTINGS for s in settings), "--settings: of %s" % ",".join(SETTINGS))
    compute = int(a.compute_us * a.ips / 1e6)
    res = {}
    if a.only != "native":
        res.update(tern_side(build, a.ips, a.packets, compute, settings))
    if a.only != "tern":
        try:
            res["native"] = native_side(build, a.ips, a.packets, compute)
        except TestFailure as e:
            if not res:
                raise
            print("bench_eli_linux: the native column failed: %s" % e)
    print("\n".join(table(res, a.ips, a.packets, compute)))
    for s in SETTINGS:
        if s in res:
            print("  vm stats linuxeli_%s (ELI):" % s)
            print("\n".join("    " + l.strip() for l in res[s]["stats"].splitlines()
                            if "ELI" in l or l.startswith("    ")))


if __name__ == "__main__":
    main()
