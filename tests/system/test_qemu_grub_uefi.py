# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG + OVMF booting the same ISO: UEFI GRUB -> multiboot2 tern.elf."""
import os
import re

from harness import Machine, check


def run(build):
    m = Machine("qemu-grub-uefi", build)
    try:
        iso = os.path.join(os.path.abspath(build), "tern.iso")
        m.qemu_uefi(os.path.join(os.path.abspath(build), "esp-empty"), smp=2, mem=512,
                    extra=["-cdrom", iso, "-nic", "none"])
        secs = m.boot_to_prompt(timeout=150)
        print("  qemu-grub-uefi: prompt after %.1f s wall" % secs)
        out = m.command("version")
        check(re.search(r"booted by multiboot2: GRUB", out), "version:\n" + out)
        out = m.command("cpus")
        check(re.search(r"^2 CPUs, 2 online", out, re.M), "cpus:\n" + out)
        out = m.command("acpi")
        check(re.search(r"^DMAR\s+\S+.*ok$", out, re.M), "acpi: DMAR:\n" + out)
    finally:
        m.stop()
