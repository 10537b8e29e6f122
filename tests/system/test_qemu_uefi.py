# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG, q35 + OVMF + VT-d, 4 CPUs: tern.efi from an ESP directory.

Checks what an operator would: 4 CPUs online, the PCI devices QEMU presents
(including one behind a PCI bridge), the DMAR table, memory totals that fit
-m, a bad boot option reported without stopping tern, an exception on one
core contained to that core, and power-off through ACPI S5."""
import os
import re
import shutil

from harness import Machine, check, prom_parse, prom_value

MEM_MB = 512


def run(build):
    esp = os.path.join(os.path.abspath(build), "esp-test")
    shutil.rmtree(esp, ignore_errors=True)
    shutil.copytree(os.path.join(build, "esp"), esp)
    # Options from the file next to tern.efi: one good, two bad.
    with open(os.path.join(esp, "EFI", "BOOT", "tern.cmdline"), "w") as f:
        f.write("loglevel=info bogus=1 maxcpus=lots\n")

    m = Machine("qemu-uefi", build)
    try:
        open(os.path.join(m.tmp, "disk.img"), "wb").truncate(1 << 20)
        # tern's NVMe read path reads LBA 0 through the IOMMU: a marker.
        with open(os.path.join(m.tmp, "nvme.img"), "wb") as f:
            f.write(b"TERN-NVME-LBA0\0")
            f.truncate(1 << 20)
        m.qemu_uefi(esp, smp=4, mem=MEM_MB, extra=[
            "-nic", "none",
            "-device", "pci-bridge,id=br1,chassis_nr=1",
            "-device", "pci-testdev,bus=br1,addr=3",
            "-device", "edu,addr=5",
            "-device", "pcie-root-port,id=rp1,chassis=2,addr=6",
            "-device", "virtio-rng-pci,bus=rp1",
            "-device", "virtio-blk-pci,drive=d0",
            "-drive", "if=none,id=d0,format=raw,file=" + os.path.join(m.tmp, "disk.img"),
            "-device", "nvme,drive=n0,serial=tern0",
            "-drive", "if=none,id=n0,format=raw,file=" + os.path.join(m.tmp, "nvme.img"),
        ])
        m.expect(r"tern.efi: loaded tern.cfg", 120)
        m.expect(r"unknown option 'bogus' ignored", 60)
        m.expect(r"maxcpus=lots: must be 1 to 64", 30)
        secs = m.boot_to_prompt(timeout=120)
        print("  qemu-uefi: prompt after %.1f s wall (OVMF included)" % secs)

        out = m.command("version")
        check("booted by uefi" in out, "version: expected the UEFI loader:\n" + out)

        out = m.command("cpus")
        check(re.search(r"^4 CPUs, 4 online; local APIC in xAPIC mode", out, re.M),
              "cpus: expected 4 online CPUs in xAPIC mode:\n" + out)
        check(len(re.findall(r"^\d+\s+\d+\s+online\s", out, re.M)) == 4,
              "cpus: expected 4 online rows:\n" + out)

        out = m.command("pci")
        for dev, what in (("8086:29c0", "q35 host bridge"),
                          ("8086:2918", "ICH9 LPC bridge"),
                          ("8086:2922", "ICH9 AHCI"),
                          ("1af4:1001", "virtio-blk"),
                          ("1b36:0001", "PCI bridge")):
            check(dev in out, "pci: %s (%s) missing:\n%s" % (what, dev, out))
        # The test device sits behind the bridge, on a bus above 0.
        check(re.search(r"^0000:0[1-9a-f]:03\.0 1b36:0005", out, re.M),
              "pci: pci-testdev behind the bridge not found:\n" + out)
        check("config space via ECAM" in out, "pci: expected ECAM:\n" + out)
        # Function-level reset of the virtio-rng behind the PCIe root port.
        rng = re.search(r"^0000:([0-9a-f]{2}:[0-9a-f]{2}\.\d) 1af4:1044 .*\[PCIe FLR\]",
                        out, re.M)
        check(rng, "pci: no virtio-rng with FLR behind the root port:\n" + out)
        flr = m.command("pci flr " + rng.group(1))
        check(re.search(r"function-level reset done in \d+ ms; command register after the reset "
                        r"0, restored to 0x[0-9a-f]+", flr), "pci flr:\n" + flr)
        print("  " + flr.strip())
        check(re.search(r"1af4:1001.*\n(?:.*\n)*?\s+BAR\d mem", out),
              "pci: virtio-blk has no sized memory BAR:\n" + out)

        out = m.command("acpi")
        for sig in ("FACP", "APIC", "MCFG", "DMAR", "HPET"):
            check(re.search(r"^%s\s+0x[0-9a-f]+\s+\d+\s+\d+\s+\S+\s+\S+\s+ok$" % sig, out, re.M),
                  "acpi: %s not listed as ok:\n%s" % (sig, out))
        check(re.search(r"DRHD 0: registers 0xfed90000", out),
              "acpi: DMAR unit at 0xfed90000 missing:\n" + out)
        check("interrupt remapping yes" in out, "acpi: DMAR INTR_REMAP flag:\n" + out)

        # The VT-d unit is up: empty root table (all DMA blocked), queued
        # invalidation answered its wait descriptor, translation on.
        out = m.command("iommu")
        print("  " + "\n  ".join(out.strip().splitlines()))
        check(re.search(r"unit 0 at 0xfed90000: VT-d \d+\.\d+", out), "iommu unit:\n" + out)
        check("queued-invalidation" in out and "interrupt-remapping" in out,
              "iommu features:\n" + out)
        check(re.search(r"state: translation on, queued invalidation on; root table 0x[0-9a-f]+, "
                        r"0 devices in domains \(DMA from all others blocked\); "
                        r"fault events on vector \d+", out),
              "iommu state:\n" + out)
        check("interrupt remapping: on, xAPIC destination IDs, compatibility format blocked, "
              "0 of 256 entries in use" in out, "iommu IR:\n" + out)
        check(re.search(r"invalidations: context 1, IOTLB 1, interrupt entry 2; waits 2 "
                        r"\(0 timed out\); faults 0", out), "iommu counters:\n" + out)
        # A device's DMA while no context entry lets it through: blocked,
        # and the fault names the device (edu at 00:05.0) and the address.
        out = m.command("iommu selftest")
        check("00:05.0 read 0x7000 by DMA: blocked, fault reported by the fault-event interrupt"
              in out, "selftest:\n" + out)
        log = m.command("log")
        check(re.search(r"vt-d 0xfed90000: DMA fault: device 00:05\.0 read of 0x7000: "
                        r"reason 0x1 \(root entry not present\)", log), "fault log:\n" + log[-1500:])
        # In a domain: a DMA read and write through the IOMMU, data checked,
        # then a write to the page mapped read-only, blocked.
        check("00:05.0 in domain 1 (39-bit): DMA read 0x7000 and write 0x8000 through the "
              "IOMMU: data intact" in out, "selftest domain:\n" + out)
        check("DMA write to the read-only page 0x9000: blocked, fault reported" in out,
              "selftest read-only:\n" + out)
        # Its MSI in remappable format, through an IRTE, to core 0.
        check(re.search(r"MSI of 00:05\.0 through IRTE 0 \(0xfee00010\) to core 0 vector \d+: "
                        r"delivered", out), "selftest MSI:\n" + out)
        # Its INTx through the (remapped) I/O APIC, exactly once.
        check(re.search(r"INTx of 00:05\.0 through the I/O APIC \(remapped\): delivered once, "
                        r"on GSI (1[6-9]|2[0-3])", out), "selftest INTx:\n" + out)
        # The live domain as `iommu` lists it, and the count afterwards.
        check(re.search(r"domain 2: 39-bit, 4096 KiB mapped in 2 maps \(0 unmaps\), 1 devices", out),
              "selftest domain listing:\n" + out)
        # A VM-style domain mirrored from a guest-physical map.
        check("domain 2 mirrors a 4 MiB guest-physical map (4096 KiB mapped, all pinned: yes); "
              "DMA write to guest-physical 0x201000: in the guest's RAM" in out,
              "selftest GPA domain:\n" + out)
        # tern's own NVMe disk in a domain: LBA 0 read by DMA through the
        # IOMMU, then a read into an unmapped I/O address blocked.
        nv = re.search(r"NVMe (\S+) in domain 3: read LBA 0 by DMA into I/O address 0x104000: "
                       r"data intact, 'TERN-NVME-LBA0' \(success\)", out)
        check(nv, "selftest NVMe read:\n" + out)
        # Its completion interrupt: MSI-X, remapped through an IRTE.
        check(re.search(r"NVMe completion interrupt by MSI-X entry 1 through IRTE \d+ \(0xfee[0-9a-f]+\) "
                        r"to core 0 vector \d+: delivered\n", out), "selftest NVMe MSI-X:\n" + out)
        check("NVMe read into unmapped I/O address 0x200000: blocked, fault reported" in out,
              "selftest NVMe blocked:\n" + out)
        log = m.command("log")
        check(re.search(r"DMA fault: device %s write to 0x200000: reason 0x" % re.escape(nv.group(1)),
                        log), "NVMe fault not logged:\n" + log[-1500:])
        out = m.command("iommu")
        check("domains: 0 live, 3 made since boot" in out, "iommu domains:\n" + out)
        # The NVMe transfer faults once or twice (QEMU writes the block in
        # pieces; its single fault record may drop the second).
        check(re.search(r"faults [34]\n\s+domain.*\n\s+fault: 00:05\.0 read 0x7000: root entry not present\n"
                        r"\s+fault: 00:05\.0 write 0x9000: write to a read-only page", out),
              "iommu after the faults:\n" + out)
        print("  " + "\n  ".join(l for l in out.splitlines() if "invalidations" in l))
        # The same counters in `metrics`, as Prometheus reads them.
        fams = prom_parse(m.command("metrics"))
        unit = "0"
        for typ in ("context", "iotlb", "interrupt_entry", "wait"):
            v = prom_value(fams, "tern_iommu_invalidations", "_total", unit=unit, type=typ)
            check(v is not None and v >= 7, "metrics: %s invalidations %r" % (typ, v))
        v = prom_value(fams, "tern_iommu_faults", "_total", unit=unit)
        check(v in (3, 4), "metrics: iommu faults %r" % v)

        out = m.command("mem")
        usable = int(re.search(r"usable (\d+) KiB", out).group(1))
        managed = int(re.search(r"\((\d+) KiB\) in \d+ regions", out).group(1))
        check(MEM_MB * 1024 * 0.85 < usable <= MEM_MB * 1024,
              "mem: usable %d KiB does not fit -m %d:\n%s" % (usable, MEM_MB, out))
        check(managed <= usable and managed > usable * 0.95,
              "mem: allocator manages %d KiB of %d usable:\n%s" % (managed, usable, out))
        check("W^X on" in out, "mem: W^X not reported:\n" + out)

        out = m.command("selftest", timeout=60)
        check("selftest: PASS" in out, "selftest failed:\n" + out)
        check("4/4 per-CPU timers fired" in out, "selftest timers:\n" + out)
        # A sidecore job holds a spare core against another claim, runs
        # there, stops when asked and gives the core back.
        check(re.search(r"selftest sidecore: CPU(\d) ran a job \(\d+ polls, on CPU\1\); "
                        r"a second claim was refused \(core \1 is in use by sidecore "
                        r"'selftest'\); core given back", out), "selftest sidecore:\n" + out)

        # tern.cfg came along from the ESP; without VT-x no VM can run.
        out = m.command("vm list")
        check(re.search(r"^basic\s+invalid\s+1\s.*\n\s+cannot run: core 1 has no usable VT-x", out, re.M),
              "vm list on a machine without VT-x:\n" + out)
        out = m.command("vm start basic")
        check("cannot run: core 1 has no usable VT-x" in out, "vm start without VT-x:\n" + out)

        out = m.command("cpuz")
        check("did you mean 'cpus'" in out, "unknown command hint:\n" + out)

        # An exception on CPU2 is dumped, stops CPU2 only, and the shell goes on.
        out = m.command("selftest fault 2", crash_ok=True)
        check(re.search(r"\*\*\* tern: CPU2 \(APIC 2\) exception 6: #UD invalid opcode", out),
              "fault: no dump naming CPU2:\n" + out)
        check(re.search(r"RIP [0-9a-f]{16}", out), "fault: no register dump:\n" + out)
        check("CPU2 stopped; tern goes on without it" in out, "fault: containment:\n" + out)
        out = m.command("cpus")
        check(re.search(r"^2\s+2\s+halted", out, re.M), "cpus: CPU2 not halted:\n" + out)
        check(re.search(r"^3 CPUs|4 CPUs, 3 online", out, re.M), "cpus: counts:\n" + out)
        out = m.command("selftest smp")
        check("3/3 CPUs answered" in out, "smp after fault:\n" + out)

        m.send("poweroff\r")
        m.expect(r"tern: powering off", 30)
        check(m.proc.wait(30) == 0, "poweroff: QEMU did not exit cleanly")
    finally:
        m.stop()
        shutil.rmtree(esp, ignore_errors=True)
