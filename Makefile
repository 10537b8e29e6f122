# tern: build, images, emulator runs and tests. `make help` lists targets.
# SPDX-License-Identifier: GPL-2.0

BUILD		?= build
CC		:= gcc
LD		:= ld
OBJCOPY		:= objcopy
PYTHON		?= python3
NEWLIB		:= $(BUILD)/newlib
LWIP		:= $(BUILD)/lwip
GCC_INC		:= $(shell $(CC) -print-file-name=include)
LIBGCC		:= $(shell $(CC) -print-libgcc-file-name)
GIT_REV		:= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# tern proper: freestanding, kernel code model (linked in the top 2 GiB), no
# red zone (interrupts share the stack), no SSE (general registers only; CR4
# leaves SSE off, so any slip traps as #UD instead of corrupting state).
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INC) -I. \
	-D_DEFAULT_SOURCE -DTERN_GIT='"$(GIT_REV)"' -MMD -MP \
	-isystem $(LWIP)/include -Icore/net/lwip
# lwIP (Debian's source, built by core/net/lwip/build-lwip.sh): tern's code
# model and register rules, lwIP's own warnings left to lwIP.
LWIP_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INC) -D_DEFAULT_SOURCE
KASFLAGS := -D__ASSEMBLER__ -I. -MMD -MP

