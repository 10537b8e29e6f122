#!/bin/sh
# Build newlib's libc from Debian's newlib-source for tern: freestanding x86-64,
# kernel code model (tern is linked in the top 2 GiB), no red zone (interrupts
# arrive on the same stack). Only libc.a is built; tern needs no libm.
# Usage: build-newlib.sh BUILDDIR   -> BUILDDIR/newlib/{include,lib/libc.a}
set -eu
out=$(realpath -m "$1")/newlib
src_tar=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1)
if [ -z "$src_tar" ]; then
	echo "build-newlib: no newlib source tarball; run 'make deps' (package newlib-source)" >&2
	exit 1
fi
[ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$src_tar" ] && exit 0
rm -rf "$out"
mkdir -p "$out/src" "$out/obj"
tar -C "$out/src" -xf "$src_tar"
srcdir=$(ls -d "$out"/src/newlib-*)
cflags="-O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone"
cflags="$cflags -fno-stack-protector -fno-omit-frame-pointer -D_POSIX_MODE"
cd "$out/obj"
"$srcdir/configure" --target=x86_64-elf --prefix="$out/install" \
	--disable-multilib --disable-nls \
	--disable-newlib-supplied-syscalls --disable-newlib-io-float \
	--disable-newlib-fvwrite-in-streamio \
	--disable-newlib-wide-orient --enable-newlib-nano-malloc \
	CC_FOR_TARGET=gcc AS_FOR_TARGET=as AR_FOR_TARGET=ar LD_FOR_TARGET=ld \
	RANLIB_FOR_TARGET=ranlib NM_FOR_TARGET=nm OBJDUMP_FOR_TARGET=objdump \
	CFLAGS_FOR_TARGET="$cflags" >"$out/configure.log" 2>&1
make -j"$(nproc)" all-target-newlib >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2; exit 1; }
make install-target-newlib >"$out/install.log" 2>&1
rm -rf "$out/include" "$out/lib"
cp -r "$out/install/x86_64-elf/include" "$out/include"
mkdir -p "$out/lib"
cp "$out/install/x86_64-elf/lib/libc.a" "$out/lib/libc.a"
rm -rf "$out/src" "$out/obj" "$out/install"
echo "$src_tar" >"$out/.stamp"
