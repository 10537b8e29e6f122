// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside the Linux test VM: makes the e1000 tern assigned to the VM
 * DMA to and from the guest's RAM, to check that the device's addresses
 * (the guest-physical ones the guest hands it) land in the guest's memory.
 * One transmit descriptor (Intel 8254x Family SDM 3.3.3) in a locked page
 * whose physical address /proc/self/pagemap gives; the device reads it and
 * the packet buffer, and writes the descriptor's status back (RS -> DD).
 *
 *     e1000dma /sys/bus/pci/devices/0000:00:02.0/resource0
 *
 * Prints one line starting "TERN-E1000-DMA: ok" or "TERN-E1000-DMA: FAILED".
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Registers (8254x SDM 13.4) */
#define TCTL		0x0400
#define  TCTL_EN	(1u << 1)
#define  TCTL_PSP	(1u << 3)
#define TDBAL		0x3800
#define TDBAH		0x3804
#define TDLEN		0x3808
#define TDH		0x3810
#define TDT		0x3818

struct tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso, cmd, status, css;
	uint16_t special;
};

#define CMD_EOP		0x01
#define CMD_IFCS	0x02
#define CMD_RS		0x08
#define STA_DD		0x01
#define RING		8	/* TDLEN: a multiple of 128 bytes */

static volatile uint32_t *regs;

static void wr(uint32_t off, uint32_t v)
{
	regs[off / 4] = v;
}

static uint32_t rd(uint32_t off)
{
	return regs[off / 4];
}

static uint64_t phys_of(void *va)
{
	uint64_t e = 0;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)va / page * 8) != 8)
		return 0;
	close(fd);
	if (!(e & (1ull << 63)))
		return 0;
	return (e & ((1ull << 55) - 1)) * page + (uintptr_t)va % page;
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	volatile struct tx_desc *ring;
	uint64_t ring_pa, buf_pa;
	uint8_t *mem, *buf;
	int fd, i;

	if (argc != 2) {
		fprintf(stderr, "usage: e1000dma /sys/bus/pci/devices/DEV/resource0\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_SYNC);
	regs = fd < 0 ? MAP_FAILED : mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (regs == MAP_FAILED || mem == MAP_FAILED) {
		printf("TERN-E1000-DMA: FAILED: cannot map the BAR or lock memory\n");
		return 1;
	}
	memset(mem, 0, 8192);
	ring = (volatile struct tx_desc *)mem;
	buf = mem + 4096;
	ring_pa = phys_of(mem);
	buf_pa = phys_of(buf);
	if (!ring_pa || !buf_pa) {
		printf("TERN-E1000-DMA: FAILED: no physical address in /proc/self/pagemap\n");
		return 1;
	}
	/* A broadcast frame: what goes out does not matter (Bochs: ethmod=null). */
	memset(buf, 0xff, 6);
	memcpy(buf + 6, "\x52\x54\x00\x12\x34\x56\x88\xb5TERN-DMA", 16);
	ring[0].addr = buf_pa;
	ring[0].length = 60;
	ring[0].cmd = CMD_EOP | CMD_IFCS | CMD_RS;
	ring[0].status = 0;
	__sync_synchronize();

	wr(TCTL, 0);
	wr(TDBAL, (uint32_t)ring_pa);
	wr(TDBAH, (uint32_t)(ring_pa >> 32));
	wr(TDLEN, RING * sizeof(struct tx_desc));
	wr(TDH, 0);
	wr(TDT, 0);
	wr(TCTL, TCTL_EN | TCTL_PSP);
	wr(TDT, 1);
	for (i = 0; i < 300 && !(ring[0].status & STA_DD); i++)
		nanosleep(&ts, NULL);
	if (!(ring[0].status & STA_DD)) {
		printf("TERN-E1000-DMA: FAILED: descriptor at %#llx not written back (TDH %u) within 3 s\n",
		       (unsigned long long)ring_pa, rd(TDH));
		return 1;
	}
	printf("TERN-E1000-DMA: ok: descriptor at %#llx and buffer at %#llx read by the device, status written back (DD), TDH %u\n",
	       (unsigned long long)ring_pa, (unsigned long long)buf_pa, rd(TDH));
	wr(TCTL, 0);
	return 0;
}
