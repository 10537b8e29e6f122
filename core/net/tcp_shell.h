/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The admin shell over TCP (shell_port, default 2323): the serial shell's
 * commands, each session with its own line editor, after a shared secret.
 * Off without a secret. Three bad secrets from one address within a
 * minute and that address is refused for the rest of the minute.
 */
#ifndef TERN_CORE_NET_TCP_SHELL_H
#define TERN_CORE_NET_TCP_SHELL_H

struct net_options;
struct prom;

void tcp_shell_init(const struct net_options *o);
void tcp_shell_poll(void);
void tcp_shell_show(void);
void tcp_shell_metrics(struct prom *p);

#endif
