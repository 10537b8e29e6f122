# SPDX-License-Identifier: GPL-2.0
"""Users' CI recipe: tern nested under KVM with VT-x and an emulated VT-d
(caching mode, x2APIC interrupt remapping): every core with VT-x, a test
guest run, and the VT-d self-test with QEMU's edu device. Runs only where
/dev/kvm offers VMX; otherwise skipped, saying why."""
import os
import re

from harness import Machine, Skip, check, have_vmx_kvm


def run(build):
    ok, why = have_vmx_kvm()
    if not ok:
        raise Skip(why)
    m = Machine("kvm", build)
    try:
        m.qemu_iso(os.path.join(os.path.abspath(build), "tern.iso"), smp=4, mem=1024,
                   machine="q35,kernel-irqchip=split",
                   extra=["-enable-kvm", "-cpu", "host,+vmx,+x2apic",
                          "-device", "intel-iommu,intremap=on,caching-mode=on",
                          "-device", "edu,addr=5"])
        m.boot_to_prompt(timeout=120)
        out = m.command("cpus")
        check(re.search(r"^4 CPUs, 4 online", out, re.M), "cpus:\n" + out)
        check(len(re.findall(r"online\s+\w+\s+yes", out)) == 4, "VT-x on all:\n" + out)
        out = m.command("vm start basic")
        check("vm basic started" in out, "vm start basic:\n" + out)
        for _ in range(60):
            out = m.command("vm list")
            if re.search(r"^basic\s+stopped", out, re.M):
                break
        check(re.search(r"^basic\s+stopped.*\n.*\n\s+exit status 0", out, re.M),
              "basic guest under nested VT-x:\n" + out)
        out = m.command("iommu selftest", timeout=120)
        check("data intact" in out and "MSI of 00:05.0" in out and "delivered" in out,
              "iommu selftest under KVM:\n" + out)
    finally:
        m.stop()
