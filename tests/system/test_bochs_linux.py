# SPDX-License-Identifier: GPL-2.0
"""Bochs, 4 cores: Debian's stock kernel, unmodified, boots inside tern on
two dedicated cores to its busybox /init, which reports the CPUs it sees;
Bochs's e1000 is assigned to it (iommu = off-unsafe: RAM identity-mapped),
and a guest driver takes the device and its interrupts. Its disk is a
partition of an ATA disk tern drives, given to it as virtio-blk: Linux's
own virtio_blk mounts the ext4 filesystem on it, reads a file and writes
one; the host finds the written file in the image, and a second boot
reads it back."""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time

from harness import Machine, TestFailure, check, prom_parse, prom_value

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linux"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import guestdisk  # noqa: E402
import mkdisk  # noqa: E402

# Typically 200-250 s here; the bound keeps a hung guest within CI's budget.
BOOT_TIMEOUT = 900
# The kernel's own distress: fail at once instead of waiting out the bound.
# A WARN() means the virtual platform surprised it (e.g. XSAVE layouts).
DISTRESS = (r"soft lockup|hard LOCKUP|rcu_\w+ (?:self-)?detected stalls?|"
            r"Kernel panic|BUG: |Oops|general protection fault|"
            r"csd: CSD lock|NMI backtrace|WARNING: CPU: \d+ PID")


# busybox devmem on the e1000's BAR0 (Intel 8254x SDM 13.4): STATUS,
# interrupt cause read/set, mask set.
E1000_STATUS, E1000_ICR, E1000_ICS, E1000_IMS = 0x8, 0xc0, 0xc8, 0xd0
E1000_LSC = 0x4


def guest(m, cmd, timeout=120):
    m.send(cmd + "\r")
    return m.expect(r"tern-guest# ", timeout, fail=DISTRESS)


def device_dma(m):
    """The device DMAs from and to the guest's RAM at the addresses the
    guest gives it (tests/linux/e1000dma.c): identity-mapped RAM without an
    IOMMU, the VM's VT-d domain with one. Bus mastering on first (INTx
    left disabled: the interrupts are counted elsewhere)."""
    guest(m, "printf '\\007\\004' | dd of=/sys/bus/pci/devices/0000:00:02.0/config bs=2 seek=2 "
          "count=1 conv=notrunc 2>/dev/null; e1000dma /sys/bus/pci/devices/0000:00:02.0/resource0")
    mk = re.search(r"TERN-E1000-DMA: (ok|FAILED)[^\n]*", m.transcript[-800:])
    check(mk and mk.group(1) == "ok", "the e1000's DMA:\n" + m.transcript[-800:])
    print("  linux: " + mk.group(0).strip())


