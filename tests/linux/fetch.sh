#!/bin/sh
# Fetch Debian's stock cloud kernel and busybox-static (by package name,
# from the machine's Debian mirror) and lay out the Linux VM's boot modules:
#   BUILD/linux/modules/{vmlinuz,initrd.gz,tern.cfg}
# The initramfs carries the kernel's uio and uio_pci_generic modules (the
# driver the guest binds to the PCI function tern assigns it: the cloud
# kernel has no driver for Bochs's e1000) and its virtio modules (for the
# virtio-blk disk tern emulates), in dependency order, and its ATA disk
# drivers (libata, ata_piix and SCSI disks: modules in the cloud kernel),
# which /init loads only for `tern.native`, the same kernel and initramfs
# booted without tern on Bochs's disk (tests/linux/mknativeiso.sh).
# ELI's Linux VMs (issue #10) need the kernel's own e1000 driver, which
# the cloud kernel lacks: Debian's generic kernel (linux-image-amd64, the
# same version) is fetched too, and its e1000 module goes into a second
# initramfs with ELI's workload (BUILD/linux/modules/{vmlinuz-generic,
# initrd-e1000.gz}; a module must come from its own kernel's package, its
# vermagic names it).
# The packages are downloaded once (BUILD/linux/pkg); the initramfs and
# tern.cfg are made again every time, since they are cheap and ours.
# Usage: fetch.sh BUILD [PROGRAM ...] [--e1000 PROGRAM ...]
#   (programs go to the initramfs's /bin; those after --e1000 to the e1000
#   initramfs's)
set -eu
MODULES="uio uio_pci_generic virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
NATIVE_MODULES="scsi_common scsi_mod sd_mod libata ata_piix"
out=$(realpath -m "$1")/linux
mods=$out/modules
pkg=$out/pkg
mkdir -p "$mods"
have=yes
for m in $MODULES $NATIVE_MODULES; do [ -f "$pkg/$m.ko" ] || have=no; done
if [ ! -f "$pkg/vmlinuz" ] || [ ! -f "$pkg/busybox" ] || [ $have = no ]; then
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
	for m in $MODULES $NATIVE_MODULES; do
		find "$out/deb/x/lib/modules" -name "$m.ko" -exec cp {} "$pkg/" \;
		[ -f "$pkg/$m.ko" ] || {
			echo "fetch.sh: $kpkg has no $m module" >&2
			exit 1
		}
	done
	echo "$kpkg" > "$pkg/kernel-package"
	rm -rf "$out/deb"
fi
# The generic kernel of the same version, for its e1000 module.
gen=$pkg/generic
if [ ! -f "$gen/vmlinuz" ] || [ ! -f "$gen/e1000.ko" ]; then
	kpkg=$(cat "$pkg/kernel-package")
	gpkg=$(echo "$kpkg" | sed 's/-cloud-amd64$/-amd64/')
	rm -rf "$out/gdeb"
	mkdir -p "$out/gdeb" "$gen"
	cd "$out/gdeb"
	apt-get download -q -o APT::Sandbox::User=root "$gpkg" >/dev/null || {
		echo "fetch.sh: cannot download $gpkg (the generic kernel of $kpkg; run apt-get update?)" >&2
		exit 1
	}
	dpkg -x ./*.deb x
	cd - >/dev/null
	cp "$out"/gdeb/x/boot/vmlinuz-* "$gen/vmlinuz"
	find "$out/gdeb/x/lib/modules" -name e1000.ko -exec cp {} "$gen/" \;
	[ -f "$gen/e1000.ko" ] || { echo "fetch.sh: $gpkg has no e1000 module" >&2; exit 1; }
	echo "$gpkg" > "$gen/kernel-package"
	rm -rf "$out/gdeb"
fi
cp "$pkg/vmlinuz" "$mods/vmlinuz"
cp "$gen/vmlinuz" "$mods/vmlinuz-generic"
shift
progs=
e1000_progs=
to=progs
for a in "$@"; do
	if [ "$a" = --e1000 ]; then
		to=e1000_progs
	elif [ $to = progs ]; then
		progs="$progs $a"
	else
		e1000_progs="$e1000_progs $a"
	fi
done
python3 tests/linux/mkinitrd.py "$pkg/busybox" "$mods/initrd.gz" \
	$(for m in $MODULES; do echo "$pkg/$m.ko"; done) $progs \
	--native $(for m in $NATIVE_MODULES; do echo "$pkg/$m.ko"; done)
python3 tests/linux/mkinitrd.py "$pkg/busybox" "$mods/initrd-e1000.gz" "$gen/e1000.ko" $e1000_progs
cp tests/linux/tern.cfg "$mods/tern.cfg"
echo "fetch.sh: $(cat "$pkg/kernel-package"), $(cat "$gen/kernel-package") and busybox-static ready in $mods"
