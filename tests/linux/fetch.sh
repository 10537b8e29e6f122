#!/bin/sh
# Fetch Debian's stock cloud kernel and busybox-static (by package name,
# from the machine's Debian mirror) and lay out the Linux VM's boot modules:
#   BUILD/linux/modules/{vmlinuz,initrd.gz,tern.cfg}
# The initramfs carries the kernel's uio and uio_pci_generic modules: the
# driver the guest binds to the PCI function tern assigns it (the cloud
# kernel has no driver for Bochs's e1000).
# The packages are downloaded once (BUILD/linux/pkg); the initramfs and
# tern.cfg are made again every time, since they are cheap and ours.
# Usage: fetch.sh BUILD [PROGRAM ...]   (programs go to the initramfs's /bin)
set -eu
out=$(realpath -m "$1")/linux
mods=$out/modules
pkg=$out/pkg
mkdir -p "$mods"
if [ ! -f "$pkg/vmlinuz" ] || [ ! -f "$pkg/busybox" ] || [ ! -f "$pkg/uio_pci_generic.ko" ]; then
	rm -rf "$out/deb"
	mkdir -p "$out/deb" "$pkg"
	cd "$out/deb"
	kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$kpkg" ]; then
		echo "fetch.sh: cannot resolve linux-image-cloud-amd64 (run apt-get update?)" >&2
		exit 1
	fi
	apt-get download -q -o APT::Sandbox::User=root "$kpkg" busybox-static >/dev/null
	for d in *.deb; do dpkg -x "$d" x; done
	cd - >/dev/null
	cp "$out"/deb/x/boot/vmlinuz-* "$pkg/vmlinuz"
	cp "$out/deb/x/bin/busybox" "$pkg/busybox"
	find "$out/deb/x/lib/modules" \( -name uio.ko -o -name uio_pci_generic.ko \) -exec cp {} "$pkg/" \;
	[ -f "$pkg/uio.ko" ] && [ -f "$pkg/uio_pci_generic.ko" ] || {
		echo "fetch.sh: $kpkg has no uio_pci_generic module" >&2
		exit 1
	}
	echo "$kpkg" > "$pkg/kernel-package"
	rm -rf "$out/deb"
fi
cp "$pkg/vmlinuz" "$mods/vmlinuz"
shift
python3 tests/linux/mkinitrd.py "$pkg/busybox" "$mods/initrd.gz" "$pkg/uio.ko" "$pkg/uio_pci_generic.ko" "$@"
cp tests/linux/tern.cfg "$mods/tern.cfg"
echo "fetch.sh: $(cat "$pkg/kernel-package") and busybox-static ready in $mods"
