# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG + OVMF: a vIOMMU's shadowing into the physical VT-d, with QEMU's
edu device as a VM's assigned device and `iommu selftest viommu` playing
the guest (QEMU has no VMX). Plain VT-d here; test_qemu_grub_uefi runs the
same check on VT-d in caching mode. Then ELI's direct MSI routes (issue
#10): `iommu selftest eli` plays the guest of a VM with two edus and one
vCPU that never runs, whose MSI to its vCPU takes the guest's own vector
on the vCPU's core (the other's route through tern moved off it first),
both MSIs arriving where they should; then the same with QEMU's e1000e's
MSI-X entry as the direct route (tern booted with net=off, so the e1000e
is free to assign)."""
import os
import re
import shutil

from harness import Machine, check, prom_parse, prom_value

P = "iommu selftest viommu: "


def check_viommu_selftest(m, label):
    """Run `iommu selftest viommu` and check what it says, line by line."""
    out = m.command("iommu selftest viommu", timeout=120)

    def need(pattern, what):
        check(re.search(re.escape(P) + pattern, out), "%s: %s:\n%s" % (label, what, out))

    need(r"a VM without vCPUs: 4 MiB of RAM, its vIOMMU \(samecore, strict\) at 0xfed90000, "
         r"00:05\.0 assigned as the guest's 00:02\.0\n", "the fake VM")
    need(r"translation off: DMA read 0x200000 and write 0x201000 \(guest-physical, the VM's "
         r"mirror, domain 79\): in the guest's RAM\n", "DMA through the mirror")
    need(r"the guest turns translation on \(root 0x100000, domain 5, 3-level\): 00:05\.0 in its "
         r"shadow domain: yes \(0 entries\)\n", "shadow domain")
    need(r"the guest maps 0x10000 -> 0x200000 \(read\) and 0x11000 -> 0x201000 \(read-write\), "
         r"a page-selective invalidation each: 2 entries installed, 2 pages pinned, "
         r"0 physical invalidations\n", "maps installed")
    need(r"DMA read 0x10000 and write 0x11000 through the shadowed translations: data intact\n",
         "DMA through the shadow")
    need(r"DMA read of unmapped I/O address 0x12000: blocked, fault reported \(read 0x12000, "
         r"reason 0x[0-9a-f]+: [^)]+\)\n", "unmapped IOVA")
    need(r"the guest's unit recorded it: source 00:02\.0, read 0x12000, reason 0x[0-9a-f]+\n",
         "the physical fault passed to the guest")
    # A write-only page (VT-d: W without R): the read blocked and passed
    # on as a read fault, the write lands.
    need(r"the guest maps 0x15000 -> 0x203000 write-only: 1 entry installed\n", "write-only map")
    need(r"DMA read of the write-only page 0x15000: blocked, fault reported \(read 0x15000, "
         r"reason 0x[0-9a-f]+: [^)]+\)\n", "write-only page read")
    need(r"the guest's unit recorded it: source 00:02\.0, read 0x15000, reason 0x[0-9a-f]+\n",
         "the write-only page's read fault passed to the guest")
    need(r"DMA write to the write-only page 0x15000: landed\n", "write-only page write")
    need(r"the guest unmaps 0x11000 \(strict\): 1 entry cleared, 1 physical invalidation "
         r"\(page-selective 1\), 1 page unpinned; DMA write there: blocked, fault reported "
         r"\(write 0x11000, ", "strict unmap")
    need(r"optimistic \(residency 500 ms\): the guest unmaps 0x13000: deferred \(stale 1, "
         r"physical invalidations 0\), a DMA write there still lands: yes \(the risk window\)\n",
         "optimistic deferral")
    need(r"the guest maps 0x13000 to the same page again: reused 1, new pins 0, new entries 0\n",
         "optimistic reuse")
    need(r"unmapped again, 520 ms later: torn down \(expired 1, 1 physical invalidation, 1 page "
         r"unpinned, stale 0\); DMA write there: blocked, fault reported\n", "expiry")
    need(r"the guest turns translation off: 00:05\.0 back in the mirror \(shadowed 0, pinned 0\); "
         r"DMA write to guest-physical 0x201000: in the guest's RAM\n", "back to the mirror")
    ev = re.search(re.escape(P) + r"events \([^)]*\): ([a-zA-Z]+)\n", out)
    check(ev, "%s: no event log:\n%s" % (label, out))
    # Map, map; the write-only map and its strict unmap; the strict unmap;
    # the optimistic map (its deferred unmap, the reuse and the second
    # unmap log nothing); the expiry; translation off tears down the last
    # (each: clear, page-selective invalidation, unpin).
    check(ev.group(1) == "pipipicFucFupicFucFu", "%s: events %r" % (label, ev.group(1)))
    need(r"pin/unpin order: 4 unpins, 0 before the physical invalidation covering their page\n",
         "order")
    check(re.search(r"physical invalidations: 4 real \(batches that cleared shadowed entries from "
                    r"the physical VT-d\), 0 equivalents \(emulated devices' batches\); shadowed "
                    r"entries installed 4, cleared 4\n", out), "%s: vm stats line:\n%s" % (label, out))
    check(re.search(r"faults recorded 4, dropped 0;", out), "%s: guest faults:\n%s" % (label, out))
    check(re.search(r"assigned 00:05\.0 \(the guest's 00:02\.0\): in the VM's guest-physical mirror",
                    out), "%s: vm stats device line:\n%s" % (label, out))
    check(re.search(r"shadow: physical IOTLB invalidations 4 \(page-selective 4, domain-selective 0, "
                    r"global 0\), failed 0; devices moved 2; physical faults passed to the guest 4 "
                    r"\(not recorded: FPD 0\)\n", out),
          "%s: vm stats shadow line:\n%s" % (label, out))
    need(r"PASS\n", "verdict")
    check_overcommitted(out, label)
    log = m.command("log")
    check(re.search(r"vt-d: 00:05\.0 \(the guest's 00:02\.0\) follows the guest's vIOMMU: shadow "
                    r"domain 332", log), "%s: shadow not logged:\n%s" % (label, log[-2000:]))
    return out


def check_overcommitted(out, label):
    """The self-test's second VM: overcommitted (issue #12), its RAM
    sparse behind a fake swapper, no guest-physical mirror."""
    O = "iommu selftest viommu, overcommitted: "

    def need(pattern, what):
        check(re.search(re.escape(O) + pattern, out), "%s, overcommitted: %s:\n%s" %
              (label, what, out))

    need(r"a VM without vCPUs, its 4 MiB of RAM sparse \(frames on first use\), no guest-physical "
         r"mirror; 00:05\.0 assigned as its 00:02\.0\n", "the fake VM")
    need(r"ECAP 0x[0-9a-f]+: pass-through not offered\n", "ECAP.PT")
    need(r"translation off: DMA read of guest-physical 0x200000: blocked \(no guest-physical "
         r"mirror\), fault reported \(read 0x200000, ", "no mirror: blocked")
    need(r"translation on; the guest maps 0x10000 -> 0x200000, then 0x11000 -> 0x201000, a page "
         r"on disk: the queue stopped at its invalidation, no error \(1 stop\), the page read, "
         r"then the wait written; 1 entry installed\n", "a mapped page on disk")
    need(r"pinned: 2 by the vIOMMU, 2 of the VM's 1024 pages in all \(the two mapped\)\n",
         "only the mapped pages pinned")
    need(r"DMA read 0x10000 and write 0x11000 through the shadowed translations: data intact\n",
         "DMA through the shadow")
    need(r"the guest maps 0x13000 -> 0x202000 with its table page 0x104000 on disk: the queue "
         r"stopped at its invalidation, no error \(1 stop\), the page read, then the wait "
         r"written; 1 entry installed\n", "a table page on disk")
    need(r"DMA write 0x13000: landed\n", "DMA after the table page")
    need(r"translation off: DMA write to guest-physical 0x201000: blocked, fault reported; "
         r"pinned 0, 0 pages\n", "translation off: blocked, nothing pinned")
    need(r"pages read from \"disk\" 2;", "the fake disk's reads")
    check(re.search(r"assigned 00:05\.0 \(the guest's 00:02\.0\): DMA blocked \(the guest's vIOMMU "
                    r"does not translate for it; overcommitted, the VM has no guest-physical "
                    r"mirror\)\n    its syncs stopped at a guest page on disk and run again: 2\n", out),
          "%s, overcommitted: vm stats device lines:\n%s" % (label, out))
    need(r"PASS\n", "verdict")


def check_eli_selftest(m):
    """`iommu selftest eli`: the direct MSI route and the move, line by line."""
    E = "iommu selftest eli: "
    out = m.command("iommu selftest eli", timeout=120)

    def need(pattern, what):
        mk = re.search(re.escape(E) + pattern, out)
        check(mk, "eli selftest: %s:\n%s" % (what, out))
        return mk
    need(r"a VM with one vCPU that never runs \(core 1, eli = on\): 00:05\.0 and 00:06\.0 "
         r"assigned as the guest's 00:02\.0 and 00:03\.0\n", "the fake VM")
    t = need(r"the guest's 00:03\.0 MSI to a logical destination no vCPU takes: through tern "
             r"\(vector (0x[0-9a-f]+) on core 1, IRTE \d+\)\n", "the route through tern")
    d = need(r"the guest's 00:02\.0 MSI to vCPU 0, vector (0x[0-9a-f]+): direct \(vector "
             r"(0x[0-9a-f]+) on core 1, IRTE \d+\); the other's route moved to vector "
             r"(0x[0-9a-f]+) \(1 moves\)\n", "the direct route")
    check(d.group(1) == t.group(1) == d.group(2) and d.group(3) != t.group(1),
          "eli selftest: the guest's vector %s, tern's %s, direct on %s, moved to %s"
          % (d.group(1), t.group(1), d.group(2), d.group(3)))
    need(r"00:02\.0's MSI on core 1 vector %s: came, the guest's IRR has it; 00:03\.0's on "
         r"vector %s: came\n" % (d.group(1), d.group(3)), "the MSIs")
    # `vm stats`: the direct route's one interrupt; the other's two (the
    # one the move sends on the new vector, then the device's).
    check("MSI: 1 interrupts (on, ELI: the guest's vector, direct)" in out and
          "MSI: 2 interrupts (on)" in out, "eli selftest: vm stats:\n" + out)
    need(r"the guest turns 00:02\.0's MSI off: vector %s on core 1 free again\n" % d.group(1),
         "the vector given back")
    # MSI-X: a second VM, the e1000e's entry 0 direct, edu 2 through tern.
    need(r"a VM with one vCPU that never runs \(core 1, eli = on\): 00:04\.0 and 00:06\.0 "
         r"assigned as the guest's 00:02\.0 and 00:03\.0\n", "the MSI-X VM")
    t2 = re.findall(re.escape(E) + r"the guest's 00:03\.0 MSI to a logical destination no vCPU "
                    r"takes: through tern \(vector (0x[0-9a-f]+) on core 1", out)
    x = need(r"the guest's 00:02\.0 \(e1000e\) MSI-X entry 0 to vCPU 0, vector (0x[0-9a-f]+): "
             r"direct \(vector (0x[0-9a-f]+) on core 1, IRTE \d+\); 00:03\.0's route moved to "
             r"vector (0x[0-9a-f]+) \(1 moves\)\n", "the direct MSI-X route")
    check(len(t2) == 2 and x.group(1) == x.group(2) == t2[1] and x.group(3) != x.group(1),
          "eli selftest: MSI-X: tern's %r, direct %s on %s, moved to %s" %
          (t2, x.group(1), x.group(2), x.group(3)))
    need(r"00:02\.0's MSI-X on core 1 vector %s: came, the guest's IRR has it\n" % x.group(1),
         "the MSI-X interrupt")
    check(re.search(r"MSI-X: 5 entries in BAR3 at 0 \(trapped, 1 direct: ELI\), 1 interrupts "
                    r"\(on\)", out), "eli selftest: MSI-X in vm stats:\n" + out)
    need(r"the guest turns 00:02\.0's MSI-X off: vector %s on core 1 free again\n" % x.group(1),
         "the MSI-X vector given back")
    need(r"PASS\n", "verdict")
    log = m.command("log")
    for frm, to in ((t.group(1), d.group(3)), (x.group(1), x.group(3))):
        check(re.search(r"vm eli-selftest: 00:06\.0: its MSI moved from vector %s to %s on core "
                        r"1: the guest claims it \(ELI\)" % (frm, to), log),
              "eli selftest: the move %s -> %s not logged:\n%s" % (frm, to, log[-2000:]))
    print("  eli: the guest's MSI vector %s direct on core 1, tern's route there moved to %s; "
          "the e1000e's MSI-X entry on %s direct, the route moved to %s; every interrupt "
          "arrived" % (d.group(1), d.group(3), x.group(1), x.group(3)))


def run(build):
    m = Machine("qemu-viommu", build)
    try:
        # The build's ESP with a tern.cmdline of net=off: tern leaves the
        # e1000e alone (it would be its network otherwise).
        esp = os.path.join(m.tmp, "esp")
        shutil.copytree(os.path.join(os.path.abspath(build), "esp"), esp)
        with open(os.path.join(esp, "EFI", "BOOT", "tern.cmdline"), "w") as f:
            f.write("net=off\n")
        m.qemu_uefi(esp, smp=2, mem=512,
                    extra=["-nic", "none", "-device", "edu,addr=5", "-device", "edu,addr=6",
                           "-device", "e1000e,addr=4"])
        secs = m.boot_to_prompt(timeout=150)
        print("  qemu-viommu: prompt after %.1f s wall" % secs)
        before = m.command("iommu")
        out = check_viommu_selftest(m, "plain VT-d")
        print("  " + "\n  ".join(l for l in out.splitlines() if "physical invalidations" in l))
        out = m.command("iommu")
        # Four with the mirror, two of the overcommitted VM with none.
        check("faults 6" in out, "iommu: the self-test's six blocked DMAs:\n" + out)
        # The physical unit's own counters around the self-test: its
        # IOTLB invalidations are the shadow's four page-selective ones
        # plus the global ones of each context change (attach, detach).
        for label, text in (("before", before), ("after", out)):
            inv = re.search(r"invalidations: context (\d+), IOTLB (\d+), interrupt entry \d+; "
                            r"waits (\d+)", text)
            check(inv, "iommu: no invalidation counters:\n" + text)
            print("  physical unit %s the self-test: context %s, IOTLB %s, waits %s"
                  % (label, inv.group(1), inv.group(2), inv.group(3)))
        check_eli_selftest(m)
    finally:
        m.stop()
