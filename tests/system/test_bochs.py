# SPDX-License-Identifier: GPL-2.0
"""Bochs, 2 CPUs, GRUB BIOS ISO -> tern.elf: both CPUs online and VT-x
reported on both with EPT, VPID, unrestricted guest and preemption timer."""
import os
import re

from harness import Machine, check


def run(build):
    m = Machine("bochs", build)
    try:
        m.bochs(os.path.join(os.path.abspath(build), "tern.iso"), cpus=2)
        secs = m.boot_to_prompt(timeout=180)
        print("  bochs: prompt after %.1f s wall" % secs)

        out = m.command("cpus")
        check(re.search(r"^2 CPUs, 2 online; local APIC in x2APIC mode", out, re.M),
              "cpus: expected 2 online CPUs in x2APIC mode:\n" + out)
        rows = re.findall(r"^(\d+)\s+(\d+)\s+online\s+(\w+)\s+(\w+)", out, re.M)
        check(len(rows) == 2, "cpus: expected 2 online rows:\n" + out)
        check(all(r[3] == "yes" for r in rows), "cpus: VT-x not usable on every CPU:\n" + out)

        out = m.command("vmx")
        for cpu in (0, 1):
            block = re.search(r"^CPU%d: VT-x: ok.*?(?=^CPU\d|\Z)" % cpu, out, re.M | re.S)
            check(block, "vmx: CPU%d not reported usable:\n%s" % (cpu, out))
            b = block.group(0)
            for need in (r"EPT yes \(4-level yes, WB yes", r"VPID yes",
                         r"unrestricted guest yes", r"preemption timer yes"):
                check(re.search(need, b), "vmx: CPU%d lacks /%s/:\n%s" % (cpu, need, b))

        out = m.command("selftest smp")
        check("2/2 CPUs answered" in out, "selftest smp failed:\n" + out)
        out = m.command("uptime")
        check(re.search(r"tsc \d+\.\d+ MHz from PIT calibration", out),
              "uptime: Bochs's TSC should come from PIT calibration:\n" + out)
    finally:
        m.stop()
