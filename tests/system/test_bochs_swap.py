# SPDX-License-Identifier: GPL-2.0
"""Bochs, 2 cores: Debian's Linux overcommitted under VSwapper (vm
linuxswapvs: 256 MiB believed, 64 MiB of frames, swap_mode = vswapper: the
Swap Mapper and the False Reads Preventer) reads a file larger than its
resident memory from its virtio disk twice, checksums right; its page
cache is dropped without swap writes and read back from the disk image
with prefetch; it then allocates and touches fresh memory twice, and the
pages Linux clears for it are mapped with no read (false reads avoided)
while a 16 MiB tmpfs file keeps its checksum; a file it writes over blocks
its page cache holds reads back right after the cache is dropped (the
`make bench` benchmark scaled down: tests/system/bench_swap.py).

Then the same guest on its own vIOMMU (vm linuxswapiommu: intel_iommu=on,
samecore, issue #12): overcommitted as well, its virtio disk's DMA through
its translations; data.bin read with its checksum right, the VM paged out
and in meanwhile, only the pages mapped for DMA pinned, and the vIOMMU's
work that met a guest page on disk retried rather than faulted; squeezed to
16 MiB of frames, read again samecore and on the sidecore (Bochs runs four
cores for it)."""
import re

import bench_swap
from harness import check

MIB = 80
PASSES = 2
ALLOC = 64
ALLOC_PASSES = 2
# The Preventer's share of the false reads, at least (issue #11 asks 90%
# of the full benchmark; the CI run's allocations are smaller: some margin).
MIN_FALSE_CUT = 0.75


def write_check(m, g):
    """The guest rewrites the first 4 MiB of data.bin in place with O_DIRECT
    (blocks its page cache holds, dropped or resident: each settled before
    the write goes), drops its caches and reads them back: the new bytes.
    The marker is computed by the shell, so the echoed command cannot
    match it."""
    out = g.run("mkdir -p /tmp && mount -o remount,rw /mnt && dd if=/dev/urandom of=/tmp/new "
                "bs=1M count=4 2>/dev/null && (dd if=/tmp/new of=/mnt/data.bin bs=1M count=4 "
                "conv=notrunc oflag=direct 2>/dev/null || dd if=/tmp/new of=/mnt/data.bin bs=1M "
                "count=4 conv=notrunc 2>/dev/null) && sync && echo 3 > /proc/sys/vm/drop_caches "
                "&& dd if=/mnt/data.bin bs=1M count=4 2>/dev/null | cmp - /tmp/new && "
                "echo TERN-WRITE-$((6*7))")
    check(re.search(r"\nTERN-WRITE-42\r?\n", out), "the rewritten blocks do not read back:\n" +
          out[-2000:])
    return True


SQUEEZE = "16M"
# The vIOMMU guest's data.bin: past its 64 MiB of frames with what Linux
# holds after boot, smaller than the first guest's (the squeeze is the
# harder part; CI's time).
VIOMMU_MIB = 48


def register_exits(st):
    e = re.search(r"register exits (\d+)", st)
    check(e, "vm stats: no register exits:\n" + st)
    return int(e.group(1))


def squeeze(m, g):
    """The idle guest squeezed into SQUEEZE of frames (`vm resident`): its
    vIOMMU's page tables go to disk with the rest. Then 8 MiB of data.bin
    read with the page cache dropped, against the same 8 MiB read before:
    tern's walks meet the tables' pages on disk. Then the same on the
    sidecore (`vm viommu`: core 3 polls the register page, the guest's
    queue and tables among the pages on disk), with no register exit.
    Back to samecore and 64 MiB."""
    out = g.run("dd if=/mnt/data.bin bs=1M count=8 2>/dev/null | md5sum; echo TERN-A-$((6*7))")
    before = re.findall(r"\n([0-9a-f]{32})\s+-", out)
    check(before and "TERN-A-42" in out, "no checksum of 8 MiB:\n" + out[-1500:])
    g.detach()
    out = m.command("vm resident linuxswapiommu " + SQUEEZE)
    check("error" not in out.lower(), "vm resident:\n" + out)
    g.attach()
    out = g.run("echo 3 > /proc/sys/vm/drop_caches; dd if=/mnt/data.bin bs=1M count=8 "
                "2>/dev/null | md5sum; echo TERN-B-$((6*7))")
    after = re.findall(r"\n([0-9a-f]{32})\s+-", out)
    check(after and after[-1] == before[-1],
          "8 MiB read squeezed: %s, before %s" % (after[-1:] or None, before[-1]))
    g.detach()
    out = m.command("vm viommu linuxswapiommu sidecore")
    check("vIOMMU sidecore" in out, "vm viommu sidecore:\n" + out)
    st0 = m.command("vm stats linuxswapiommu")
    g.attach()
    out = g.run("echo 3 > /proc/sys/vm/drop_caches; dd if=/mnt/data.bin bs=1M count=8 "
                "2>/dev/null | md5sum; echo TERN-C-$((6*7))")
    side = re.findall(r"\n([0-9a-f]{32})\s+-", out)
    check(side and side[-1] == before[-1],
          "8 MiB read squeezed on the sidecore: %s, before %s" % (side[-1:] or None, before[-1]))
    g.detach()
    st1 = m.command("vm stats linuxswapiommu")
    lst = m.command("vm list")
    sc = re.search(r"sidecore: core 3 \(vIOMMU polling\)[^\n]* serving 1 VM\(s\): (\d+) rounds, "
                   r"(\d+) with work", lst)
    check(sc and int(sc.group(2)) > 0, "vm list: the sidecore did no work:\n" + lst)
    exits = register_exits(st1) - register_exits(st0)
    check(exits == 0 and "register page shared (no exits)" in st1,
          "the sidecore under overcommit: %d register exits:\n%s" % (exits, st1))
    out = m.command("vm viommu linuxswapiommu samecore")
    check("vIOMMU samecore" in out, "vm viommu samecore:\n" + out)
    m.command("vm resident linuxswapiommu 64M")
    st = m.command("vm stats linuxswapiommu")
    g.attach()
    print("  swap + vIOMMU: 8 MiB read again on the sidecore, squeezed: checksum right, "
          "0 register exits, %s sidecore rounds with work" % sc.group(2))
    return st


