# SPDX-License-Identifier: GPL-2.0
"""Bochs, 3 cores: Debian's stock kernel, unmodified, boots inside tern on
two dedicated cores to its busybox /init, which reports the CPUs it sees."""
import os
import re
import time

from harness import Machine, TestFailure, check

# Typically 200-250 s here; the bound keeps a hung guest within CI's budget.
BOOT_TIMEOUT = 900
# The kernel's own distress: fail at once instead of waiting out the bound.
# A WARN() means the virtual platform surprised it (e.g. XSAVE layouts).
DISTRESS = (r"soft lockup|hard LOCKUP|rcu_\w+ (?:self-)?detected stalls?|"
            r"Kernel panic|BUG: |Oops|general protection fault|"
            r"csd: CSD lock|NMI backtrace|WARNING: CPU: \d+ PID")


def run(build):
    iso = os.path.join(os.path.abspath(build), "tern-linux.iso")
    m = Machine("bochs-linux", build)
    try:
        m.bochs(iso, cpus=3, megs=512)
        m.expect(r"vm linux: Linux boot protocol 2\.\d+, kernel at 0x1000000", 240)
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
        out = m.command("vm stop linux")
        check("vm linux stopped" in out, "stop:\n" + out)
    except TestFailure:
        log = os.path.join(m.logdir, m.name + ".serial")
        print("  (serial transcript: %s)" % log)
        raise
    finally:
        m.stop()
