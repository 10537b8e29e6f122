#!/bin/sh
# Build a hybrid GRUB image that boots by BIOS (i386-pc) and UEFI
# (x86_64-efi), from a CD or, written raw, from a USB stick. Every file of
# BUILD/modules/ (tern.cfg, guest images) becomes a multiboot2 module named
# by its file name; EXTRA-OPTIONS are added to tern's boot options.
# Usage: mkiso.sh BUILD OUT.iso [MODULES-DIR [EXTRA-OPTIONS]]
#        (default BUILD/modules, no extra options)
set -eu
build=$1
out=$2
moddir=${3:-$build/modules}
extra=${4:-}
root=$out.d
rm -rf "$root"
mkdir -p "$root/boot/grub" "$root/boot/modules"
cp "$build/tern.elf" "$root/boot/tern.elf"
mods=""
if [ -d "$moddir" ]; then
	for f in "$moddir"/*; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		cp "$f" "$root/boot/modules/$n"
		mods="$mods	module2 /boot/modules/$n $n\n"
	done
fi
awk -v mods="$mods" -v extra="$extra" '
	$0 == "@MODULES@" { printf "%s", mods; next }
	$1 == "multiboot2" && extra != "" { print $0 " " extra; next }
	{ print }' \
	boot/grub.cfg | sed 's/\\n/\n/g' > "$root/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$root" >"$build/grub-mkrescue.log" 2>&1 || {
	cat "$build/grub-mkrescue.log" >&2
	exit 1
}
