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
  vswapper   the Mapper and the False Reads Preventer; the Preventer is not
             implemented yet, so it runs as mapper: its column repeats the
             mapper's figures, marked (--only ...,vswapper runs it).

Each configuration is one Bochs run (2 CPUs: the management core and the
VM's) of tests/linux/tern.cfg's VM for it (linuxswapbase, linuxswap,
linuxswapvs), on a disk image of its own (partition 1: ext4 with data.bin;
partition 2: tern's swap). Per configuration it prints the time of the
rereads in emulated instructions (the guest's clock: Bochs's TSC ticks once
per instruction, ips 10M), disk operations and sectors read and written on
the swap partition and on the image partition, silent writes (and those
avoided), stale reads (and those avoided), false reads avoided, and the
guest's page faults (/proc/vmstat), first for the cold read, then for the
rereads. Every read's checksum (MD5) is checked.

    bench_swap.py [BUILD] [--mib N] [--passes N] [--only MODE,...]

Defaults: an 80 MiB file, 3 reads, baseline and mapper.
"""
import argparse
import hashlib
import os
import random
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from harness import Machine, TestFailure, check  # noqa: E402
import bench_blk  # noqa: E402
import mkdisk  # noqa: E402

MODES = {"baseline": "linuxswapbase", "mapper": "linuxswap", "vswapper": "linuxswapvs"}
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
    f["prefetched"] = d("tern_swap_prefetched_total", vm=vm)
    f["prefetch_used"] = d("tern_swap_prefetch_used_total", vm=vm)
    stale = re.search(r"stale reads (\d+), (\d+) avoided", b["stats"])
    stale0 = re.search(r"stale reads (\d+), (\d+) avoided", a["stats"])
    f["stale"] = int(stale.group(1)) - int(stale0.group(1)) if stale and stale0 else 0
    return f


def run_mode(build, mode, mib, passes, logname=None, after=None):
    """One configuration in Bochs: boot tern, start its VM, mount the data
    disk, read data.bin `passes` times (checksums checked). Returns the
    snapshots (cold: before and after pass 1; rereads: after the last),
    and calls after(m, guest) before stopping if given."""
    build = os.path.abspath(build)
    vm = MODES[mode]
    iso = os.path.join(build, "tern-linux.iso")
    m = Machine(logname or "bench-swap-" + mode, build)
    disk = os.path.join(m.logdir, m.name + "-disk.img")
    sha = make_disk(disk, mib)
    try:
        m.bochs(iso, cpus=2, megs=384, ips=IPS,
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
        s0 = snapshot(g, "0")
        read_pass(g, sha, 1)
        s1 = snapshot(g, "1")
        for n in range(2, passes + 1):
            read_pass(g, sha, n)
        s2 = snapshot(g, "2")
        for s in (s0, s1, s2):
            s["vm"] = vm
        extra = after(m, g) if after else None
        g.detach()
        return {"cold": figures(s0, s1), "reread": figures(s1, s2), "stats": s2["stats"],
                "mem": m.command("vm mem %s" % vm), "extra": extra}
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
    ("guest page faults", "pgfault"), ("guest major faults", "pgmajfault"),
]


def report(results, mib, passes):
    modes = [k for k in MODES if k in results]
    heads = [k + ("*" if k == "vswapper" else "") for k in modes]
    # vswapper runs as mapper until the Preventer exists: not run again
    # unless asked (--only), its column is the mapper's, marked.
    if "vswapper" not in results and "mapper" in results:
        results = dict(results, vswapper=results["mapper"])
        modes.append("vswapper")
        heads.append("vswapper**")
    for phase, title in (("cold", "first read (cold: from the image)"),
                         ("reread", "rereads %d-%d (the page cache the guest keeps)" % (2, passes))):
        print("\nOvercommit: %d MiB read %d times, 256M believed, 64M resident; %s"
              % (mib, passes, title))
        print("  %-34s" % "" + "".join("%14s" % h for h in heads))
        for label, key in ROWS:
            print("  %-34s" % label + "".join("%14d" % results[k][phase][key] for k in modes))
    if "baseline" in results and "mapper" in results:
        b, mp = results["baseline"]["reread"]["ops"], results["mapper"]["reread"]["ops"]
        print("\n  rereads: disk operations baseline/mapper = %s" %
              ("%.1fx" % (b / mp) if mp else "inf (mapper: none)"))
    if "vswapper*" in heads:
        print("  * vswapper runs as mapper: the False Reads Preventer is not implemented yet")
    if "vswapper**" in heads:
        print("  ** vswapper runs as mapper (the False Reads Preventer is not implemented yet): "
              "the mapper's figures, not run again (--only vswapper runs it)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--mib", type=int, default=80)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--only", default="baseline,mapper")
    args = ap.parse_args()
    results = {}
    for mode in args.only.split(","):
        print("bench_swap: %s (vm %s)..." % (mode, MODES[mode]), flush=True)
        results[mode] = run_mode(args.build, mode, args.mib, args.passes)
    report(results, args.mib, args.passes)


if __name__ == "__main__":
    main()
