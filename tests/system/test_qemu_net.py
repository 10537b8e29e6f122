# SPDX-License-Identifier: GPL-2.0
"""QEMU TCG, q35 + OVMF + VT-d: tern on the network (lwIP; e1000, e1000e, virtio-net).

QEMU's user-mode network (restrict=on: nothing leaves the emulator) gives
tern a DHCP lease; ports are forwarded from 127.0.0.1 only. Checked: the
lease and `net`, the e1000's INTx (through an interrupt-remapping entry);
GET /metrics parsed by prometheus_client; 404, a malformed request and a
1 MB request line answered with errors, tern still running;
the TCP shell refusing a wrong secret, answering `cpus` and `vm list`, two
sessions at once, an idle session closed, an address refused after three
wrong secrets; a flood of connection attempts and silent connections at
both ports; the INTx storm fallback (`net selftest storm`); the serial
console working throughout. A second boot runs
the e1000e (82574, MSI) path, a third virtio-net (modern, MSI-X through
interrupt remapping, its rings behind VT-d with VIRTIO_F_ACCESS_PLATFORM),
failed on purpose (DEVICE_NEEDS_RESET), reset and brought back."""
import os
import re
import shutil
import socket
import struct
import time
import urllib.error
import urllib.request

import bench_net
from harness import Machine, TestFailure, check, free_port, prom_parse, prom_value

SECRET = "tern-test-secret"
TIMEOUT_S = 8


def boot(build, name, nic, cmdline):
    esp = os.path.join(os.path.abspath(build), "esp-" + name)
    shutil.rmtree(esp, ignore_errors=True)
    shutil.copytree(os.path.join(build, "esp"), esp)
    with open(os.path.join(esp, "EFI", "BOOT", "tern.cmdline"), "w") as f:
        f.write(cmdline + "\n")
    m = Machine(name, build)
    m.shell_port, m.http_port = free_port(), free_port()
    # 00:02.0 is a test VM's device in tests/guests/tern.cfg: the NIC
    # goes elsewhere (and tern must not take a VM's function anyway).
    m.qemu_uefi(esp, smp=2, mem=256, extra=[
        "-netdev", "user,id=n0,restrict=on,"
                   "hostfwd=tcp:127.0.0.1:%d-:2323,hostfwd=tcp:127.0.0.1:%d-:9100"
                   % (m.shell_port, m.http_port),
        "-device", "%s,netdev=n0,addr=4" % nic])
    m.boot_to_prompt(timeout=120)
    m.expect(r"net: eth0: 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway \S+ \(DHCP lease\)",
             60)
    return m