def assigned_device(m, interrupts=True):
    """The e1000 as the guest sees it: enumerated on its bus, BARs placed by
    Linux and mapped by tern, taken by the kernel's uio_pci_generic (the
    cloud kernel has no e1000 driver), its INTx delivered through the
    guest's _PRT on GSI 18, masked by the driver through INTx Disable, and
    delivered again once the guest serviced the device and unmasked it."""
    def reg(off, val=None):
        return "devmem $(printf 0x%%x $((b+%#x))) 32%s" % (off, "" if val is None else " %d" % val)

    def count():
        guest(m, "grep uio_pci_generic /proc/interrupts")
        mk = re.findall(r"^\s*18:\s+(\d+)\s+(\d+)\s+IO-APIC\s+18-fasteoi\s+uio_pci_generic",
                        m.transcript[-600:], re.M)
        check(mk, "no uio_pci_generic on GSI 18 (level):\n" + m.transcript[-1500:])
        return int(mk[-1][0]) + int(mk[-1][1])

    check(re.search(r"pci 0000:00:02\.0: \[8086:100e\] type 00 class 0x020000", m.transcript),
          "the guest did not find the e1000:\n" + m.transcript[-3000:])
    # 256 KiB: the e1000's 128 and ELI's shadow IDT page (vmx/eli/eli.h).
    check(re.search(r"pci 0000:00:02\.0: BAR 0 \[mem 0xc0000000-0xc003ffff\]: assigned",
                    m.transcript), "Linux did not place BAR0:\n" + m.transcript[-3000:])
    guest(m, "echo 8086 100e > /sys/bus/pci/drivers/uio_pci_generic/new_id; ls /sys/class/uio")
    check(re.search(r"uio_pci_generic 0000:00:02\.0: enabling device \(0000 -> 0003\)",
                    m.transcript), "uio_pci_generic did not take the e1000:\n" + m.transcript[-2000:])
    check(count() == 0, "interrupts before the device raised any")
    if not interrupts:
        guest(m, "b=$(head -1 /sys/bus/pci/devices/0000:00:02.0/resource | cut -d' ' -f1); " +
              reg(E1000_STATUS))
        check(re.search(r"\n0x8008078[0-9A-F]\r?\n", m.transcript[-300:], re.I),
              "e1000 STATUS through BAR0:\n" + m.transcript[-600:])
        device_dma(m)
        return
    guest(m, "b=$(head -1 /sys/bus/pci/devices/0000:00:02.0/resource | cut -d' ' -f1); " +
          reg(E1000_STATUS))
    # Link up, full duplex: the device's own register through tern's EPT.
    check(re.search(r"\n0x8008078[0-9A-F]\r?\n", m.transcript[-300:], re.I),
          "e1000 STATUS through BAR0:\n" + m.transcript[-600:])
    guest(m, "%s; %s; sleep 1" % (reg(E1000_IMS, E1000_LSC), reg(E1000_ICS, E1000_LSC)))
    check(count() == 1, "the link-status interrupt did not arrive once:\n" + m.transcript[-1500:])
    # The driver disabled INTx, and the status shows it pending.
    guest(m, "hexdump -C -s 4 -n 4 /sys/bus/pci/devices/0000:00:02.0/config")
    check(re.search(r"00000004  0[37] 04 08 00", m.transcript[-400:]),
          "INTx Disable and Interrupt Status not as the guest left them:\n" + m.transcript[-400:])
    # Serviced (ICR read clears the cause) and unmasked: nothing more.
    guest(m, "%s; printf '\\003\\000' | dd of=/sys/bus/pci/devices/0000:00:02.0/config "
          "bs=1 seek=4 count=2 conv=notrunc 2>/dev/null; sleep 1" % reg(E1000_ICR))
    check(count() == 1, "an interrupt after the device was serviced")
    guest(m, "%s; sleep 1" % reg(E1000_ICS, E1000_LSC))
    check(count() == 2, "the second interrupt did not arrive:\n" + m.transcript[-1500:])
    # The I/O BAR (IOADDR at its start) through sysfs (an inl): forwarded.
    guest(m, "dd if=/sys/bus/pci/devices/0000:00:02.0/resource1 bs=4 count=1 2>/dev/null | "
          "hexdump -C")
    check(re.search(r"00000000  [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}", m.transcript[-300:]),
          "no bytes from the I/O BAR:\n" + m.transcript[-300:])
    # A BAR moved over the guest's own RAM (0x80000, in its first MiB):
    # refused, and the BAR stays where it was.
    guest(m, "printf '\\000\\000\\010\\000' | dd of=/sys/bus/pci/devices/0000:00:02.0/config "
          "bs=4 seek=4 count=1 conv=notrunc 2>/dev/null; "
          "hexdump -C -s 16 -n 4 /sys/bus/pci/devices/0000:00:02.0/config")
    check(re.search(r"00000010  00 00 00 c0", m.transcript[-300:]),
          "BAR0 over RAM was not refused:\n" + m.transcript[-400:])
    device_dma(m)
    print("  linux: e1000 assigned; uio_pci_generic took it; 2 link-status interrupts "
          "through GSI 18, each masked and unmasked by the guest")


def sha_of(m, path):
    guest(m, "sha256sum " + path)
    mk = re.findall(r"\n([0-9a-f]{64})\s+" + re.escape(path), m.transcript[-600:])
    check(mk, "no checksum of %s:\n%s" % (path, m.transcript[-600:]))
    return mk[-1]


