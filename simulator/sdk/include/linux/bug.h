/* SPDX-License-Identifier: MIT */
/*
 * BUG() and WARN(), done the x86 way: a `ud2` instruction plus an entry in
 * the `__bug_table` section (struct bug_entry: the ud2's address, file,
 * line, flags). The simulated kernel's #UD handler looks the faulting RIP up
 * in that table: a warning prints "WARNING: CPU: n PID: p at file:line ..."
 * and resumes after the 2-byte ud2; a BUG prints "kernel BUG at file:line!"
 * and oopses the task, as Linux does.
 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/printk.h>

struct bug_entry {
	unsigned long	bug_addr;	/* 0x00: address of the ud2 */
	const char	*file;		/* 0x08 */
	unsigned short	line;		/* 0x10 */
	unsigned short	flags;		/* 0x12: BUGFLAG_* */
};					/* 0x18 bytes */

#define BUGFLAG_WARNING		(1 << 0)
#define BUGFLAG_ONCE		(1 << 1)
#define BUGFLAG_DONE		(1 << 2)
#define BUGFLAG_NO_CUT_HERE	(1 << 3)

#define _BUG_FLAGS(flags)						\
	__asm__ __volatile__("1:\tud2\n"					\
		"\t.pushsection __bug_table,\"aw\"\n"			\
		"\t.balign 8\n"						\
		"2:\t.quad 1b\n"					\
		"\t.quad %c0\n"						\
		"\t.word %c1\n"						\
		"\t.word %c2\n"						\
		"\t.org 2b + %c3\n"					\
		"\t.popsection"						\
		: : "i" (__FILE__), "i" (__LINE__), "i" (flags),	\
		    "i" (sizeof(struct bug_entry)))

#define BUG()								\
do {									\
	_BUG_FLAGS(0);							\
	__builtin_unreachable();					\
} while (0)

#define BUG_ON(condition)	do { if (unlikely(condition)) BUG(); } while (0)

#define __WARN_FLAGS(flags)	_BUG_FLAGS(BUGFLAG_WARNING | (flags))
#define __WARN()		__WARN_FLAGS(0)

/* WARN_ON(cond) evaluates to the condition, so it can guard an early return. */
#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN();						\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(condition) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_FLAGS(BUGFLAG_ONCE);				\
	unlikely(__ret_warn_on);					\
})

#define WARN(condition, ...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on)) {					\
		printk(KERN_WARNING __VA_ARGS__);				\
		__WARN_FLAGS(BUGFLAG_NO_CUT_HERE);			\
	}								\
	unlikely(__ret_warn_on);					\
})

#define WARN_ONCE(condition, ...) ({				\
	static bool __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		WARN(1, __VA_ARGS__);					\
	}								\
	unlikely(__ret_warn_once);					\
})

#endif /* _LINUX_BUG_H */
