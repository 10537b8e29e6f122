// SPDX-License-Identifier: GPL-2.0
/*
 * The admin shell over TCP (tcp_shell.h). Received bytes wait in the
 * session's input buffer; tcp_shell_poll() (from net_poll, outside lwIP's
 * callbacks) feeds them to the secret prompt or the session's own line
 * editor and runs a finished line as the serial shell would, with the
 * management core's console output redirected into the session's output
 * buffer, which is then drained into the connection. `vm console NAME`
 * attaches the session to the VM's COM1 without blocking anything else:
 * each poll forwards input to the guest and its new output to the session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/sys.h"
#include "lwip/tcp.h"

#include "core/console.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/net/login_limit.h"
#include "core/net/netopts.h"
#include "core/net/outbuf.h"
#include "core/net/tcp_shell.h"
#include "core/shell/shell.h"
#include "core/vdev/vplatform.h"
#include "core/vm/vm.h"

#define SH_MAX_SESSIONS		4
#define SH_IN_MAX		4096	/* received, not yet processed */
#define SH_OUT_MAX		(1U << 20)
#define SH_LOGIN_TIMEOUT_MS	30000
#define SH_MAX_TRIES		3	/* a connection's attempts */
#define SH_DETACH		0x1d	/* Ctrl-] */

extern const struct shell_cmd __cmds_start[], __cmds_end[];

enum sh_state { SH_LOGIN, SH_SHELL, SH_ATTACHED, SH_CLOSING };

struct session {
	struct tcp_pcb *pcb;
	enum sh_state state;
	u64 key;			/* the peer's address, for the limiter */
	char peer[48];
	u8 in[SH_IN_MAX];
	size_t in_len;
	char secret[NET_SECRET_MAX + 1];
	size_t secret_len;
	u32 tries;
	bool logged_in;			/* its end is logged (an operator's) */
	u32 last_ms;			/* last input */
	u32 opened_ms;
	struct linedit le;
	struct outbuf out;
	struct vm *vm;			/* attached to its COM1 */
	u64 con_pos;
};

static struct tcp_pcb *listener;
static struct session *sessions[SH_MAX_SESSIONS];
static struct login_limit limit;
static u16 port;
static char secret[NET_SECRET_MAX];
static u32 timeout_ms;
static u64 opened, refused_busy, refused_limited, bad_secrets, timed_out, lines_run, evicted;

static void say(struct session *s, const char *text)
{
	outbuf_append(&s->out, text, strlen(text));
}

static void le_out(const char *str, size_t n, void *arg)
{
	struct session *s = arg;

	outbuf_append(&s->out, str, n);
}

