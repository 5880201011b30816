/* SPDX-License-Identifier: MIT */
/*
 * module_param(name, type, perm): a variable the loader can set before
 * module_init runs (`ksw run --param name=value`, launch.json "params").
 *
 * Each parameter becomes one struct ksw_module_param in the section
 * `.ksw_params`; the module loader reads them after relocation. Supported
 * types, with the C type the variable must have: byte (unsigned char),
 * short, ushort, int, uint, long, ulong, ullong, hexint (unsigned int),
 * bool, invbool (bool), charp (char *).
 */
#ifndef _LINUX_MODULEPARAM_H
#define _LINUX_MODULEPARAM_H

#include <linux/compiler.h>
#include <linux/types.h>

struct ksw_module_param {
	const char	*name;		/* 0x00 */
	void		*arg;		/* 0x08: the variable */
	const char	*type;		/* 0x10: "int", "charp", ... */
	unsigned short	perm;		/* 0x18 */
	unsigned short	size;		/* 0x1a: sizeof the variable */
	unsigned int	__reserved;	/* 0x1c */
};					/* 0x20 bytes */

/* A compile error when the variable does not have the parameter type's C type. */
#define __param_check(name, p, type) \
	static inline type __always_unused *__check_##name(void) { return (p); }

#define param_check_byte(name, p)	__param_check(name, p, unsigned char)
#define param_check_short(name, p)	__param_check(name, p, short)
#define param_check_ushort(name, p)	__param_check(name, p, unsigned short)
#define param_check_int(name, p)	__param_check(name, p, int)
#define param_check_uint(name, p)	__param_check(name, p, unsigned int)
#define param_check_long(name, p)	__param_check(name, p, long)
#define param_check_ulong(name, p)	__param_check(name, p, unsigned long)
#define param_check_ullong(name, p)	__param_check(name, p, unsigned long long)
#define param_check_hexint(name, p)	__param_check(name, p, unsigned int)
#define param_check_bool(name, p)	__param_check(name, p, bool)
#define param_check_invbool(name, p)	__param_check(name, p, bool)
#define param_check_charp(name, p)	__param_check(name, p, char *)

#define module_param_named(name, value, type, perm)				\
	param_check_##type(name, &(value));					\
	static const char __param_str_##name[] = #name;				\
	static const char __param_type_##name[] = #type;			\
	static struct ksw_module_param __param_##name				\
	__used __section(".ksw_params") __aligned(8) = {			\
		__param_str_##name, &(value), __param_type_##name,		\
		(perm), sizeof(value), 0 }

#define module_param(name, type, perm)	module_param_named(name, name, type, perm)

#endif /* _LINUX_MODULEPARAM_H */
