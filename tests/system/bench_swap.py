#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`, overcommit (issue #11, thesis ch. 4 §4.6.1): a Linux guest
that believes it has 256 MiB and gets 64 MiB of host frames reads a file
larger than its resident memory from its virtio disk, sequentially,
several times (the thesis's Sysbench-like read, Fig. 4.3), under tern's
swapper in each swap_mode:

  baseline   tern's swapper alone: the guest's page cache is written to
             swap (silent writes) and read back from there;
  mapper     the Swap Mapper: page-cache pages that hold a disk block are
             dropped with no write and read back from the disk image, with
             sequential prefetch;
  vswapper   the Mapper and the False Reads Preventer: a guest write to a
             page on disk is emulated into a buffer instead of reading the
             page first; a page written whole is mapped with no read.

Then the guest allocates and touches fresh memory (Fig. 4.10): busybox dd
reading /dev/zero into a buffer of --alloc MiB, --alloc-passes times. The
pages Linux hands it were the page cache's and freed memory's, long paged
out by tern; Linux clears each (clear_page, and dd's read writes it again),
so whatever tern reads back for them is overwritten whole: a false read.

Each configuration is one Bochs run (2 CPUs: the management core and the
VM's) of tests/linux/tern.cfg's VM for it (linuxswapbase, linuxswap,
linuxswapvs), on a disk image of its own (partition 1: ext4 with data.bin;
partition 2: tern's swap). Per configuration it prints the time of the
rereads in emulated instructions (the guest's clock: Bochs's TSC ticks once
per instruction, ips 10M), disk operations and sectors read and written on
the swap partition and on the image partition, silent writes (and those
avoided), stale reads (and those avoided), false reads avoided, and the
guest's page faults (/proc/vmstat), first for the cold read, then for the
rereads, then for the allocations, with the pages read back during them
(swap and image: each one a false read) and the share of them vswapper
avoids. Every read's checksum (MD5) is checked, and a 16 MiB file in the
guest's tmpfs is checksummed before and after the allocations (memory
that went to swap and came back, or was merged by the Preventer).

    bench_swap.py [BUILD] [--mib N] [--passes N] [--alloc N] [--alloc-passes N]
                  [--only MODE,...]

Defaults: an 80 MiB file, 3 reads, 96 MiB allocated 3 times, all three
modes.
"""
import argparse
import hashlib
import os
import random
import re
import sys
import time
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from harness import Machine, TestFailure, check  # noqa: E402
import bench_blk  # noqa: E402
import mkdisk  # noqa: E402

MODES = {"baseline": "linuxswapbase", "mapper": "linuxswap", "vswapper": "linuxswapvs",
         # vswapper again, the guest on its own vIOMMU (test_bochs_swap)
         "vswapper-viommu": "linuxswapiommu"}
DISK_MODEL = "tern swap disk"
IPS = 10000000
DISTRESS = (r"soft lockup|hard LOCKUP|rcu_\w+ (?:self-)?detected stalls?|"
            r"Kernel panic|BUG: |Oops|general protection fault|"
            r"csd: CSD lock|NMI backtrace|WARNING: CPU: \d+ PID|"
            r"cpu\d+: vm linuxswap\w*: stopped")
BOOT_TIMEOUT = 1200
SWAP_MIB = 264          # an area of 256 MiB of slots fits (the VM's memory)


def make_disk(path, mib):
    """Partition 1: ext4 holding data.bin (mib MiB, pseudo-random);
    partition 2: the swap partition. Returns data.bin's MD5."""
    rnd = random.Random(4242)
    blob = rnd.randbytes(mib << 20)
    fs_mib = mib + mib // 8 + 16
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "data.bin"), "wb") as f:
            f.write(blob)
        mkdisk.make(path, fs_mib + SWAP_MIB + 2, [("tern-data", fs_mib, d),
                                                  ("tern-swap", SWAP_MIB, None)])
    return hashlib.md5(blob).hexdigest()


# `metrics` read as {(name, labels): value}, and sums over labels: the
# block benchmark's.
metrics = bench_blk.metrics
value = bench_blk.total


class Guest:
    """The VM's console: commands to busybox's shell, tern's shell between."""

    def __init__(self, m, vm):
        self.m, self.vm = m, vm

    def run(self, cmd, timeout=1800):
        self.m.send(cmd + "\r")
        self.m.expect(r"tern-guest# ", timeout, fail=DISTRESS)
        return self.m.transcript[-4000:]

    def detach(self):
        self.m.send("\x1d")
        self.m.expect(r"detached from vm %s" % self.vm, 60)
        self.m.expect(r"tern> ", 30)

    def attach(self):
        self.m.send("vm console %s\r" % self.vm)
        self.m.expect(r"attached to vm %s's COM1" % self.vm, 60)

    def state(self, tag):
        """The guest's clock and page faults, with a marker of its own."""
        out = self.run("echo TERN-STATE-%s $(cut -d' ' -f1 /proc/uptime) "
                       "$(grep -E '^pgfault ' /proc/vmstat | cut -d' ' -f2) "
                       "$(grep -E '^pgmajfault ' /proc/vmstat | cut -d' ' -f2)" % tag)
        mk = re.findall(r"TERN-STATE-%s ([\d.]+) (\d+) (\d+)" % tag, out)
        check(mk, "no guest state %s:\n%s" % (tag, out[-1500:]))
        up, pf, maj = mk[-1]
        return {"uptime": float(up), "pgfault": int(pf), "pgmajfault": int(maj)}


def read_pass(g, sha, n):
    # MD5: busybox's SHA-256 costs the emulated guest about 4x more.
    out = g.run("md5sum /mnt/data.bin; echo TERN-PASS-%d" % n)
    mk = re.findall(r"\n([0-9a-f]{32})\s+/mnt/data\.bin", out)
    check(mk and mk[-1] == sha, "pass %d: data.bin's checksum is wrong (%s, want %s)"
          % (n, mk[-1] if mk else None, sha))


def snapshot(g, tag):
    st = g.state(tag)
    g.detach()
    st["metrics"] = metrics(g.m)
    st["stats"] = g.m.command("vm stats %s" % g.vm)
    g.attach()
    return st


def figures(a, b):
    """What happened between two snapshots."""
    ma, mb = a["metrics"], b["metrics"]
    vm = b["vm"]

    def d(name, **want):
        return int(value(mb, name, **want) - value(ma, name, **want))
    f = {"instr": int(round((b["uptime"] - a["uptime"]) * IPS)),
         "pgfault": b["pgfault"] - a["pgfault"], "pgmajfault": b["pgmajfault"] - a["pgmajfault"]}
    for disk, key in (("ata0p2", "swap"), ("ata0p1", "image")):
        f[key + "_rd_ops"] = d("tern_disk_ops_total", disk=disk, op="read")
        f[key + "_wr_ops"] = d("tern_disk_ops_total", disk=disk, op="write")
        f[key + "_rd_sec"] = d("tern_disk_bytes_total", disk=disk, op="read") // 512
        f[key + "_wr_sec"] = d("tern_disk_bytes_total", disk=disk, op="write") // 512
    f["ops"] = f["swap_rd_ops"] + f["swap_wr_ops"] + f["image_rd_ops"] + f["image_wr_ops"]
    f["out_written"] = d("tern_swap_out_total", vm=vm, kind="written")
    f["out_dropped"] = d("tern_swap_out_total", vm=vm, kind="dropped")
    f["in_swap"] = d("tern_swap_in_total", vm=vm, source="swap")
    f["in_image"] = d("tern_swap_in_total", vm=vm, source="image")
    f["silent"] = d("tern_swap_silent_writes_total", vm=vm)
    f["silent_avoided"] = d("tern_swap_silent_writes_avoided_total", vm=vm)
    f["stale_avoided"] = d("tern_swap_stale_reads_avoided_total", vm=vm)
    f["false_avoided"] = d("tern_swap_false_reads_avoided_total", vm=vm)
    f["read_back"] = f["in_swap"] + f["in_image"]
    f["prefetched"] = d("tern_swap_prefetched_total", vm=vm)
    f["prefetch_used"] = d("tern_swap_prefetch_used_total", vm=vm)
    for key, why in (("rd_store", "guest_write"), ("rd_load", "guest_read"), ("rd_tern", "tern")):
        f[key] = d("tern_swap_reads_started_total", vm=vm, **{"for": why})
    stale = re.search(r"stale reads (\d+), (\d+) avoided", b["stats"])
    stale0 = re.search(r"stale reads (\d+), (\d+) avoided", a["stats"])
    f["stale"] = int(stale.group(1)) - int(stale0.group(1)) if stale and stale0 else 0
    return f


def tmpfs_md5(g, tag):
    out = g.run("md5sum /tmp/mem; echo TERN-MEM-$((6*7))-%s" % tag)
    mk = re.findall(r"\n([0-9a-f]{32})\s+/tmp/mem\r?\nTERN-MEM-42-%s" % tag, out)
    check(mk, "no checksum of /tmp/mem (%s):\n%s" % (tag, out[-1500:]))
    return mk[-1]


def alloc_passes(g, mib, passes):
    """Fresh memory, `passes` times: dd's buffer of mib MiB filled from
    /dev/zero (each page cleared by Linux first)."""
    for n in range(1, passes + 1):
        out = g.run("dd if=/dev/zero of=/dev/null bs=%dM count=1 2>/dev/null && "
                    "echo TERN-ALLOC-$((%d*7))" % (mib, n))
        check(re.search(r"\nTERN-ALLOC-%d\r?\n" % (n * 7), out),
              "allocation %d failed:\n%s" % (n, out[-1500:]))


def run_mode(build, mode, mib, passes, logname=None, after=None, alloc=0, alloc_n=0, cpus=2):
    """One configuration in Bochs: boot tern, start its VM, mount the data
    disk, read data.bin `passes` times (checksums checked), then allocate
    fresh memory (alloc MiB, alloc_n times; none if 0). Returns the
    snapshots' differences (cold: pass 1; rereads: the others; alloc: the
    allocations), and calls after(m, guest) before stopping if given."""
    build = os.path.abspath(build)
    vm = MODES[mode]
    iso = os.path.join(build, "tern-linux.iso")
    m = Machine(logname or "bench-swap-" + mode, build)
    disk = os.path.join(m.logdir, m.name + "-disk.img")
    sha = make_disk(disk, mib)
    # Wall seconds of each part (CI's time: where it goes).
    wall, last = [], [time.monotonic()]

    def lap(what):
        now = time.monotonic()
        wall.append("%s %.0f" % (what, now - last[0]))
        last[0] = now
    try:
        m.bochs(iso, cpus=cpus, megs=384, ips=IPS,
                extra=Machine.bochs_ata_disk(disk, DISK_MODEL))
        m.boot_to_prompt(timeout=240)
        out = m.command("vm start %s" % vm)
        check("vm %s started" % vm in out, "vm start %s:\n%s" % (vm, out))
        g = Guest(m, vm)
        g.attach()
        m.expect(r"TERN-LINUX-INIT: /init running", BOOT_TIMEOUT, fail=DISTRESS)
        m.expect(r"tern-guest# ", 300, fail=DISTRESS)
        g.run("mkdir -p /mnt && mount -t ext4 -o ro /dev/vda /mnt && ls -l /mnt/data.bin")
        check("data.bin" in m.transcript[-600:], "ext4 on /dev/vda not mounted:\n" +
              m.transcript[-2000:])
        lap("boot")
        s0 = snapshot(g, "0")
        read_pass(g, sha, 1)
        s1 = snapshot(g, "1")
        for n in range(2, passes + 1):
            read_pass(g, sha, n)
        s2 = snapshot(g, "2")
        lap("reads")
        snaps = [s0, s1, s2]
        mem_md5 = None
        if alloc and alloc_n:
            # A 16 MiB tmpfs file checksummed around the allocations (its
            # pages go to swap and come back, or are merged); only the
            # allocations are counted.
            g.run("mkdir -p /tmp && dd if=/dev/urandom of=/tmp/mem bs=1M count=16 2>/dev/null")
            before = tmpfs_md5(g, "a")
            snaps.append(snapshot(g, "3"))
            alloc_passes(g, alloc, alloc_n)
            snaps.append(snapshot(g, "4"))
            mem_md5 = (before, tmpfs_md5(g, "b"))
            check(mem_md5[0] == mem_md5[1], "the guest's 16 MiB tmpfs file changed across "
                  "the allocations: %s, then %s" % mem_md5)
            lap("allocations")
        for s in snaps:
            s["vm"] = vm
        extra = after(m, g) if after else None
        if after:
            lap("then")
        g.detach()
        r = {"cold": figures(s0, s1), "reread": figures(s1, s2), "stats": snaps[-1]["stats"],
             "mem": m.command("vm mem %s" % vm), "extra": extra, "mem_md5": mem_md5,
             "wall": "wall s: " + ", ".join(wall)}
        if len(snaps) > 4:
            r["alloc"] = figures(snaps[3], snaps[4])
        return r
    except TestFailure:
        print("  (serial transcript: %s)" % os.path.join(m.logdir, m.name + ".serial"))
        raise
    finally:
        m.stop()


ROWS = [
    ("run time, emulated instructions", "instr"),
    ("disk operations, all", "ops"),
    ("swap: read ops", "swap_rd_ops"), ("swap: sectors read", "swap_rd_sec"),
    ("swap: write ops", "swap_wr_ops"), ("swap: sectors written", "swap_wr_sec"),
    ("image: read ops", "image_rd_ops"), ("image: sectors read", "image_rd_sec"),
    ("image: write ops", "image_wr_ops"), ("image: sectors written", "image_wr_sec"),
    ("pages written to swap", "out_written"), ("pages dropped", "out_dropped"),
    ("pages read from swap", "in_swap"), ("pages read from image", "in_image"),
    ("  of those read ahead", "prefetched"), ("  read ahead and used", "prefetch_used"),
    ("silent writes", "silent"), ("silent writes avoided", "silent_avoided"),
    ("stale reads", "stale"), ("stale reads avoided", "stale_avoided"),
    ("false reads avoided", "false_avoided"),
    ("pages read back (swap + image)", "read_back"),
    ("  for a guest store (false reads)", "rd_store"),
    ("  for a guest load, fetch, walk", "rd_load"),
    ("  for tern (DMA, settles)", "rd_tern"),
    ("guest page faults", "pgfault"), ("guest major faults", "pgmajfault"),
]


def report(results, mib, passes, alloc=0, alloc_n=0):
    modes = [k for k in MODES if k in results]
    phases = [("cold", "first read (cold: from the image)"),
              ("reread", "rereads %d-%d (the page cache the guest keeps)" % (2, passes))]
    if all("alloc" in results[k] for k in modes):
        phases.append(("alloc", "fresh memory: %d MiB allocated and touched %d times"
                       % (alloc, alloc_n)))
    for phase, title in phases:
        print("\nOvercommit: %d MiB read %d times, 256M believed, 64M resident; %s"
              % (mib, passes, title))
        print("  %-34s" % "" + "".join("%14s" % k for k in modes))
        for label, key in ROWS:
            print("  %-34s" % label + "".join("%14d" % results[k][phase][key] for k in modes))
    if "baseline" in results and "mapper" in results:
        b, mp = results["baseline"]["reread"]["ops"], results["mapper"]["reread"]["ops"]
        print("\n  rereads: disk operations baseline/mapper = %s" %
              ("%.1fx" % (b / mp) if mp else "inf (mapper: none)"))
    if "baseline" in results and "vswapper" in results:
        b, vs = results["baseline"]["reread"]["ops"], results["vswapper"]["reread"]["ops"]
        print("  rereads: disk operations baseline/vswapper = %s" %
              ("%.1fx" % (b / vs) if vs else "inf (vswapper: none)"))
        if "alloc" in phases[-1]:
            fb = results["baseline"]["alloc"]["read_back"]
            fv = results["vswapper"]["alloc"]["read_back"]
            wb = results["baseline"]["alloc"]["rd_store"]
            av = results["vswapper"]["alloc"]["false_avoided"]
            wv = results["vswapper"]["alloc"]["rd_store"]
            print("  allocations: pages read back baseline %d, vswapper %d (%s fewer)"
                  % (fb, fv, "%.1f%%" % (100.0 * (fb - fv) / fb) if fb else "-"))
            # A false read is a read for a guest store (the guest's first
            # access to the page wrote it): reads for stores bound them
            # from above. vswapper's false reads were the avoided ones plus
            # at most its reads for stores.
            print("  allocations: false reads cut by at least %s under vswapper (%d avoided; "
                  "%d reads for guest stores left, false reads at most); baseline's false reads "
                  "at most %d" % ("%.1f%%" % (100.0 * av / (av + wv)) if av + wv else "-",
                                  av, wv, wb))
    for k in modes:
        if results[k].get("mem_md5"):
            print("  %s: the guest's 16 MiB tmpfs file checksummed the same before and after "
                  "the allocations" % k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--mib", type=int, default=80)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--alloc", type=int, default=96)
    ap.add_argument("--alloc-passes", type=int, default=3)
    ap.add_argument("--only", default="baseline,mapper,vswapper")
    args = ap.parse_args()
    results = {}
    for mode in args.only.split(","):
        print("bench_swap: %s (vm %s)..." % (mode, MODES[mode]), flush=True)
        results[mode] = run_mode(args.build, mode, args.mib, args.passes,
                                 alloc=args.alloc, alloc_n=args.alloc_passes)
    report(results, args.mib, args.passes, args.alloc, args.alloc_passes)


if __name__ == "__main__":
    main()
