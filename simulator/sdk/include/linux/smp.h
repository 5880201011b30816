/* SPDX-License-Identifier: MIT */
#ifndef _LINUX_SMP_H
#define _LINUX_SMP_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/preempt.h>
#include <asm/percpu.h>

/* The CPU this code runs on: one %gs-relative load (see asm/percpu.h). */
#define raw_smp_processor_id()	((int)__ksw_this_cpu_read_4(KSW_PERCPU_CPU_NUMBER))
#define smp_processor_id()	raw_smp_processor_id()

#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()

/* Exported by the simulated kernel. */
unsigned int num_online_cpus(void);
unsigned int num_possible_cpus(void);
bool cpu_online(unsigned int cpu);

#endif /* _LINUX_SMP_H */
