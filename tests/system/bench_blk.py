#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`, block I/O: the Linux VM's disk I/O through tern's
virtio-blk against the same kernel and initramfs reading the same disk
natively in Bochs (GRUB, no tern, Bochs's ATA disk through ata_piix).

Both run tests/linux/blkbench.c on partition 1 (`tern-bench`, no
filesystem) of a disk image of their own on Bochs's second ATA channel:
/dev/vda under tern (tern.cfg's disk = ata0p1), /dev/sda1 natively. Per
phase (sequential and random 4 KiB reads, sequential and random 4 KiB
writes, each ending with fsync) the guest reports its rdtsc ticks, which
in Bochs are emulated instructions: elapsed emulated time, exact and
repeatable. Under tern the harness also reads tern's counters (`metrics`)
before and after each phase, while blkbench waits at a keypress.

    bench_blk.py [BUILD] [--mib N | --kib N] [--quick] [--ips N] [--seq-kib N]
                 [--only tern|native]

--quick: 512 KiB per phase, and the figures are checked for sanity (CI).
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from harness import Machine, TestFailure, check  # noqa: E402
import mkdisk  # noqa: E402

PHASES = ("seqread", "randread", "seqwrite", "randwrite")
TITLES = {"seqread": "seq read", "randread": "rand read",
          "seqwrite": "seq write", "randwrite": "rand write"}
BLOCK = 4096
DISK_MODEL = "tern bench disk"
PART = "tern-bench"
# The kernel's own distress (as in test_bochs_linux.py): fail at once.
DISTRESS = (r"soft lockup|hard LOCKUP|rcu_\w+ (?:self-)?detected stalls?|"
            r"Kernel panic|BUG: |Oops|general protection fault|"
            r"csd: CSD lock|NMI backtrace|WARNING: CPU: \d+ PID|blkbench: ")
BOOT_TIMEOUT = 900
# Natively (1 CPU, no tern) /init runs after about 100 emulated seconds,
# 20 s wall: a boot that has not got there in 5 minutes is stuck (e.g.
# without the IA32_MISC_ENABLE mknativeiso.sh's msrs file gives Bochs, it
# loops after "LSM: Security Framework initializing").
NATIVE_BOOT_TIMEOUT = 300
RESULT = re.compile(r"^BLKBENCH phase=(\w+) bytes=(\d+) ios=(\d+) ticks=(\d+) "
                    r"dev_reads=(\d+) dev_writes=(\d+) dev_flushes=(\d+)", re.M)


def make_disk(path, kib):
    """A GPT disk whose partition 1 is the benchmark's, big enough for a
    phase (random offsets span all of it): at least 120 MiB."""
    part_mib = max(120, -(-kib // 1024) + 8)
    mkdisk.make(path, part_mib + 8, [(PART, part_mib, None)])


def result_rx(name):
    """The result line of one phase."""
    return RESULT.pattern.replace(r"(\w+)", "(%s)" % name, 1)


def result(mk):
    keys = ("phase", "bytes", "ios", "ticks", "dev_reads", "dev_writes", "dev_flushes")
    r = dict(zip(keys, mk.groups()))
    for k in keys[1:]:
        r[k] = int(r[k])
    # fsync's flush is an empty write with a preflush to the kernel: it
    # counts among the writes, and again among the flushes.
    r["dev_requests"] = r["dev_reads"] + r["dev_writes"]
    return r


# -- tern's counters --

SAMPLE = re.compile(r"^(\w+)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metrics(m, cmd="metrics"):
    """`metrics` (or `metrics mark N`) as {(name, ((label, value), ...)): float}."""
    out = {}
    # Long: at ips 1G the emulated UART takes about a minute for it.
    for line in m.command(cmd, timeout=600).splitlines():
        mk = SAMPLE.match(line.strip())
        if mk and not line.startswith("#"):
            labels = tuple(sorted(LABEL.findall(mk.group(2) or "")))
            out[(mk.group(1), labels)] = float(mk.group(3))
    return out


def total(sample, name, **want):
    """Sum of the samples of `name` whose labels include `want`."""
    return sum(v for (n, labels), v in sample.items()
               if n == name and all((k, str(x)) in labels for k, x in want.items()))


def delta(before, after, name, **want):
    return total(after, name, **want) - total(before, name, **want)


def detach_and_read(m):
    """Ctrl-] to tern's shell, its counters, back on the guest's console
    (which replays the guest's recent output: markers are unique)."""
    m.send("\x1d")
    m.expect(r"detached from vm linux", 60)
    m.expect(r"tern> ", 30)
    sample = metrics(m)
    m.send("vm console linux\r")
    m.expect(r"attached to vm linux's COM1", 60)
    return sample


def tern_side(build, kib, ips, seq_kib):
    """tern in Bochs (3 CPUs) with the Linux VM of tests/linux/tern.cfg;
    blkbench -w on /dev/vda, counters read around each phase."""
    iso = os.path.join(build, "tern-linux.iso")
    disk = os.path.join(build, "linux", "bench-disk.img")
    make_disk(disk, kib)
    m = Machine("bench-blk-tern", build)
    try:
        m.bochs(iso, cpus=3, megs=512, ips=ips, extra=Machine.BOCHS_E1000 + "\n" +
                Machine.bochs_ata_disk(disk, DISK_MODEL))
        m.boot_to_prompt(timeout=240)
        mk = re.search(r"tsc (\d+)\.(\d+) MHz", m.command("uptime"))
        check(mk, "no TSC rate in uptime")
        hz = int(mk.group(1)) * 1000000 + int(mk.group(2)) * 1000
        t0 = time.monotonic()
        m.send("vm console linux\r")
        m.expect(r"attached to vm linux's COM1", 60)
        m.expect(r"TERN-LINUX-INIT: /init running", BOOT_TIMEOUT, fail=DISTRESS)
        m.expect(r"tern-guest# ", 300, fail=DISTRESS)
        boot = time.monotonic() - t0
        m.send("blkbench -w -s %d /dev/vda %d null %s\r" % (seq_kib, kib, " ".join(PHASES)))
        phases = {}
        for i, name in enumerate(("null",) + PHASES):
            m.expect(r"BLKBENCH-READY %d %s" % (i, name), 120, fail=DISTRESS)
            before = detach_and_read(m)
            m.send("g")
            m.expect(r"BLKBENCH-END %d\n" % i, 3600, fail=DISTRESS)
            after = detach_and_read(m)
            m.send("g")
            r = result(m.expect(result_rx(name), 120, fail=DISTRESS))
            r["before"], r["after"] = before, after
            phases[name] = r
        m.expect(r"BLKBENCH-FINISHED", 60, fail=DISTRESS)
        m.expect(r"tern-guest# ", 60, fail=DISTRESS)
        # Which vCPU took the disk's completion interrupts.
        m.send("grep -E 'CPU|virtio' /proc/interrupts\r")
        irqs = m.expect(r"((?:.|\n)*?)tern-guest# ", 60, fail=DISTRESS).group(1)
        m.send("\x1d")
        m.expect(r"detached from vm linux", 60)
        stats = m.command("vm stats linux")
        disks = m.command("disks")
    except TestFailure:
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()
    return {"phases": phases, "hz": hz, "boot": boot, "stats": stats, "disks": disks,
            "irqs": irqs}


def native_side(build, kib, ips, seq_kib):
    """The same kernel and initramfs booted by GRUB in Bochs (1 CPU, no
    tern): /init runs blkbench on /dev/sda1 (tern.bench) and powers off.
    Bochs gets the ISO's MSR file (IA32_MISC_ENABLE reads as tern makes it
    read: see mknativeiso.sh)."""
    iso = os.path.join(build, "linux-native-bench.iso")
    subprocess.run(["sh", "tests/linux/mknativeiso.sh", build, iso,
                    "tern.bench=/dev/sda1,%d,-s,%d" % (kib, seq_kib)], check=True,
                   cwd=os.path.join(HERE, "..", ".."))
    disk = os.path.join(build, "linux", "bench-disk.img")
    make_disk(disk, kib)
    m = Machine("bench-blk-native", build)
    try:
        m.bochs(iso, cpus=1, megs=192, ips=ips, extra=Machine.bochs_ata_disk(disk, DISK_MODEL),
                msrs=iso + ".msrs")
        t0 = time.monotonic()
        m.expect(r"TERN-LINUX-INIT: /init running", NATIVE_BOOT_TIMEOUT, fail=DISTRESS)
        boot = time.monotonic() - t0
        phases = {}
        for name in ("null",) + PHASES:
            mk = m.expect(result_rx(name), 3600, fail=DISTRESS)
            phases[name] = result(mk)
        m.expect(r"BLKBENCH-FINISHED", 60)
        check(re.search(r"\bsda: sda1\b", m.transcript), "no /dev/sda1 natively:\n" +
              m.transcript[-3000:])
    except TestFailure:
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()
    return {"phases": phases, "boot": boot}


# -- figures --

def tern_figures(t):
    """Per phase, from the guest's line and tern's counters around it.
    The null phase (no I/O) measures what the harness's protocol itself
    costs in a window (a keypress in, a marker out, idle while tern's
    shell prints its counters): its exits and vCPU time are subtracted."""
    hz = t["hz"]
    ph = t["phases"]

    def window(r):
        b, a = r["before"], r["after"]
        w = {"exits": delta(b, a, "tern_vm_exits_total", vm="linux"),
             "vreq": delta(b, a, "tern_virtio_blk_requests_total", vm="linux"),
             "notifies": delta(b, a, "tern_virtio_blk_notifies_total", vm="linux"),
             "virqs": delta(b, a, "tern_virtio_blk_interrupts_total", vm="linux"),
             "host_ops": delta(b, a, "tern_disk_ops_total", disk="ata0"),
             "ipis": delta(b, a, "tern_vm_ipis_total", vm="linux", result="delivered"),
             # Core 0's interrupts but its own timer's: the ATA disk's.
             "mgmt_irqs": delta(b, a, "tern_cpu_interrupts_total", cpu="0") -
             delta(b, a, "tern_cpu_timer_interrupts_total", cpu="0")}
        # The cost split: every vCPU of the VM in the guest and in tern
        # (exits), and the management core's virtio-blk completions and
        # block layer + ATA driver (TSC ticks already, not seconds).
        w["guest_all"] = delta(b, a, "tern_vcpu_seconds_total", vm="linux", state="guest") * hz
        w["exits_all"] = delta(b, a, "tern_vcpu_seconds_total", vm="linux", state="tern") * hz
        w["queue"] = delta(b, a, "tern_vblk_queue_tsc_total", vm="linux")
        w["driver"] = delta(b, a, "tern_disk_driver_tsc_total", disk="ata0")
        for kind in ("in", "out", "flush"):
            w["v" + kind] = delta(b, a, "tern_virtio_blk_requests_total", vm="linux", type=kind)
        for v in ("0", "1"):
            w["exits" + v] = delta(b, a, "tern_vm_exits_total", vm="linux", vcpu=v)
            for state in ("guest", "tern", "halted"):
                w["%s%s" % (state, v)] = delta(b, a, "tern_vcpu_seconds_total", vm="linux",
                                               vcpu=v, state=state) * hz
        reasons = {}
        for (n, labels), val in a.items():
            if n == "tern_vm_exits_total" and ("vm", "linux") in labels:
                reason = dict(labels)["reason"]
                reasons[reason] = reasons.get(reason, 0) + val - b.get((n, labels), 0)
        w["reasons"] = reasons
        return w

    null = window(ph["null"])
    out = {"null": null}
    for name in PHASES:
        r, w = ph[name], window(ph[name])
        blocks = r["bytes"] / BLOCK
        net = {k: max(0.0, w[k] - null[k]) for k in
               ("exits", "exits0", "exits1", "ipis", "guest0", "tern0", "guest1", "tern1")}
        per = max(1, w["vreq"])
        f = {"requests": w["vreq"], "guest_requests": r["dev_reads"] + r["dev_writes"],
             "types": "%d/%d/%d" % (w["vin"], w["vout"], w["vflush"]),
             "vreq": w["vreq"], "ios": r["ios"], "exits_raw": w["exits"],
             "exits_per_req": net["exits"] / per,
             "exits0_per_req": net["exits0"] / per, "exits1_per_req": net["exits1"] / per,
             "ipis_per_req": net["ipis"] / per,
             "notifies_per_req": w["notifies"] / per,
             "irqs_per_req": w["virqs"] / per,
             "host_per_req": w["host_ops"] / per,
             "mgmt_irqs_per_req": w["mgmt_irqs"] / per,
             "ipk": r["ticks"] / blocks if blocks else 0,
             "guest0": net["guest0"] / blocks, "tern0": net["tern0"] / blocks,
             "other": (net["guest1"] + net["tern1"]) / blocks,
             "reasons": {k: v - null["reasons"].get(k, 0) for k, v in w["reasons"].items()}}
        # Per 4 KiB, net of the null phase like the figures above.
        for k in ("guest_all", "exits_all", "queue", "driver"):
            f["split_" + k] = max(0.0, w[k] - null[k]) / blocks if blocks else 0
        # vCPU 0 ran blkbench: what of the phase was neither guest nor
        # tern time there was waiting (halted) for the disk.
        f["wait0"] = max(0.0, f["ipk"] - f["guest0"] - f["tern0"])
        out[name] = f
    return out


def split_sum(f):
    """The cost split's four figures added up (instructions per 4 KiB)."""
    return sum(f["split_" + k] for k in ("guest_all", "exits_all", "queue", "driver"))


def table(hdr, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    for row in [hdr] + rows:
        print("  " + "  ".join(str(x).rjust(w) if i else str(x).ljust(w)
                               for i, (x, w) in enumerate(zip(row, widths))))


def report(args, tern, native, tf):
    print("block I/O, %d KiB per phase (sequential in %d KiB reads/writes, random 4 KiB), "
          "Bochs corei7_icelake_u at ips=%d; figures in emulated instructions (TSC ticks)"
          % (args.kib, args.seq_kib, args.ips))
    if tern:
        print("tern: Linux VM (2 vCPUs, virtio-blk /dev/vda = ata0p1), Bochs 3 CPUs; "
              "/init after %.0f s wall" % tern["boot"])
    if native:
        print("native: the same kernel and initramfs by GRUB, Bochs 1 CPU, ata_piix /dev/sda1; "
              "/init after %.0f s wall" % native["boot"])
    print()
    hdr = ("phase", "requests", "exits/req", "host ops/req", "tern instr/4K", "native instr/4K",
           "tern/native")
    rows = []
    for name in PHASES:
        f = tf.get(name) if tf else None
        n = native["phases"][name] if native else None
        nipk = n["ticks"] / (n["bytes"] / BLOCK) if n and n["bytes"] else None
        rows.append((TITLES[name],
                     "%d" % f["requests"] if f else "%d" % n["dev_requests"],
                     "%.1f" % f["exits_per_req"] if f else "-",
                     "%.2f" % f["host_per_req"] if f else "-",
                     "%.0f" % f["ipk"] if f else "-",
                     "%.0f" % nipk if nipk else "-",
                     "%.2f" % (f["ipk"] / nipk) if f and nipk else "-"))
    table(hdr, rows)
    if native and tf:
        print("  requests natively (ata_piix, as the kernel counts them): " + ", ".join(
            "%s %d" % (TITLES[p], native["phases"][p]["dev_requests"]) for p in PHASES))
    if not tf:
        return
    null = tf["null"]
    print()
    print("under tern, per phase: vCPU 0 (blkbench's) instructions per 4 KiB by where they went "
          "(tern_vcpu_seconds_total), and per request")
    hdr = ("phase", "guest", "tern", "waiting", "vCPU 1", "in/out/flush", "exits vCPU0/1",
           "IPIs", "notifies", "irqs", "core 0 irqs")
    rows = [(TITLES[p], "%.0f" % tf[p]["guest0"], "%.0f" % tf[p]["tern0"],
             "%.0f" % tf[p]["wait0"], "%.0f" % tf[p]["other"], tf[p]["types"],
             "%.1f/%.1f" % (tf[p]["exits0_per_req"], tf[p]["exits1_per_req"]),
             "%.2f" % tf[p]["ipis_per_req"], "%.2f" % tf[p]["notifies_per_req"],
             "%.2f" % tf[p]["irqs_per_req"], "%.2f" % tf[p]["mgmt_irqs_per_req"])
            for p in PHASES]
    table(hdr, rows)
    print("  exits per request by reason:")
    for p in PHASES:
        f = tf[p]
        top = sorted(((v, k) for k, v in f["reasons"].items() if v > 0), reverse=True)[:6]
        print("    %-10s %s" % (TITLES[p], ", ".join("%s %.2f" % (k, v / max(1, f["vreq"]))
                                                  for v, k in top)))
    print()
    print("under tern, per phase: instructions per 4 KiB by who spent them (the cost split; "
          "TSC ticks on any core, so the sum may pass the elapsed total)")
    hdr = ("phase", "guest", "exits", "queue", "driver", "sum", "total (instr/4K)")
    rows = [(TITLES[p], "%.0f" % tf[p]["split_guest_all"], "%.0f" % tf[p]["split_exits_all"],
             "%.0f" % tf[p]["split_queue"], "%.0f" % tf[p]["split_driver"],
             "%.0f" % split_sum(tf[p]), "%.0f" % tf[p]["ipk"]) for p in PHASES]
    table(hdr, rows)
    print("""  notes:
  - requests: what tern's virtio-blk device was asked (in/out/flush); exits/req: both
    vCPUs' exits between two reads of `metrics` around the phase, less the %d of the
    null phase (the harness's keypress, marker and idle time; raw per phase: %s);
    guest/tern times and IPIs are net of the null phase too.
  - host ops/req: tern's requests to its ATA disk (tern_disk_ops_total, ata0) per guest
    request; instr/4K: the phase's rdtsc ticks in the guest per 4 KiB moved (emulated
    instructions, elapsed time); tern/native: their ratio.
  - guest, tern: vCPU 0's time in the guest and in tern handling its exits; waiting: the
    rest of the phase on vCPU 0 (halted until the request completes: the host queue, the
    ATA driver and the disk); vCPU 1: its guest and tern time (interrupts it took).
  - core 0 irqs: the management core's interrupts but its timer's (the ATA disk's). Its
    instructions (the block layer's queue, the ATA driver) show in 'waiting', and in the
    cost split's queue and driver.
  - the cost split: guest, exits: all vCPUs' guest and tern time (tern_vcpu_seconds_total;
    exits include the notify exit, where tern parses descriptors and queues host requests);
    queue: virtio-blk's completions on the management core (used ring, interrupt:
    tern_vblk_queue_tsc_total); driver: the block layer and ATA driver there, starting,
    polling and the completion interrupt's handler (tern_disk_driver_tsc_total, ata0),
    without the interrupt's entry and exit. All net of the null phase; the rest of the
    total is waiting for the disk. The split's window is the counters' (around the phase),
    the total's the guest's rdtsc: close, not the same."""
          % (null["exits"], ", ".join("%s %d" % (TITLES[p], tf[p]["exits_raw"]) for p in PHASES)))


def sanity(tf, native):
    """--quick: the figures exist and make sense."""
    for p in PHASES:
        if tf:
            f = tf[p]
            check(f["requests"] > 0 and f["vreq"] > 0, "%s: no requests under tern" % p)
            check(f["host_per_req"] >= 1, "%s: %.2f host ops per request" % (p, f["host_per_req"]))
            check(f["ipk"] > 0, "%s: no instructions per 4 KiB under tern" % p)
            check(f["vreq"] >= f["guest_requests"], "%s: virtio-blk saw %d requests, the guest %d"
                  % (p, f["vreq"], f["guest_requests"]))
        if native:
            n = native["phases"][p]
            check(n["dev_requests"] > 0 and n["ticks"] > 0, "%s: no native figures" % p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--mib", type=int, help="MiB per phase (default 16)")
    ap.add_argument("--kib", type=int, help="KiB per phase")
    ap.add_argument("--quick", action="store_true", help="512 KiB per phase, figures checked")
    ap.add_argument("--ips", type=int, default=10000000, help="Bochs ips (default 10000000)")
    ap.add_argument("--seq-kib", type=int, default=128, help="sequential I/O size (default 128)")
    ap.add_argument("--only", choices=("tern", "native"))
    args = ap.parse_args()
    if not args.kib:
        args.kib = 512 if args.quick and not args.mib else (args.mib or 16) * 1024
    build = os.path.abspath(args.build)
    tern = native = tf = None
    failed = None
    try:
        if args.only != "native":
            tern = tern_side(build, args.kib, args.ips, args.seq_kib)
            tf = tern_figures(tern)
        if args.only == "tern":
            print("bench_blk: the native column is not measured (BENCH_NATIVE=1 runs it)")
        else:
            # tern's figures are kept (and printed) when the native side fails.
            try:
                native = native_side(build, args.kib, args.ips, args.seq_kib)
            except TestFailure as e:
                if not tern:
                    raise
                failed = str(e)
        report(args, tern, native, tf)
        if tern:
            print()
            print("\n".join("  " + l for l in tern["stats"].splitlines()
                            if "virtio" in l.lower() or l.startswith("vcpu")))
            print("\n".join("  " + l for l in tern["disks"].splitlines() if l.startswith("ata0")))
            print("  the guest's /proc/interrupts (virtio):")
            print("\n".join("    " + l.strip() for l in tern["irqs"].splitlines()
                            if "CPU" in l or "virtio" in l))
        sanity(tf, native)
        if failed:
            raise TestFailure("the native side failed: " + failed[-2000:])
    except TestFailure as e:
        sys.exit("bench_blk: %s" % e)
    if args.quick:
        print("bench_blk --quick: figures present and sane")


if __name__ == "__main__":
    main()
