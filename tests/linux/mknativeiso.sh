#!/bin/sh
# A GRUB ISO that boots the Linux VM's kernel and initramfs (made by
# tests/linux/fetch.sh in BUILD/linux/modules) directly, without tern: the
# native side of the block benchmark (tests/system/bench_blk.py). The
# command line is the VM's (tests/linux/tern.cfg), so both kernels run
# alike, plus `tern.native` (/init loads the ATA disk drivers) and EXTRA
# (e.g. tern.bench=/dev/sda1,8192).
# clearcpuid: the CPU features tern's CPUID hides from its guests
# (vmx/cpuid.h), so both kernels run on the same CPU. PKU, AVX-512 and
# XSAVES are state whose Bochs layout Linux rejects (it warns and turns
# XSAVE off); MONITOR/MWAIT would make native idle differ from the HLT the
# VM uses.
# Usage: mknativeiso.sh BUILD OUT.iso [EXTRA ...]
set -eu
build=$1
out=$2
shift 2
mods=$build/linux/modules
for f in vmlinuz initrd.gz; do
	[ -f "$mods/$f" ] || { echo "mknativeiso.sh: no $mods/$f (make linux-iso)" >&2; exit 1; }
done
cmdline=$(sed -n 's/^cmdline[[:space:]]*=[[:space:]]*//p' tests/linux/tern.cfg)
[ -n "$cmdline" ] || { echo "mknativeiso.sh: no cmdline in tests/linux/tern.cfg" >&2; exit 1; }
root=$out.d
rm -rf "$root"
mkdir -p "$root/boot/grub"
cp "$mods/vmlinuz" "$mods/initrd.gz" "$root/boot/"
cat > "$root/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
menuentry "Linux without tern" {
	linux /boot/vmlinuz $cmdline clearcpuid=pku,avx512f,xsaves,monitor tern.native $*
	initrd /boot/initrd.gz
}
CFG
grub-mkrescue -o "$out" "$root" >"$out.log" 2>&1 || {
	cat "$out.log" >&2
	exit 1
}