def virtio_disk(m, data_sha):
    """Linux's virtio_blk on tern's virtio-blk device: /dev/vda with 4 KiB
    logical blocks, ext4 mounted, data.bin read with its checksum right, a
    new file written and synced (a flush down to the ATA disk). Returns
    the new file's checksum."""
    check(re.search(r"virtio_blk virtio\d+: \[vda\] \d+ 4096-byte logical blocks", m.transcript),
          "no /dev/vda with 4 KiB blocks:\n" + m.transcript[-3000:])
    guest(m, "cat /sys/block/vda/queue/logical_block_size /sys/block/vda/size")
    guest(m, "mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && ls /mnt")
    check("data.bin" in m.transcript[-400:], "ext4 on /dev/vda not mounted:\n" + m.transcript[-1500:])
    check(sha_of(m, "/mnt/data.bin") == data_sha, "data.bin read through virtio-blk is wrong")
    guest(m, "dd if=/dev/urandom of=/mnt/written.bin bs=4096 count=128 2>/dev/null; sync")
    written = sha_of(m, "/mnt/written.bin")
    guest(m, "umount /mnt && echo TERN-UMOUNTED")
    check("TERN-UMOUNTED" in m.transcript[-300:], "umount failed:\n" + m.transcript[-600:])
    print("  linux: ext4 on /dev/vda (virtio-blk on ata0p1): data.bin checksum right; "
          "512 KiB written and synced")
    return written


def disk_fault(m):
    """The disk stops answering (`disk fault ata0 hang`): the guest's read
    times out in tern's block layer and reaches Linux as an I/O error;
    tern's shell and the guest go on, and the disk works again after."""
    def host(cmd):
        m.send("\x1d")
        m.expect(r"detached from vm linux", 60)
        out = m.command(cmd)
        m.send("vm console linux\r")
        m.expect(r"attached to vm linux's COM1", 60)
        return out

    out = host("disk fault ata0 hang")
    check("requests now go unanswered" in out, "disk fault:\n" + out)
    guest(m, "dd if=/dev/vda of=/dev/null bs=4096 count=1 skip=7000 iflag=direct; echo TERN-RC=$?")
    check(re.search(r"TERN-RC=1", m.transcript[-600:]) and
          re.search(r"I/O error", m.transcript[-3000:]),
          "a hung disk did not give the guest an I/O error:\n" + m.transcript[-1500:])
    out = host("disks")
    t = re.search(r"^ata0 .*\n(?:\s+.*\n)*?\s+reads .*timeouts (\d+)", out, re.M)
    check(t and int(t.group(1)) >= 1, "no time-out counted:\n" + out)
    out = host("disk fault ata0 off")
    check("answering again" in out, "disk fault off:\n" + out)
    guest(m, "dd if=/dev/vda of=/dev/null bs=4096 count=1 skip=7000 iflag=direct; echo TERN-RC=$?")
    check("TERN-RC=0" in m.transcript[-300:], "the disk did not answer again:\n" + m.transcript[-800:])
    print("  linux: a disk that stopped answering: the guest got an I/O error after tern's "
          "time-out, then read again")


def viommu_counts(m):
    """The vIOMMU's counters of linuxiommu, from `metrics`."""
    fams = prom_parse(m.command("metrics", timeout=600))
    names = {"exits": ("tern_viommu_exits", "_total"), "maps": ("tern_viommu_maps", "_total"),
             "unmaps": ("tern_viommu_unmaps", "_total"),
             "reused": ("tern_viommu_teardown_reused", "_total"),
             "phys_inv": ("tern_viommu_physical_invalidations", "_total"),
             "stale_max": ("tern_viommu_stale_mappings_max", ""),
             "longest": ("tern_viommu_stale_lifetime_max_seconds", ""),
             "pinned": ("tern_viommu_pinned_pages", "")}
    return {k: prom_value(fams, n, suffix, vm="linuxiommu") for k, (n, suffix) in names.items()}


