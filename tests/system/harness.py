# SPDX-License-Identifier: GPL-2.0
"""Boot tern in an emulator and talk to its serial shell like an operator.

Both emulators put COM1 on a TCP socket on 127.0.0.1 and wait for us to
connect before they start, so no output is lost. Everything received is
kept in a transcript written next to the build (build/logs/NAME.serial).
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PROMPT = "tern> "
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


class TestFailure(Exception):
    pass


class Skip(Exception):
    """The test cannot run on this machine; the message says why."""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def have_vmx_kvm():
    """True when /dev/kvm can run a guest with VMX (nested VT-x)."""
    if not os.path.exists("/dev/kvm"):
        return False, "/dev/kvm does not exist"
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False, "cannot read /proc/cpuinfo"
    if not re.search(r"^flags\s*:.*\bvmx\b", flags, re.M):
        return False, "the host CPU shows no vmx flag (no nested VT-x for guests)"
    try:
        mods = open("/proc/modules").read()
    except OSError:
        mods = ""
    if "kvm_pvm" in mods:
        return False, "/dev/kvm is the paravirtual kvm_pvm, which cannot boot firmware"
    if "kvm_intel" not in mods:
        return False, "kvm_intel is not loaded"
    return True, ""


class Machine:
    """One emulator run with its serial console on a socket."""

    def __init__(self, name, build, logdir=None):
        self.name = name
        self.build = os.path.abspath(build)
        self.logdir = logdir or os.path.join(self.build, "logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.port = free_port()
        self.proc = None
        self.sock = None
        self.buf = ""
        self.transcript = ""
        self.tmp = tempfile.mkdtemp(prefix="tern-%s-" % name)
        self.start_time = None
        # The serial transcript, written as it arrives (tail -f it).
        self.live = open(os.path.join(self.logdir, name + ".serial"), "w")

    # -- emulators --
    def qemu_uefi(self, esp, smp=4, mem=512, extra=(), iommu="intel-iommu,intremap=on"):
        vars_fd = os.path.join(self.tmp, "OVMF_VARS.fd")
        shutil.copy("/usr/share/OVMF/OVMF_VARS_4M.fd", vars_fd)
        argv = ["qemu-system-x86_64", "-machine", "q35,kernel-irqchip=split",
                "-m", str(mem), "-smp", str(smp),
                "-device", iommu,
                "-drive", "if=pflash,format=raw,readonly=on,"
                          "file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                "-drive", "if=pflash,format=raw,file=" + vars_fd,
                "-drive", "file=fat:rw:%s,format=raw" % esp,
                "-display", "none", "-monitor", "none", "-no-reboot",
                "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % self.port]
        self._spawn(argv + list(extra))

    def qemu_iso(self, iso, smp=2, mem=256, machine="q35", extra=()):
        argv = ["qemu-system-x86_64", "-machine", machine, "-m", str(mem),
                "-smp", str(smp), "-cdrom", iso, "-boot", "d",
                "-display", "none", "-monitor", "none", "-no-reboot",
                "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % self.port]
        self._spawn(argv + list(extra))

    # A PCI device for tern to assign: Bochs's e1000 on i440fx slot 1
    # (00:02.0; BAR0 memory, BAR1 I/O, INTA on the ISA IRQ the BIOS picks).
    BOCHS_E1000 = ("pci: enabled=1, chipset=i440fx, slot1=e1000\n"
                   "e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=null")
    # ... and a PCI NE2000 (RTL8029) in slot 2 (00:03.0; an I/O BAR, INTA
    # on another ISA IRQ): a second function for a VM (test_bochs_vm).
    BOCHS_E1000_NE2K = ("pci: enabled=1, chipset=i440fx, slot1=e1000, slot2=ne2k\n"
                        "e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=null\n"
                        "ne2k: enabled=1, mac=52:54:00:12:34:57, ethmod=null")

    @staticmethod
    def bochs_ata_disk(path, model):
        """bochsrc lines for a flat disk image on the second ATA channel
        (the first holds the boot CD-ROM). Bochs wants the size as C*H*S:
        whole MiB at 16 heads and 32 sectors a track. It locks the image
        with PATH.lock, which a run the harness killed leaves behind."""
        size = os.path.getsize(path)
        if size % (1 << 20):
            raise TestFailure("disk image %s is not whole MiB" % path)
        if os.path.exists(path + ".lock"):
            os.unlink(path + ".lock")
        return ("ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15\n"
                "ata1-master: type=disk, path=%s, mode=flat, cylinders=%d, heads=16, spt=32, "
                "model=\"%s\"" % (path, (size >> 20) * 4, model))

    def bochs(self, iso, cpus=2, megs=256, model="corei7_icelake_u",
              ips=10000000, extra="", msrs=None):
        """msrs: a file of Bochs's configurable MSRs (format: Bochs's
        msrs.def), e.g. the one tests/linux/mknativeiso.sh writes."""
        rc = os.path.join(self.tmp, "bochsrc")
        cpu_msrs = ', msrs="%s"' % os.path.abspath(msrs) if msrs else ""
        with open(rc, "w") as f:
            f.write(f"""megs: {megs}
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model={model}, count={cpus}, ips={ips}, reset_on_triple_fault=0, ignore_bad_msrs=1{cpu_msrs}
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=socket-server, dev=127.0.0.1:{self.port}
clock: sync=none, time0=local
log: {os.path.join(self.logdir, self.name + '.bochs.log')}
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
mouse: enabled=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
magic_break: enabled=1
{extra}
""")
        # Bochs's debugger waits at a prompt: 'c' starts the machine.
        self._spawn(["bochs", "-q", "-f", rc], stdin=b"c\n")

    def _spawn(self, argv, stdin=None):
        self.argv = argv
        out = open(os.path.join(self.logdir, self.name + ".emulator.log"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=self.tmp)
        if stdin:
            self.proc.stdin.write(stdin)
            self.proc.stdin.flush()
        self.start_time = time.monotonic()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), 1)
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise TestFailure("%s: emulator did not open its serial socket "
                                      "(exit %s); see %s" % (self.name, self.proc.poll(),
                                                             out.name))
                time.sleep(0.1)
        self.sock.settimeout(0.2)

    # -- serial --
    def _read(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            data = b""
        if not data:
            if self.proc.poll() is not None:
                raise TestFailure("%s: emulator exited (%s)" % (self.name, self.proc.poll()))
            time.sleep(0.05)
            return False
        text = data.decode("latin-1").replace("\r", "")
        text = ANSI.sub("", text)
        self.buf += text
        self.transcript += text
        self.live.write(text)
        self.live.flush()
        return True

    CRASH = re.compile(r"^\*\*\* tern(?: panic)?.*$", re.M)

    def expect(self, pattern, timeout=60, crash_ok=False, fail=None):
        """Wait for a regex in the output; return the match, consume up to it.
        A tern exception dump or panic fails at once unless crash_ok; so
        does output matching the regex fail (a guest's own distress)."""
        rx = re.compile(pattern, re.M)
        bad = re.compile(fail, re.M) if fail else None
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            b = bad.search(self.buf) if bad else None
            if b:
                time.sleep(2)
                self._read()
                raise TestFailure("%s: %r while waiting for /%s/:\n%s"
                                  % (self.name, b.group(0), pattern,
                                     self.transcript[-2500:]))
            c = None if crash_ok else self.CRASH.search(self.buf)
            if c:
                time.sleep(0.5)
                self._read()
                raise TestFailure("%s: tern crashed while waiting for /%s/:\n%s"
                                  % (self.name, pattern, self.transcript[-2500:]))
            if time.monotonic() > deadline:
                raise TestFailure("%s: timed out after %ds waiting for /%s/; last output:\n%s"
                                  % (self.name, timeout, pattern, self.transcript[-1500:]))
            self._read()

    def send(self, text):
        # Slowly enough for a UART with a 16-byte FIFO polled by tern.
        for ch in text.encode():
            self.sock.sendall(bytes([ch]))
            time.sleep(0.002)

    def command(self, cmd, timeout=60, crash_ok=False):
        """Type a command, return its output (without echo and prompt)."""
        self.buf = ""
        self.send(cmd + "\r")
        # Other cores log asynchronously: a whole log line may land inside
        # the echo of what we typed.
        logline = r"(?:\[\s*\d+\.\d+\] cpu\d+: [^\n]*\n)*"
        echo = logline.join(re.escape(c) for c in cmd)
        m = self.expect(echo + logline + r"\n((?:.|\n)*?)^" + re.escape(PROMPT), timeout,
                        crash_ok)
        return m.group(1)

    def boot_to_prompt(self, timeout=120):
        self.expect(r"tern: ready in (\d+) ms", timeout)
        self.expect(re.escape(PROMPT), 30)
        return time.monotonic() - self.start_time

    def stop(self):
        if self.sock:
            self.sock.close()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.live.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def prom_parse(text):
    """`metrics` output through prometheus_client's parser (Debian's
    python3-prometheus-client; a pyenv python finds it in dist-packages).
    Log lines other cores printed meanwhile are dropped. Returns
    {family name: family}, checking each family came once, with HELP and a
    TYPE (a sample outside its declared family parses as untyped)."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        from prometheus_client.parser import text_string_to_metric_families
    lines = [l for l in text.replace("\r", "").split("\n")
             if l and not re.match(r"\[\s*\d+\.\d+\] cpu\d+: ", l)]
    fams = {}
    for f in text_string_to_metric_families("\n".join(lines) + "\n"):
        check(f.name not in fams, "metrics: family %s twice" % f.name)
        check(f.type in ("counter", "gauge") and f.documentation,
              "metrics: family %s without TYPE or HELP" % f.name)
        fams[f.name] = f
    return fams


def prom_value(fams, family, suffix="", **labels):
    """The value of the sample of `family` with exactly these labels, or None."""
    for s in fams[family].samples:
        if s.name == family + suffix and s.labels == labels:
            return s.value
    return None


def disk_counters(out, name):
    """reads, read bytes, writes, written bytes, flushes, errors, in flight
    of one disk, from `disks`."""
    m = re.search(r"^%s\s.*\n(?:\s+.*\n)*?\s+reads (\d+) \((\d+) bytes\), writes (\d+) "
                  r"\((\d+) bytes\), flushes (\d+); errors (\d+), timeouts \d+, in flight (\d+)"
                  % re.escape(name), out, re.M)
    check(m, "disks: no counters for %s:\n%s" % (name, out))
    return tuple(int(x) for x in m.groups())
