#!/bin/sh
# Install every Debian 12 package tern's build, runs and tests need.
# Idempotent: does nothing when all are present. Needs root (or sudo).
set -eu
pkgs="gcc libc6-dev make binutils python3 pkg-config git
	gnu-efi newlib-source dpkg-dev xz-utils
	grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
	qemu-system-x86 ovmf bochs bochsbios vgabios
	check acpica-tools python3-prometheus-client e2fsprogs
	curl socat"
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
# lwIP is built from Debian's source package (core/net/lwip/build-lwip.sh):
# a deb-src entry for the release this machine runs, and the source kept
# in /var/cache/tern/lwip so builds need no network.
srclist=/etc/apt/sources.list.d/tern-src.sources
need_update=""
if [ ! -f "$srclist" ]; then
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$codename" | $sudo tee "$srclist" >/dev/null
	need_update=1
fi
if [ -n "$missing" ] || [ -n "$need_update" ]; then
	$sudo apt-get update -q
fi
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
else
	echo "install-deps: all packages present"
fi
if ! ls /var/cache/tern/lwip/lwip_*.dsc >/dev/null 2>&1; then
	echo "install-deps: fetching Debian's lwip source into /var/cache/tern/lwip"
	$sudo mkdir -p /var/cache/tern/lwip
	(cd /var/cache/tern/lwip && $sudo apt-get source --download-only -q lwip)
fi
