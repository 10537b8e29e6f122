// SPDX-License-Identifier: GPL-2.0
/*
 * lwIP's network interface over tern's management NIC, its start-up
 * (DHCP or static, the static fallback) and its polling. lwIP is not
 * reentrant: net_poll() refuses to nest (a shell command run for a TCP
 * session may itself call mgmt_poll()).
 */
#include <stdio.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/ethip6.h"
#include "lwip/sys.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/net/http.h"
#include "core/net/net.h"
#include "core/net/netopts.h"
#include "core/net/tcp_shell.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "drivers/net/nic.h"
#include "drivers/pci.h"

#define NET_RX_BUDGET		64	/* frames a poll, so the shell stays quick */
#define NET_LINK_CHECK_MS	500
#define NET_DHCP_FALLBACK_MS	10000

static struct netif nif;
static struct nic *nic;
static struct net_options opts;
static bool running, in_poll, fell_back;
static u64 last_link_check, started_ms;
/* The network path's cost on the management core, by whether the poll
 * received frames (the work) or not (the price of polling): TSC ticks and
 * polls. Interrupt handlers are not in it. */
static u64 poll_tsc[2], polls[2];
static u8 frame[NIC_FRAME_MAX];

bool net_running(void)
{
	return running;
}

static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	static u8 out[NIC_FRAME_MAX];
	u16 len = p->tot_len;

	(void)n;
	if (len > sizeof(out)) {
		LINK_STATS_INC(link.lenerr);
		return ERR_IF;
	}
	pbuf_copy_partial(p, out, len, 0);
	if (!nic->ops->send(nic, out, len)) {
		nic->tx_full++;
		LINK_STATS_INC(link.drop);
		return ERR_MEM;
	}
	nic->tx_packets++;
	nic->tx_bytes += len;
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = 't';
	n->linkoutput = linkoutput;
	n->output = etharp_output;
#if LWIP_IPV6
	n->output_ip6 = ethip6_output;
#endif
	n->mtu = 1500;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, nic->mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_MLD6;
	return ERR_OK;
}

const char *net_addr4(char *buf, size_t n)
{
	if (!running || ip4_addr_isany_val(*netif_ip4_addr(&nif)))
		snprintf(buf, n, "none");
	else
		ip4addr_ntoa_r(netif_ip4_addr(&nif), buf, (int)n);
	return buf;
}

static void status_cb(struct netif *n)
{
	static u32 reported;
	char a[16], m[16], g[16];

	/* Called for IPv6 address changes too: report IPv4 news only. */
	if (ip4_addr_isany_val(*netif_ip4_addr(n)) || ip4_addr_get_u32(netif_ip4_addr(n)) == reported)
		return;
	reported = ip4_addr_get_u32(netif_ip4_addr(n));
	ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
	ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
	ip4addr_ntoa_r(netif_ip4_gw(n), g, sizeof(g));
	pr_info("net: %s: %s netmask %s gateway %s (%s)", nic->name, a, m, g,
		dhcp_supplied_address(n) ? "DHCP lease" : "static");
}

static void set_static(void)
{
	ip4_addr_t a, m, g;
	u32 mask = opts.prefix ? ~0U << (32 - opts.prefix) : 0;

	ip4_addr_set_u32(&a, lwip_htonl(opts.addr));
	ip4_addr_set_u32(&m, lwip_htonl(mask));
	ip4_addr_set_u32(&g, lwip_htonl(opts.gw));
	netif_set_addr(&nif, &a, &m, &g);
}

void net_init(const struct net_options *o)
{
	opts = *o;
	if (opts.off) {
		pr_info("net: off (net=off)");
		return;
	}
	nic = nic_init(opts.nic[0] ? opts.nic : NULL);
	if (!nic)
		return;
	lwip_init();
	if (!netif_add(&nif, NULL, NULL, NULL, NULL, nif_init, ethernet_input)) {
		pr_warn("net: lwIP would not add the interface: no network");
		return;
	}
	netif_set_default(&nif);
	netif_set_status_callback(&nif, status_cb);
#if LWIP_IPV6
	netif_create_ip6_linklocal_address(&nif, 1);
#endif
	netif_set_up(&nif);
	if (nic->ops->link_up(nic))
		netif_set_link_up(&nif);
	started_ms = sys_now();
	running = true;
	if (opts.dhcp) {
		pr_info("net: %s: asking for a DHCP lease%s", nic->name,
			opts.have_static ? " (static address after 10 s without one)" : "");
		dhcp_start(&nif);
	} else {
		set_static();
	}
	tcp_shell_init(&opts);
	http_init(&opts);
}

