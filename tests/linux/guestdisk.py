#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The Linux VM's disk: a 64 MiB GPT image (tests/tools/mkdisk.py) whose
one partition, `tern-guest`, holds an ext4 filesystem with /data.bin (1 MiB,
the same bytes every time) and, given busybox-static, a minimal root
filesystem (/bin/busybox, /sbin/init) a guest boots with root=/dev/vda. tern sees it as ata0 (Bochs's second ATA
channel) and gives the partition, ata0p1, to the VM as its virtio disk
(tests/linux/tern.cfg: disk = ata0p1); Linux mounts it as /dev/vda.

    guestdisk.py IMAGE [BUSYBOX]      (prints data.bin's SHA-256)
"""
import hashlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import mkdisk  # noqa: E402

SIZE_MIB = 64
PART = "tern-guest"
MODEL = "tern guest disk"


def data():
    """1 MiB of pseudo-random bytes: a SHA-256 chain, reproducible."""
    out, h = bytearray(), b"tern"
    while len(out) < 1 << 20:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:1 << 20])


# /sbin/init of the root filesystem: says where it runs, then shells.
ROOT_INIT = """#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "TERN-LINUX-ROOT: /sbin/init running from the root filesystem on /dev/vda" > /dev/kmsg
/bin/busybox --install -s /bin
export PATH=/bin HOME=/ PS1='tern-guest# '
while :; do
	setsid cttyhack sh
	sleep 1
done
"""


def make(path, busybox=None):
    """Write the image; returns data.bin's SHA-256 (hex)."""
    blob = data()
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "data.bin"), "wb") as f:
            f.write(blob)
        if busybox:
            for sub in ("bin", "sbin", "dev", "proc", "sys", "mnt"):
                os.mkdir(os.path.join(d, sub))
            with open(busybox, "rb") as src, open(os.path.join(d, "bin", "busybox"), "wb") as dst:
                dst.write(src.read())
            with open(os.path.join(d, "sbin", "init"), "w") as f:
                f.write(ROOT_INIT)
            os.chmod(os.path.join(d, "bin", "busybox"), 0o755)
            os.chmod(os.path.join(d, "sbin", "init"), 0o755)
        mkdisk.make(path, SIZE_MIB, [(PART, SIZE_MIB - 8, d)])
    return hashlib.sha256(blob).hexdigest()


if __name__ == "__main__":
    print(make(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
