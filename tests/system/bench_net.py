#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: tern's network services, beside the host's own.

Two workloads, against tern in QEMU TCG (q35, OVMF, VT-d; user networking
forwarding 127.0.0.1 ports) with each of its NIC drivers, and against a
trivial server on the host as the reference:
  - GET /metrics: REQUESTS sequential requests by one curl process, a new
    connection each (tern answers one request per connection; so does
    python3 -m http.server, HTTP/1.0). The reference serves a file of the
    size tern's answer had.
  - shell output: one TCP shell session (socat) runs `metrics` COMMANDS
    times and exits; the bytes received over the time from connecting to
    tern closing. The reference: socat reading the same kind of stream
    from a local TCP server (python3) that sends at least 64 MiB, so that
    socat's own start-up does not count.

Figures, per workload: per wall-clock second (what the client saw; for
tern that is QEMU TCG's speed on this host), and for tern per emulated
second of the management core's network path: QEMU runs with
-icount shift=SHIFT (default 0: one instruction, one emulated ns, a 1 GHz
core that retires one instruction a cycle), so tern's TSC counts
instructions, and tern's tern_net_poll_tsc_total{polls="frames"} (the
polls that received frames: driver, lwIP, HTTP or the shell, the
commands run and their output) is the work the requests cost. Polls that
found nothing (the price of polling) and the time the emulated machine
waited for the host are left out: they depend on the host, not on tern.
Repeatable to a few per cent (batching of frames per poll varies).

A request not answered in 10 s is counted as lost and its time left out:
QEMU's user networking now and then (after a few thousand connections)
does not pass a connection on to the guest at all; more than 1% lost
fails the run.

Output (stable; the README documents it): a header line, then one row
per figure with one column per tern NIC (e1000: INTx; virtio:
virtio-net-pci, modern, MSI-X, ACCESS_PLATFORM) and the host reference;
"-" where a figure does not apply.

Usage: bench_net.py BUILD [--requests N] [--commands N] [--shift S|off]
                          [--nics e1000,virtio]"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Machine, TestFailure, check, free_port  # noqa: E402

SECRET = "tern-bench-secret"
NICS = {"e1000": "e1000", "virtio": "virtio-net-pci,disable-legacy=on,iommu_platform=on"}
SHELL_CMD = "metrics"
HOST_STREAM_MIN = 64 << 20
REQ_TIMEOUT_S = 10


def boot(build, name, nic, shift):
    # The ESP as `make esp` lays it out, made here from what `make all`
    # built (tern.efi, the test guests and their tern.cfg: 36 VMs, so
    # /metrics has their families too).
    esp = os.path.join(os.path.abspath(build), "esp-" + name)
    shutil.rmtree(esp, ignore_errors=True)
    os.makedirs(os.path.join(esp, "EFI", "BOOT"))
    shutil.copy(os.path.join(build, "tern.efi"), os.path.join(esp, "EFI", "BOOT", "BOOTX64.EFI"))
    for f in os.listdir(os.path.join(build, "modules")):
        shutil.copy(os.path.join(build, "modules", f), os.path.join(esp, "EFI", "BOOT", f))
    with open(os.path.join(esp, "EFI", "BOOT", "tern.cmdline"), "w") as f:
        f.write("shell_secret=%s\n" % SECRET)
    m = Machine(name, build)
    m.shell_port, m.http_port = free_port(), free_port()
    extra = ["-netdev", "user,id=n0,restrict=on,"
                        "hostfwd=tcp:127.0.0.1:%d-:2323,hostfwd=tcp:127.0.0.1:%d-:9100"
                        % (m.shell_port, m.http_port),
             "-device", "%s,netdev=n0,addr=4" % nic]
    if shift is not None:
        extra += ["-icount", "shift=%d,sleep=on" % shift]
    m.qemu_uefi(esp, smp=2, mem=256, extra=extra)
    m.boot_to_prompt(timeout=300)
    m.expect(r"net: eth0: \S+ netmask \S+ gateway \S+ \(DHCP lease\)", 120)
    return m


# ---- what tern says about itself (serial console: not the network path) ----

def tern_counters(m):
    """The network path's TSC ticks and polls, and the TSC rate."""
    out = m.command("net")
    p = re.search(r"polls: (\d+) with frames, (\d+) TSC ticks; (\d+) without, (\d+) TSC ticks",
                  out)
    up = re.search(r"tsc (\d+)\.(\d+) MHz", m.command("uptime"))
    if not p or not up:
        raise TestFailure("net/uptime without the poll counters or the TSC rate:\n" + out)
    return {"polls": int(p.group(1)), "ticks": int(p.group(2)), "idle_polls": int(p.group(3)),
            "idle_ticks": int(p.group(4)),
            "hz": (int(up.group(1)) * 1000 + int(up.group(2))) * 1000}


# ---- clients ----