static int rx(void)
{
	int i;

	for (i = 0; i < NET_RX_BUDGET; i++) {
		u32 len = nic->ops->recv(nic, frame);
		struct pbuf *p;

		if (!len)
			break;
		nic->rx_packets++;
		nic->rx_bytes += len;
		p = pbuf_alloc(PBUF_RAW, (u16)len, PBUF_POOL);
		if (!p) {
			nic->rx_dropped++;
			LINK_STATS_INC(link.memerr);
			continue;
		}
		pbuf_take(p, frame, (u16)len);
		LINK_STATS_INC(link.recv);
		if (nif.input(p, &nif) != ERR_OK)
			pbuf_free(p);
	}
	return i;
}

static void link_check(void)
{
	bool up = nic->ops->link_up(nic);

	if (up == !!netif_is_link_up(&nif))
		return;
	pr_info("net: %s: link %s", nic->name, up ? "up" : "down");
	if (up)
		netif_set_link_up(&nif);
	else
		netif_set_link_down(&nif);
}

void net_poll(void)
{
	u64 t0;
	u32 now;
	bool got;

	if (!running || in_poll || this_cpu_index() != 0)
		return;
	in_poll = true;
	t0 = rdtsc();
	got = rx() > 0;
	now = sys_now();
	if (now - last_link_check >= NET_LINK_CHECK_MS) {
		last_link_check = now;
		link_check();
		nic_check(nic);
	}
	if (opts.dhcp && opts.have_static && !fell_back && !dhcp_supplied_address(&nif) &&
	    now - started_ms >= NET_DHCP_FALLBACK_MS) {
		fell_back = true;
		pr_info("net: %s: no DHCP lease in 10 s: the static address instead", nic->name);
		dhcp_stop(&nif);
		set_static();
	}
	sys_check_timeouts();
	tcp_shell_poll();
	http_poll();
	in_poll = false;
	poll_tsc[got] += rdtsc() - t0;
	polls[got]++;
}

void net_show(void)
{
	char a[16], m[16], g[16], d[200];

	if (!nic) {
		console_printf("no network: %s\n", opts.off ? "net=off" :
			       "no supported NIC (e1000, e1000e, virtio-net) that no VM takes");
		return;
	}
	if (!running) {
		console_printf("%s: %s, lwIP did not start\n", nic->name, nic->model);
		return;
	}
	ip4addr_ntoa_r(netif_ip4_addr(&nif), a, sizeof(a));
	ip4addr_ntoa_r(netif_ip4_netmask(&nif), m, sizeof(m));
	ip4addr_ntoa_r(netif_ip4_gw(&nif), g, sizeof(g));
	console_printf("%s: %s at %02x:%02x.%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n",
		       nic->name, nic->model, nic->pdev->bus, nic->pdev->dev, nic->pdev->fn,
		       nic->mac[0], nic->mac[1], nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5],
		       netif_is_link_up(&nif) ? "up" : "down");
	console_printf("  inet %s netmask %s gateway %s (%s)\n", a, m, g,
		       dhcp_supplied_address(&nif) ? "DHCP lease" :
		       ip4_addr_isany_val(*netif_ip4_addr(&nif)) ? (opts.dhcp ? "waiting for DHCP" : "none") :
		       fell_back ? "static, DHCP gave none" : "static");
#if LWIP_IPV6
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (!ip6_addr_isinvalid(netif_ip6_addr_state(&nif, i)))
			console_printf("  inet6 %s (link-local%s)\n",
				       ip6addr_ntoa(netif_ip6_addr(&nif, i)),
				       ip6_addr_istentative(netif_ip6_addr_state(&nif, i)) ?
				       ", tentative: duplicate detection under way" : "");