def viommu_phase(m, data_sha, what, mode=None, teardown=None):
    """One mode of the vIOMMU under the same running guest: switched from
    tern's shell, then the disk read through it (ext4's data.bin with its
    checksum, 300 direct 4 KiB reads), the counters around it."""
    if mode:
        out = m.command("vm viommu linuxiommu " + mode)
        check("vIOMMU " + mode in out, "vm viommu:\n" + out)
    if teardown:
        out = m.command("vm teardown linuxiommu " + teardown)
        check("vIOMMU teardown " + teardown in out, "vm teardown:\n" + out)
    before = viommu_counts(m)
    m.send("vm console linuxiommu\r")
    m.expect(r"attached to vm linuxiommu's COM1", 60)
    guest(m, "echo 3 > /proc/sys/vm/drop_caches; mount -t ext4 -o ro /dev/vda /mnt")
    check(sha_of(m, "/mnt/data.bin") == data_sha, "%s: data.bin read wrong" % what)
    guest(m, "umount /mnt; dd if=/dev/vda of=/dev/null bs=4096 count=300 skip=1000 "
          "iflag=direct && echo TERN-DD-OK")
    check("TERN-DD-OK" in m.transcript[-400:], "%s: direct reads failed:\n%s" %
          (what, m.transcript[-800:]))
    m.send("\x1d")
    m.expect(r"detached from vm linuxiommu", 60)
    after = viommu_counts(m)
    d = {k: after[k] - before[k] for k in ("exits", "maps", "unmaps", "reused", "phys_inv")}
    d["stale_max"], d["longest"], d["pinned"] = after["stale_max"], after["longest"], after["pinned"]
    check(d["unmaps"] >= 300, "%s: %d unmaps for 300+ requests" % (what, d["unmaps"]))
    # The window's clock: the guest went idle with stale translations,
    # and tern's management core then spent a long time printing
    # `metrics` over the UART. They went at their residency all the same
    # (the first vCPU's timer samecore, the sidecore's rounds), none
    # lived much past it, and none is left.
    st = m.command("vm stats linuxiommu")
    w = re.search(r"teardown optimistic \(quota \d+, residency (\d+) ms\)", st)
    r = re.search(r"risk: stale mappings now (\d+) \(oldest \d+ us\), max \d+, longest lived "
                  r"(\d+) us; the window's clock \(([a-zA-Z ]+)\): (\d+) times due", st)
    check(r, "%s: no risk line in vm stats:\n%s" % (what, st))
    if w:
        bound_us = int(w.group(1)) * 1000 * 11 // 10
        check(r.group(1) == "0" and int(r.group(2)) <= bound_us and int(r.group(4)) >= 1,
              "%s: stale translations outlived the residency (longest %s us, the bound %d us; "
              "%s left; the clock (%s) due %s times):\n%s" %
              (what, r.group(2), bound_us, r.group(1), r.group(3), r.group(4), st))
        d["clock"] = r.group(3)
    print("  %-22s data.bin checksum right; %4d maps, %4d unmaps: %.2f exits per unmap, "
          "%3.0f%% reused, %.2f physical invalidations per unmap; stale max %d, longest %.1f ms"
          % (what + ":", d["maps"], d["unmaps"], d["exits"] / d["unmaps"],
             100.0 * d["reused"] / d["unmaps"], d["phys_inv"] / d["unmaps"], d["stale_max"],
             1000 * d["longest"]))
    if "clock" in d:
        print("  %-22s after `metrics`: no stale translation left, none lived past the residency "
              "+10%% (the window's clock on %s)" % ("", d["clock"]))
    return d