def http_run(port, n, path="/metrics", tool=None):
    """n sequential GETs; returns (seconds, statuses, bytes of an answer,
    tool). curl when there is one (its per-transfer times: its start-up
    left out), else urllib. A request unanswered in REQ_TIMEOUT_S has
    status 0 and its time is not counted: QEMU's user networking now and
    then (after a few thousand connections) does not pass a connection on
    to the guest at all, which is the host's doing, not tern's."""
    url = "http://127.0.0.1:%d%s" % (port, path)
    secs, codes, size = 0.0, [], 0
    if (tool or ("curl" if shutil.which("curl") else "python")) == "curl":
        with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as cfg:
            for _ in range(n):
                cfg.write('url = "%s"\noutput = "/dev/null"\nmax-time = %d\n'
                          % (url, REQ_TIMEOUT_S))
        try:
            r = subprocess.run(["curl", "-s", "-K", cfg.name, "-w",
                                "%{http_code} %{size_download} %{time_total}\\n"],
                               capture_output=True, text=True,
                               timeout=60 + n * (REQ_TIMEOUT_S + 1))
        finally:
            os.unlink(cfg.name)
        for x in (ln.split() for ln in r.stdout.splitlines() if ln.strip()):
            codes.append(int(x[0]))
            if codes[-1]:
                secs += float(x[2])
                size = int(x[1])
        return secs, codes, size, "curl"
    for _ in range(n):
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=REQ_TIMEOUT_S) as r:
                size = len(r.read())
                codes.append(r.status)
            secs += time.monotonic() - t0
        except (OSError, urllib.error.URLError):
            codes.append(0)
    return secs, codes, size, "python"