static void detach_pcb(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

static void session_free(struct session *s)
{
	for (u32 i = 0; i < SH_MAX_SESSIONS; i++)
		if (sessions[i] == s)
			sessions[i] = NULL;
	outbuf_free(&s->out);
	memset(s->secret, 0, sizeof(s->secret));
	free(s);
}

/* Drain output into lwIP; a closing session goes once all is queued. */
static void flush(struct session *s)
{
	size_t n;

	if (!s->pcb)
		return;
	n = MIN(outbuf_pending(&s->out), (size_t)tcp_sndbuf(s->pcb));
	n = MIN(n, (size_t)0xffff);
	if (n && tcp_write(s->pcb, s->out.data + s->out.off, (u16)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
		outbuf_consume(&s->out, n);
		tcp_output(s->pcb);
	}
	if (s->state == SH_CLOSING && !outbuf_pending(&s->out)) {
		struct tcp_pcb *pcb = s->pcb;

		detach_pcb(pcb);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
		s->pcb = NULL;
		session_free(s);
	}
}

/* An operator's session ending, and why, in the log (those that never
 * logged in, a flood's, are only counted). */
static void log_end(const struct session *s, const char *why)
{
	if (s->logged_in)
		pr_info("net: shell session from %s ended: %s", s->peer, why);
}

static void closing(struct session *s, const char *why)
{
	say(s, why);
	s->state = SH_CLOSING;
}

static void prompt(struct session *s)
{
	say(s, "tern> ");
}

/* Equal length and bytes, in time that does not depend on where they differ. */
static bool secret_ok(const char *got, size_t n)
{
	size_t want = strlen(secret);
	u8 diff = (u8)(n != want);

	for (size_t i = 0; i < want; i++)
		diff |= (u8)(secret[i] ^ (i < n ? got[i] : 0));
	return !diff;
}

static void login_byte(struct session *s, u8 c)
{
	if (c != '\r' && c != '\n') {
		if (c >= 0x20 && s->secret_len < NET_SECRET_MAX)
			s->secret[s->secret_len++] = (char)c;
		return;
	}
	if (!s->secret_len)		/* the \n of a \r\n, or an empty line */
		return;
	if (secret_ok(s->secret, s->secret_len)) {
		ll_success(&limit, s->key);
		memset(s->secret, 0, sizeof(s->secret));
		s->secret_len = 0;
		s->state = SH_SHELL;
		s->logged_in = true;
		/* Out of PCBs, lwIP makes room by killing the least recently
		 * active connection of the same or a lower priority (tcp_alloc's
		 * tcp_kill_prio): a flood of connection attempts must not take
		 * a logged-in operator's session, so it outranks them. */
		if (s->pcb)
			tcp_setprio(s->pcb, TCP_PRIO_MAX);
		pr_info("net: shell session from %s", s->peer);
		say(s, "\r\ntern shell over TCP. Type 'help' for commands, 'exit' to leave.\r\n");
		prompt(s);
		return;
	}
	memset(s->secret, 0, sizeof(s->secret));
	s->secret_len = 0;
	s->tries++;
	bad_secrets++;
	pr_warn("net: bad shell secret from %s", s->peer);
	if (ll_fail(&limit, s->key, sys_now())) {
		closing(s, "\r\nwrong secret; too many from this address: refused for a minute\r\n");
		return;
	}
	if (s->tries >= SH_MAX_TRIES) {
		closing(s, "\r\nwrong secret\r\n");
		return;
	}
	say(s, "\r\nwrong secret\r\nsecret: ");
}

static void con_dump(struct session *s)
{
	struct vm *vm = s->vm;
	u64 end = vm->con_written, from = s->con_pos;

	/* The VM restarted while attached: its ring began anew. */
	if (from > end)
		from = 0;
	if (end - from > vm->con_size)
		from = end - vm->con_size;
	/* Only as much as the session can hold: the rest waits in the ring
	 * (the guest is never held up by a slow reader; what the ring
	 * overwrites meanwhile is lost to this reader only). */
	while (from < end && outbuf_pending(&s->out) < SH_OUT_MAX / 2) {
		u64 n = MIN(end - from, vm->con_size - from % vm->con_size);

		n = MIN(n, (u64)4096);
		outbuf_append(&s->out, vm->con + from % vm->con_size, (size_t)n);
		from += n;
	}
	s->con_pos = from;
}

static void attach(struct session *s, const char *name)
{
	struct vm *vm = NULL;
	char msg[96];

	for (u32 i = 0; i < nvms; i++)
		if (!strcmp(vms[i]->name, name))
			vm = vms[i];
	if (!vm) {
		snprintf(msg, sizeof(msg), "vm: no VM named '%s' (see `vm list`)\n", name);
		say(s, msg);
		prompt(s);
		return;
	}
	s->vm = vm;
	s->con_pos = 0;
	con_dump(s);
	if (vm->state != VM_RUNNING) {
		snprintf(msg, sizeof(msg), "\n[vm %s is %s]\n", vm->name, vm_state_name(vm->state));
		say(s, msg);
		s->vm = NULL;
		prompt(s);
		return;
	}
	snprintf(msg, sizeof(msg), "[attached to vm %s's COM1; Ctrl-] detaches]\n", vm->name);
	say(s, msg);
	s->state = SH_ATTACHED;
}

static void detach(struct session *s)
{
	char msg[96];

	con_dump(s);
	snprintf(msg, sizeof(msg), "\n[detached from vm %s, %s]\n", s->vm->name,
		 vm_state_name(s->vm->state));
	say(s, msg);
	s->vm = NULL;
	s->state = SH_SHELL;
	prompt(s);
}

static void run_line(struct session *s)
{
	char line[SHELL_LINE_MAX], *argv[SHELL_MAX_ARGS];
	int argc;

	lines_run++;
	snprintf(line, sizeof(line), "%s", s->le.buf);
	argc = shell_tokenize(line, argv, SHELL_MAX_ARGS);
	if (argc == 1 && (!strcmp(argv[0], "exit") || !strcmp(argv[0], "logout"))) {
		log_end(s, argv[0]);
		closing(s, "bye\r\n");
		return;
	}
	/* vm console: attached without blocking the management core. */
	if (argc >= 2 && !strcmp(argv[0], "vm") && !strcmp(argv[1], "console")) {
		if (argc != 3) {
			say(s, "usage: vm console NAME\n");
			prompt(s);
		} else {
			attach(s, argv[2]);
		}
		return;
	}
	snprintf(line, sizeof(line), "%s", s->le.buf);
	console_redirect(outbuf_sink, &s->out);
	shell_exec(line);
	console_redirect(NULL, NULL);
	prompt(s);
}

static void shell_byte(struct session *s, u8 c)
{
	if (c == 0x04 && !s->le.len) {		/* Ctrl-D on an empty line */
		log_end(s, "Ctrl-D");
		closing(s, "\r\nbye\r\n");
		return;
	}
	switch (linedit_feed(&s->le, c)) {
	case LINEDIT_LINE:
		run_line(s);
		break;
	case LINEDIT_CANCEL:
		prompt(s);
		break;
	}
}

/* Input for the guest: what its receiver refuses waits for the next poll. */
static size_t attached_input(struct session *s)
{
	size_t i;

	for (i = 0; i < s->in_len; i++) {
		if (s->in[i] == SH_DETACH) {
			detach(s);
			return i + 1;
		}
		if (!vplat_console_input(s->vm, s->in[i]))
			break;
	}
	return i;
}

static void process(struct session *s)
{
	size_t used = 0;

	if (s->state == SH_ATTACHED) {
		used = attached_input(s);
	} else {
		/* A command may attach; the rest is then the guest's. */
		while (used < s->in_len && (s->state == SH_LOGIN || s->state == SH_SHELL) &&
		       outbuf_pending(&s->out) < SH_OUT_MAX / 2) {
			u8 c = s->in[used++];

			if (s->state == SH_LOGIN)
				login_byte(s, c);
			else
				shell_byte(s, c);
		}
	}
	if (used) {
		memmove(s->in, s->in + used, s->in_len - used);
		s->in_len -= used;
		/* Room again: the window reopens by what was taken. */
		if (s->pcb)
			tcp_recved(s->pcb, (u16)used);
	}
	if (s->state == SH_ATTACHED) {
		con_dump(s);
		if (s->vm->state != VM_RUNNING)
			detach(s);
	}
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct session *s = arg;
	size_t n;

	if (!p) {			/* the client closed */
		log_end(s, "closed by the client");
		detach_pcb(pcb);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
		s->pcb = NULL;
		session_free(s);
		return ERR_OK;
	}
	/* lwIP's window (TCP_WND) is smaller than the input buffer, so a
	 * client cannot overrun it: the window opens only as bytes are
	 * taken out (process()). */
	n = MIN((size_t)p->tot_len, sizeof(s->in) - s->in_len);
	pbuf_copy_partial(p, s->in + s->in_len, (u16)n, 0);
	s->in_len += n;
	if (n < p->tot_len)
		tcp_recved(pcb, (u16)(p->tot_len - n));	/* dropped */
	pbuf_free(p);
	s->last_ms = sys_now();
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb; (void)len;
	flush(arg);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct session *s = arg;

	if (s) {
		log_end(s, err == ERR_RST ? "reset by the client" :
			   err == ERR_ABRT ? "aborted by lwIP (out of memory, or too many retransmissions)" :
			   "connection error");
		s->pcb = NULL;		/* lwIP freed it */
		session_free(s);
	}
}

static u64 addr_key(const ip_addr_t *a)
{
	if (IP_IS_V4(a))
		return ip4_addr_get_u32(ip_2_ip4(a));
	return (u64)ip_2_ip6(a)->addr[0] << 32 ^ ip_2_ip6(a)->addr[1] ^
	       (u64)ip_2_ip6(a)->addr[2] << 17 ^ ip_2_ip6(a)->addr[3] ^ (1ULL << 63);
}

/* Refused before a session exists: a line, then closed. */
static void refuse(struct tcp_pcb *pcb, const char *why)
{
	detach_pcb(pcb);
	tcp_write(pcb, why, (u16)strlen(why), TCP_WRITE_FLAG_COPY);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

/*
 * All sessions in use: the one that has waited longest for its secret
 * makes room (a flood of silent connections would otherwise keep the
 * operator out until they time out). Its slot, or SH_MAX_SESSIONS when
 * every session is logged in.
 */
static u32 evict_waiting(u32 now)
{
	struct session *victim = NULL;
	u32 slot = SH_MAX_SESSIONS;

	for (u32 i = 0; i < SH_MAX_SESSIONS; i++) {
		struct session *s = sessions[i];

		if (s && s->state == SH_LOGIN &&
		    (!victim || now - s->opened_ms > now - victim->opened_ms)) {
			victim = s;
			slot = i;
		}
	}
	if (!victim)
		return SH_MAX_SESSIONS;
	evicted++;
	if (victim->pcb) {
		detach_pcb(victim->pcb);
		tcp_abort(victim->pcb);
	}
	session_free(victim);
	return slot;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct session *s = NULL;
	u64 key;
	u32 slot;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	key = addr_key(&pcb->remote_ip);
	if (!ll_allowed(&limit, key, sys_now())) {
		refused_limited++;
		refuse(pcb, "refused: too many wrong secrets from this address; try again in a minute\r\n");
		return ERR_OK;
	}
	for (slot = 0; slot < SH_MAX_SESSIONS && sessions[slot]; slot++)
		;
	if (slot == SH_MAX_SESSIONS)
		slot = evict_waiting(sys_now());
	if (slot < SH_MAX_SESSIONS)
		s = calloc(1, sizeof(*s));
	if (!s) {
		refused_busy++;
		refuse(pcb, "refused: all shell sessions are in use\r\n");
		return ERR_OK;
	}
	opened++;
	sessions[slot] = s;
	s->pcb = pcb;
	s->key = key;
	ipaddr_ntoa_r(&pcb->remote_ip, s->peer, sizeof(s->peer));
	s->last_ms = s->opened_ms = sys_now();
	outbuf_init(&s->out, SH_OUT_MAX, true);
	linedit_init(&s->le, le_out, s);
	s->le.complete = shell_complete;
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	say(s, "tern: shared secret required\r\nsecret: ");
	flush(s);
	return ERR_OK;
}

void tcp_shell_init(const struct net_options *o)
{
	struct tcp_pcb *pcb;

	ll_init(&limit);
	timeout_ms = o->shell_timeout_s * 1000;
	if (!o->shell_port) {
		pr_info("net: TCP shell off (shell_port=off)");
		return;
	}
	/* The boot option wins over tern.cfg's [host] shell_secret. */
	snprintf(secret, sizeof(secret), "%s", o->secret[0] ? o->secret : vm_host_shell_secret);
	if (!secret[0]) {
		pr_info("net: TCP shell off: no shared secret (boot option shell_secret= or tern.cfg [host] shell_secret)");
		return;
	}
	pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (!pcb || tcp_bind(pcb, IP_ANY_TYPE, o->shell_port) != ERR_OK ||
	    !(listener = tcp_listen_with_backlog(pcb, 4))) {
		pr_warn("net: TCP shell: cannot listen on port %u", o->shell_port);
		return;
	}
	port = o->shell_port;
	tcp_accept(listener, on_accept);
	pr_info("net: TCP shell on port %u (secret required; idle sessions closed after %u s)", port,
		o->shell_timeout_s);
}

void tcp_shell_poll(void)
{
	u32 now = sys_now();

	for (u32 i = 0; i < SH_MAX_SESSIONS; i++) {
		struct session *s = sessions[i];
		u32 limit_ms;

		if (!s || !s->pcb)
			continue;
		process(s);
		if (!sessions[i])
			continue;
		limit_ms = s->state == SH_LOGIN ? MIN(timeout_ms, (u32)SH_LOGIN_TIMEOUT_MS) : timeout_ms;
		/* A session attached to a console is silent while the guest
		 * talks; only the operator's silence counts. */
		if (s->state != SH_CLOSING && now - s->last_ms > limit_ms) {
			timed_out++;
			log_end(s, "idle too long");
			closing(s, s->state == SH_LOGIN ? "\r\n[no secret in time: closing]\r\n" :
				   "\r\n[idle too long: closing]\r\n");
		}
		flush(s);
	}
}

void tcp_shell_show(void)
{
	u32 open = 0;

	if (!port) {
		console_printf("TCP shell: off%s\n", secret[0] ? "" : " (no shared secret)");
		return;
	}
	for (u32 i = 0; i < SH_MAX_SESSIONS; i++)
		open += sessions[i] != NULL;
	console_printf("TCP shell on port %u: %llu sessions (%u open of %u), %llu lines run, %llu wrong secrets, refused %llu (busy) %llu (wrong secrets), %llu timed out, %llu dropped waiting for a secret (room for newer)\n",
		       port, (unsigned long long)opened, open, SH_MAX_SESSIONS,
		       (unsigned long long)lines_run, (unsigned long long)bad_secrets,
		       (unsigned long long)refused_busy, (unsigned long long)refused_limited,
		       (unsigned long long)timed_out, (unsigned long long)evicted);
}

void tcp_shell_metrics(struct prom *p)
{
	if (!port)
		return;
	prom_family(p, "tern_shell_tcp_sessions_total", "TCP shell connections accepted", PROM_COUNTER);
	prom_u64(p, NULL, 0, opened);
	prom_family(p, "tern_shell_tcp_bad_secrets_total", "Wrong secrets given to the TCP shell",
		    PROM_COUNTER);
	prom_u64(p, NULL, 0, bad_secrets);
	prom_family(p, "tern_shell_tcp_refused_total", "TCP shell connections refused, by reason",
		    PROM_COUNTER);
	{
		struct prom_label l = { "reason", "busy" };

		prom_u64(p, &l, 1, refused_busy);
		l.value = "rate_limited";
		prom_u64(p, &l, 1, refused_limited);
	}
	prom_family(p, "tern_shell_tcp_evicted_total",
		    "TCP shell sessions still waiting for their secret, dropped for a newer connection",
		    PROM_COUNTER);
	prom_u64(p, NULL, 0, evicted);
}
