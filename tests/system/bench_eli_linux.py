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

Under tern the harness reads `metrics` just before and just after the
sends (udpflood -w waits for a keypress at both points), and once more
around a run of no datagrams: that null window (a keypress in, a marker
out) is subtracted from the exits, injections and vCPU times. Rates are
per emulated second: the guest's rdtsc ticks over the sends, at IPS
instructions a second (Bochs's TSC ticks once per instruction); the
guest's timer is 250 Hz of that clock. Device interrupts are the guest's
count (/proc/interrupts, eth0): ELI's never reach tern. Exits per device
interrupt count every exit of the vCPU in the window, timer exits
included.

Output (stable; the README documents it): one line per figure, one column
per setting, the native column last, then the exits by reason per setting.

Usage: bench_eli_linux.py BUILD [--ips N] [--packets N] [--only tern|native]"""
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


def detach_and_read(m, vm):
    """Ctrl-] to tern's shell, its counters, back on the guest's console."""
    m.send("\x1d")
    m.expect(r"detached from vm %s" % vm, 60)
    m.expect(r"tern> ", 30)
    sample = metrics(m)
    m.send("vm console %s\r" % vm)
    m.expect(r"attached to vm %s's COM1" % vm, 60)
    return sample


def one_window(m, vm, packets):
    """udpwork -w: counters before and after the sends; the guest's line."""
    m.send("udpwork -w %d\r" % packets)
    m.expect(r"UDPFLOOD-READY", 300, fail=DISTRESS)
    before = detach_and_read(m, vm)
    m.send("g")
    m.expect(r"UDPFLOOD-END", 7200, fail=DISTRESS)
    after = detach_and_read(m, vm)
    m.send("g")
    mk = m.expect(RESULT.pattern, 120, fail=DISTRESS)
    m.expect(r"tern-guest# ", 120, fail=DISTRESS)
    return {"sent": int(mk.group(1)), "bytes": int(mk.group(2)), "ticks": int(mk.group(3)),
            "irqs": int(mk.group(4)), "before": before, "after": after}


def workload(m, vm, packets):
    """The null window, then the workload's; detached after, with vm stats."""
    null = one_window(m, vm, 0)
    w = one_window(m, vm, packets)
    m.send("\x1d")
    m.expect(r"detached from vm %s" % vm, 60)
    m.expect(r"tern> ", 30)
    w["null"] = null
    w["stats"] = m.command("vm stats " + vm)
    return w


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
    """The window's counters, net of the null window's."""
    def d(win, name, **lab):
        return delta(win["before"], win["after"], name, vm=vm, **lab)

    def net(name, **lab):
        return d(w, name, **lab) - d(w["null"], name, **lab)
    reasons = {}
    for (n, labels), val in w["after"].items():
        if n == "tern_vm_exits_total" and ("vm", vm) in labels:
            r = dict(labels)["reason"]
            reasons[r] = reasons.get(r, 0) + val - w["before"].get((n, labels), 0)
    f = {"sent": w["sent"], "bytes": w["bytes"], "ticks": w["ticks"], "irqs": w["irqs"],
         "exits_raw": int(d(w, "tern_vm_exits_total")),
         "null_exits": int(d(w["null"], "tern_vm_exits_total")),
         "exits": max(0, int(net("tern_vm_exits_total"))),
         "eoi_exits": int(d(w, "tern_eli_eoi_exits_total")),
         "device_eoi_exits": int(d(w, "tern_eli_device_eoi_exits_total")),
         "reflected": int(d(w, "tern_eli_reflected_total")),
         "injections": max(0, int(net("tern_vm_interrupts_injected_total"))),
         "window": max(0, int(reasons.get("intr-window", 0) -
                              d(w["null"], "tern_vm_exits_total", reason="intr-window"))),
         "ext_int": int(reasons.get("external-int", 0)),
         "inj_mode": int(d(w, "tern_eli_injection_mode_total")),
         "eli_injections": int(d(w, "tern_eli_injections_total")),
         "fallbacks": int(d(w, "tern_eli_fallbacks_total")),
         # Device interrupts that came through tern (the vCPU in injection
         # mode, or eli = off): the assigned function's INTx count.
         "intx_tern": int(d(w, "tern_vm_assigned_interrupts_total", kind="intx")),
         "timer_direct": int(d(w, "tern_eli_direct_interrupts_total", source="timer")),
         "timer_tscd": int(d(w, "tern_eli_timer_deadline_passthrough_total")),
         "reclaimed": int(d(w, "tern_eli_reclaimed_total")),
         "reasons": {k: int(v) for k, v in reasons.items()},
         "stats": w.get("stats", "")}
    f["exits_per_irq"] = f["exits"] / float(max(f["irqs"], 1))
    if hz:
        guest = net("tern_vcpu_seconds_total", state="guest") * hz
        tern = net("tern_vcpu_seconds_total", state="tern") * hz
        f["guest_pct"] = 100.0 * guest / max(guest + tern, 1)
    return f


def tern_side(build, ips, packets):
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
        for s in SETTINGS:
            vm = "linuxeli_" + s
            boot_vm(m, vm)
            res[s] = window_figures(workload(m, vm, packets), vm, hz)
            out = m.command("vm stop " + vm)
            check("vm %s stopped" % vm in out, "stop %s:\n%s" % (vm, out))
    except TestFailure:
        dump_vm(m, vm)
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()
    return res


def native_side(build, ips, packets):
    """The same kernel and initramfs by GRUB in Bochs (1 CPU, no tern):
    /init runs the workload (tern.udp) and powers off."""
    iso = os.path.join(build, "linux-eli-native.iso")
    subprocess.run(["sh", "tests/linux/mknativeiso.sh", build, iso, "tern.udp=%d" % packets],
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


def table(res, ips, packets):
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
        ("device interrupts via tern", tern_only("%d", "intx_tern")),
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
           "bytes), Bochs corei7_icelake_u, ips=%d (a %g MHz clock); 2 CPUs under tern (its core 0, "
           "the vCPU's core 1), 1 natively" % (packets, ips, ips / 1e6),
           "  %-30s" % "figure" + "".join(" %13s" % LABELS[s] for s in cols)]
    for name, f in rows:
        out.append("  %-30s" % name + "".join(" %13s" % f(s) for s in cols))
    out.append("  (exits, injections, IRQ-window exits and vCPU time net of a null window of "
               "the same protocol; device interrupts: the guest's /proc/interrupts)")
    for s in cols:
        if s == "native":
            continue
        top = sorted(res[s]["reasons"].items(), key=lambda kv: -kv[1])
        out.append("  exits by reason in the window (raw %d, null window %d), %s: %s" %
                   (res[s]["exits_raw"], res[s]["null_exits"], LABELS[s],
                    ", ".join("%s %d" % kv for kv in top if kv[1])))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--ips", type=int, default=IPS)
    ap.add_argument("--packets", type=int, default=PACKETS)
    ap.add_argument("--only", choices=("tern", "native"))
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    res = {}
    if a.only != "native":
        res.update(tern_side(build, a.ips, a.packets))
    if a.only != "tern":
        try:
            res["native"] = native_side(build, a.ips, a.packets)
        except TestFailure as e:
            if not res:
                raise
            print("bench_eli_linux: the native column failed: %s" % e)
    print("\n".join(table(res, a.ips, a.packets)))
    for s in SETTINGS:
        if s in res:
            print("  vm stats linuxeli_%s (ELI):" % s)
            print("\n".join("    " + l.strip() for l in res[s]["stats"].splitlines()
                            if "ELI" in l or l.startswith("    ")))


if __name__ == "__main__":
    main()
