# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG, q35 + OVMF + VT-d, 4 CPUs: tern.efi from an ESP directory.

Checks what an operator would: 4 CPUs online, the PCI devices QEMU presents
(including one behind a PCI bridge), the DMAR table, memory totals that fit
-m, a bad boot option reported without stopping tern, an exception on one
core contained to that core, and power-off through ACPI S5."""
import os
import re
import shutil
import sys

from harness import Machine, check, prom_parse, prom_value, disk_counters

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import mkdisk  # noqa: E402

MEM_MB = 512

# The NVMe disk: a GPT with a scratch partition (the disk self-test's) and
# one tern must not write; LBA 0's boot-code bytes (unused by a protective
# MBR) hold the marker the VT-d self-test reads through its own domain.
NVME_MIB = 16
NVME_SCRATCH = (2048, 2048 + 4 * 2048 - 1)
NVME_DATA = (NVME_SCRATCH[1] + 1, NVME_SCRATCH[1] + 8 * 2048)
NVME_MARK = b"TERN-NVME-LBA0\0"
DATA_MARK = b"tern: data partition, never written by the self-test\n"
ST_BLOCKS = 161     # the disk self-test writes 160 blocks, then 1


def make_nvme_image(path):
    layout = mkdisk.make(path, NVME_MIB, [("tern-scratch", 4, None), ("data", 8, None)])
    check([(s, s + c - 1) for _, s, c in layout] == [NVME_SCRATCH, NVME_DATA],
          "nvme disk layout %r" % layout)
    with open(path, "r+b") as f:
        f.write(NVME_MARK)
        f.seek(NVME_DATA[0] * 512)
        f.write(DATA_MARK)


def check_nvme_image(path):
    """After power-off: the self-test's pattern in the scratch partition
    and nowhere else (the marker, the GPT and the data partition intact)."""
    with open(path, "rb") as f:
        img = f.read()
    check(img[:len(NVME_MARK)] == NVME_MARK and img[510:512] == b"\x55\xaa",
          "nvme image: LBA 0 changed")
    check(img[512:520] == b"EFI PART", "nvme image: GPT header changed")
    check(img[NVME_DATA[0] * 512:NVME_DATA[0] * 512 + len(DATA_MARK)] == DATA_MARK,
          "nvme image: the data partition was written")
    scratch = img[NVME_SCRATCH[0] * 512:(NVME_SCRATCH[0] + ST_BLOCKS) * 512]
    check(scratch.count(0) < len(scratch) // 2, "nvme image: nothing in the scratch partition")
    check(img[(NVME_SCRATCH[0] + ST_BLOCKS) * 512:NVME_DATA[0] * 512].count(0) ==
          (NVME_DATA[0] - NVME_SCRATCH[0] - ST_BLOCKS) * 512,
          "nvme image: written past the self-test's blocks")
    check(img[512 * 34:NVME_SCRATCH[0] * 512] == bytes((NVME_SCRATCH[0] - 34) * 512),
          "nvme image: written before the scratch partition")


def nvme_irqs(out):
    m = re.search(r"MSI-X through IRTE (\d+): interrupts (\d+), completions (\d+) by interrupt "
                  r"(\d+) by poll, resets 0", out)
    check(m, "disks: nvme0n1 interrupts:\n" + out)
    return tuple(int(x) for x in m.groups())


def check_nvme_disk(m):
    """tern's NVMe disk on the block layer: listed, its partitions, the
    destructive self-test on the scratch one (80 KiB writes: PRP lists),
    completions by MSI-X through an IRTE, DMA through the host domain."""
    out = m.command("disks")
    print("  " + "\n  ".join(l for l in out.splitlines() if "nvme" in l or "MSI-X" in l))
    check(re.search(r"^nvme0n1\s+'QEMU NVMe Ctrl'\s+16 MiB \(32768 blocks of 512 bytes\)\s+user -",
                    out, re.M), "disks: nvme0n1:\n" + out)
    check(re.search(r"^\s+[0-9a-f]{2}:[0-9a-f]{2}\.\d ns 1, 32 deep \(\d+ at once\), 512 KiB max, "
                    r"write cache, DMA via host domain; MSI-X through IRTE \d+", out, re.M),
          "disks: nvme0n1 controller line:\n" + out)
    check(re.search(r"^nvme0n1p1\s+'QEMU NVMe Ctrl'\s+4096 KiB \(8192 blocks", out, re.M) and
          "partition 1 of nvme0n1, blocks %d-%d, label 'tern-scratch'" % NVME_SCRATCH in out and
          "partition 2 of nvme0n1, blocks %d-%d, label 'data'" % NVME_DATA in out,
          "disks: nvme partitions:\n" + out)
    before = disk_counters(out, "nvme0n1")
    irte, irqs0, by_irq0, by_poll0 = nvme_irqs(out)

    out = m.command("disk selftest nvme0n1p2")
    check("refused: nvme0n1p2 is not a partition labelled 'tern-scratch'" in out,
          "selftest of the data partition not refused:\n" + out)
    out = m.command("disk selftest nvme0n1p1 deep", timeout=120)
    check("disk selftest nvme0n1p1: read back again as 20 requests of 4 KiB submitted together: "
          "data equal" in out and
          "disk selftest nvme0n1p1: pass: wrote 160 blocks (81920 bytes, 2 segments) and 1 block, "
          "read them back into other pages, data equal, flushed; a read past the end refused"
          in out, "disk selftest nvme0n1p1:\n" + out)
    print("  " + out.strip().splitlines()[-1])

    out = m.command("disks")
    p1 = disk_counters(out, "nvme0n1p1")
    # 2 writes (161 blocks), 2 + 20 reads, 1 flush; the refused read is an error.
    check(p1 == (22, (ST_BLOCKS + 160) * 512, 2, ST_BLOCKS * 512, 1, 1, 0),
          "disks: nvme0n1p1 counters %r:\n%s" % (p1, out))
    after = disk_counters(out, "nvme0n1")
    check(after[0] - before[0] == 22 and after[2] - before[2] == 2 and after[4] - before[4] == 1,
          "disks: nvme0n1 counters %r then %r" % (before, after))
    _, irqs, by_irq, by_poll = nvme_irqs(out)
    # Every one of the 25 commands completed by the interrupt, none by poll.
    check(by_irq - by_irq0 == 25 and by_poll == by_poll0 and irqs - irqs0 >= 5,
          "disks: nvme completions not by interrupt:\n" + out)
    at_once = int(re.search(r"32 deep \((\d+) at once\)", out).group(1))
    # The 20 reads submitted together reach the controller in one batch.
    check(at_once == 20, "disks: not 20 NVMe commands in flight at once:\n" + out)
    print("  disks: nvme0n1p1 counters %r; %d interrupts, %d completions by interrupt, "
          "%d commands at once" % (p1, irqs - irqs0, by_irq - by_irq0, at_once))

    fams = prom_parse(m.command("metrics"))
    for op, n in (("read", 22), ("write", 2), ("flush", 1)):
        check(prom_value(fams, "tern_disk_ops", "_total", disk="nvme0n1p1", op=op) == n,
              "metrics: nvme0n1p1 %s ops" % op)
    check(prom_value(fams, "tern_disk_in_flight", disk="nvme0n1") == 0, "metrics: in flight")


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
        nvme_img = os.path.join(m.tmp, "nvme.img")
        make_nvme_image(nvme_img)
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
        # One device in a domain: tern's NVMe controller, in the host
        # domain (all of RAM identity-mapped, tern's image left out), its
        # completion interrupt through the one IRTE in use.
        check(re.search(r"state: translation on, queued invalidation on; root table 0x[0-9a-f]+, "
                        r"1 devices in domains \(DMA from all others blocked\); "
                        r"fault events on vector \d+", out),
              "iommu state:\n" + out)
        check("interrupt remapping: on, xAPIC destination IDs, compatibility format blocked, "
              "1 of 256 entries in use" in out, "iommu IR:\n" + out)
        # Bring-up (1 context/IOTLB, 2 interrupt-entry), the NVMe attach
        # (1 each), its IRTE (1 interrupt-entry).
        check(re.search(r"invalidations: context 2, IOTLB 2, interrupt entry 4; waits 4 "
                        r"\(0 timed out\); faults 0", out), "iommu counters:\n" + out)
        hd = re.search(r"domain 8: 39-bit, (\d+) KiB mapped in \d+ maps \(0 unmaps\), 1 devices\n"
                       r"(?:.*\n)*?\s+host domain 8 \(tern's devices, RAM identity-mapped\): "
                       r"([0-9a-f]{2}:[0-9a-f]{2}\.\d) \(nvme0\)\n", out)
        check(hd and MEM_MB * 1024 * 0.8 < int(hd.group(1)) < MEM_MB * 1024,
              "iommu: host domain with the NVMe controller:\n" + out)
        nvme_bdf = hd.group(2)
        check(re.search(r"domains: 1 live, 1 made since boot", out), "iommu domains:\n" + out)
        # A device's DMA while no context entry lets it through: blocked,
        # and the fault names the device (edu at 00:05.0) and the address.
        # (Bus 0 has a context table: the NVMe controller's entry is in it.)
        out = m.command("iommu selftest")
        check("00:05.0 read 0x7000 by DMA: blocked, fault reported by the fault-event interrupt"
              in out, "selftest:\n" + out)
        log = m.command("log")
        check(re.search(r"vt-d 0xfed90000: DMA fault: device 00:05\.0 read of 0x7000: "
                        r"reason 0x2 \(context entry not present\)", log), "fault log:\n" + log[-1500:])
        # In a domain: a DMA read and write through the IOMMU, data checked,
        # then a write to the page mapped read-only, blocked.
        check("00:05.0 in domain 1 (39-bit): DMA read 0x7000 and write 0x8000 through the "
              "IOMMU: data intact" in out, "selftest domain:\n" + out)
        check("DMA write to the read-only page 0x9000: blocked, fault reported" in out,
              "selftest read-only:\n" + out)
        # Its MSI in remappable format, through an IRTE, to core 0.
        # (IRTE 0 is the NVMe driver's.)
        check(re.search(r"MSI of 00:05\.0 through IRTE 1 \(0xfee00030\) to core 0 vector \d+: "
                        r"delivered", out), "selftest MSI:\n" + out)
        # Its vector claimed as ELI claims a guest's (irq/irq.h): tern's
        # user moves, its IRTE rewritten in place, the next MSI on the new
        # vector and none to the claimant.
        mv = re.search(r"vector (\d+) claimed \(as ELI claims a guest's\): the MSI's user moved "
                       r"to vector (\d+), IRTE 1 rewritten in place; the next MSI came on the new "
                       r"vector, the claimant's handler 0 times", out)
        check(mv and mv.group(1) != mv.group(2), "selftest vector move:\n" + out)
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
        # (Borrowed from tern's NVMe driver, and given back afterwards.)
        nv = re.search(r"NVMe (\S+) in domain 3: read LBA 0 by DMA into I/O address 0x104000: "
                       r"data intact, 'TERN-NVME-LBA0' \(success\)", out)
        check(nv and nv.group(1) == nvme_bdf, "selftest NVMe read:\n" + out)
        # Its completion interrupt: MSI-X, remapped through an IRTE.
        check(re.search(r"NVMe completion interrupt by MSI-X entry 1 through IRTE \d+ \(0xfee[0-9a-f]+\) "
                        r"to core 0 vector \d+: delivered\n", out), "selftest NVMe MSI-X:\n" + out)
        check("NVMe read into unmapped I/O address 0x200000: blocked, fault reported" in out,
              "selftest NVMe blocked:\n" + out)
        log = m.command("log")
        check(re.search(r"DMA fault: device %s write to 0x200000: reason 0x" % re.escape(nv.group(1)),
                        log), "NVMe fault not logged:\n" + log[-1500:])
        log = m.command("log")
        lent = log.find("nvme: nvme0 lent out: disabled, out of the host domain")
        back = log.find("nvme: nvme0 back: queues rebuilt, in the host domain again")
        check(0 <= lent < back, "NVMe not lent and given back:\n" + log[-1500:])
        out = m.command("iommu")
        check("domains: 1 live, 4 made since boot" in out, "iommu domains:\n" + out)
        check("host domain 8 (tern's devices, RAM identity-mapped): %s (nvme0)" % nvme_bdf in out,
              "iommu: NVMe not back in the host domain:\n" + out)
        # The NVMe transfer faults once or twice (QEMU writes the block in
        # pieces; its single fault record may drop the second).
        check(re.search(r"faults [34]\n\s+domain.*\n(?:\s+domain.*\n)?\s+host domain.*\n\s+fault: 00:05\.0 read 0x7000: context entry not present\n"
                        r"\s+fault: 00:05\.0 write 0x9000: write to a read-only page", out),
              "iommu after the faults:\n" + out)
        print("  " + "\n  ".join(l for l in out.splitlines() if "invalidations" in l))
        # tern's NVMe disk, given back by the self-test, on the block layer.
        check_nvme_disk(m)
        out = m.command("iommu")
        check(re.search(r"faults [34]\n", out), "iommu: tern's NVMe disk faulted:\n" + out)

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
        check_nvme_image(nvme_img)
    finally:
        m.stop()
        shutil.rmtree(esp, ignore_errors=True)
