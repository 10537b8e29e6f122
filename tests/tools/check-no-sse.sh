#!/bin/sh
# tern runs with CR4.OSFXSR clear, so an SSE instruction is a #UD. This check
# catches one at build time instead: the only vector instructions allowed in
# tern.elf are newlib's varargs prologues, which store %xmm0-7 to the stack
# only when %al != 0 -- and tern, built -mgeneral-regs-only, always passes 0.
elf=$1
bad=$(objdump -d --no-show-raw-insn "$elf" | awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; next }
	/%[xyz]mm[0-9]/ {
		if ($0 ~ /movaps +%xmm[0-7],(-?0x[0-9a-f]+)?\(%r[sb]p\)/)
			next
		print fn ": " $0
	}')
if [ -n "$bad" ]; then
	echo "check-no-sse: vector instructions in $elf:" >&2
	echo "$bad" | head -n 20 >&2
	exit 1
fi
