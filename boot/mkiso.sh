#!/bin/sh
# Build a hybrid GRUB image that boots by BIOS (i386-pc) and UEFI
# (x86_64-efi), from a CD or, written raw, from a USB stick.
# Usage: mkiso.sh BUILD OUT.iso
set -eu
build=$1
out=$2
root=$build/iso
rm -rf "$root"
mkdir -p "$root/boot/grub"
cp "$build/tern.elf" "$root/boot/tern.elf"
cp boot/grub.cfg "$root/boot/grub/grub.cfg"
# Extra modules (tern.cfg, guest images) go next to tern.elf when present.
if [ -d "$build/modules" ]; then
	cp -r "$build/modules" "$root/boot/modules"
fi
grub-mkrescue -o "$out" "$root" >"$build/grub-mkrescue.log" 2>&1 || {
	cat "$build/grub-mkrescue.log" >&2
	exit 1
}
