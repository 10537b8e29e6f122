# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG + OVMF booting the same ISO: UEFI GRUB -> multiboot2 tern.elf;
VT-d in caching mode (as virtual IOMMUs are, under KVM too): the self-tests
with QEMU's edu device (the vIOMMU's shadowing too), and tern's NVMe disk
through the host domain."""
import os
import re
import sys

from harness import Machine, check
from test_qemu_uefi import check_nvme_image, make_nvme_image
from test_qemu_viommu import check_viommu_selftest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import mkdisk  # noqa: E402


def run(build):
    m = Machine("qemu-grub-uefi", build)
    try:
        iso = os.path.join(os.path.abspath(build), "tern.iso")
        nvme_img = os.path.join(m.tmp, "nvme.img")
        make_nvme_image(nvme_img)
        # An IDE controller too (piix3-ide on q35): behind VT-d, its
        # bus-master DMA goes through the host domain.
        ata_img = os.path.join(m.tmp, "ata.img")
        mkdisk.make(ata_img, 16, [("tern-scratch", 4, None)])
        m.qemu_uefi(os.path.join(os.path.abspath(build), "esp-empty"), smp=2, mem=512,
                    extra=["-cdrom", iso, "-nic", "none", "-device", "edu,addr=5",
                           "-device", "nvme,drive=n0,serial=tern0",
                           "-drive", "if=none,id=n0,format=raw,file=" + nvme_img,
                           "-device", "piix3-ide,id=ide",
                           "-drive", "if=none,id=a0,format=raw,file=" + ata_img,
                           "-device", "ide-hd,drive=a0,bus=ide.0"],
                    iommu="intel-iommu,intremap=on,caching-mode=on")
        secs = m.boot_to_prompt(timeout=150)
        print("  qemu-grub-uefi: prompt after %.1f s wall" % secs)
        out = m.command("version")
        check(re.search(r"booted by multiboot2: GRUB", out), "version:\n" + out)
        out = m.command("cpus")
        check(re.search(r"^2 CPUs, 2 online", out, re.M), "cpus:\n" + out)
        out = m.command("acpi")
        check(re.search(r"^DMAR\s+\S+.*ok$", out, re.M), "acpi: DMAR:\n" + out)
        out = m.command("iommu")
        check("caching-mode" in out, "iommu: no caching mode:\n" + out)
        out = m.command("iommu selftest", timeout=60)
        for what in ("blocked, fault reported by the fault-event interrupt", "data intact",
                     "DMA write to the read-only page 0x9000: blocked", "delivered",
                     "in the guest's RAM", "delivered once"):
            check(what in out, "iommu selftest in caching mode lacks %r:\n%s" % (what, out))
        check("'TERN-NVME-LBA0' (success)" in out and "blocked, fault reported (completion" in out,
              "iommu selftest in caching mode: NVMe:\n" + out)
        # A vIOMMU's shadowing, the physical unit in caching mode (each
        # new entry is invalidated too).
        out = check_viommu_selftest(m, "caching mode")
        print("  " + "\n  ".join(l for l in out.splitlines() if "physical invalidations:" in l))
        # tern's NVMe disk, DMA through the host domain in caching mode.
        out = m.command("disk selftest nvme0n1p1 deep", timeout=120)
        check("disk selftest nvme0n1p1: pass:" in out, "disk selftest in caching mode:\n" + out)
        out = m.command("disks")
        check(re.search(r"DMA via host domain; MSI-X through IRTE \d+: interrupts \d+, "
                        r"completions \d+ by interrupt 0 by poll, resets 0", out),
              "disks in caching mode:\n" + out)
        out = m.command("disk selftest ata0p1", timeout=120)
        check("disk selftest ata0p1: pass:" in out, "ATA disk selftest in caching mode:\n" + out)
        out = m.command("disks")
        check(re.search(r"channel 0 master, LBA48, bus-master DMA, FLUSH CACHE EXT; "
                        r"interrupts [1-9]\d* \(GSI 14\), lost 0", out),
              "disks: ATA not by bus-master DMA behind VT-d:\n" + out)
        out = m.command("iommu")
        check(re.search(r"host domain 8 \(tern's devices, RAM identity-mapped\): "
                        r"[0-9a-f:.]+ \(ata\) [0-9a-f:.]+ \(nvme0\)", out),
              "iommu: ATA and NVMe not in the host domain:\n" + out)
        print("  " + "\n  ".join(l for l in out.splitlines() if "host domain" in l))
        m.send("poweroff\r")
        m.expect(r"tern: powering off", 30)
        check(m.proc.wait(30) == 0, "poweroff: QEMU did not exit cleanly")
        check_nvme_image(nvme_img)
    finally:
        m.stop()
