# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG + OVMF booting the same ISO: UEFI GRUB -> multiboot2 tern.elf;
VT-d in caching mode (as virtual IOMMUs are, under KVM too): the self-test
with QEMU's edu device."""
import os
import re

from harness import Machine, check


def run(build):
    m = Machine("qemu-grub-uefi", build)
    try:
        iso = os.path.join(os.path.abspath(build), "tern.iso")
        m.qemu_uefi(os.path.join(os.path.abspath(build), "esp-empty"), smp=2, mem=512,
                    extra=["-cdrom", iso, "-nic", "none", "-device", "edu,addr=5"],
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
    finally:
        m.stop()
