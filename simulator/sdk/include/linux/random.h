/* SPDX-License-Identifier: MIT */
/* Random numbers: deterministic, from the machine's seed (same seed, same numbers). */
#ifndef _LINUX_RANDOM_H
#define _LINUX_RANDOM_H

#include <linux/types.h>

/* Exported by the simulated kernel. */
u32 get_random_u32(void);
u64 get_random_u64(void);
/* Uniform in [0, ceil); ceil must be non-zero. */
u32 get_random_u32_below(u32 ceil);
void get_random_bytes(void *buf, size_t len);

static inline u8 get_random_u8(void) { return (u8)get_random_u32(); }
static inline u16 get_random_u16(void) { return (u16)get_random_u32(); }
static inline unsigned long get_random_long(void) { return (unsigned long)get_random_u64(); }

/* Uniform in (floor, U32_MAX]. */
static inline u32 get_random_u32_above(u32 floor)
{
	return floor + 1 + get_random_u32_below(~0U - floor);
}

/* Uniform in [floor, ceil]. */
static inline u32 get_random_u32_inclusive(u32 floor, u32 ceil)
{
	u32 span = ceil - floor + 1;

	return span ? floor + get_random_u32_below(span) : get_random_u32();
}

#endif /* _LINUX_RANDOM_H */
