/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwIP's configuration for tern (lwIP's opt.h lists every option and its
 * default). The stack runs on the management core only, polled from
 * mgmt_poll(): no OS (NO_SYS), no threads, raw (callback) API only, never
 * from an interrupt handler, so no locking (SYS_LIGHTWEIGHT_PROT 0).
 * Memory comes from newlib's malloc (tern's heap), not static pools, so a
 * flood of connections is bounded by the limits below, not by a pool size
 * fixed at build time.
 */
#ifndef TERN_LWIPOPTS_H
#define TERN_LWIPOPTS_H

#define NO_SYS				1
#define SYS_LIGHTWEIGHT_PROT		0
#define LWIP_NETCONN			0
#define LWIP_SOCKET			0
#define LWIP_TIMERS			1

/* tern's heap for everything: the heap and the pools both. */
#define MEM_LIBC_MALLOC			1
#define MEMP_MEM_MALLOC			1
#define MEM_ALIGNMENT			8

#define LWIP_IPV4			1
#define LWIP_IPV6			1	/* link-local only: no SLAAC, no DHCPv6 */
#define LWIP_IPV6_AUTOCONFIG		0
#define LWIP_IPV6_DHCP6			0
#define LWIP_IPV6_MLD			1
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_RAW			0
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_DHCP			1
#define LWIP_DHCP_DOES_ACD_CHECK	0
#define LWIP_AUTOIP			0
#define LWIP_IGMP			0
#define LWIP_DNS			0
#define IP_REASSEMBLY			1
#define IP_FRAG				0	/* tern's segments fit the MTU */
#define LWIP_IPV6_FRAG			0
#define LWIP_IPV6_REASS			0	/* no fragmented IPv6 to tern */
#define IPV6_FRAG_COPYHEADER		1	/* 64-bit pointers (ip6_frag.c asserts) */
#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LINK_CALLBACK	1
#define LWIP_NETIF_HOSTNAME		1

/* A few sessions and scrapes at a time; a flood gets refused, not memory. */
#define MEMP_NUM_TCP_PCB		16
#define MEMP_NUM_TCP_PCB_LISTEN		4
#define MEMP_NUM_TCP_SEG		256
#define MEMP_NUM_REASSDATA		4
#define TCP_MSS				1460
#define TCP_WND				(8 * TCP_MSS)
#define TCP_SND_BUF			(16 * TCP_MSS)
#define TCP_SND_QUEUELEN		(4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	4
#define LWIP_TCP_KEEPALIVE		1
#define PBUF_POOL_SIZE			64
#define PBUF_POOL_BUFSIZE		1536

/* Counters for `net` and `metrics`. */
#define LWIP_STATS			1
#define LWIP_STATS_DISPLAY		0
#define LINK_STATS			1
#define ETHARP_STATS			1
#define IP_STATS			1
#define ICMP_STATS			1
#define UDP_STATS			1
#define TCP_STATS			1
#define MEM_STATS			1
#define MEMP_STATS			0
#define SYS_STATS			0
#define IP6_STATS			1
#define ICMP6_STATS			1
#define ND6_STATS			1
#define MLD6_STATS			0

#define LWIP_CHECKSUM_ON_COPY		0

/* Random numbers (DHCP transaction IDs, TCP initial sequence numbers and
 * ports): from the TSC, mixed (core/net/lwip_port.c). */
unsigned int tern_lwip_rand(void);
#define LWIP_RAND()			tern_lwip_rand()

#endif