def http(m, path="/metrics", timeout=30):
    url = "http://127.0.0.1:%d%s" % (m.http_port, path)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def raw_http(m, data, timeout=30):
    s = socket.create_connection(("127.0.0.1", m.http_port), timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out.decode("latin-1")
    except ConnectionResetError:
        return ""
    finally:
        s.close()


class Session:
    """A TCP shell connection, read like the serial console."""

    def __init__(self, m, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", m.shell_port), timeout)
        self.sock.settimeout(0.2)
        self.buf = ""
        self.closed = False

    def read(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            time.sleep(0.05)
        self.buf += data.decode("latin-1").replace("\r", "")

    def expect(self, pattern, timeout=30):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            mt = rx.search(self.buf)
            if mt:
                self.buf = self.buf[mt.end():]
                return mt
            if time.monotonic() > deadline or (self.closed and not rx.search(self.buf)):
                if self.closed:
                    self.read()
                    mt = rx.search(self.buf)
                    if mt:
                        self.buf = self.buf[mt.end():]
                        return mt
                raise TestFailure("tcp shell: no /%s/ (closed %s) in:\n%s"
                                  % (pattern, self.closed, self.buf[-1500:]))
            self.read()

    def send(self, text):
        self.sock.sendall(text.encode())

    def command(self, cmd, timeout=60):
        self.buf = ""
        self.send(cmd + "\r\n")
        return self.expect(re.escape(cmd) + r"\n((?:.|\n)*?)^tern> ", timeout).group(1)

    def wait_closed(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self.read()
        return self.closed

    def close(self):
        self.sock.close()


def login(m):
    s = Session(m)
    s.expect(r"secret: ")
    s.send(SECRET + "\r\n")
    s.expect(r"^tern> ")
    return s


def check_http(m):
    status, ctype, body = http(m)
    check(status == 200, "GET /metrics: status %s" % status)
    check(ctype == "text/plain; version=0.0.4; charset=utf-8", "GET /metrics: Content-Type %r" % ctype)
    fams = prom_parse(body)
    rx = prom_value(fams, "tern_net_rx_packets", "_total", **{"if": "eth0"})
    check(rx and rx > 0, "metrics: tern_net_rx_packets_total{if=eth0} = %r" % rx)
    check(prom_value(fams, "tern_net_link_up", **{"if": "eth0"}) == 1, "metrics: link up")
    print("  GET /metrics: 200, %d families, %d frames received" % (len(fams), rx))

    status, _, body = http(m, "/nothing")
    check(status == 404, "GET /nothing: status %s" % status)
    out = raw_http(m, b"GARBAGE\r\n\r\n")
    check(out.startswith("HTTP/1.1 400 Bad Request"), "malformed request: %r" % out[:80])
    out = raw_http(m, b"POST /metrics HTTP/1.1\r\n\r\n")
    check(out.startswith("HTTP/1.1 405"), "POST: %r" % out[:80])
    out = raw_http(m, b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
    check(out.startswith("HTTP/1.1 414 URI Too Long"), "1 MB request line: %r" % out[:80])
    # Half-open connections: opened, silent, left; tern times them out.
    idle = [socket.create_connection(("127.0.0.1", m.http_port), 10) for _ in range(3)]
    status, _, body = http(m)
    check(status == 200, "GET /metrics after bad requests: %s" % status)
    for s in idle:
        s.close()
    fams = prom_parse(body)
    for code, n in (("404", 1), ("400", 1), ("405", 1), ("414", 1)):
        got = prom_value(fams, "tern_http_requests", "_total", code=code)
        check(got == n, "metrics: tern_http_requests_total{code=%s} = %r" % (code, got))
    print("  HTTP: 404, 400 (malformed), 405 (POST), 414 (1 MB request line) answered; still serving")


def check_shell(m):
    s = Session(m)
    s.expect(r"secret: ")
    s.send("not-the-secret\r\n")
    s.expect(r"wrong secret\nsecret: ")
    s.close()

    a = login(m)
    b = login(m)
    out = a.command("cpus")
    check(re.search(r"^2 CPUs, 2 online", out, re.M), "tcp shell: cpus:\n" + out)
    out = b.command("vm list")
    check(re.search(r"^NAME\s+STATE", out, re.M) and "basic" in out, "tcp shell: vm list:\n" + out)
    # Both at once: a half-typed line in one, a command in the other.
    a.send("ver")
    out = b.command("net")
    check("inet 10.0.2.15" in out and "TCP shell on port 2323" in out, "tcp shell: net:\n" + out)
    a.send("sion\r\n")
    a.expect(r"tern \S+ .*\n(?:.|\n)*?^tern> ")
    out = a.command("vm console nosuchvm")
    check("no VM named 'nosuchvm'" in out, "tcp shell: vm console:\n" + out)
    # The serial console answers meanwhile.
    out = m.command("net")
    check(re.search(r"TCP shell on port 2323: \d+ sessions \(2 open of 4\)", out), "serial net:\n" + out)
    print("  TCP shell: cpus, vm list, version, net in two sessions at once; serial console too")

    # A silent session is closed after shell_timeout.
    t0 = time.monotonic()
    check(b.wait_closed(TIMEOUT_S + 15), "tcp shell: idle session not closed")
    check("[idle too long: closing]" in b.buf, "tcp shell: idle close message:\n" + b.buf)
    print("  TCP shell: idle session closed after %.1f s (shell_timeout=%d)"
          % (time.monotonic() - t0 + 0.0, TIMEOUT_S))
    a.send("exit\r\n")
    check(a.wait_closed(), "tcp shell: exit did not close")

    # Three wrong secrets from one address within a minute: refused, the
    # right secret included.
    for i in range(3):
        s = Session(m)
        s.expect(r"secret: ")
        s.send("wrong-%d\r\n" % i)
        s.expect(r"wrong secret")
        s.close()
    s = Session(m)
    s.expect(r"refused: too many wrong secrets")
    check(s.wait_closed(), "tcp shell: refused connection not closed")
    fams = prom_parse(http(m)[2])
    check(prom_value(fams, "tern_shell_tcp_refused", "_total", reason="rate_limited") >= 1,
          "metrics: rate-limited refusals")
    check(prom_value(fams, "tern_shell_tcp_bad_secrets", "_total") == 4, "metrics: bad secrets")
    print("  TCP shell: wrong secret refused; after three more, the address is refused")


FLOOD_ATTEMPTS = 150      # connect and close (every other one by RST), each port
FLOOD_HELD = 60           # connections held open and silent, each port
FLOOD_GAP_S = 0.01        # QEMU's user network accepts from a backlog of 1:
                          # faster, the host's SYNs are dropped and retried a second later


def flood(port, attempts, held):
    """attempts connections opened and dropped at once (every other one by
    RST), then held connections opened and left silent: what tern sees as
    connections that never send a request or a secret. Returns the held
    sockets (the caller closes them)."""
    for i in range(attempts):
        try:
            s = socket.create_connection(("127.0.0.1", port), 5)
        except OSError:
            continue
        if i & 1:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        time.sleep(FLOOD_GAP_S)
    out = []
    for _ in range(held):
        try:
            out.append(socket.create_connection(("127.0.0.1", port), 5))
        except OSError:
            pass
        time.sleep(FLOOD_GAP_S)
    return out


def check_flood(m):
    """Hundreds of connection attempts and silent connections at both
    ports; with the silent ones still open, the serial console, the TCP
    shell and /metrics answer (a new connection takes the place of the
    one that has waited longest for its secret or request)."""
    t0 = time.monotonic()
    held = flood(m.shell_port, FLOOD_ATTEMPTS, FLOOD_HELD)
    held += flood(m.http_port, FLOOD_ATTEMPTS, FLOOD_HELD)
    t_flood = time.monotonic() - t0
    try:
        out = m.command("version")
        check(out.startswith("tern "), "serial console during the flood:\n" + out)
        t1 = time.monotonic()
        s = login(m)
        out = s.command("cpus")
        check(re.search(r"^2 CPUs, 2 online", out, re.M), "tcp shell after the flood: cpus:\n" + out)
        t_shell = time.monotonic() - t1
        t1 = time.monotonic()
        status, _, body = http(m)
        check(status == 200, "GET /metrics after the flood: %s" % status)
        t_http = time.monotonic() - t1
        fams = prom_parse(body)
        out = s.command("net")
        s.close()
    finally:
        for h in held:
            h.close()
    ev_shell = prom_value(fams, "tern_shell_tcp_evicted", "_total")
    ev_http = prom_value(fams, "tern_http_evicted", "_total")
    check(ev_shell and ev_shell >= FLOOD_HELD - 4 and ev_http and ev_http >= FLOOD_HELD - 8,
          "metrics after the flood: evicted shell %r, HTTP %r" % (ev_shell, ev_http))
    check(re.search(r"TCP shell on port 2323: \d+ sessions", out) and
          re.search(r"HTTP metrics on port 9100: \d+ connections", out), "net after the flood:\n" + out)
    print("  flood: %d attempts and %d silent connections a port in %.1f s; with them open, "
          "the serial console, a shell login (%.1f s) and GET /metrics (%.1f s) answered; "
          "dropped waiting: shell %d, HTTP %d"
          % (FLOOD_ATTEMPTS, FLOOD_HELD, t_flood, t_shell, t_http, ev_shell, ev_http))


def check_storm(m):
    """The INTx storm fallback: `net selftest storm` sends the e1000's
    vector to the management core while the NIC has no cause (what a
    shared line held up by another function looks like to the handler);
    the line is masked, the NIC polled, and the shell and /metrics still
    answer."""
    out = m.command("net selftest storm", timeout=60)
    mt = re.search(r"net selftest storm: pass: (\d+) interrupts sent on vector \d+: (\d+) not the NIC's", out)
    check(mt, "net selftest storm:\n" + out)
    check(re.search(r"net: eth0: 1000 interrupts in a row on GSI \d+ within 1000 ms were not the NIC's "
                    r"\(a shared line held up\): INTx masked, polled", m.transcript),
          "no storm warning in the log")
    out = m.command("net")
    check(re.search(r"interrupts: polled, \d+ \(INTx on GSI \d+ masked: a shared line held up, (\d+) not",
                    out), "net after the storm:\n" + out)
    out = m.command("net selftest storm")
    check("refused" in out and "masked already" in out, "second storm selftest:\n" + out)
    out = m.command("net selftest reset")
    check("net selftest reset: refused: the driver cannot make its device fail" in out,
          "net selftest reset on the e1000:\n" + out)
    irqs0 = re.search(r"interrupts: polled, (\d+)", m.command("net")).group(1)
    s = login(m)
    out = s.command("vm list")
    check(re.search(r"^NAME\s+STATE", out, re.M), "tcp shell after the storm:\n" + out)
    s.close()
    status, _, body = http(m)
    fams = prom_parse(body) if status == 200 else {}
    check(status == 200 and prom_value(fams, "tern_net_intx_masked", **{"if": "eth0"}) == 1 and
          prom_value(fams, "tern_net_interrupts_not_ours", "_total", **{"if": "eth0"}) >= 1000,
          "GET /metrics after the storm: %s" % status)
    irqs1 = re.search(r"interrupts: polled, (\d+)", m.command("net")).group(1)
    check(irqs0 == irqs1, "interrupts still taken after masking: %s then %s" % (irqs0, irqs1))
    print("  INTx storm: %s interrupts sent, %s not the NIC's: GSI masked, polled; "
          "the shell and /metrics answered with no interrupt taken" % (mt.group(1), mt.group(2)))


def check_bench(m):
    """`make bench`'s network benchmark scaled down (its clients in Python,
    no -icount: tern's TSC is the host's here): its figures produced and
    sane."""
    f = bench_net.tern_side(None, "virtio", 20, 5, None, tool_http="python",
                            tool_shell="python", m=m, secret=SECRET)
    fig = bench_net.figures(f)
    check(fig["http_wall"] > 0 and fig["http_emul"] > 0 and fig["shell_wall"] > 0 and
          fig["shell_emul"] > 0 and 0 < fig["polls_req"] < 20,
          "bench figures: %r from %r" % (fig, f))
    print("  bench, scaled (20 GETs, 5 x metrics, wall time): %.0f requests/s, %.0f us of "
          "tern's network path a request, shell output %.0f KiB/s"
          % (fig["http_wall"], fig["http_us"], fig["shell_wall"]))


def check_virtio_reset(m):
    """A failed virtio-net is reset and brought back: `net selftest reset`
    posts a zero-length transmit descriptor (virtio 1.1 2.6.4.1 forbids
    it); QEMU's device then sets DEVICE_NEEDS_RESET, as for its own
    faults. tern's link check finds it, resets the device and sets it up
    again; /metrics and a new shell session answer, the reset counted."""
    t0 = time.monotonic()
    out = m.command("net selftest reset")
    check("fault injected" in out, "net selftest reset:\n" + out)
    m.expect(r"net: eth0: virtio-net asks to be reset \(DEVICE_NEEDS_RESET\): resetting it", 30)
    mt = m.expect(r"net: eth0: virtio-net reset and running again after (\d+) ms \(reset 1\)", 30)
    status, _, body = http(m)
    fams = prom_parse(body) if status == 200 else {}
    check(status == 200 and prom_value(fams, "tern_net_resets", "_total", **{"if": "eth0"}) == 1 and
          prom_value(fams, "tern_net_reset_failures", "_total", **{"if": "eth0"}) == 0,
          "GET /metrics after the reset: %s" % status)
    s = login(m)
    out = s.command("net")
    s.close()
    check("working; resets 1, failed tries 0; last failure: asks to be reset (DEVICE_NEEDS_RESET)" in out
          and "BROKEN" not in out, "net after the reset:\n" + out)
    print("  virtio-net failed (DEVICE_NEEDS_RESET), reset and running again in %s ms; "
          "/metrics and a new session answered %.1f s after the fault" % (mt.group(1), time.monotonic() - t0))


def check_virtio(build):
    """virtio-net, modern only, its DMA through the IOMMU (ACCESS_PLATFORM):
    a lease, MSI-X through an IRTE, /metrics, the TCP shell."""
    m = boot(build, "qemu-net-virtio", "virtio-net-pci,disable-legacy=on,iommu_platform=on",
             "shell_secret=%s" % SECRET)
    try:
        check(re.search(r"net: eth0: virtio-net at 00:04\.0, MAC 52:54:00:12:34:56, "
                        r"MSI-X through interrupt remapping, DMA through the host domain",
                        m.transcript), "virtio-net probe line missing")
        status, _, body = http(m)
        fams = prom_parse(body) if status == 200 else {}
        rx = prom_value(fams, "tern_net_rx_packets", "_total", **{"if": "eth0"})
        check(status == 200 and rx and rx > 0, "virtio-net: GET /metrics: %s, rx %r" % (status, rx))
        s = login(m)
        out = s.command("net")
        s.close()
        check(re.search(r"^eth0: virtio-net at 00:04\.0, MAC 52:54:00:12:34:56, link up", out, re.M)
              and re.search(r"interrupts: MSI-X, [1-9]", out)
              and "ACCESS_PLATFORM" in out and "bad used 0" in out,
              "virtio-net: net over the TCP shell:\n" + out)
        for line in out.splitlines():
            if "interrupts:" in line or "virtio 1.x" in line:
                print("  " + line.strip())
        print("  virtio-net: DHCP lease, MSI-X interrupts, /metrics served, TCP shell answered")
        check_virtio_reset(m)
        check_bench(m)
    finally:
        m.stop()


def run(build):
    m = boot(build, "qemu-net", "e1000",
             "shell_secret=%s shell_timeout=%d" % (SECRET, TIMEOUT_S))
    try:
        out = m.command("net")
        print("  " + "\n  ".join(out.strip().splitlines()[:4]))
        check(re.search(r"^eth0: e1000 at 00:04\.0, MAC 52:54:00:12:34:56, link up", out, re.M),
              "net: interface:\n" + out)
        check("DMA through the host domain" in out, "net: DMA not confined:\n" + out)
        # Its INTx, routed from the line firmware wrote, wakes the core.
        check(re.search(r"interrupts: INTx, [1-9]\d* \(GSI \d+, 0 not the NIC's\)", out),
              "net: e1000 INTx:\n" + out)
        check(re.search(r"inet6 FE80::", out, re.I), "net: no IPv6 link-local address:\n" + out)
        check_http(m)
        # Before check_shell, which ends with this address refused for a
        # minute (three wrong secrets).
        check_flood(m)
        check_storm(m)
        check_shell(m)
        check("cpus" in m.command("help"), "serial console gone")
    finally:
        m.stop()

    # The e1000e: MSI through an interrupt-remapping entry; no secret,
    # so the TCP shell stays off and says so.
    m = boot(build, "qemu-net-e1000e", "e1000e", "")
    try:
        out = m.transcript
        check("TCP shell off: no shared secret" in out, "no-secret message missing")
        out = m.command("net")
        check(re.search(r"^eth0: e1000e at 00:04\.0", out, re.M) and
              re.search(r"interrupts: MSI, [1-9]", out), "net: e1000e with MSI:\n" + out)
        status, _, body = http(m)
        check(status == 200 and prom_parse(body), "e1000e: GET /metrics")
        print("  e1000e: DHCP lease, MSI interrupts, /metrics served")
    finally:
        m.stop()

    check_virtio(build)
