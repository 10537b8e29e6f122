#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The Linux VM's disk: a 64 MiB GPT image (tests/tools/mkdisk.py) whose
one partition, `tern-guest`, holds an ext4 filesystem with /data.bin (1 MiB,
the same bytes every time). tern sees it as ata0 (Bochs's second ATA
channel) and gives the partition, ata0p1, to the VM as its virtio disk
(tests/linux/tern.cfg: disk = ata0p1); Linux mounts it as /dev/vda.

    guestdisk.py IMAGE      (prints data.bin's SHA-256)
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


def make(path):
    """Write the image; returns data.bin's SHA-256 (hex)."""
    blob = data()
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "data.bin"), "wb") as f:
            f.write(blob)
        mkdisk.make(path, SIZE_MIB, [(PART, SIZE_MIB - 8, d)])
    return hashlib.sha256(blob).hexdigest()


if __name__ == "__main__":
    print(make(sys.argv[1]))
