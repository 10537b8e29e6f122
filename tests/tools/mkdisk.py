#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Disk images for the tests, without root: a GPT (UEFI 2.10 5.3) with named
partitions, each empty or holding an ext4 filesystem made by mke2fs -d from
a directory. Sizes in MiB; partitions start on 1 MiB boundaries.

    mkdisk.py IMAGE SIZE_MIB NAME:SIZE_MIB[:DIR] ...

A partition given DIR gets `mke2fs -t ext4 -b 4096 -d DIR` (4 KiB blocks:
the virtio disk tern gives guests has 4 KiB logical blocks).

As a module: extract(image, name, out) copies a partition to a file.
"""
import os
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib

SECTOR = 512
MIB = 1 << 20
ENTRIES = 128
ENTRY_SIZE = 128
LINUX_FS = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4")


def _header(my_lba, alt_lba, first, last, disk_guid, entries_lba, entries_crc):
    fields = [b"EFI PART", 0x00010000, 92, 0, 0, my_lba, alt_lba, first, last,
              disk_guid.bytes_le, entries_lba, ENTRIES, ENTRY_SIZE, entries_crc]
    fmt = "<8sIIIIQQQQ16sQIII"
    crc = zlib.crc32(struct.pack(fmt, *fields))
    fields[3] = crc
    return struct.pack(fmt, *fields).ljust(SECTOR, b"\0")


def make(image, size_mib, parts):
    """parts: [(name, size_mib, dir or None)]; returns [(name, start, count)] in sectors."""
    total = size_mib * MIB // SECTOR
    layout, lba = [], MIB // SECTOR
    for name, size, _ in parts:
        count = size * MIB // SECTOR
        layout.append((name, lba, count))
        lba += count
    last_usable = total - 34
    if lba - 1 > last_usable:
        raise SystemExit("mkdisk: partitions do not fit in %d MiB" % size_mib)
    entries = b""
    for name, start, count in layout:
        entries += struct.pack("<16s16sQQQ72s", LINUX_FS.bytes_le, uuid.uuid4().bytes_le,
                               start, start + count - 1, 0, name.encode("utf-16-le"))
    entries = entries.ljust(ENTRIES * ENTRY_SIZE, b"\0")
    ecrc = zlib.crc32(entries)
    guid = uuid.uuid4()
    # Protective MBR: one partition of type 0xee over the disk.
    mbr = bytearray(SECTOR)
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\x02\0", 0xee, b"\xff\xff\xff", 1,
                               min(total - 1, 0xffffffff))
    mbr[510:512] = b"\x55\xaa"
    with open(image, "wb") as f:
        f.truncate(total * SECTOR)
        f.write(mbr)
        f.write(_header(1, total - 1, 34, last_usable, guid, 2, ecrc))
        f.write(entries)
        f.seek((total - 33) * SECTOR)
        f.write(entries)
        f.write(_header(total - 1, 1, 34, last_usable, guid, total - 33, ecrc))
    for (name, start, count), (_, _, d) in zip(layout, parts):
        if d:
            mkfs(image, start * SECTOR, count * SECTOR, d)
    return layout


def mkfs(image, offset, size, directory):
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(os.path.abspath(image))) as fs:
        fs.truncate(size)
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-L", "tern-guest",
                        "-d", directory, fs.name], check=True)
        with open(fs.name, "rb") as src, open(image, "r+b") as dst:
            dst.seek(offset)
            while True:
                chunk = src.read(MIB)
                if not chunk:
                    break
                dst.write(chunk)


def partitions(image):
    """[(name, start, count)] from the image's primary GPT."""
    with open(image, "rb") as f:
        f.seek(2 * SECTOR)
        raw = f.read(ENTRIES * ENTRY_SIZE)
    out = []
    for i in range(ENTRIES):
        t, _, first, last, _, name = struct.unpack_from("<16s16sQQQ72s", raw, i * ENTRY_SIZE)
        if t != b"\0" * 16:
            out.append((name.decode("utf-16-le").rstrip("\0"), first, last - first + 1))
    return out


def extract(image, name, out):
    for n, start, count in partitions(image):
        if n == name:
            with open(image, "rb") as src, open(out, "wb") as dst:
                src.seek(start * SECTOR)
                dst.write(src.read(count * SECTOR))
            return
    raise KeyError(name)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    parts = []
    for spec in sys.argv[3:]:
        bits = spec.split(":")
        parts.append((bits[0], int(bits[1]), bits[2] if len(bits) > 2 else None))
    for name, start, count in make(sys.argv[1], int(sys.argv[2]), parts):
        print("%s: sectors %d-%d" % (name, start, start + count - 1))


if __name__ == "__main__":
    main()
