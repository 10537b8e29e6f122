#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build a gzip'ed newc initramfs: busybox-static and an /init that prints
a marker with the CPU count and ends the VM through port 0xf4 (/dev/port).

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
echo "TERN-LINUX-INIT: /init running, $n CPU(s) in /proc/cpuinfo"
/bin/busybox sleep 1
printf '\000' | /bin/busybox dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
exec /bin/busybox sh
"""


def entry(name, mode, data=b"", ino=[1]):
    ino[0] += 1
    hdr = "070701" + "".join("%08X" % v for v in (
        ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
    out = hdr.encode() + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def main():
    busybox, out = sys.argv[1], sys.argv[2]
    cpio = b""
    for d in ("bin", "dev", "proc", "sys"):
        cpio += entry(d, 0o040755)
    cpio += entry("bin/busybox", 0o100755, open(busybox, "rb").read())
    cpio += entry("init", 0o100755, INIT.encode())
    cpio += entry("TRAILER!!!", 0)
    with gzip.open(out, "wb", compresslevel=6) as f:
        f.write(cpio)


if __name__ == "__main__":
    main()
