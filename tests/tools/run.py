#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make run`: boot tern in an emulator and attach this terminal to its
serial console. Ctrl-A then x leaves (and stops the emulator), as in QEMU;
Ctrl-A Ctrl-A sends one Ctrl-A. Ctrl-] goes through: it is what detaches
tern's `vm console`.

    run.py bochs BUILD        GRUB ISO with the test guests, Bochs, 4 CPUs (VT-x)
    run.py bochs-linux BUILD  the Linux VM ISO, Bochs, 3 CPUs: `vm console linux`
    run.py bochs-net BUILD    tern's network in Bochs (its e1000 on the socket back
                              end), the TCP shell and /metrics relayed to
                              127.0.0.1:2323 and :9100, a chatty guest
    run.py qemu-uefi BUILD    tern.efi in QEMU q35 + OVMF + VT-d, 4 CPUs
"""
import os
import select
import shutil
import sys
import termios
import tty

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
from harness import Machine  # noqa: E402
import bochs_eth  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linux"))
import guestdisk  # noqa: E402

PREFIX = 0x01  # Ctrl-A


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "bochs"
    build = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "build")
    m = Machine("run-" + kind, build)
    if kind == "bochs":
        m.bochs(os.path.join(build, "tern.iso"), cpus=4, extra=Machine.BOCHS_E1000)
    elif kind == "bochs-linux":
        # The VM's disk (tests/linux/guestdisk.py): made once, then kept,
        # so what the guest writes is there next time.
        disk = os.path.join(build, "linux", "disk.img")
        if not os.path.exists(disk):
            guestdisk.make(disk, os.path.join(build, "linux", "pkg", "busybox"))
        m.bochs(os.path.join(build, "tern-linux.iso"), cpus=3, megs=512,
                extra=Machine.BOCHS_E1000 + "\n" + Machine.bochs_ata_disk(disk, guestdisk.MODEL))
    elif kind == "bochs-net":
        # Bochs's e1000 as tern's NIC (tests/net/tern-bochs-net.cfg names
        # no device), frames over UDP on 127.0.0.1 to a host in Python
        # (tests/system/bochs_eth.py) that relays 127.0.0.1:2323 and :9100.
        import test_bochs_net
        port = test_bochs_net.udp_port_pair()
        m.bochs(os.path.join(build, "tern-net.iso"), cpus=2, megs=128,
                extra="pci: enabled=1, chipset=i440fx, slot1=e1000\n"
                      "e1000: enabled=1, mac=%s, ethmod=socket, ethdev=%d"
                      % (test_bochs_net.TERN_MAC, port))
        peer = bochs_eth.Peer(port)
        for p in (2323, 9100):
            bochs_eth.relay(peer, p, test_bochs_net.TERN_IP, p)
        print("tern: TCP shell relayed to 127.0.0.1:2323 (secret: %s), /metrics to "
              "127.0.0.1:9100\r" % test_bochs_net.SECRET)
    elif kind == "qemu-uefi":
        # tern's management network: QEMU user networking (restrict=on:
        # nothing leaves the emulator), an e1000 at 00:04.0 (00:02.0 is a
        # test VM's), the TCP shell and /metrics forwarded from 127.0.0.1.
        # TERN_SHELL_SECRET (8-63 characters) turns the TCP shell on.
        esp = os.path.join(build, "esp-run")
        shutil.rmtree(esp, ignore_errors=True)
        shutil.copytree(os.path.join(build, "esp"), esp)
        secret = os.environ.get("TERN_SHELL_SECRET", "")
        with open(os.path.join(esp, "EFI", "BOOT", "tern.cmdline"), "w") as f:
            f.write(("shell_secret=" + secret if secret else "") + "\n")
        m.qemu_uefi(esp, smp=4, mem=512, extra=[
            "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2323-:2323,"
                       "hostfwd=tcp:127.0.0.1:9100-:9100",
            "-device", "e1000,netdev=n0,addr=4"])
    else:
        sys.exit("run.py: unknown emulator '%s' (bochs, bochs-linux, bochs-net, qemu-uefi)" % kind)
    print("tern: %s started; serial console attached. Ctrl-A x quits.\r" % kind)
    interactive = sys.stdin.isatty()
    old = termios.tcgetattr(sys.stdin) if interactive else None
    try:
        if interactive:
            tty.setraw(sys.stdin.fileno())
        m.sock.settimeout(None)
        prefix = quit_ = False
        while m.proc.poll() is None:
            r, _, _ = select.select([m.sock, sys.stdin], [], [], 0.5)
            if m.sock in r:
                data = m.sock.recv(4096)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
            if sys.stdin in r:
                data = os.read(sys.stdin.fileno(), 1024)
                if not data:
                    break
                out = bytearray()
                for b in data:
                    if prefix:
                        prefix = False
                        if b in (ord("x"), ord("X")):
                            quit_ = True
                            break
                        out.append(b)  # Ctrl-A Ctrl-A, or anything else
                    elif b == PREFIX:
                        prefix = True
                    else:
                        out.append(b)
                if out:
                    m.sock.sendall(bytes(out))
                if quit_:
                    break
    finally:
        if old:
            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, old)
        m.stop()
        print("\ntern: emulator stopped; serial transcript in %s/logs/" % build)


if __name__ == "__main__":
    main()
