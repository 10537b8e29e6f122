#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build a gzip'ed newc initramfs: busybox-static, a /dev/console node, and
an /init that reports a marker with the CPU count through /dev/kmsg, then
runs busybox shells on the console (ttyS0, interrupt-driven through tern's
I/O APIC) with job control, one after another. Kernel modules given
after OUT.gz are loaded by /init in that order (from /lib/modules); other
files given there are programs, put in /bin. Modules given after
--native are loaded only when the kernel's command line has `tern.native`
(the same kernel and initramfs booted without tern, on Bochs's own
devices: its ATA disk drivers).

`tern.bench=DEV,KIB[,OPTION,...]` on the command line makes /init run the
block benchmark (tests/linux/blkbench.c: `blkbench DEV KIB OPTION ...`,
commas for spaces) and power off, instead of starting shells
(tests/system/bench_blk.py, native side); `tern.udp=[OPTION,...,]COUNT[,SIZE]`
likewise runs ELI's network workload (tests/linux/udpwork.sh: `udpwork
[-c CYCLES] COUNT SIZE`;
tests/system/bench_eli_linux.py, native side). A program named *.sh goes
to /bin without the suffix.

    mkinitrd.py BUSYBOX OUT.gz [MODULE.ko | PROGRAM ...] [--native MODULE.ko ...]
"""
import gzip
import os
import sys

INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t sysfs sys /sys
order=/lib/modules/order
for a in $(/bin/busybox cat /proc/cmdline); do
	case $a in
	tern.native) order="$order /lib/modules/order.native" ;;
	tern.bench=*) bench=${a#tern.bench=} ;;
	tern.udp=*) udp=${a#tern.udp=} ;;
	esac
done
for m in $(/bin/busybox cat $order 2>/dev/null); do
	/bin/busybox insmod /lib/modules/$m || echo "TERN-LINUX-INIT: insmod $m failed" > /dev/kmsg
done
n=$(/bin/busybox grep -c ^processor /proc/cpuinfo)
echo "TERN-LINUX-INIT: /init running, $n CPU(s) in /proc/cpuinfo" > /dev/kmsg
/bin/busybox --install -s /bin
export PATH=/bin HOME=/ PS1='tern-guest# '
if [ -n "$bench" ]; then
	dev=${bench%%,*}
	# Disks are probed asynchronously after insmod: wait for the node.
	i=0
	while [ ! -b $dev ] && [ $i -lt 120 ]; do sleep 1; i=$((i+1)); done
	blkbench $(echo $bench | tr , ' ') < /dev/console > /dev/console 2>&1
	echo "TERN-LINUX-INIT: benchmark done, powering off" > /dev/kmsg
	poweroff -f
fi
if [ -n "$udp" ]; then
	udpwork $(echo $udp | tr , ' ') < /dev/console > /dev/console 2>&1
	echo "TERN-LINUX-INIT: workload done, powering off" > /dev/kmsg
	poweroff -f
fi
# root=DEV: the root filesystem is on that disk (ext4): switch to it.
root=$(sed -n 's/.*root=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$root" ]; then
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -b "$root" ] && break; sleep 1; done
	mkdir -p /newroot
	if mount -t ext4 "$root" /newroot && [ -x /newroot/sbin/init ]; then
		echo "TERN-LINUX-INIT: switching to the root filesystem on $root" > /dev/kmsg
		mount --move /dev /newroot/dev
		umount /proc /sys
		exec switch_root /newroot /sbin/init
	fi
	echo "TERN-LINUX-INIT: cannot boot from $root; staying in the initramfs" > /dev/kmsg
fi
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
    args, native = sys.argv[3:], []
    if "--native" in args:
        i = args.index("--native")
        args, native = args[:i], args[i + 1:]
    modules = [f for f in args if f.endswith(".ko")]
    programs = [f for f in args if not f.endswith(".ko")]
    cpio = b""
    for d in ("bin", "dev", "proc", "sys", "lib", "lib/modules"):
        cpio += entry(d, 0o040755)
    for m in modules + native:
        cpio += entry("lib/modules/" + os.path.basename(m), 0o100644, open(m, "rb").read())
    for p in programs:
        name = os.path.basename(p)
        if name.endswith(".sh"):
            name = name[:-3]
        cpio += entry("bin/" + name, 0o100755, open(p, "rb").read())
    for order, mods in (("order", modules), ("order.native", native)):
        names = "".join(os.path.basename(m) + "\n" for m in mods)
        cpio += entry("lib/modules/" + order, 0o100644, names.encode())
    cpio += entry("dev/console", 0o020600, rdev=(5, 1))
    cpio += entry("bin/busybox", 0o100755, open(busybox, "rb").read())
    cpio += entry("init", 0o100755, INIT.encode())
    cpio += entry("TRAILER!!!", 0)
    with gzip.open(out, "wb", compresslevel=6) as f:
        f.write(cpio)


if __name__ == "__main__":
    main()
