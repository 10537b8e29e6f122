# SPDX-License-Identifier: GPL-2.0
"""Bochs, 3 cores: the block benchmark scaled down (512 KiB a phase, tern's
side): blkbench in the Linux VM on its virtio disk; the figures `make bench`
prints are produced and sane (requests, exits and host operations per
request, instructions per 4 KiB, and their split into guest, exits,
virtio-blk queue and host driver)."""
import os
import types

import bench_blk
from harness import check


def run(build):
    args = types.SimpleNamespace(build=build, kib=512, mib=None, quick=True, ips=10000000,
                                 seq_kib=128, only="tern")
    tern = bench_blk.tern_side(os.path.abspath(build), args.kib, args.ips, args.seq_kib)
    tf = bench_blk.tern_figures(tern)
    bench_blk.report(args, tern, None, tf)
    bench_blk.sanity(tf, None)
    # The cost split: every phase moves data, so each of the four has
    # work to show. Its window (the counters') is not the total's (the
    # guest's rdtsc), and it adds up cores: only a loose bound on the sum.
    for p in bench_blk.PHASES:
        f = tf[p]
        for k in ("guest_all", "exits_all", "queue", "driver"):
            check(("split_" + k) in f and f["split_" + k] > 0,
                  "%s: cost split %s missing or not positive: %r" % (p, k, f.get("split_" + k)))
        check(bench_blk.split_sum(f) < 4 * f["ipk"],
              "%s: cost split sums to %.0f per 4K, the total is %.0f"
              % (p, bench_blk.split_sum(f), f["ipk"]))
