/* SPDX-License-Identifier: MIT */
/*
 * Section markers for init/exit code. The simulated kernel keeps all of a
 * module's code resident, so these are empty: __init code stays in .text,
 * where stack traces and watches can still name it after init returns.
 */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#include <linux/compiler.h>

#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __ref
#define __refdata

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

#endif /* _LINUX_INIT_H */
