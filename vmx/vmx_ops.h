/* SPDX-License-Identifier: GPL-2.0 */
/* VMX instructions (SDM 3C ch. 31). Each reports VMfail as false/nonzero. */
#ifndef TERN_VMX_VMX_OPS_H
#define TERN_VMX_VMX_OPS_H

#include "core/types.h"

/* CF or ZF set after a VMX instruction means it failed (SDM 3C 31.2). */
static inline bool vmxon(u64 pa)
{
	u8 ok;

	__asm__ __volatile__("vmxon %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	return ok;
}

static inline void vmxoff(void)
{
	__asm__ __volatile__("vmxoff" ::: "cc", "memory");
}

static inline bool vmclear(u64 pa)
{
	u8 ok;

	__asm__ __volatile__("vmclear %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	return ok;
}

static inline bool vmptrld(u64 pa)
{
	u8 ok;

	__asm__ __volatile__("vmptrld %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	return ok;
}

static inline u64 vmread(u64 field)
{
	u64 v;

	__asm__ __volatile__("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

static inline bool vmwrite(u64 field, u64 v)
{
	u8 ok;

	__asm__ __volatile__("vmwrite %1, %2; seta %0" : "=qm"(ok) : "rm"(v), "r"(field)
			     : "cc");
	return ok;
}

struct invept_desc {
	u64 eptp;
	u64 reserved;
};

#define INVEPT_SINGLE	1
#define INVEPT_ALL	2

static inline void invept(u64 type, u64 eptp)
{
	struct invept_desc d = { eptp, 0 };

	__asm__ __volatile__("invept %0, %1" :: "m"(d), "r"(type) : "cc", "memory");
}

/* INVVPID descriptor and types (SDM 3C 31.3, INVVPID) */
struct invvpid_desc {
	u64 vpid;			/* bits 15:0 */
	u64 linear;
};

#define INVVPID_ADDR		0
#define INVVPID_SINGLE		1
#define INVVPID_ALL		2

static inline void invvpid(u64 type, u16 vpid)
{
	struct invvpid_desc d = { vpid, 0 };

	__asm__ __volatile__("invvpid %0, %1" :: "m"(d), "r"(type) : "cc", "memory");
}

#endif
