# SPDX-License-Identifier: GPL-2.0
"""Bochs, 3 cores: the block benchmark scaled down (512 KiB a phase, tern's
side): blkbench in the Linux VM on its virtio disk; the figures `make bench`
prints are produced and sane (requests, exits and host operations per
request, instructions per 4 KiB)."""
import os
import types

import bench_blk


def run(build):
    args = types.SimpleNamespace(build=build, kib=512, mib=None, quick=True, ips=10000000,
                                 seq_kib=128, only="tern")
    tern = bench_blk.tern_side(os.path.abspath(build), args.kib, args.ips, args.seq_kib)
    tf = bench_blk.tern_figures(tern)
    bench_blk.report(args, tern, None, tf)
    bench_blk.sanity(tf, None)
