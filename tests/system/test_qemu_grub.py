# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG, GRUB BIOS ISO -> multiboot2 tern.elf, and reboot; an ISO with
more boot modules than tern takes: the extra ones named, tern.cfg kept."""
import os
import re

from harness import Machine, check


def run(build):
    m = Machine("qemu-grub", build)
    try:
        m.qemu_iso(os.path.join(os.path.abspath(build), "tern.iso"), smp=2, mem=256)
        secs = m.boot_to_prompt(timeout=120)
        print("  qemu-grub: prompt after %.1f s wall" % secs)
        out = m.command("version")
        check(re.search(r"booted by multiboot2: GRUB", out), "version:\n" + out)
        out = m.command("cpus")
        check(re.search(r"^2 CPUs, 2 online", out, re.M), "cpus:\n" + out)
        out = m.command("mem")
        usable = int(re.search(r"usable (\d+) KiB", out).group(1))
        check(200 * 1024 < usable <= 256 * 1024, "mem: usable %d KiB vs -m 256" % usable)
        check(re.search(r"tern\s+\d+ KiB", out), "mem: tern's own ranges not shown:\n" + out)
        out = m.command("acpi")
        check("DMAR: none" in out, "acpi: this machine has no DMAR:\n" + out)
        out = m.command("help")
        for cmd in ("help", "version", "uptime", "cpus", "mem", "acpi", "pci", "log",
                    "reboot", "poweroff"):
            check(re.search(r"^  %s\s" % cmd, out, re.M), "help: %s missing" % cmd)
        out = m.command("log")
        check("smp: 2 of 2 CPUs online" in out, "log ring:\n" + out)
        # -no-reboot: QEMU exits when the machine resets.
        m.send("reboot\r")
        m.expect(r"tern: rebooting", 30)
        check(m.proc.wait(30) == 0, "reboot: QEMU did not see a reset")
    finally:
        m.stop()
    # 72 modules (tests: Makefile's tern-many.iso): 64 taken, the rest
    # named at boot; the configuration among those taken.
    m = Machine("qemu-grub-many", build)
    try:
        m.qemu_iso(os.path.join(os.path.abspath(build), "tern-many.iso"), smp=2, mem=256)
        m.boot_to_prompt(timeout=120)
        log = m.command("log")
        check("mb2: module 'zz62' dropped: more than 64 modules" in log,
              "the 65th module was not named:\n" + log[-2000:])
        check("mb2: module 'zz61' dropped" not in log, "a module within the 64 dropped")
        out = m.command("vm list")
        check(re.search(r"^basic\s", out, re.M), "tern.cfg lost among the modules:\n" + out)
        print("  qemu-grub: 72 modules: 64 loaded, the rest named; tern.cfg read")
    finally:
        m.stop()
