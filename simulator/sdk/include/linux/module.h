/* SPDX-License-Identifier: MIT */
/*
 * module_init/module_exit, module metadata and parameters.
 *
 * module_init(fn) stores a pointer to fn in the variable __ksw_module_init
 * (section .ksw_modinit), module_exit(fn) in __ksw_module_exit (section
 * .ksw_modexit); the module loader reads them after relocation. The
 * functions may be static, as in Linux.
 *
 * MODULE_LICENSE/AUTHOR/DESCRIPTION/... become "tag=value" strings in the
 * section .modinfo, as in Linux.
 */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/export.h>
#include <linux/list.h>
#include <linux/moduleparam.h>

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "module"
#endif

struct module;
#define THIS_MODULE ((struct module *)0)

#define module_init(initfn)							\
	static inline initcall_t __maybe_unused __inittest(void)		\
	{ return initfn; }							\
	static initcall_t __ksw_module_init					\
	__used __section(".ksw_modinit") __aligned(8) = initfn

#define module_exit(exitfn)							\
	static inline exitcall_t __maybe_unused __exittest(void)		\
	{ return exitfn; }							\
	static exitcall_t __ksw_module_exit					\
	__used __section(".ksw_modexit") __aligned(8) = exitfn

#define MODULE_INFO(tag, info)							\
	static const char __UNIQUE_ID(tag)[]					\
	__used __section(".modinfo") __aligned(1) = __stringify(tag) "=" info

#define MODULE_LICENSE(_license)	MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author)		MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_desc)	MODULE_INFO(description, _desc)
#define MODULE_VERSION(_version)	MODULE_INFO(version, _version)
#define MODULE_ALIAS(_alias)		MODULE_INFO(alias, _alias)
#define MODULE_SOFTDEP(_softdep)	MODULE_INFO(softdep, _softdep)
#define MODULE_PARM_DESC(_parm, desc)	MODULE_INFO(parm, #_parm ":" desc)

#endif /* _LINUX_MODULE_H */