#endif
	if (nic->gsi >= 0 || nic->storm.tripped)
		console_printf("  interrupts: %s, %llu (%sGSI %d%s, %llu not the NIC's); DMA %s\n",
			       nic->irq_kind, (unsigned long long)nic->irqs,
			       nic->storm.tripped ? "INTx on " : "", nic->gsi,
			       nic->storm.tripped ? " masked: a shared line held up" : "",
			       (unsigned long long)nic->storm.not_ours, nic_dma_desc(nic));
	else
		console_printf("  interrupts: %s, %llu; DMA %s\n", nic->irq_kind,
			       (unsigned long long)nic->irqs, nic_dma_desc(nic));
	nic->ops->describe(nic, d, sizeof(d));
	console_printf("  %s\n", d);
	if (nic->fault || nic->resets || nic->reset_failures)
		console_printf("  %s; resets %llu, failed tries %llu; last failure: %s\n",
			       nic->fault ? "FAILED, being reset" : "working",
			       (unsigned long long)nic->resets, (unsigned long long)nic->reset_failures,
			       nic->last_fault);
	console_printf("  polls: %llu with frames, %llu TSC ticks; %llu without, %llu TSC ticks\n",
		       (unsigned long long)polls[1], (unsigned long long)poll_tsc[1],
		       (unsigned long long)polls[0], (unsigned long long)poll_tsc[0]);
	console_printf("  rx %llu packets %llu bytes, %llu dropped; tx %llu packets %llu bytes, %llu refused (ring full)\n",
		       (unsigned long long)nic->rx_packets, (unsigned long long)nic->rx_bytes,
		       (unsigned long long)nic->rx_dropped, (unsigned long long)nic->tx_packets,
		       (unsigned long long)nic->tx_bytes, (unsigned long long)nic->tx_full);
	console_printf("lwIP %s: link xmit %u recv %u drop %u; ip xmit %u recv %u drop %u err %u; tcp xmit %u recv %u drop %u; udp xmit %u recv %u; heap used %lu (max %lu)\n",
		       LWIP_VERSION_STRING,
		       lwip_stats.link.xmit, lwip_stats.link.recv, lwip_stats.link.drop,
		       lwip_stats.ip.xmit, lwip_stats.ip.recv, lwip_stats.ip.drop,
		       lwip_stats.ip.err + lwip_stats.ip.chkerr + lwip_stats.ip.lenerr,
		       lwip_stats.tcp.xmit, lwip_stats.tcp.recv, lwip_stats.tcp.drop,
		       lwip_stats.udp.xmit, lwip_stats.udp.recv,
		       (unsigned long)lwip_stats.mem.used, (unsigned long)lwip_stats.mem.max);
	tcp_shell_show();
	http_show();
}

void net_metrics(struct prom *p)
{
	struct prom_label l = { "if", nic ? nic->name : "" };

	if (!nic || !running)
		return;
	prom_family(p, "tern_net_rx_packets_total", "Frames received on tern's management NIC", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->rx_packets);
	prom_family(p, "tern_net_tx_packets_total", "Frames sent on tern's management NIC", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->tx_packets);
	prom_family(p, "tern_net_rx_bytes_total", "Bytes received on tern's management NIC", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->rx_bytes);
	prom_family(p, "tern_net_tx_bytes_total", "Bytes sent on tern's management NIC", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->tx_bytes);
	prom_family(p, "tern_net_rx_dropped_total", "Frames received and dropped (bad, too long, no memory)",
		    PROM_COUNTER);
	prom_u64(p, &l, 1, nic->rx_dropped);
	prom_family(p, "tern_net_link_up", "1 when the management NIC has link", PROM_GAUGE);
	prom_u64(p, &l, 1, netif_is_link_up(&nif) ? 1 : 0);
	prom_family(p, "tern_net_resets_total",
		    "Times the management NIC failed and was reset and brought back", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->resets);
	prom_family(p, "tern_net_reset_failures_total",
		    "Tries to reset a failed management NIC that did not bring it back", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->reset_failures);
	prom_family(p, "tern_net_interrupts_total", "Interrupts taken for the management NIC", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->irqs);
	prom_family(p, "tern_net_interrupts_not_ours_total",
		    "INTx interrupts on the NIC's line that were not the NIC's", PROM_COUNTER);
	prom_u64(p, &l, 1, nic->storm.not_ours);
	prom_family(p, "tern_net_intx_masked",
		    "1 when the NIC's INTx line was masked for a storm (the NIC is polled)", PROM_GAUGE);
	prom_u64(p, &l, 1, nic->storm.tripped ? 1 : 0);
	{
		struct prom_label pl[2] = { { "if", nic->name }, { "polls", "frames" } };

		prom_family(p, "tern_net_polls_total",
			    "Polls of the network on the management core, by whether frames came in",
			    PROM_COUNTER);
		prom_u64(p, pl, 2, polls[1]);
		pl[1].value = "idle";
		prom_u64(p, pl, 2, polls[0]);
		prom_family(p, "tern_net_poll_tsc_total",
			    "TSC ticks of those polls: driver, lwIP, TCP shell and HTTP (commands run included)",
			    PROM_COUNTER);
		pl[1].value = "frames";
		prom_u64(p, pl, 2, poll_tsc[1]);
		pl[1].value = "idle";
		prom_u64(p, pl, 2, poll_tsc[0]);
	}
	tcp_shell_metrics(p);
	http_metrics(p);
}
