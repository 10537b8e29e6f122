#!/bin/sh
# Build lwIP's core (raw API, NO_SYS) from Debian's source package for tern:
# the same freestanding flags as tern itself, tern's lwipopts.h and port
# headers (core/net/lwip/). lwIP is never copied into tern's tree.
# Source: a .dsc under /var/cache/tern/lwip (`make deps` puts it there), or
# `apt-get source --download-only lwip` into BUILDDIR/lwip/dl (needs the
# deb-src entry `make deps` adds). Debian's patches are applied by
# dpkg-source. Usage: build-lwip.sh BUILDDIR "CFLAGS"
#   -> BUILDDIR/lwip/{include,lib/liblwip.a}
set -eu
out=$(realpath -m "$1")/lwip
cflags=$2
port=$(cd "$(dirname "$0")" && pwd)
dsc=$(ls /var/cache/tern/lwip/lwip_*.dsc "$out"/dl/lwip_*.dsc 2>/dev/null | head -n 1 || true)
if [ -z "$dsc" ]; then
	mkdir -p "$out/dl"
	(cd "$out/dl" && apt-get source --download-only lwip >"$out/download.log" 2>&1) || {
		tail -n 5 "$out/download.log" >&2
		echo "build-lwip: cannot fetch Debian's lwip source; run 'make deps' (adds a deb-src entry)" >&2
		exit 1; }
	dsc=$(ls "$out"/dl/lwip_*.dsc | head -n 1)
fi
stamp="$dsc $(cat "$port/lwipopts.h" "$port/arch/cc.h" "$0" | cksum) $cflags"
[ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] && exit 0
rm -rf "$out/src" "$out/obj" "$out/include" "$out/lib"
mkdir -p "$out/obj" "$out/lib"
dpkg-source --no-check -x "$dsc" "$out/src" >"$out/extract.log" 2>&1 || {
	cat "$out/extract.log" >&2; exit 1; }
s="$out/src/src"
# Filelists.mk's COREFILES, CORE4FILES, CORE6FILES and the Ethernet layer.
files="$(ls "$s"/core/*.c "$s"/core/ipv4/*.c "$s"/core/ipv6/*.c) $s/netif/ethernet.c"
for f in $files; do
	o="$out/obj/$(echo "${f#$s/}" | tr / _ | sed 's/\.c$/.o/')"
	# shellcheck disable=SC2086
	gcc $cflags -I"$port" -I"$s/include" -c "$f" -o "$o" 2>>"$out/build.log" || {
		tail -n 30 "$out/build.log" >&2; exit 1; }
done
ar rcs "$out/lib/liblwip.a" "$out"/obj/*.o
cp -r "$s/include" "$out/include"
rm -rf "$out/src" "$out/obj" "$out"/lwip_*.orig.tar.*
echo "$stamp" >"$out/.stamp"
