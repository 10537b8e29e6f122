#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: boot tern in Bochs, run the bench guest, print the cost of
one exit round trip for CPUID, VMCALL and OUT, in emulated instructions
(Bochs's TSC ticks once per instruction, so the figures are exact and
repeatable), side by side with the guest's own loop cost."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Machine  # noqa: E402


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    m = Machine("bench", build)
    try:
        m.bochs(os.path.join(build, "tern.iso"), cpus=4)
        m.boot_to_prompt(timeout=240)
        m.command("vm start bench")
        for _ in range(120):
            if re.search(r"^bench\s+stopped", m.command("vm list"), re.M):
                break
            time.sleep(0.5)
        con = m.command("vm console bench")
        stats = m.command("vm stats bench")
    finally:
        m.stop()
    figs = re.findall(r"bench: (\w+) (\d+) TSC ticks per exit round trip", con)
    if len(figs) != 4:
        print(con)
        sys.exit("bench: the guest did not report its figures")
    print("exit round trip, Bochs corei7_icelake_u, emulated instructions:")
    for kind, n in figs:
        print("  %-7s %5s" % (kind, n))
    print("  (for scale: a bare minimal VM exit loop in Bochs costs about 198)")
    print(stats.strip())


if __name__ == "__main__":
    main()
