#!/bin/sh
# Fetch Debian's stock cloud kernel and busybox-static (by package name,
# from the machine's Debian mirror) and lay out the Linux VM's boot modules:
#   BUILD/linux/modules/{vmlinuz,initrd.gz,tern.cfg}
# Usage: fetch.sh BUILD
set -eu
out=$(realpath -m "$1")/linux
mods=$out/modules
if [ -f "$mods/vmlinuz" ] && [ -f "$mods/initrd.gz" ] && [ "$mods/tern.cfg" -nt tests/linux/tern.cfg ]; then
	exit 0
fi
mkdir -p "$out/deb" "$mods"
cd "$out/deb"
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kpkg" ]; then
	echo "fetch.sh: cannot resolve linux-image-cloud-amd64 (run apt-get update?)" >&2
	exit 1
fi
apt-get download -q -o APT::Sandbox::User=root "$kpkg" busybox-static >/dev/null
rm -rf x
for d in *.deb; do dpkg -x "$d" x; done
cd - >/dev/null
cp "$out"/deb/x/boot/vmlinuz-* "$mods/vmlinuz"
python3 tests/linux/mkinitrd.py "$out/deb/x/bin/busybox" "$mods/initrd.gz"
cp tests/linux/tern.cfg "$mods/tern.cfg"
rm -rf "$out/deb"
echo "fetch.sh: $kpkg and busybox-static ready in $mods"