def run_viommu(build):
    """Overcommit with a vIOMMU: the guest's tables, queue and DMA pages
    may be on disk; nothing of it may become a fault or a lost request."""
    # Four cores: the VM's vCPU on core 1, the sidecore on core 3.
    r = bench_swap.run_mode(build, "vswapper-viommu", VIOMMU_MIB, 1, logname="bochs-swap-viommu",
                            after=squeeze, cpus=4)
    st, cold = r["extra"], r["cold"]
    check(re.search(r"GSTS 0x[0-9a-f]+ \(translation on, queue on, interrupt remapping on\)", st),
          "the guest's vIOMMU does not translate:\n" + st)
    maps = re.search(r"DMA maps (\d+), unmaps (\d+), pinned now (\d+)", st)
    check(maps and int(maps.group(1)) > 1000, "no DMA through the vIOMMU:\n" + st)
    oc = re.search(r"overcommitted: only pages mapped for DMA pinned \((\d+) now of (\d+)\); "
                   r"guest pages on disk retried: the queue stopped (\d+) times \(vCPU entries "
                   r"waited (\d+)\), DMA translations (\d+); interrupts whose remapping entry "
                   r"was on disk (\d+) \(delivered late (\d+), lost (\d+)\)", st)
    check(oc, "vm stats: no overcommit line for the vIOMMU:\n" + st)
    pinned, pages, stops, waits, dma, held, late, lost = (int(x) for x in oc.groups())
    # Idle at the snapshot: what the guest keeps mapped (its rings) only.
    check(pinned <= 64, "%d of %d pages pinned by the vIOMMU while idle" % (pinned, pages))
    check(cold["out_written"] + cold["out_dropped"] > 1000 and cold["in_swap"] > 0,
          "the VM was not paged while it read:\n" + st)
    # The retry path ran: DMA translations met pages of the guest's tables
    # on disk (its upper levels only tern reads). Linux writes each
    # descriptor and wait status word itself just before, so its queue
    # never meets a page on disk (that path: the unit tests).
    check(dma > 0, "no DMA translation met a page on disk:\n" + st)
    # An interrupt that met its remapping entry on disk is held and
    # delivered late, never lost (none held is the usual case: the entry
    # is cached, or its table page held).
    check(lost == 0 and late == held, "interrupts whose remapping entry was on disk: %d, "
          "delivered late %d, lost %d" % (held, late, lost))
    check(re.search(r"faults recorded 0,", st) and re.search(r"queue errors 0", st),
          "faults or queue errors under overcommit:\n" + st)
    check(cold["silent"] == 0, "%d silent writes under the Mapper" % cold["silent"])
    print("  swap + vIOMMU: %d MiB read in 64 MiB of frames through the guest's own VT-d, "
          "then 8 MiB in %s (%s DMA maps): paged out %d, in %d during the first read; pinned "
          "%d of %d pages while idle; retried for pages on disk: the queue %d times (vCPU "
          "entries waited %d), DMA %d; interrupts held for an entry on disk %d, all "
          "delivered; no fault"
          % (VIOMMU_MIB, SQUEEZE, maps.group(1), cold["out_written"] + cold["out_dropped"],
             cold["in_swap"] + cold["in_image"], pinned, pages, stops, waits, dma, held))
    print("  swap + vIOMMU: " + r["wall"])