def _socket_stream(port, send, timeout=600):
    """Connect, send, read to the end: (seconds, bytes received)."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), 30)
    s.settimeout(timeout)
    if send:
        s.sendall(send)
    got = 0
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        got += len(d)
    s.close()
    return time.monotonic() - t0, got


def shell_run(port, secret, commands, tool=None):
    """A TCP shell session: the secret, `metrics` commands times, exit;
    returns (seconds, bytes received, tool). The session's input goes in
    at once (tern processes it in order); the write side is not shut, so
    tern closes at `exit` with every byte sent."""
    data = (secret + "\r\n" + (SHELL_CMD + "\r\n") * commands + "exit\r\n").encode()
    if (tool or ("socat" if shutil.which("socat") else "python")) == "socat":
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            t0 = time.monotonic()
            r = subprocess.run(["socat", "-t", "600", "-T", "120", "-",
                                "TCP:127.0.0.1:%d,shut-none" % port],
                               stdin=f, stdout=subprocess.PIPE, timeout=900)
            secs = time.monotonic() - t0
        return secs, len(r.stdout), "socat"
    secs, got = _socket_stream(port, data)
    return secs, got, "python"


# ---- the host's reference servers ----

def host_http(n, size, tool=None):
    """python3 -m http.server on 127.0.0.1 serving a file of `size` bytes."""
    d = tempfile.mkdtemp(prefix="tern-bench-http-")
    with open(os.path.join(d, "metrics"), "wb") as f:
        f.write(b"x" * size)
    port = free_port()
    srv = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                            "--directory", d], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TestFailure("python3 -m http.server did not start")
                time.sleep(0.05)
        return http_run(port, n, tool=tool)
    finally:
        srv.terminate()
        srv.wait()
        shutil.rmtree(d, ignore_errors=True)


def host_stream(nbytes, tool=None):
    """A local TCP server that sends nbytes and closes; the client reads
    it all (socat, as for tern, or a socket)."""
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    chunk = b"tern_net_rx_packets_total{if=\"eth0\"} 12345\r\n" * 1400

    def serve():
        c, _ = lsock.accept()
        left = nbytes
        while left > 0:
            n = c.send(chunk[:left])
            left -= n
        c.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        if (tool or ("socat" if shutil.which("socat") else "python")) == "socat":
            t0 = time.monotonic()
            r = subprocess.run(["socat", "-u", "TCP:127.0.0.1:%d" % port, "STDOUT"],
                               stdout=subprocess.PIPE, timeout=300)
            return time.monotonic() - t0, len(r.stdout), "socat"
        secs, got = _socket_stream(port, b"")
        return secs, got, "python"
    finally:
        t.join(30)
        lsock.close()


# ---- one tern run ----

def tern_side(build, nic, requests, commands, shift, tool_http=None, tool_shell=None, m=None,
              secret=SECRET):
    """Both workloads against one booted tern (booted here unless m is
    given, with its shell secret). Returns the raw counts."""
    own = m is None
    if own:
        m = boot(build, "bench-net-" + nic, NICS[nic], shift)
    try:
        f = {"nic": nic}
        http_run(m.http_port, 2, tool=tool_http)	# ARP, first connection: warmed
        # The answer's size, for the reference's file (and the report).
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % m.http_port, timeout=60) as r:
            answer = len(r.read())
        c0 = tern_counters(m)
        secs, codes, _, f["http_tool"] = http_run(m.http_port, requests, tool=tool_http)
        c1 = tern_counters(m)
        ok = codes.count(200)
        check(len(codes) == requests and ok + codes.count(0) == requests and
              codes.count(0) <= max(1, requests // 100),
              "GET /metrics: %d answers, statuses %s" % (len(codes), sorted(set(codes))))
        f.update(http_n=ok, http_lost=requests - ok, http_secs=secs, http_size=answer, hz=c1["hz"],
                 http_ticks=c1["ticks"] - c0["ticks"], http_polls=c1["polls"] - c0["polls"])
        secs, got, f["shell_tool"] = shell_run(m.shell_port, secret, commands, tool=tool_shell)
        c2 = tern_counters(m)
        check(got > commands * 1000, "shell: %d bytes for %d commands" % (got, commands))
        # Polls with frames: at least one a request, less one where the
        # end of one request and the start of the next arrive together.
        check(f["http_ticks"] > 0 and f["http_polls"] >= requests // 4 and
              c2["ticks"] > c1["ticks"],
              "tern's network path did not count the work: %r %r %r" % (c0, c1, c2))
        f.update(shell_cmds=commands, shell_secs=secs, shell_bytes=got,
                 shell_ticks=c2["ticks"] - c1["ticks"], shell_polls=c2["polls"] - c1["polls"])
        return f
    finally:
        if own:
            m.stop()


def figures(f):
    """The rows: wall-clock and (for tern) emulated rates."""
    out = {"http_size": f.get("http_size", 0), "http_lost": f.get("http_lost", 0),
           "http_wall": f["http_n"] / f["http_secs"] if f["http_secs"] else 0,
           "shell_wall": f["shell_bytes"] / 1024.0 / f["shell_secs"] if f["shell_secs"] else 0}
    if "http_ticks" in f:
        hs = f["http_ticks"] / float(f["hz"])
        ss = f["shell_ticks"] / float(f["hz"])
        out.update(http_emul=f["http_n"] / hs if hs else 0,
                   http_us=hs * 1e6 / f["http_n"],
                   shell_emul=f["shell_bytes"] / 1024.0 / ss if ss else 0,
                   polls_req=f["http_polls"] / float(f["http_n"]))
    return out


def report(runs, host, shift, requests, commands):
    cols = [r["nic"] for r in runs] + (["host"] if host else [])
    fig = [figures(r) for r in runs] + ([figures(host)] if host else [])
    clock = ("-icount shift=%d: 1 instruction = %d emulated ns" % (shift, 1 << shift)
             if shift is not None else "no -icount: tern's TSC is the host's (wall time)")
    tools = sorted({r["http_tool"] for r in runs + ([host] if host else [])} |
                   {r["shell_tool"] for r in runs + ([host] if host else [])})
    lines = ["network benchmark: QEMU TCG q35 + OVMF + VT-d, %s; GET /metrics x %d, "
             "shell '%s' x %d; clients: %s; host: python3 -m http.server, a local TCP stream"
             % (clock, requests, SHELL_CMD, commands, ", ".join(tools))]

    def row(name, key, fmt):
        cells = []
        for f in fig:
            cells.append(fmt % f[key] if key in f else "-")
        lines.append("  %-40s" % name + "".join("%14s" % c for c in cells))
    emul = "emulated" if shift is not None else "tern TSC"
    lines.append("  %-40s" % "figure" + "".join("%14s" % c for c in cols))
    row("GET /metrics: bytes an answer", "http_size", "%d")
    row("GET /metrics: requests/s (wall)", "http_wall", "%.1f")
    row("GET /metrics: requests/s (%s)" % emul, "http_emul", "%.1f")
    row("GET /metrics: %s us/request" % emul, "http_us", "%.0f")
    row("GET /metrics: polls with frames/request", "polls_req", "%.1f")
    row("GET /metrics: lost before tern (QEMU)", "http_lost", "%d")
    row("shell output: KiB/s (wall)", "shell_wall", "%.1f")
    row("shell output: KiB/s (%s)" % emul, "shell_emul", "%.1f")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--commands", type=int, default=200)
    ap.add_argument("--shift", default="0", help="-icount shift, or off")
    ap.add_argument("--nics", default="e1000,virtio")
    a = ap.parse_args()
    shift = None if a.shift == "off" else int(a.shift)
    runs = []
    for nic in a.nics.split(","):
        runs.append(tern_side(a.build, nic, a.requests, a.commands, shift))
    size = runs[-1]["http_size"]
    total = max(sum(r["shell_bytes"] for r in runs) // len(runs), HOST_STREAM_MIN)
    host = {"nic": "host", "http_n": a.requests, "http_size": size}
    secs, codes, _, host["http_tool"] = host_http(a.requests, size)
    check(all(c == 200 for c in codes), "host http.server: statuses %s" % sorted(set(codes)))
    host["http_secs"] = secs
    host["shell_secs"], host["shell_bytes"], host["shell_tool"] = host_stream(total)
    print("\n".join(report(runs, host, shift, a.requests, a.commands)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
