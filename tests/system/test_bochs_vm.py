# SPDX-License-Identifier: GPL-2.0
"""Bochs, 4 cores: test guests run by tern under VT-x with EPT.

tern.cfg (tests/guests/tern.cfg) defines the VMs. Checks: bad config lines
named by line, the basic guest's own checks (CPUID, VMCALL, I/O, MSRs),
`vm stats` counting exactly the exits the guest caused, triple-fault
containment, the local APIC (timer modes, x2APIC, injection), a 2-vCPU guest
started by INIT-SIPI-SIPI with IPIs between its vCPUs, malformed and
missing kernels refused, core ownership, stop, restart, the exit-cost
benchmark figures, and `metrics` parsed as Prometheus text."""
import os
import re
import subprocess
import sys
import time

from harness import Machine, TestFailure, check, prom_parse, prom_value


def wait_state(m, name, state, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = m.command("vm list")
        if re.search(r"^%s\s+%s\s" % (re.escape(name), state), out, re.M):
            return out
        time.sleep(0.5)
    raise TestFailure("vm %s never reached %s:\n%s" % (name, state, out))


def run_guest(m, name, lines=()):
    """Start a test VM, wait for it to stop, check exit status 0 and that its
    console says each of lines (after "guest: NAME: "). Returns the console."""
    out = m.command("vm start " + name)
    check("vm %s started" % name in out, "%s:\n%s" % (name, out))
    out = wait_state(m, name, "stopped")
    con = m.command("vm console " + name)
    check(re.search(r"^%s\s+stopped.*\n.*\n\s+exit status 0" % re.escape(name), out, re.M),
          "%s guest failed:\n%s%s" % (name, out, con))
    for line in lines:
        check("guest: %s: %s" % (name, line) in con,
              "%s console lacks %r:\n%s" % (name, line, con))
    return con


def exits(stats, kind):
    m = re.search(r"^  %s\s+(\d+)" % re.escape(kind), stats, re.M)
    return int(m.group(1)) if m else 0


def check_metrics(m):
    """`metrics` parses, and agrees with `vm stats` for the basic guest."""
    out = m.command("metrics")
    fams = prom_parse(out)
    for name, typ in (("tern_vm_exits", "counter"), ("tern_vcpu_seconds", "counter"),
                      ("tern_vm_interrupts_injected", "counter"),
                      ("tern_cpu_interrupts", "counter"), ("tern_iommu_invalidations", "counter"),
                      ("tern_iommu_faults", "counter"), ("tern_vm_state", "gauge"),
                      ("tern_memory_used_bytes", "gauge")):
        check(name in fams and fams[name].type == typ,
              "metrics: no %s family %s:\n%s" % (typ, name, out))
    # Every exit reason `vm stats basic` lists, with the same count; the
    # guest's own exact numbers hold here too.
    st = m.command("vm stats basic")
    reasons = dict((r, int(n)) for r, n in
                   re.findall(r"^  (\S+)\s+(\d+)(?:\s+\d+/s)?$", st, re.M))
    check(reasons, "no exit reasons in vm stats basic:\n" + st)
    got = dict((s.labels["reason"], int(s.value)) for s in fams["tern_vm_exits"].samples
               if s.labels["vm"] == "basic" and s.labels["vcpu"] == "0")
    check(got == reasons, "metrics exits %r, vm stats %r" % (got, reasons))
    check(got.get("CPUID") == 3 and got.get("VMCALL") == 101 and got.get("RDMSR") == 2,
          "metrics: basic's exits %r" % got)
    check(prom_value(fams, "tern_vm_gp_injected", "_total", vm="basic", vcpu="0") == 1,
          "metrics: basic's #GP:\n" + out)
    check(prom_value(fams, "tern_vm_unclaimed_io", "_total", vm="basic") == 65 and
          prom_value(fams, "tern_vm_unbacked_accesses", "_total", vm="basic", access="read") == 2,
          "metrics: basic's unclaimed/unbacked:\n" + out)
    check(prom_value(fams, "tern_vm_state", vm="basic", state="stopped") == 1,
          "metrics: basic's state:\n" + out)
    # idle sat in HLT until stopped; smp's AP waited for its start-up IPI.
    for vm, vcpu in (("idle", "0"), ("smp", "1")):
        secs = dict((st, prom_value(fams, "tern_vcpu_seconds", "_total", vm=vm, vcpu=vcpu, state=st))
                    for st in ("guest", "tern", "halted"))
        check(all(v is not None for v in secs.values()) and secs["halted"] > 0,
              "metrics: %s vcpu%s seconds %r" % (vm, vcpu, secs))
        print("  metrics: %s vcpu%s seconds: guest %.4f, tern %.4f, halted %.4f"
              % (vm, vcpu, secs["guest"], secs["tern"], secs["halted"]))
    for cpu in range(4):
        check(prom_value(fams, "tern_cpu_interrupts", "_total", cpu=str(cpu)) is not None,
              "metrics: no interrupt counter of cpu%d:\n%s" % (cpu, out))
    print("  metrics: %d families, %d samples" % (len(fams), sum(len(f.samples) for f in fams.values())))


def check_walk(m):
    """A page table outside RAM: the walk is named, never emulated as the
    operand (the store's value would have been a self-IPI through the ICR)."""
    out = m.command("vm start walk")
    check("vm walk started" in out, "walk:\n" + out)
    out = wait_state(m, "walk", "stopped")
    con = m.command("vm console walk")
    check("stopped: guest page walk for linear 0x400c0000 read a paging entry at "
          "guest-physical 0xfee00300, which is not RAM" in out, "walk:\n%s%s" % (out, con))
    check("guest: walk: paging on" in con and "FAIL" not in con, "walk console:\n" + con)
    st = m.command("vm stats walk")
    check("interrupts injected" not in st and "I/O APIC deliveries by pin:;" in st,
          "walk caused an interrupt:\n" + st)


def check_storm(m):
    """The shortest timer periods: loops complete, and tern exits for the
    timer only when someone can see the interrupt."""
    run_guest(m, "storm", ("loop done under a periodic local APIC timer of 1 tick",
                           "loop done under the same timer masked",
                           "loop done after a TSC deadline in the past",
                           "PIT at reload 1 masked, then delivered once"))
    st = m.command("vm stats storm")
    pre = exits(st, "preemption-timer")
    arms = re.search(r"PIT interrupts (\d+), host timer arms (\d+)", st)
    print("  storm: %d preemption-timer exits, %s PIT interrupts, %s PIT host timer arms"
          % (pre, arms and arms.group(1), arms and arms.group(2)))
    # Three loops of 10^6 iterations: ~0.1 s each in Bochs, 10 ms slices.
    check(pre <= 300, "preemption-timer exits %d:\n%s" % (pre, st))
    check(arms and int(arms.group(1)) >= 1 and int(arms.group(2)) <= 50,
          "PIT host timer arms:\n" + st)


def check_emul(m):
    """Read-modify-write forms on MMIO against the CPU's own results,
    CMPS/SCAS, elements across a page, and string port I/O."""
    run_guest(m, "emul", ("48 read-modify-write forms on MMIO agree with the CPU",
                          "REPE CMPS and REPNE SCAS on MMIO, both directions",
                          "string elements across a page",
                          "REP OUTSB to COM1",
                          "REP INSD, OUTSD, REP INSB backwards"))


def run(build):
    m = Machine("bochs-vm", build)
    try:
        m.bochs(os.path.join(os.path.abspath(build), "tern.iso"), cpus=4,
                extra=Machine.BOCHS_E1000)
        m.expect(r"tern.cfg:23: memory 'lots'", 240)
        m.expect(r"tern.cfg:21: vm 'broken' dropped", 30)
        m.expect(r"tern.cfg:26: vm 'nocore' cannot run: core 9 does not exist", 30)
        secs = m.boot_to_prompt(timeout=120)
        print("  bochs-vm: prompt after %.1f s wall" % secs)

        # basic is autostarted; it checks tern from inside and exits 0.
        out = wait_state(m, "basic", "stopped")
        check(re.search(r"^basic\s+stopped.*\n\s+stopped: guest wrote 0 to the exit port\n"
                        r"\s+exit status 0", out, re.M), "basic did not pass:\n" + out)
        con = m.command("vm console basic")
        for line in ("guest: cmdline 'hello from tern.cfg'",
                     "guest: memory above 1 MiB: 7168 KiB",
                     "guest: cpuid: hypervisor TernTernTern, VMX hidden",
                     "guest: msr: known MSR read, unknown MSR raised #GP",
                     "guest: unbacked memory reads all ones, writes dropped",
                     "guest: acpi: RSDP, XSDT, MADT with 1 CPU(s)",
                     "guest: PASS"):
            check(line in con, "basic console lacks %r:\n%s" % (line, con))

        # Its CMOS clock tells the host's date (UTC; either side of midnight).
        import datetime
        today = datetime.datetime.now(datetime.timezone.utc).date()
        dates = {str(today), str(today - datetime.timedelta(days=1))}
        rtc = re.search(r"guest: rtc: (\d{4}-\d\d-\d\d)", con)
        check(rtc and rtc.group(1) in dates, "guest rtc date %s, host %s" %
              (rtc and rtc.group(1), today))

        # Exactly the exits the guest caused.
        st = m.command("vm stats basic")
        nbytes = int(re.search(r"console bytes: (\d+)", st).group(1))
        check(nbytes == len(con.split("\n[vm basic")[0].lstrip("\n")),
              "console byte count vs what was shown:\n" + st)
        check(exits(st, "CPUID") == 3, "CPUID exits:\n" + st)
        check(exits(st, "VMCALL") == 101, "VMCALL exits:\n" + st)
        check(exits(st, "RDMSR") == 2, "RDMSR exits:\n" + st)
        check(re.search(r"#GP injected\s+1 ", st), "#GP injections:\n" + st)
        # 64 OUT + 1 IN to 0x80, the exit port, the CMOS (1 UIP check and
        # 4 dates: 2 port accesses each), and per console byte one LSR poll
        # and one THR write.
        check(exits(st, "I/O") == 66 + 10 + 2 * nbytes, "I/O exits %d, expected %d:\n%s"
              % (exits(st, "I/O"), 66 + 10 + 2 * nbytes, st))
        check("unclaimed port I/O: 65;" in st, "unclaimed I/O count:\n" + st)
        check(exits(st, "EPT-violation") == 3, "EPT violations:\n" + st)
        check("unbacked memory: 2 reads, 1 writes" in st, "unbacked counts:\n" + st)

        # A triple fault stops that VM only, with a dump; a VM running on
        # another core goes on.
        out = m.command("vm start idle")
        check("vm idle started" in out, "idle:\n" + out)
        out = m.command("vm start triple")
        check("vm triple started" in out, "start triple:\n" + out)
        out = wait_state(m, "triple", "stopped")
        check(re.search(r"stopped: triple fault at RIP 0x10", out), "triple:\n" + out)
        check(re.search(r"^idle\s+running", out, re.M), "idle did not survive:\n" + out)
        out = m.command("vm stop idle")
        check("vm idle stopped" in out, "stop idle after triple:\n" + out)
        log = m.command("log")
        check(re.search(r"WARN vm basic: write of 4 bytes at unbacked guest-physical "
                        r"0xe0000000 \(RIP 0x10\w+\): dropped", log),
              "unbacked write not logged:\n" + log[-2000:])
        check(re.search(r"ERR vm triple: vcpu0 triple fault at RIP 0x10\w+ RSP", log),
              "no triple-fault dump in the log:\n" + log[-2000:])

        # The local APIC: timer modes, x2APIC, self-IPI, injection.
        run_guest(m, "apic", ("one-shot timer fired once", "periodic timer fired 6 times",
                              "x2APIC mode, TSC-deadline timer fired",
                              "TSC-deadline timer fired while spinning", "self-IPI delivered"))
        st = m.command("vm stats apic")
        check(re.search(r"interrupts injected\s+10, re-injected \d+; local APIC: 9 timer fires, "
                        r"10 EOIs, 1 self-IPIs", st), "apic counters:\n" + st)
        # The spinning guest got its timer through a preemption-timer exit.
        check(exits(st, "preemption-timer") >= 1, "no preemption-timer exit:\n" + st)

        # The PC platform: I/O APIC, PIT on pin 2, COM1 interrupts both
        # ways (the key typed here arrives by interrupt), PM timer, S5.
        out = m.command("vm start platform")
        check("vm platform started" in out, "platform:\n" + out)
        m.send("vm console platform\r")
        m.expect(r"attached to vm platform's COM1", 30)
        # The guest may have asked already (replayed before the banner).
        if "type a key" not in m.transcript:
            m.expect(r"guest: platform: COM1 THRE interrupt; type a key", 60)
        m.send("\x1d")
        m.expect(r"detached from vm platform, running", 30)
        # While it waits: watch the page its interrupt handler will write
        # (the guest-physical map's write protection and fault handler).
        rx = int(re.search(r"^([0-9a-f]+) \w rx_char$", subprocess.run(
            ["nm", os.path.join(m.build, "modules", "platform.elf")], check=True,
            capture_output=True, text=True).stdout, re.M).group(1), 16)
        out = m.command("vm watch platform %#x" % rx)
        check("watching writes to vm platform's page %#x" % (rx & ~0xfff) in out, "watch:\n" + out)
        out = m.command("vm mem platform")
        check(re.search(r"pages protected 1, pinned 0; state changes 1, EPT flushes 1", out),
              "vm mem after watch:\n" + out)
        m.send("vm console platform\r")
        m.expect(r"attached to vm platform's COM1", 30)
        m.send("k")
        m.expect(r"guest: platform: received by interrupt: k", 30)
        m.expect(r"detached from vm platform, stopped", 30)
        out = wait_state(m, "platform", "stopped")
        check("stopped: guest powered off (ACPI S5)" in out, "platform did not power off:\n" + out)
        log = m.command("log")
        check("vm platform: guest write to watched page %#x (at %#x); watch lifted"
              % (rx & ~0xfff, rx) in log, "no watch hit in the log:\n" + log[-2000:])
        con = m.command("vm console platform")
        for line in ("PCI host bridge 8086:29c0 by 0xcf8 and ECAM",
                     "string MMIO: REP MOVSD from ECAM, MOVSD to the I/O APIC, REP STOSD unbacked",
                     "I/O APIC version 0x20, 24 pins, entries programmed",
                     "5 PIT interrupts through I/O APIC pin 2", "ACPI PM timer runs",
                     "VMXOFF and VMPTRST raised #UD"):
            check("guest: platform: " + line in con, "platform console lacks %r:\n%s" % (line, con))
        st = m.command("vm stats platform")
        pins = re.search(r"I/O APIC deliveries by pin: 2:(\d+) 4:(\d+);", st)
        check(pins and int(pins.group(1)) >= 5 and int(pins.group(2)) >= 2,
              "platform I/O APIC counters:\n" + st)
        check(re.search(r"PIT interrupts (\d+)", st), "no PIT counter:\n" + st)
        check(re.search(r"string MMIO elements\s+8 ", st), "string MMIO count:\n" + st)
        check("unbacked memory: 0 reads, 3 writes" in st, "string STOS unbacked:\n" + st)
        check(re.search(r"#UD injected\s+2 ", st), "VMX instructions #UD:\n" + st)
        check(re.search(r"^  VMXOFF\s+1\s", st, re.M) and re.search(r"^  VMPTRST\s+1\s", st, re.M),
              "VMX instruction exits:\n" + st)

        # Extended state: XSETBV/XCR0 checks, and twice on core 2 so the
        # second run would see the first one's XMM0 if tern leaked it.
        for run in (1, 2):
            run_guest(m, "xsave", ("XSETBV/XGETBV of XCR0, #GP for AVX without SSE",
                                   "XMM0 started clean"))
        st = m.command("vm stats xsave")
        check(re.search(r"^  XSETBV\s+2\s", st, re.M), "xsave exits:\n" + st)
        check(re.search(r"#GP injected\s+1 ", st), "xsave #GP:\n" + st)

        # Multiboot2: the v2 header wins; tags for what tern provides.
        size = os.path.getsize(os.path.join(m.build, "modules", "basic.elf"))
        run_guest(m, "mb2", ("multiboot2 magic, entered at the entry address tag",
                             "command line 'multiboot2 says hi'", "boot loader tern",
                             "module basic.elf, %d bytes" % size, "upper memory 3072 KiB",
                             "memory map with 4 entries", "ACPI RSDP copy"))

        # Device assignment: each obstacle named (Bochs has no VT-d; a
        # multiboot kernel cannot follow RAM moved to identity addresses),
        # the device left free, and off-unsafe warned about at boot and in
        # `vm list`.
        for vm, why in (("nodev", "device 00:09.0 does not exist on this machine"),
                        ("noiommu", "device 00:02.0: no VT-d unit confines its DMA"),
                        ("bridge", "device 00:01.0 is a bridge (class 06.01)"),
                        ("unsafe", "kernel 'idle.elf': multiboot kernels load at fixed addresses")):
            out = m.command("vm start " + vm)
            check("vm start %s: %s" % (vm, why) in out, "vm start %s:\n%s" % (vm, out))
        out = m.command("pci")
        check(re.search(r"^0000:00:02\.0 8086:100e class 020000 [^\n]*$", out, re.M) and
              "owner=" not in out,
              "the e1000 is not free after the refusals:\n" + out)
        out = m.command("vm list")
        check(re.search(r"^unsafe .*\n\s+devices: 00:02\.0\n\s+iommu = off-unsafe: DMA NOT CONFINED",
                        out, re.M), "vm list, unsafe:\n" + out)
        check(re.search(r"vm 'unsafe' has iommu = off-unsafe: its devices' DMA would reach all of memory",
                        m.transcript), "no boot warning for off-unsafe")

        # Reset through 0xcf9 or the 8042: tern restarts the VM each time.
        out = m.command("vm start reset")
        check("vm reset started" in out, "reset:\n" + out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            out = m.command("vm list")
            r = re.search(r"reset by the guest (\d+) time", out)
            if r and int(r.group(1)) >= 3:
                break
            time.sleep(0.5)
        check(r and int(r.group(1)) >= 3, "reset VM not restarted 3 times:\n" + out)
        m.command("vm stop reset")
        wait_state(m, "reset", "stopped", timeout=30)
        con = m.command("vm console reset")
        check("guest: booted, resetting" in con, "reset console:\n" + con)

        # Malformed and missing kernels are refused at load time.
        out = m.command("vm start badimage")
        check("kernel 'tern.cfg' refused: no multiboot header" in out, "badimage:\n" + out)
        out = m.command("vm start notfound")
        check("kernel 'missing.elf' is not among the boot modules" in out, "notfound:\n" + out)
        out = m.command("vm start nocore")
        check("cannot run: core 9 does not exist" in out, "nocore:\n" + out)

        # Core ownership while running, and stop.
        out = m.command("vm start idle")
        check("vm idle started" in out, "idle:\n" + out)
        wait_state(m, "idle", "running")
        # Its initrd is a multiboot v1 module the guest names.
        m.send("vm console idle\r")
        m.expect(r"guest: idle: multiboot module bench\.elf, %d bytes"
                 % os.path.getsize(os.path.join(m.build, "modules", "bench.elf")), 30)
        m.send("\x1d")
        m.expect(r"detached from vm idle", 30)
        out = m.command("vm start bench")
        check("core 3 is in use by running vm 'idle'" in out, "core ownership:\n" + out)
        out = m.command("cpus")
        check(re.search(r"^3\s+3\s+online\s+guest", out, re.M), "core 3 role:\n" + out)
        out = m.command("vm stop idle")
        check("vm idle stopped" in out, "stop idle:\n" + out)
        out = m.command("vm list")
        check("stopped: stopped by the operator" in out, "stop reason:\n" + out)
        out = m.command("cpus")
        check(re.search(r"^3\s+3\s+online\s+spare", out, re.M), "core 3 back to spare:\n" + out)

        # The exit-cost benchmark (figures are printed, not asserted).
        out = m.command("vm start bench")
        check("vm bench started" in out, "bench:\n" + out)
        wait_state(m, "bench", "stopped")
        con = m.command("vm console bench")
        figs = re.findall(r"bench: (\w+) (\d+) TSC ticks per exit round trip", con)
        check(len(figs) == 4 and all(int(n) > 0 for _, n in figs), "bench:\n" + con)
        for kind, n in figs:
            print("  bench: %-6s %s emulated instructions per exit round trip" % (kind, n))

        # Two vCPUs: the guest starts its AP by INIT-SIPI-SIPI; IPIs both ways.
        run_guest(m, "smp", ("AP started by INIT-SIPI-SIPI, in protected mode",
                             "fixed IPIs delivered BSP->AP and AP->BSP",
                             "logical (flat) IPIs delivered BSP->AP and AP->BSP",
                             "NMI to the AP, its logical multicast reached both CPUs",
                             "the running AP restarted by INIT and a start-up IPI"))
        st = m.command("vm stats smp")
        # 1 start-up IPI (the second finds the AP started), 2 physical,
        # 2 logical, the multicast's remote half (its own half is a
        # self-IPI), then INIT and a start-up IPI to the running AP.
        check("IPIs between vCPUs: 8 delivered, 1 NMIs, 0 to no vCPU, 0 INITs to itself not emulated"
              in st, "smp IPIs:\n" + st)
        check(re.search(r"^\s+INIT resets\s+1$", st, re.M), "smp INIT:\n" + st)
        check(re.search(r"^\s+NMIs injected\s+1$", st, re.M), "smp NMI:\n" + st)
        check(re.search(r"^vcpu1 on core 3:", st, re.M), "smp: no vcpu1 on core 3:\n" + st)

        # The first VM runs again from a clean slate.
        m.command("vm start basic")
        out = wait_state(m, "basic", "stopped")
        check("exit status 0" in out, "basic again:\n" + out)

        # Every counter in the Prometheus text format.
        check_metrics(m)

        # Guests that probe the edges get what hardware gives them.
        check_walk(m)
        check_storm(m)
        check_emul(m)
    finally:
        m.stop()