def viommu_linux(m, data_sha):
    """The same kernel with tern's vIOMMU (vm linuxiommu: viommu =
    sidecore, intel_iommu=on): Linux finds the unit in its DMAR, turns on
    interrupt remapping and with it x2APIC mode (which it refuses under a
    hypervisor it does not know without remapping), its I/O APIC pins and
    virtio's MSI-X go through IRTEs, and /dev/vda works with its DMA
    translated (virtio's ACCESS_PLATFORM): data.bin's checksum through the
    translation, a file written and synced. It booted with the register
    page shared with the sidecore: no exit to the vIOMMU at all. Then, in
    the same boot, samecore strict, samecore optimistic and sidecore
    optimistic, each reading the disk with checksums right: strict has no
    stale mapping, optimistic reuses and stays within its quota."""
    out = m.command("vm start linuxiommu")
    check("vm linuxiommu started" in out, "linuxiommu:\n" + out)
    m.send("vm console linuxiommu\r")
    m.expect(r"attached to vm linuxiommu's COM1", 60)
    m.expect(r"TERN-LINUX-INIT: /init running", BOOT_TIMEOUT, fail=DISTRESS)
    m.expect(r"tern-guest# ", 300, fail=DISTRESS)
    boot = m.transcript[m.transcript.rfind("attached to vm linuxiommu's COM1"):]
    for want in (r"DMAR: dmar0: reg_base_addr fed90000 ver 1:0",
                 r"DMAR-IR: IOAPIC id 0 under DRHD base\s+0xfed90000",
                 r"DMAR-IR: Enabled IRQ remapping in x2apic mode", r"x2apic enabled",
                 r"DMAR: Intel\(R\) Virtualization Technology for Directed I/O"):
        check(re.search(want, boot), "no '%s' in the boot:\n%s" % (want, boot[-4000:]))
    guest(m, "grep -E 'IR-(IO-APIC|PCI-MSI)' /proc/interrupts")
    seen = m.transcript[-1500:]
    check(re.search(r"^\s*0:\s+\d+\s+\d+\s+IR-IO-APIC\s+2-edge\s+timer", seen, re.M) and
          re.search(r"^\s*4:\s+\d+\s+\d+\s+IR-IO-APIC\s+4-edge\s+ttyS0", seen, re.M) and
          re.search(r"IR-PCI-MSI\s+\d+-edge\s+virtio0-req\.0", seen),
          "the timer, ttyS0 and virtio not through interrupt remapping:\n" + seen)
    virtio_disk(m, data_sha)
    m.send("\x1d")
    m.expect(r"detached from vm linuxiommu", 60)
    st = m.command("vm stats linuxiommu")
    ok = re.search(r"vIOMMU \(VT-d at 0xfed90000, sidecore\): GSTS 0x[0-9a-f]+ \(translation on, "
                   r"queue on, interrupt remapping on\)", st)
    f = re.search(r"faults recorded (\d+), dropped (\d+);.*DMA maps (\d+), unmaps (\d+), "
                  r"pinned now (\d+)", st)
    irq = re.search(r"interrupts remapped (\d+), blocked (\d+); DMA translations (\d+)", st)
    ex = re.search(r"register exits (\d+)", st)
    side = re.search(r"sidecore: register page shared \(no exits\); guest writes seen (\d+) "
                     r"\(commands (\d+)\)", st)
    check(ok and f and irq and ex and side and f.group(1) == "0" and int(f.group(3)) >= 100 and
          int(f.group(4)) >= 100 and int(irq.group(1)) >= 100 and irq.group(2) == "0" and
          ex.group(1) == "0" and int(side.group(1)) >= 100,
          "vm stats linuxiommu (sidecore):\n" + st)
    strict = teardown_stats(st, "strict")
    # Strict: every unmap torn down at once; nothing stale, ever.
    check(strict["stale_max"] == 0 and strict["reused"] == 0 and strict["deferred"] == 0 and
          strict["phys_inv"] >= 1 and strict["hits"] >= 1, "strict teardown:\n" + st)
    lst = m.command("vm list")
    sc = re.search(r"sidecore: core 3 \(vIOMMU polling\) serving 1 VM\(s\): (\d+) rounds, "
                   r"(\d+) with work; busy (\d+\.\d)%", lst)
    check(sc and int(sc.group(2)) >= 100, "vm list: the sidecore:\n" + lst)
    # Bochs has MONITOR/MWAIT with the interrupt break: the idle sidecore
    # sleeps on IQT's line, and the guest's I/O still got through above.
    idle = re.search(r"idle: MWAIT on IQT's line: (\d+) waits, (\d+) ended by the guest's writes, "
                     r"(\d+) by the (\d+) us bound; asleep (\d+\.\d)%", lst)
    # The guest's IQT writes woke it (the monitored line), and the bound
    # did when the guest wrote nothing (tern's timer in TSC-deadline mode:
    # its interrupt comes at the deadline, not before it).
    check(idle and int(idle.group(1)) >= 100 and int(idle.group(2)) >= 10 and
          int(idle.group(3)) >= 10,
          "vm list: the sidecore does not MWAIT on IQT's line when idle, or no wait lasted "
          "the bound:\n" + lst)
    fams = prom_parse(m.command("metrics"))
    side_m = {k: prom_value(fams, "tern_viommu_sidecore_" + k, "_total", core="3") or 0
              for k in ("waits", "busy_seconds", "seconds")}
    check(side_m["waits"] >= int(idle.group(1)), "metrics tern_viommu_sidecore_waits_total")
    check(0 < side_m["busy_seconds"] < side_m["seconds"],
          "metrics tern_viommu_sidecore_busy_seconds_total / _seconds_total")
    check(prom_value(fams, "tern_viommu_maps", "_total", vm="linuxiommu") >= int(f.group(3)) and
          prom_value(fams, "tern_viommu_stale_mappings_max", "", vm="linuxiommu") == 0 and
          prom_value(fams, "tern_viommu_pinned_pages", "", vm="linuxiommu") ==
          int(f.group(5)), "metrics tern_viommu_maps_total / pinned_pages / stale_mappings_max")
    print("  linux (viommu = sidecore, intel_iommu=on): DMAR-IR in x2apic mode; timer, ttyS0 and "
          "virtio MSI-X through IRTEs (%s remapped); /dev/vda through the translation: %s maps, "
          "%s unmaps, %s of %s DMA accesses without a walk, 0 faults; 0 register exits (%s "
          "guest writes seen by the sidecore); sidecore busy %s%%, asleep in MWAIT %s%% "
          "(%s waits: %s ended by the guest's writes, %s by the bound)" %
          (irq.group(1), f.group(3), f.group(4), strict["hits"], strict["lookups"],
           side.group(1), sc.group(3), idle.group(5), idle.group(1), idle.group(2), idle.group(3)))
    print("  strict teardown: %d physical invalidations, 0 stale mappings" % strict["phys_inv"])
    # The same guest in the other modes.
    p = viommu_phase(m, data_sha, "samecore, strict", mode="samecore")
    check(p["exits"] > p["unmaps"] and p["stale_max"] == 0 and p["reused"] == 0,
          "samecore strict: %r" % p)
    p = viommu_phase(m, data_sha, "samecore, optimistic", teardown="optimistic")
    check(p["reused"] > 0 and 0 < p["stale_max"] <= 256 and p["phys_inv"] < p["unmaps"],
          "samecore optimistic: %r" % p)
    p = viommu_phase(m, data_sha, "sidecore, optimistic", mode="sidecore", teardown="optimistic")
    check(p["exits"] == 0 and p["reused"] > 0 and 0 < p["stale_max"] <= 256,
          "sidecore optimistic: %r" % p)
    st = m.command("vm stats linuxiommu")
    check(re.search(r"faults recorded 0, dropped 0", st), "faults:\n" + st)


