/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The management core's background work: restarting VMs that reset,
 * giving a stopped VM's devices and memory back, and the block layer
 * (issuing and completing disk requests, guests' included). Whatever the
 * shell is doing — idle at the prompt, attached to a VM's console, in a
 * long command — it calls mgmt_poll() often, so a guest's disk I/O never
 * waits for the operator.
 */
#ifndef TERN_CORE_MGMT_H
#define TERN_CORE_MGMT_H

/* On the management core only. */
void mgmt_poll(void);

#endif
