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
# OUT.iso.msrs: Bochs's configurable MSRs for this boot (bochsrc's
# `cpu: ..., msrs=OUT.iso.msrs`). Bochs has no IA32_MISC_ENABLE (0x1a0): with
# ignore_bad_msrs it reads 0, Linux then turns fast strings off and clears
# ERMS but keeps the FSRM its icelake model advertises, and its memmove,
# which takes FSRM to mean ERMS, runs away on a short copy: the kernel
# loops in exceptions with no output after "LSM: Security Framework
# initializing" (see ../shared/LINUX-IN-BOCHS.md). The file makes it read
# as tern's does (vmx/msr.c): fast strings on, writes ignored. So the CPU
# features stay as under tern, with no clearcpuid=fsrm.
# TERN_NATIVE_VM=NAME takes the kernel, initramfs and command line of that
# VM of tests/linux/tern.cfg instead of [vm linux]'s (e.g. linuxeli_on,
# ELI's benchmark: tests/system/bench_eli_linux.py).
# Usage: [TERN_NATIVE_VM=NAME] mknativeiso.sh BUILD OUT.iso [EXTRA ...]
set -eu
vm=${TERN_NATIVE_VM:-linux}
build=$1
out=$2
shift 2
mods=$build/linux/modules
# The VM's own keys only: tern.cfg has more VMs, and a second line in
# grub.cfg would end GRUB's `linux` command (and drop what follows it).
key() {
	sed -n "/^\[vm $vm\]/,/^\[/ s/^$1[[:space:]]*=[[:space:]]*//p" tests/linux/tern.cfg
}
cmdline=$(key cmdline)
kernel=$(key kernel)
initrd=$(key initrd)
for k in cmdline kernel initrd; do
	eval v=\$$k
	[ -n "$v" ] || { echo "mknativeiso.sh: no $k for [vm $vm] in tests/linux/tern.cfg" >&2; exit 1; }
	[ "$(printf '%s\n' "$v" | wc -l)" -eq 1 ] || {
		echo "mknativeiso.sh: more than one $k for [vm $vm] in tests/linux/tern.cfg" >&2
		exit 1
	}
done
for f in "$kernel" "$initrd"; do
	[ -f "$mods/$f" ] || { echo "mknativeiso.sh: no $mods/$f (make linux-iso)" >&2; exit 1; }
done
root=$out.d
rm -rf "$root"
mkdir -p "$root/boot/grub"
cp "$mods/$kernel" "$root/boot/vmlinuz"
cp "$mods/$initrd" "$root/boot/initrd.gz"
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
# Index, type (0: plain), reset value, reserved bits, bits whose writes are
# ignored: each 64-bit value as high and low 32 bits, hex.
cat > "$out.msrs" <<MSRS
# IA32_MISC_ENABLE: fast strings on (bit 0), writes ignored, as tern's.
0x1a0 0 00000000 00000001 00000000 00000000 ffffffff ffffffff
MSRS
grub-mkrescue -o "$out" "$root" >"$out.log" 2>&1 || {
	cat "$out.log" >&2
	exit 1
}
