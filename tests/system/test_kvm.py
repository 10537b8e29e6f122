# SPDX-License-Identifier: GPL-2.0
"""Users' CI recipe: tern nested under KVM with VT-x and an emulated VT-d
(caching mode, x2APIC interrupt remapping): every core with VT-x, a test
guest run, and the VT-d self-test with QEMU's edu device; then the Linux VM
with QEMU's e1000 assigned, its DMA confined by a VT-d domain. Runs only
where /dev/kvm offers VMX; otherwise skipped, saying why."""
import os
import re

from harness import Machine, Skip, check, have_vmx_kvm
from test_bochs_linux import DISTRESS, assigned_device

KVM_ARGS = ["-enable-kvm", "-cpu", "host,+vmx,+x2apic",
            "-device", "intel-iommu,intremap=on,caching-mode=on"]


def run(build):
    ok, why = have_vmx_kvm()
    if not ok:
        raise Skip(why)
    m = Machine("kvm", build)
    try:
        m.qemu_iso(os.path.join(os.path.abspath(build), "tern.iso"), smp=4, mem=1024,
                   machine="q35,kernel-irqchip=split",
                   extra=KVM_ARGS + ["-device", "edu,addr=5"])
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
    linux_assigned(build)


def linux_assigned(build):
    """The Linux VM of `make run` with an e1000 at 00:02.0, which VT-d
    confines: same guest-side checks as in Bochs."""
    m = Machine("kvm-linux", build)
    try:
        m.qemu_iso(os.path.join(os.path.abspath(build), "tern-linux.iso"), smp=3, mem=1024,
                   machine="q35,kernel-irqchip=split",
                   extra=KVM_ARGS + ["-device", "e1000,addr=2,netdev=n0",
                                     "-netdev", "user,id=n0"])
        m.expect(r"vm linux: 00:02\.0 \(8086:100e\) assigned as guest 00:02\.0, DMA confined by VT-d",
                 240)
        m.boot_to_prompt(timeout=120)
        m.send("vm console linux\r")
        m.expect(r"TERN-LINUX-INIT: /init running, 2 CPU", 600, fail=DISTRESS)
        m.expect(r"tern-guest# ", 120, fail=DISTRESS)
        # INTx: tern takes the host pin from the interrupt line firmware
        # wrote (no _PRT interpreter yet), which on q35 in APIC mode is not
        # where the line arrives (GSIs 16-23): BARs and DMA confinement only.
        assigned_device(m, interrupts=False)
        m.send("\x1d")
        m.expect(r"detached from vm linux", 60)
        out = m.command("iommu")
        check(re.search(r"domain 16: .*1 devices", out), "the VM's VT-d domain:\n" + out)
    finally:
        m.stop()