def teardown_stats(st, mode):
    """The vIOMMU's translation and teardown lines of `vm stats`."""
    t = re.search(r"translations: DMA accesses (\d+), (\d+) without a walk, walks (\d+); "
                  r"pins (\d+), unpins (\d+)", st)
    d = re.search(r"teardown %s \(quota \d+, residency \d+ ms\): reused (\d+), deferred (\d+), "
                  r"expired (\d+), replaced (\d+), evicted (\d+); physical invalidations (\d+)"
                  % mode, st)
    r = re.search(r"risk: stale mappings now (\d+) \(oldest \d+ us\), max (\d+), longest lived "
                  r"(\d+) us", st)
    u = re.search(r"DMA maps (\d+), unmaps (\d+)", st)
    check(t and d and r and u, "no teardown lines (%s) in vm stats:\n%s" % (mode, st))
    return {"lookups": int(t.group(1)), "hits": int(t.group(2)), "walks": int(t.group(3)),
            "reused": int(d.group(1)), "deferred": int(d.group(2)), "expired": int(d.group(3)),
            "phys_inv": int(d.group(6)), "stale_max": int(r.group(2)),
            "longest_us": int(r.group(3)), "unmaps": int(u.group(2))}


def run(build):
    iso = os.path.join(os.path.abspath(build), "tern-linux.iso")
    m = Machine("bochs-linux", build)
    disk = os.path.join(os.path.abspath(build), "linux", "test-disk.img")
    data_sha = guestdisk.make(disk, os.path.join(os.path.abspath(build), "linux", "pkg", "busybox"))
    try:
        m.bochs(iso, cpus=4, megs=512, extra=Machine.BOCHS_E1000 + "\n" +
                Machine.bochs_ata_disk(disk, guestdisk.MODEL))
        m.expect(r"vm 'linux' has iommu = off-unsafe: its devices' DMA would reach all of memory",
                 240)
        # Identity-mapped RAM: the kernel goes into the range tern got.
        m.expect(r"vm linux: Linux boot protocol 2\.\d+, kernel at (0x[0-9a-f]+)", 240)
        m.expect(r"vm linux: 00:02\.0 INTx: host GSI (\d+) \(level, [^)]*\) -> guest IRQ 18", 60)
        m.expect(r"vm linux: 00:02\.0 \(8086:100e\) assigned as guest 00:02\.0, DMA UNCONFINED", 60)
        m.boot_to_prompt(timeout=120)
        t0 = time.monotonic()
        m.send("vm console linux\r")
        m.expect(r"attached to vm linux's COM1", 60)
        m.expect(r"Linux version 6\.\d+\.\d+-\d+-cloud-amd64", 300)
        mk = m.expect(r"TERN-LINUX-INIT: /init running, (\d+) CPU\(s\) in /proc/cpuinfo",
                      BOOT_TIMEOUT, fail=DISTRESS)
        secs = time.monotonic() - t0
        cpus = int(mk.group(1))
        print("  linux: /init after %.0f s wall in Bochs, %d CPU(s) seen" % (secs, cpus))
        # The console is an interrupt-driven tty: busybox's shell answers
        # what is typed, and the kernel counts the UART's interrupts on
        # the I/O APIC.
        m.expect(r"tern-guest# ", 300, fail=DISTRESS)
        m.send("echo TERN-$((6*7)); grep -E 'IO-APIC.*(ttyS0|timer)' /proc/interrupts\r")
        m.expect(r"\nTERN-42\r?\n", 120, fail=DISTRESS)
        irqs = m.expect(r"tern-guest# ", 120, fail=DISTRESS)
        seen = m.transcript[-2000:]
        check(re.search(r"^\s*4:\s+\d+\s+\d+\s+IO-APIC\s+4-edge\s+ttyS0", seen, re.M),
              "no ttyS0 interrupts on the I/O APIC:\n" + seen)
        check(re.search(r"^\s*0:\s+\d+\s+\d+\s+IO-APIC\s+2-edge\s+timer", seen, re.M),
              "no PIT timer on I/O APIC pin 2:\n" + seen)
        print("  linux: busybox shell answered on the console; /proc/interrupts:")
        for l in seen.splitlines():
            if "IO-APIC" in l and ("ttyS0" in l or "timer" in l):
                print("    " + l.strip())
        assigned_device(m)
        written = virtio_disk(m, data_sha)
        disk_fault(m)
        m.send("\x1d")
        m.expect(r"detached from vm linux", 60)
        check(cpus == 2, "the guest's /proc/cpuinfo lists %d CPUs, expected 2" % cpus)
        # The CMOS clock answers, and rtc_cmos gets its IRQ 8.
        check("rtc_cmos: broken or not accessible" not in m.transcript,
              "Linux found tern's CMOS clock broken")
        check(re.search(r"rtc_cmos rtc_cmos: registered as rtc0", m.transcript),
              "rtc_cmos did not register:\n" + m.transcript[-3000:])
        # PCI: the MCFG's ECAM is used, and bus 0 holds q35's host bridge.
        check(re.search(r"PCI: MMCONFIG for domain 0000 \[bus 00-00\] at "
                        r"\[mem 0xb0000000-0xb00fffff\]", m.transcript),
              "Linux did not take the MCFG:\n" + m.transcript[-3000:])
        check(re.search(r"pci 0000:00:00\.0: \[8086:29c0\] type 00 class 0x060000",
                        m.transcript), "no host bridge on bus 0:\n" + m.transcript[-3000:])
        # XSAVE: the guest enables x87, SSE and AVX state through XSETBV.
        check(re.search(r"x86/fpu: Enabled xstate features 0x7", m.transcript),
              "Linux did not enable XSAVE with AVX:\n" + m.transcript[-3000:])
        st = m.command("vm stats linux")
        check(re.search(r"^vcpu1 on core 2:", st, re.M), "no second vCPU:\n" + st)
        print("  " + "\n  ".join(l for l in st.splitlines() if l.startswith("vcpu")))
        # Linux (xAPIC, flat logical mode) wakes and calls its other CPU by
        # IPI all through boot; a lost one hangs smp_call_function.
        ipi = re.search(r"IPIs between vCPUs: (\d+) delivered, (\d+) NMIs, (\d+) to no vCPU", st)
        check(ipi and int(ipi.group(1)) >= 10 and ipi.group(3) == "0",
              "IPIs between the guest's vCPUs:\n" + st)
        print("  " + ipi.group(0))
        # ELI is on by default with a device, but this Linux keeps its
        # APIC in xAPIC mode (no interrupt remapping): vm stats says so.
        check(re.search(r"ELI: on, 0 of 2 vCPUs live: waiting: the guest's local APIC is not in x2APIC mode",
                        st), "ELI's state for the Linux VM:\n" + st)
        check(re.search(r"00:02\.0 \(8086:100e\) is guest 00:02\.0: DMA UNCONFINED .*"
                        r"INTx host GSI \d+ -> guest GSI 18 \(vector 0x[0-9a-f]+ on core \d+, "
                        r"[^)\n]+\)\n.*BAR0 memory 0x[0-9a-f]+\+0x20000: "
                        r"guest 0xc0000000 \(mapped\), then ELI's shadow IDT page[^\n]*\n.*BAR1 I/O 0x[0-9a-f]+\+0x40: guest 0x1000 "
                        r"\(ports forwarded\)\n\s+INTx: 2 interrupts, 2 guest EOIs[^;\n]*; MSI: 0 "
                        r"interrupts\n\s+BAR mappings 2, ports forwarded [1-9]\d*, refused 1: last BAR over "
                        r"the guest's RAM refused", st),
              "assigned e1000 in vm stats:\n" + st)
        print("  " + "\n  ".join(l.strip() for l in st.splitlines()
                                 if "00:02.0" in l or "BAR" in l or "INTx:" in l))
        out = m.command("pci")
        check(re.search(r"vm linux: 00:02\.0: BAR over the guest's RAM refused", m.transcript),
              "no log line for the refused BAR")
        check(re.search(r"^0000:00:02\.0 8086:100e .* owner=linux$", out, re.M),
              "pci does not show the e1000 as the VM's:\n" + out)
        mem = m.command("vm mem linux")
        check(re.search(r"and \[0x[0-9a-f]+, 0x[0-9a-f]+\) at the same host-physical addresses", mem),
              "vm mem: no identity-mapped RAM:\n" + mem)
        out = m.command("vm stop linux")
        check("vm linux stopped" in out, "stop:\n" + out)
        # Stopped: the device goes back (blocked for nobody's use).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            out = m.command("pci")
            if "owner=linux" not in out:
                break
            time.sleep(1)
        check("owner=linux" not in out, "the e1000 stayed the stopped VM's:\n" + out)
        # Its COM1 history (console_history = 64K) holds the whole boot.
        con = m.command("vm console linux", timeout=120)
        check(re.search(r"Linux version 6\.\d+", con), "the boot log's start is not in the history")
        # The disk, from the host: what the guest wrote is in the image.
        st = m.command("disks")
        print("  " + "\n  ".join(l.strip() for l in st.splitlines() if l.startswith("ata0")))
        with tempfile.TemporaryDirectory() as d:
            part = os.path.join(d, "part.img")
            mkdisk.extract(disk, guestdisk.PART, part)
            subprocess.run(["debugfs", "-R", "dump /written.bin %s/written.bin" % d, part],
                           check=True, capture_output=True)
            with open(os.path.join(d, "written.bin"), "rb") as f:
                host_sha = hashlib.sha256(f.read()).hexdigest()
        check(host_sha == written, "written.bin in the disk image differs from what the guest wrote")
        print("  linux: written.bin found in the image by debugfs, checksum equal")
        # Again, with its root filesystem on the virtio disk (root=/dev/vda,
        # vm linuxroot): it boots from it and reads the file back there.
        out = m.command("vm start linuxroot")
        check("vm linuxroot started" in out, "linuxroot:\n" + out)
        m.send("vm console linuxroot\r")
        m.expect(r"attached to vm linuxroot's COM1", 60)
        m.expect(r"TERN-LINUX-INIT: switching to the root filesystem on /dev/vda", BOOT_TIMEOUT,
                 fail=DISTRESS)
        m.expect(r"TERN-LINUX-ROOT: /sbin/init running from the root filesystem on /dev/vda",
                 300, fail=DISTRESS)
        m.expect(r"tern-guest# ", 300, fail=DISTRESS)
        guest(m, "grep ' / ' /proc/mounts")
        check(re.search(r"/dev/vda / ext4", m.transcript[-300:]), "/ is not /dev/vda:\n" +
              m.transcript[-600:])
        check(sha_of(m, "/written.bin") == written, "written.bin read back after a reboot differs")
        m.send("\x1d")
        m.expect(r"detached from vm linuxroot", 60)
        st = m.command("vm stats linuxroot")
        check(re.search(r"virtio", st), "no virtio-blk in vm stats:\n" + st)
        print("  linux: second boot with root=/dev/vda: / is the virtio disk; written.bin "
              "read back, checksum equal")
        print("  " + "\n  ".join(l.strip() for l in st.splitlines() if "virtio" in l.lower() or
                                 "request" in l.lower()))
        # Once more with the vIOMMU: the disk is linuxroot's until it stops.
        out = m.command("vm stop linuxroot")
        check("vm linuxroot stopped" in out, "stop linuxroot:\n" + out)
        viommu_linux(m, data_sha)
    except TestFailure:
        log = os.path.join(m.logdir, m.name + ".serial")
        print("  (serial transcript: %s)" % log)
        raise
    finally:
        m.stop()