# Every C and assembly source under the kernel's folders (the UEFI loader
# in boot/uefi/ is a separate program).
KDIRS := core irq mm vmx iommu drivers
KSRCS := $(wildcard boot/*.c boot/*.S) \
	$(shell find $(KDIRS) -name '*.c' -o -name '*.S' | sort)
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))

# The UEFI loader: a gnu-efi application that carries tern.elf.
EFI_INC  := /usr/include/efi
EFI_LIB  := /usr/lib
EFICFLAGS := -std=gnu11 -O2 -Wall -Werror -fpic -fshort-wchar -mno-red-zone \
	-ffreestanding -fno-stack-protector -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -DTERN_UEFI_LOADER -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I.

.PHONY: acpi-check all deps newlib lwip iso linux-iso linux-native-iso esp guests bench run run-linux run-guests run-qemu run-bochs run-bochs-net test unit system \
	test-qemu-uefi test-qemu-viommu test-qemu-net test-qemu-grub test-bochs test-bochs-eli-linux test-bochs-net test-bochs-swap test-kvm bench clean help

HOSTCC_LINUX ?= gcc

all: $(BUILD)/tern.elf $(BUILD)/tern.efi $(BUILD)/tern.iso

help:
	@echo "make deps        install build and test packages (apt-get, needs root)"
	@echo "make             build/tern.elf (multiboot2), build/tern.efi (UEFI), build/tern.iso"
	@echo "make run         tern in Bochs (VT-x) with a Linux VM; attach to tern>, then vm console linux"
	@echo "make run-guests  tern in Bochs with the test guests (tests/guests/tern.cfg)"
	@echo "make run-qemu    boot tern.efi in QEMU q35 + OVMF + VT-d and attach"
	@echo "make run-bochs-net  tern in Bochs on its own e1000; TCP shell at 127.0.0.1:2323"
	@echo "make test        every test: unit tests, then system tests in QEMU and Bochs"
	@echo "make unit        host unit tests only (ASan/UBSan)"
	@echo "make bench       exit round trips, ELI off/delivery/on (test guest; Linux e1000 against native), block I/O against native, the vIOMMU's modes, overcommit baseline/mapper (Bochs); the network (QEMU)"
	@echo "make usb         build/tern-usb.img: a disk image that boots by BIOS and UEFI"

deps:
	sh tests/tools/install-deps.sh

newlib: $(NEWLIB)/.stamp
$(NEWLIB)/.stamp: core/libc/build-newlib.sh
	sh core/libc/build-newlib.sh $(BUILD)

lwip: $(LWIP)/.stamp
$(LWIP)/.stamp: core/net/lwip/build-lwip.sh core/net/lwip/lwipopts.h core/net/lwip/arch/cc.h $(NEWLIB)/.stamp
	sh core/net/lwip/build-lwip.sh $(BUILD) "$(LWIP_CFLAGS)"

$(BUILD)/k/%.c.o: %.c $(NEWLIB)/.stamp $(LWIP)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KASFLAGS) -c $< -o $@

$(BUILD)/tern.elf: $(KOBJS) linker.ld $(NEWLIB)/.stamp $(LWIP)/.stamp
	$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack \
		--no-warn-rwx-segments -T linker.ld -o $@ $(KOBJS) \
		$(LWIP)/lib/liblwip.a $(NEWLIB)/lib/libc.a $(LIBGCC)
	@# tern must never touch vector registers outside newlib's varargs
	@# prologues (skipped when %al is 0, which tern's calls always pass).
	@sh tests/tools/check-no-sse.sh $@

$(BUILD)/efi/loader.o: boot/uefi/loader.c boot/bootinfo.h boot/elf64.h
	@mkdir -p $(dir $@)
	$(CC) $(EFICFLAGS) -c $< -o $@

$(BUILD)/efi/tern_blob.o: $(BUILD)/tern.elf
	@mkdir -p $(dir $@)
	cd $(BUILD) && $(OBJCOPY) -I binary -O elf64-x86-64 -B i386:x86-64 \
		tern.elf efi/tern_blob.o

$(BUILD)/efi/tern.so: $(BUILD)/efi/loader.o $(BUILD)/efi/tern_blob.o
	$(LD) -nostdlib -znocombreloc -T $(EFI_LIB)/elf_x86_64_efi.lds -shared \
		-z noexecstack -Bsymbolic -L$(EFI_LIB) $(EFI_LIB)/crt0-efi-x86_64.o $^ \
		-o $@ -lefi -lgnuefi

$(BUILD)/tern.efi: $(BUILD)/efi/tern.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

# Test guests: multiboot v1 ELF32 images, with the tern.cfg that runs them.
GUESTS := basic triple bench idle apic smp reset platform xsave mb2 archcheck lowload longmode walk storm emul chatty eli viommu swaptest
GUEST_ELFS := $(patsubst %,$(BUILD)/modules/%.elf,$(GUESTS))

$(BUILD)/guests/%.o: tests/guests/%.S tests/guests/guest.h
	@mkdir -p $(dir $@)
	$(CC) -m32 -c $< -o $@

$(BUILD)/modules/%.elf: $(BUILD)/guests/%.o $(BUILD)/guests/lib.o tests/guests/guest.ld
	@mkdir -p $(dir $@)
	$(LD) -m elf_i386 -nostdlib --no-warn-rwx-segments -T tests/guests/guest.ld -o $@ $< $(BUILD)/guests/lib.o

# Guests that load in conventional memory (multiboot kernels below 1 MiB;
# also the ones with an assigned device, whose RAM above 1 MiB is
# identity-mapped where the host has it).
$(BUILD)/modules/lowload.elf $(BUILD)/modules/eli.elf: $(BUILD)/modules/%.elf: $(BUILD)/guests/%.o $(BUILD)/guests/lib.o tests/guests/guest-low.ld
	@mkdir -p $(dir $@)
	$(LD) -m elf_i386 -nostdlib --no-warn-rwx-segments -T tests/guests/guest-low.ld -o $@ $< $(BUILD)/guests/lib.o

$(BUILD)/modules/tern.cfg: tests/guests/tern.cfg
	@mkdir -p $(dir $@)
	cp $< $@

guests: $(GUEST_ELFS) $(BUILD)/modules/tern.cfg

# GRUB ISO (BIOS and UEFI GRUB, hybrid: also a USB-stick image).
$(BUILD)/tern.iso: $(BUILD)/tern.elf boot/grub.cfg boot/mkiso.sh $(GUEST_ELFS) $(BUILD)/modules/tern.cfg
	sh boot/mkiso.sh $(BUILD) $@

iso: $(BUILD)/tern.iso

# More boot modules than tern takes (tests/system/test_qemu_grub.py): a
# configuration, a guest, and 70 small files after them.
$(BUILD)/tern-many.iso: $(BUILD)/tern.elf boot/grub.cfg boot/mkiso.sh $(BUILD)/modules/basic.elf
	rm -rf $(BUILD)/many && mkdir -p $(BUILD)/many
	cp $(BUILD)/modules/basic.elf $(BUILD)/many/
	printf '[vm basic]\ncores = 1\nmemory = 8M\nkernel = basic.elf\n' > $(BUILD)/many/tern.cfg
	for i in $$(seq -w 0 69); do echo $$i > $(BUILD)/many/zz$$i; done
	sh boot/mkiso.sh $(BUILD) $@ $(BUILD)/many

# The Bochs network test (tests/system/test_bochs_net.py): the e1000 as
# tern's own NIC with a static address, a chatty guest for `vm console`.
BOCHS_NET_OPTS := ip=10.0.2.15/24,10.0.2.2
$(BUILD)/tern-net.iso: $(BUILD)/tern.elf boot/grub.cfg boot/mkiso.sh tests/net/tern-bochs-net.cfg \
		$(BUILD)/modules/chatty.elf
	rm -rf $(BUILD)/netmods && mkdir -p $(BUILD)/netmods
	cp $(BUILD)/modules/chatty.elf $(BUILD)/netmods/
	cp tests/net/tern-bochs-net.cfg $(BUILD)/netmods/tern.cfg
	sh boot/mkiso.sh $(BUILD) $@ $(BUILD)/netmods "$(BOCHS_NET_OPTS)"

# Linux VM image: Debian's stock kernel and a busybox initramfs as modules.
# A static Linux program in the guest's initramfs: the assigned e1000 DMAs
# to and from the guest's RAM (tests/linux/e1000dma.c).
$(BUILD)/linux/e1000dma: tests/linux/e1000dma.c
	@mkdir -p $(dir $@)
	$(HOSTCC_LINUX) -static -O2 -Wall -Wextra -o $@ $<

# The block benchmark's guest program (tests/linux/blkbench.c, make bench).
$(BUILD)/linux/blkbench: tests/linux/blkbench.c
	@mkdir -p $(dir $@)
	$(HOSTCC_LINUX) -static -O2 -Wall -Wextra -o $@ $<

# ELI's Linux workload (tests/linux/udpflood.c, udpwork.sh), in the e1000
# initramfs of the generic kernel.
$(BUILD)/linux/udpflood: tests/linux/udpflood.c tests/linux/tern_mark.h
	@mkdir -p $(dir $@)
	$(HOSTCC_LINUX) -static -O2 -Wall -Wextra -o $@ $<

# ELI's IPI workload (tests/linux/ipiping.c), in the same initramfs.
$(BUILD)/linux/ipiping: tests/linux/ipiping.c tests/linux/tern_mark.h
	@mkdir -p $(dir $@)
	$(HOSTCC_LINUX) -static -O2 -Wall -Wextra -pthread -o $@ $<

LINUX_PROGS := $(BUILD)/linux/e1000dma $(BUILD)/linux/blkbench
LINUX_E1000_PROGS := $(BUILD)/linux/udpflood tests/linux/udpwork.sh $(BUILD)/linux/ipiping

$(BUILD)/tern-linux.iso: $(BUILD)/tern.elf boot/grub.cfg boot/mkiso.sh tests/linux/tern.cfg \
		tests/linux/mkinitrd.py tests/linux/fetch.sh $(LINUX_PROGS) $(LINUX_E1000_PROGS)
	sh tests/linux/fetch.sh $(BUILD) $(LINUX_PROGS) --e1000 $(LINUX_E1000_PROGS)
	sh boot/mkiso.sh $(BUILD) $@ $(BUILD)/linux/modules

linux-iso: $(BUILD)/tern-linux.iso

# The same kernel and initramfs booted by GRUB without tern (Bochs's own
# ATA disk; /init loads ata_piix for tern.native): a busybox shell.
$(BUILD)/linux-native.iso: $(BUILD)/tern-linux.iso tests/linux/mknativeiso.sh
	sh tests/linux/mknativeiso.sh $(BUILD) $@

linux-native-iso: $(BUILD)/linux-native.iso

# A FAT ESP directory for QEMU (tern.efi as the removable-media default).
esp: $(BUILD)/tern.efi guests
	rm -rf $(BUILD)/esp && mkdir -p $(BUILD)/esp/EFI/BOOT
	cp $(BUILD)/tern.efi $(BUILD)/esp/EFI/BOOT/BOOTX64.EFI
	cp $(BUILD)/modules/* $(BUILD)/esp/EFI/BOOT/

usb: $(BUILD)/tern.iso
	cp $(BUILD)/tern.iso $(BUILD)/tern-usb.img
	@echo "write with: dd if=$(BUILD)/tern-usb.img of=/dev/sdX bs=4M conv=fsync"

# The default: tern in Bochs with the Linux VM, which starts by itself.
run: $(BUILD)/tern-linux.iso
	$(PYTHON) tests/tools/run.py bochs-linux $(BUILD)

run-linux: run

# tern in Bochs with the test guests of tests/guests/tern.cfg.
run-guests: $(BUILD)/tern.iso
	$(PYTHON) tests/tools/run.py bochs $(BUILD)

run-bochs: run-guests

# tern's network in Bochs: the TCP shell and /metrics relayed to 127.0.0.1.
run-bochs-net: $(BUILD)/tern-net.iso
	$(PYTHON) tests/tools/run.py bochs-net $(BUILD)

run-qemu: esp
	$(PYTHON) tests/tools/run.py qemu-uefi $(BUILD)

# ---- tests ----
# Sources marked host-tested (pure logic, no hardware access: their second
# line says so) are built into the unit tests too.
UNIT_SRCS := $(shell grep -l '^// Host-tested:' $(filter %.c,$(KSRCS)))
UNIT_TESTS := $(wildcard tests/unit/test_*.c)
UCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -DTERN_HOST_TEST -D_GNU_SOURCE -I. \
	$(shell pkg-config --cflags check 2>/dev/null)
ULIBS := $(shell pkg-config --libs check 2>/dev/null)

$(BUILD)/unit/run_tests: $(UNIT_TESTS) tests/unit/main.c $(UNIT_SRCS) \
		$(wildcard tests/unit/*.h) $(shell find $(KDIRS) -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ tests/unit/main.c $(UNIT_TESTS) \
		$(UNIT_SRCS) $(ULIBS)

# A test that loops must still end, but Check's default of 4 s is too
# tight for the long ones under ASan on a loaded 2-core machine.
unit: $(BUILD)/unit/run_tests acpi-check
	CK_FORK=yes CK_DEFAULT_TIMEOUT=60 ./$(BUILD)/unit/run_tests

# The guest's ACPI tables through ACPICA's own disassembler: the AML must
# decode to the devices tern means (the root bridge, \_S5, slot 2's INTA on
# GSI 18 in the _PRT).
$(BUILD)/unit/dump_guest_acpi: tests/tools/dump_guest_acpi.c core/loader/guest_acpi.c \
		core/acpi/acpi.c core/report.c iommu/dmar.c $(shell find core -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $(filter %.c,$^)

acpi-check: $(BUILD)/unit/dump_guest_acpi
	rm -rf $(BUILD)/unit/acpi && mkdir -p $(BUILD)/unit/acpi
	./$(BUILD)/unit/dump_guest_acpi $(BUILD)/unit/acpi
	cd $(BUILD)/unit/acpi && for t in *.aml; do iasl -d $$t >/dev/null 2>iasl.err || \
		{ cat iasl.err; echo "acpi-check: iasl cannot disassemble $$t"; exit 1; }; done
	grep -q 'Device (PCI0)' $(BUILD)/unit/acpi/DSDT.dsl
	grep -q 'EisaId ("PNP0A08")' $(BUILD)/unit/acpi/DSDT.dsl
	grep -q 'Name (_S5, Package' $(BUILD)/unit/acpi/DSDT.dsl
	tr -d ' \n' < $(BUILD)/unit/acpi/DSDT.dsl | grep -q 'Package(0x04){0x0002FFFF,0x00,Zero,0x12}'
	grep -q 'Base Address : 00000000B0000000' $(BUILD)/unit/acpi/MCFG.dsl
	grep -q 'PM Timer Block Address : 00000608' $(BUILD)/unit/acpi/FACP.dsl
	grep -q 'Register Base Address : 00000000FED90000' $(BUILD)/unit/acpi/DMAR.dsl
	grep -q 'Device Scope Type : 03 \[IOAPIC Device\]' $(BUILD)/unit/acpi/DMAR.dsl
	@echo "acpi-check: guest DSDT, FADT, MADT, MCFG, XSDT, DMAR disassemble as intended"

system: all esp $(BUILD)/tern-linux.iso $(BUILD)/tern-many.iso $(BUILD)/tern-net.iso
	$(PYTHON) tests/system/run_all.py $(BUILD)

test: unit system

# Benchmarks in Bochs; figures are emulated instructions (Bochs TSC ticks).
# Exit cost: the bench guest's exit round trips. Block I/O: Linux's disk
# I/O through tern's virtio-blk (BENCH_BLK_MIB per phase), beside the same
# Linux natively in Bochs, the bare-metal column (BENCH_NATIVE=0 leaves it
# out; it adds about 20 s).
BENCH_BLK_MIB ?= 16
# Overcommit: Linux with 64 MiB of frames reads a BENCH_SWAP_MIB file three
# times, then allocates BENCH_SWAP_ALLOC MiB of fresh memory three times,
# under baseline, mapper and vswapper (one Bochs run each).
BENCH_SWAP_MIB ?= 80
BENCH_SWAP_ALLOC ?= 96
BENCH_NATIVE ?= 1
# The vIOMMU: off / samecore / sidecore x strict / optimistic, KiB a phase.
BENCH_VIOMMU_KIB ?= 8192
bench: all $(BUILD)/tern-linux.iso
	$(PYTHON) tests/system/bench_exits.py $(BUILD)
	$(PYTHON) tests/system/bench_eli.py $(BUILD)
	$(PYTHON) tests/system/bench_eli_linux.py $(BUILD)
	$(PYTHON) tests/system/bench_eli_ipi.py $(BUILD)
	$(PYTHON) tests/system/bench_net.py $(BUILD)
	$(PYTHON) tests/system/bench_blk.py $(BUILD) --mib $(BENCH_BLK_MIB) \
		$(if $(filter 1,$(BENCH_NATIVE)),,--only tern)
	$(PYTHON) tests/system/bench_viommu.py $(BUILD) --kib $(BENCH_VIOMMU_KIB)
	$(PYTHON) tests/system/bench_swap.py $(BUILD) --mib $(BENCH_SWAP_MIB) \
		--alloc $(BENCH_SWAP_ALLOC)

test-qemu-uefi test-qemu-viommu test-qemu-net test-qemu-grub test-bochs test-bochs-vm test-bochs-linux test-bochs-eli-linux test-bochs-net test-bochs-swap test-kvm: all esp $(BUILD)/tern-linux.iso $(BUILD)/tern-many.iso $(BUILD)/tern-net.iso
	$(PYTHON) tests/system/run_all.py $(BUILD) $(@:test-%=%)

clean:
	rm -rf $(BUILD)/k $(BUILD)/efi $(BUILD)/unit $(BUILD)/*.iso.d $(BUILD)/esp \
		$(BUILD)/*.elf $(BUILD)/*.efi $(BUILD)/*.iso $(BUILD)/*.img

-include $(shell find $(BUILD)/k -name '*.d' 2>/dev/null)
