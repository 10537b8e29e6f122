# SPDX-License-Identifier: GPL-2.0
"""Bochs, 2 cores, VT-x: the TCP shell over the e1000, and `vm console` over TCP.

Bochs's e1000 is tern's own NIC here (tests/net/tern-bochs-net.cfg names
no device; static ip=10.0.2.15/24), its back end `ethmod=socket`: raw
Ethernet frames in UDP datagrams on 127.0.0.1, to and from a minimal
ARP/IPv4/TCP client in Python (tests/system/bochs_eth.py). Checked: the
shell reached with the secret and refused a wrong one; `vm start chatty`
and `vm console chatty` over TCP: the guest's history and its live output
arrive in the session (what is typed then goes to the guest's UART; chatty
never reads it), the session detaches when the VM stops, Ctrl-] detaches
from a running one, and the session ends with `exit`; a second
attach sees the VM stopped; the serial console answers throughout."""
import os
import re
import socket
import time

from bochs_eth import Peer
from harness import Machine, TestFailure, check, prom_parse, prom_value

SECRET = "tern-bochs-secret"
TERN_IP = "10.0.2.15"
TERN_MAC = "52:54:00:12:34:56"


def udp_port_pair():
    """Two free consecutive UDP ports on 127.0.0.1: Bochs takes N, the peer N+1."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        n = s.getsockname()[1]
        s.close()
        if n >= 65535:
            continue
        t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", n + 1))
        except OSError:
            continue
        finally:
            t.close()
        return n
    raise TestFailure("no two consecutive free UDP ports")


class Session:
    """A TCP shell session through the peer, read like the serial console."""

    def __init__(self, peer, port=2323):
        self.conn = peer.connect(TERN_IP, port)
        self.buf = ""
        self.seen = ""

    def read(self, timeout=0.2):
        data = self.conn.recv(timeout).decode("latin-1").replace("\r", "")
        self.buf += data
        self.seen += data
        return data

    def expect(self, pattern, timeout=60):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            mt = rx.search(self.buf)
            if mt:
                self.buf = self.buf[mt.end():]
                return mt
            if time.monotonic() > deadline or (self.conn.closed and not self.read()):
                raise TestFailure("tcp shell in Bochs: no /%s/ (closed %s) in:\n%s"
                                  % (pattern, self.conn.closed, self.buf[-1500:]))
            self.read()

    def send(self, text):
        self.conn.send(text.encode("latin-1"))

    def command(self, cmd, timeout=60):
        self.buf = ""
        self.send(cmd + "\r\n")
        return self.expect(re.escape(cmd) + r"\n((?:.|\n)*?)^tern> ", timeout).group(1)


def run(build):
    port = udp_port_pair()
    m = Machine("bochs_net", build)
    peer = None
    try:
        t0 = time.monotonic()
        m.bochs(os.path.join(m.build, "tern-net.iso"), cpus=2, megs=128,
                extra="pci: enabled=1, chipset=i440fx, slot1=e1000\n"
                      "e1000: enabled=1, mac=%s, ethmod=socket, ethdev=%d" % (TERN_MAC, port))
        m.boot_to_prompt(timeout=120)
        out = m.command("net")
        check(re.search(r"e1000", out) and TERN_IP in out, "net in Bochs:\n" + out)
        print("  booted in %.1f s; net: e1000, %s" % (time.monotonic() - t0, TERN_IP))
        peer = Peer(port)

        # A wrong secret, then the right one.
        s = Session(peer)
        s.expect(r"secret: ")
        s.send("not-the-secret\r\n")
        s.expect(r"secret: ", 30)
        s.send(SECRET + "\r\n")
        s.expect(r"^tern> ", 30)
        t_login = time.monotonic()
        out = s.command("vm list")
        check(re.search(r"^chatty\s+defined", out, re.M), "vm list over TCP:\n" + out)
        print("  TCP shell in Bochs: logged in after one wrong secret (%d frames in, %d out)"
              % (peer.frames_in, peer.frames_out))

        out = s.command("vm start chatty")
        check("vm chatty started" in out, "vm start chatty over TCP:\n" + out)
        s.buf = ""
        s.send("vm console chatty\r\n")
        s.expect(r"\[attached to vm chatty's COM1; Ctrl-\] detaches\]", 120)
        s.expect(r"guest: chatty: history written; waiting", 120)
        # Typed at the guest: it never reads, but its receiver takes it.
        s.send("hello guest")
        s.expect(r"guest: chatty: the last line", 120)
        s.expect(r"\[detached from vm chatty, stopped\]\n", 60)
        s.expect(r"^tern> ", 30)
        lines = s.seen.count("guest: chatty: a line of the history")
        check(lines >= 100, "only %d history lines reached the TCP session" % lines)
        print("  vm console over TCP: %d history lines, the live lines, detached when the VM stopped"
              % lines)

        # Attach to a running VM again and leave by Ctrl-].
        out = s.command("vm start chatty")
        check("vm chatty started" in out, "second vm start:\n" + out)
        s.buf = ""
        s.send("vm console chatty\r\n")
        s.expect(r"\[attached to vm chatty's COM1; Ctrl-\] detaches\]", 120)
        s.expect(r"guest: chatty: a line of the history", 60)
        out = m.command("vm list")
        check(re.search(r"^chatty\s+running", out, re.M), "serial vm list while attached:\n" + out)
        s.send("\x1d")
        s.expect(r"\[detached from vm chatty, running\]\n", 60)
        s.expect(r"^tern> ", 30)
        out = s.command("cpus")
        check(re.search(r"^1\s+1\s+online\s+guest", out, re.M), "cpus over TCP after detach:\n" + out)
        print("  Ctrl-] detached from the running VM; the serial console answered meanwhile")

        m.command("vm stop chatty", timeout=60)
        fams = prom_parse(s.command("metrics"))
        sessions = prom_value(fams, "tern_shell_tcp_sessions", "_total")
        bad = prom_value(fams, "tern_shell_tcp_bad_secrets", "_total")
        check(sessions == 1 and bad == 1, "metrics: sessions %r, bad secrets %r" % (sessions, bad))
        s.send("exit\r\n")
        s.expect(r"bye", 30)
        print("  session: %.1f s; %d frames in, %d out, %d retransmits by the peer"
              % (time.monotonic() - t_login, peer.frames_in, peer.frames_out,
                 s.conn.retransmits))
        out = m.command("net")
        check("TCP shell on port 2323: 1 sessions" in out, "net after the session:\n" + out)
    finally:
        if peer:
            peer.close()
        m.stop()
