#!/bin/sh
# Install every Debian 12 package tern's build, runs and tests need.
# Idempotent: does nothing when all are present. Needs root (or sudo).
set -eu
pkgs="gcc libc6-dev make binutils python3 pkg-config git
	gnu-efi newlib-source
	grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
	qemu-system-x86 ovmf bochs bochsbios vgabios
	check acpica-tools python3-prometheus-client e2fsprogs"
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "install-deps: installing$missing"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