def run(build):
    run_swap(build)
    run_viommu(build)


def run_swap(build):
    r = bench_swap.run_mode(build, "vswapper", MIB, PASSES, logname="bochs-swap",
                            after=write_check, alloc=ALLOC, alloc_n=ALLOC_PASSES)
    cold, re_, al = r["cold"], r["reread"], r["alloc"]
    bench_swap.report({"vswapper": r}, MIB, PASSES, ALLOC, ALLOC_PASSES)
    st, mem = r["stats"], r["mem"]
    # The guest's page cache never went to swap: every page-out of a page
    # holding a disk block was a drop.
    for ph, f in (("cold", cold), ("reread", re_)):
        check(f["silent"] == 0, "%s: %d silent writes under the Mapper:\n%s" % (ph, f["silent"], st))
    check(cold["silent_avoided"] > 0 and cold["out_dropped"] >= cold["silent_avoided"],
          "no page-cache page dropped during the cold read:\n" + st)
    # The rereads come back from the image, mostly read ahead, in far
    # fewer disk operations than pages.
    check(re_["in_image"] > 0 and re_["prefetched"] > 0 and re_["prefetch_used"] > 0,
          "rereads not served from the image with prefetch:\n" + st)
    check(re_["image_rd_ops"] * 4 < re_["in_image"],
          "rereads: %d image reads for %d pages" % (re_["image_rd_ops"], re_["in_image"]))
    # Fresh memory: the pages Linux clears for dd, on disk since the reads,
    # come in with no read; the checksum (run_mode) held.
    check(al["false_avoided"] > 0, "allocations: no false read avoided:\n" + st)
    # Every read is counted by what started it, read-ahead apart (the
    # guest is idle at both snapshots: a read still in flight then, a
    # Preventer's past its time, is the most that may differ).
    started = al["rd_store"] + al["rd_load"] + al["rd_tern"] + al["prefetched"]
    check(abs(started - al["read_back"]) <= 32, "allocations: %d reads started (store %d, load %d, tern %d, "
          "read ahead %d) for %d pages read back" % (started, al["rd_store"], al["rd_load"],
                                                    al["rd_tern"], al["prefetched"], al["read_back"]))
    # A false read is one for a guest store: those left bound the false
    # reads the Preventer did not avoid.
    cut = al["false_avoided"] / float(al["false_avoided"] + al["rd_store"])
    check(cut >= MIN_FALSE_CUT, "allocations: false reads cut by at least %.1f%% only (%d avoided, "
          "%d reads for guest stores)" % (100 * cut, al["false_avoided"], al["rd_store"]))
    check(r["mem_md5"] and r["mem_md5"][0] == r["mem_md5"][1], "no tmpfs checksum")
    prev = re.search(r"False Reads Preventer \(32 pages, 1000 us, sequential\): (\d+) emulations", st)
    check(prev and int(prev.group(1)) >= al["false_avoided"], "vm stats: the Preventer:\n" + st)
    check(re.search(r"Swap Mapper: \d+ pages associated now, (\d+) made", st),
          "vm stats: no Swap Mapper line:\n" + st)
    check(re.search(r"overcommitted: \d+ of at most 16384 frames held", mem) and
          "Swap Mapper:" in mem, "vm mem:\n" + mem)
    check(r["extra"], "the write check did not run")
    # Requests whose pages the Mapper protected wait until every vCPU
    # dropped its cached rights (the reads' fills, at least).
    held = re.search(r"held until every vCPU dropped its rights to the pages \(the Swap Mapper\): "
                     r"(\d+) requests", st)
    check(held and int(held.group(1)) > 0, "vm stats: no request held for the vCPUs' rights:\n" + st)
    print("  swap: %d MiB read %d times in 64 MiB of frames: cold read dropped %d pages "
          "(silent writes 0), rereads %d pages from the image in %d reads (%d read ahead, %d "
          "used), %d from swap; %s disk requests held for the vCPUs' rights"
          % (MIB, PASSES, cold["silent_avoided"], re_["in_image"], re_["image_rd_ops"],
             re_["prefetched"], re_["prefetch_used"], re_["in_swap"], held.group(1)))
    print("  swap: %d MiB allocated %d times: %d false reads avoided, %d pages read back "
          "(swap %d, image %d; for guest stores %d, loads %d, tern %d, read ahead %d): false "
          "reads cut by at least %.1f%%; the tmpfs file's checksum held"
          % (ALLOC, ALLOC_PASSES, al["false_avoided"], al["read_back"], al["in_swap"],
             al["in_image"], al["rd_store"], al["rd_load"], al["rd_tern"], al["prefetched"],
             100 * cut))
    print("  swap: " + r["wall"])
