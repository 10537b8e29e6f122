#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build a gzip'ed newc initramfs: busybox-static, a /dev/console node, and
an /init that reports a marker with the CPU count through /dev/kmsg, then
runs busybox shells on the console (ttyS0, interrupt-driven through tern's
I/O APIC) with job control, one after another.

    mkinitrd.py BUSYBOX OUT.gz
"""
import gzip
import os
import sys

INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
n=$(/bin/busybox grep -c ^processor /proc/cpuinfo)
echo "TERN-LINUX-INIT: /init running, $n CPU(s) in /proc/cpuinfo" > /dev/kmsg
/bin/busybox --install -s /bin
export PATH=/bin HOME=/ PS1='tern-guest# '
while :; do
	setsid cttyhack sh
	echo "TERN-LINUX-INIT: the shell ended; starting another" > /dev/kmsg
	sleep 1
done
"""


def entry(name, mode, data=b"", rdev=(0, 0), ino=[1]):
    ino[0] += 1
    hdr = "070701" + "".join("%08X" % v for v in (
        ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name) + 1, 0))
    out = hdr.encode() + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def main():
    busybox, out = sys.argv[1], sys.argv[2]
    cpio = b""
    for d in ("bin", "dev", "proc", "sys"):
        cpio += entry(d, 0o040755)
    cpio += entry("dev/console", 0o020600, rdev=(5, 1))
    cpio += entry("bin/busybox", 0o100755, open(busybox, "rb").read())
    cpio += entry("init", 0o100755, INIT.encode())
    cpio += entry("TRAILER!!!", 0)
    with gzip.open(out, "wb", compresslevel=6) as f:
        f.write(cpio)


if __name__ == "__main__":
    main()
