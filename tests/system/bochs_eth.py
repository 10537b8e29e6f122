# SPDX-License-Identifier: GPL-2.0
"""A host on Bochs's `ethmod=socket` wire, for tests that reach tern's
network in Bochs: a minimal Ethernet/ARP/IPv4/TCP client in Python.

Bochs 2.7's socket back end carries raw Ethernet frames (no FCS), one a
UDP datagram on the loopback: it binds UDP port N (`ethdev=N`) and reads
one datagram every 1000 emulated microseconds, passing on frames for its
MAC or broadcast while the NIC can receive; what the NIC sends goes to
127.0.0.1:N+1. This peer binds N+1 on 127.0.0.1 and sends to N: nothing
leaves the machine, and the addresses inside the frames never reach the
host's own IP stack.

The TCP side is just enough for a shell session: active open with MSS,
stop-and-wait sending (what a person types is small) with retransmission,
in-order receiving (a segment past the next expected byte is dropped and
the expected byte ACKed again, so tern's lwIP retransmits), FIN and RST."""
import random
import socket
import struct
import threading
import time

ETH_ARP, ETH_IP = 0x0806, 0x0800
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
BROADCAST = b"\xff" * 6


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ip_bytes(text):
    return socket.inet_aton(text)


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Peer:
    """One host on the wire: answers ARP for its address, demultiplexes
    TCP segments to its connections. A thread reads the socket."""

    def __init__(self, port, mac="52:54:00:aa:bb:02", ip="10.0.2.2"):
        self.mac, self.ip = mac_bytes(mac), ip_bytes(ip)
        self.bochs = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port + 1))
        self.sock.settimeout(0.1)
        self.arp = {}
        self.conns = {}
        self.frames_in = self.frames_out = 0
        self.cv = threading.Condition()
        self.running = True
        self.thread = threading.Thread(target=self._rx_loop, daemon=True)
        self.thread.start()

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()

    def send_frame(self, dst, ethertype, payload):
        frame = dst + self.mac + struct.pack("!H", ethertype) + payload
        frame += b"\0" * max(0, 60 - len(frame))
        self.sock.sendto(frame, self.bochs)
        self.frames_out += 1

    def _arp(self, op, tha, tpa):
        return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, op, self.mac, self.ip, tha, tpa)

    def resolve(self, ip, timeout=30):
        """The MAC of ip, asking by ARP once a second."""
        ipb = ip_bytes(ip)
        deadline = time.monotonic() + timeout
        with self.cv:
            while ipb not in self.arp:
                if time.monotonic() > deadline:
                    raise TimeoutError("no ARP reply from %s" % ip)
                self.send_frame(BROADCAST, ETH_ARP, self._arp(1, b"\0" * 6, ipb))
                self.cv.wait(1.0)
            return self.arp[ipb]

    def send_ip(self, dst_ip, proto, payload):
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), random.getrandbits(16),
                          0x4000, 64, proto, 0, self.ip, dst_ip)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        self.send_frame(self.arp[dst_ip], ETH_IP, hdr + payload)

    def _rx_loop(self):
        while self.running:
            try:
                frame = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.frames_in += 1
            if len(frame) < 14 or frame[:6] not in (self.mac, BROADCAST):
                continue
            etype = struct.unpack("!H", frame[12:14])[0]
            with self.cv:
                if etype == ETH_ARP:
                    self._rx_arp(frame[14:])
                elif etype == ETH_IP:
                    self._rx_ip(frame[14:])
                self.cv.notify_all()

    def _rx_arp(self, p):
        if len(p) < 28:
            return
        op, sha, spa, _, tpa = struct.unpack("!6xH6s4s6s4s", p[:28])
        self.arp[spa] = sha
        if op == 1 and tpa == self.ip:
            self.send_frame(sha, ETH_ARP, self._arp(2, sha, spa))

    def _rx_ip(self, p):
        if len(p) < 20 or p[0] >> 4 != 4:
            return
        ihl = (p[0] & 15) * 4
        total = struct.unpack("!H", p[2:4])[0]
        if p[9] != 6 or p[16:20] != self.ip or csum(p[:ihl]) != 0:
            return
        src = p[12:16]
        seg = p[ihl:total]
        if len(seg) < 20 or csum(self._pseudo(src, self.ip, seg) + seg) != 0:
            return
        sport, dport = struct.unpack("!HH", seg[:4])
        conn = self.conns.get((src, sport, dport))
        if conn:
            conn.segment(seg)

    @staticmethod
    def _pseudo(src, dst, seg):
        return src + dst + struct.pack("!BBH", 0, 6, len(seg))

    def connect(self, ip, port, timeout=60):
        return Conn(self, ip, port, timeout)

    def tcp_segment(self, dst_ip, sport, dport, seq, ack, flags, data=b"", opts=b""):
        """One TCP segment, outside any connection (floods, resets)."""
        off = (20 + len(opts)) // 4
        seg = struct.pack("!HHIIHHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                          (off << 12) | flags, 65535, 0, 0) + opts + data
        c = csum(self._pseudo(self.ip, dst_ip, seg) + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        self.send_ip(dst_ip, 6, seg)

    def free_port(self, rport):
        """A local port no connection of ours to rport uses (a random one
        could take an open session's, and its segments would go astray)."""
        with self.cv:
            used = set(lp for (_, p, lp) in self.conns if p == rport)
        while True:
            lp = random.randint(20000, 60000)
            if lp not in used:
                return lp

    def syn_flood(self, ip, port, count):
        """count SYNs from as many source ports, never completed: half-open
        connections on the other side (its SYN-ACKs are ignored here)."""
        dst = ip_bytes(ip)
        self.resolve(ip)
        with self.cv:
            for i in range(count):
                self.tcp_segment(dst, 10000 + i, port, random.getrandbits(32), 0, SYN,
                                 opts=struct.pack("!BBH", 2, 4, 1460))


class Conn:
    """A TCP connection from the peer (the peer's lock guards its state)."""

    RTO = 1.0
    MSS = 1000

    def __init__(self, peer, ip, port, timeout):
        self.peer, self.rip, self.rport = peer, ip_bytes(ip), port
        self.lport = peer.free_port(port)
        self.snd_una = self.snd_nxt = random.getrandbits(32)
        self.rcv_nxt = None
        self.buf = bytearray()
        self.fin = self.reset = self.established = False
        self.why = None
        self.retransmits = 0
        peer.resolve(ip)
        with peer.cv:
            peer.conns[(self.rip, port, self.lport)] = self
            isn = self.snd_nxt
            self.snd_nxt = (self.snd_nxt + 1) & 0xffffffff
            deadline = time.monotonic() + timeout
            while not self.established:
                if self.reset:
                    raise ConnectionRefusedError("RST from %s:%d" % (ip, port))
                if time.monotonic() > deadline:
                    raise TimeoutError("no SYN-ACK from %s:%d" % (ip, port))
                self._send(SYN, isn, 0, b"", opts=struct.pack("!BBH", 2, 4, 1460))
                self._wait(lambda: self.established or self.reset)
            self._send(ACK, self.snd_nxt, self.rcv_nxt)

    def _wait(self, cond):
        """Until cond() or one retransmission time-out (the peer's lock
        held; every frame received wakes the waiters, so wait again)."""
        end = time.monotonic() + self.RTO
        while not cond():
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.peer.cv.wait(left)
        return True

    def _send(self, flags, seq, ack, data=b"", opts=b""):
        self.peer.tcp_segment(self.rip, self.lport, self.rport, seq, ack or 0, flags, data, opts)

    def segment(self, seg):
        """A segment for this connection (called with the lock held)."""
        seq, ack, offflags = struct.unpack("!IIH", seg[4:14])
        flags, data = offflags & 0x3f, seg[(offflags >> 12) * 4:]
        if flags & RST:
            self.reset = True
            self.why = "RST seq %d ack %d (expected seq %s)" % (seq, ack, self.rcv_nxt)
            return
        if not self.established:
            if flags & SYN and flags & ACK and ack == self.snd_nxt & 0xffffffff:
                self.rcv_nxt = (seq + 1) & 0xffffffff
                self.snd_una = ack
                self.established = True
            return
        if flags & ACK and ((ack - self.snd_una) & 0xffffffff) <= ((self.snd_nxt - self.snd_una) & 0xffffffff):
            self.snd_una = ack
        if seq == self.rcv_nxt:
            self.buf += data
            self.rcv_nxt = (self.rcv_nxt + len(data)) & 0xffffffff
            if flags & FIN:
                self.fin = True
                self.why = "FIN after %r" % bytes(self.buf[-200:])
                self.rcv_nxt = (self.rcv_nxt + 1) & 0xffffffff
        if data or flags & FIN:
            self._send(ACK, self.snd_nxt, self.rcv_nxt)

    def send(self, data, timeout=60):
        """Sends data, a segment at a time, each until ACKed."""
        deadline = time.monotonic() + timeout
        with self.peer.cv:
            for i in range(0, len(data), self.MSS):
                chunk = data[i:i + self.MSS]
                seq = self.snd_nxt
                self.snd_nxt = (self.snd_nxt + len(chunk)) & 0xffffffff
                first = True
                while self.snd_una != self.snd_nxt:
                    if self.reset or self.fin:
                        raise ConnectionResetError("connection closed by tern: %s" % self.why)
                    if time.monotonic() > deadline:
                        raise TimeoutError("data not acknowledged")
                    if not first:
                        self.retransmits += 1
                    first = False
                    self._send(ACK | PSH, seq, self.rcv_nxt, chunk)
                    self._wait(lambda: self.snd_una == self.snd_nxt or self.reset or self.fin)

    def recv(self, timeout=0.2):
        """What arrived (bytes, maybe empty) within timeout."""
        with self.peer.cv:
            if not self.buf and not self.fin and not self.reset:
                self.peer.cv.wait(timeout)
            out = bytes(self.buf)
            self.buf.clear()
            return out

    @property
    def closed(self):
        return self.fin or self.reset

    def close(self):
        with self.peer.cv:
            if not self.reset:
                self._send(FIN | ACK, self.snd_nxt, self.rcv_nxt)
                self.snd_nxt = (self.snd_nxt + 1) & 0xffffffff
            self.peer.conns.pop((self.rip, self.rport, self.lport), None)

    def abort(self):
        """Leaves by RST."""
        with self.peer.cv:
            if not self.reset:
                self._send(RST | ACK, self.snd_nxt, self.rcv_nxt)
            self.peer.conns.pop((self.rip, self.rport, self.lport), None)

    def read_all(self, timeout=60):
        """Everything until the other side closes."""
        deadline = time.monotonic() + timeout
        out = b""
        while not self.closed and time.monotonic() < deadline:
            out += self.recv(0.5)
        return out + self.recv(0)


def relay(peer, listen_port, ip, port):
    """Forwards TCP connections to 127.0.0.1:listen_port on the host to
    ip:port on the wire (a thread per connection): tern's shell in Bochs
    for socat or telnet. Returns the listening socket (close it to stop)."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(4)

    def pump(cs):
        try:
            conn = peer.connect(ip, port)
        except OSError:
            cs.close()
            return
        cs.settimeout(0.05)
        try:
            while not conn.closed:
                try:
                    data = cs.recv(4096)
                    if not data:
                        break
                    conn.send(data)
                except socket.timeout:
                    pass
                out = conn.recv(0.05)
                if out:
                    cs.sendall(out)
            cs.sendall(conn.recv(0))
        except OSError:
            pass
        conn.close()
        cs.close()

    def accept():
        while True:
            try:
                cs, _ = ls.accept()
            except OSError:
                return
            threading.Thread(target=pump, args=(cs,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return ls
