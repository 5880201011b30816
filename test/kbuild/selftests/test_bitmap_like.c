// SPDX-License-Identifier: GPL-2.0
/* In the shape of lib/test_bitmap.c: bit operations, find_*_bit, weight
 * and the bitmap_* helpers on bitmaps longer than a word. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/slab.h>

static int failed, total;

#define CHECK(cond) do { total++; if (!(cond)) { failed++; pr_err("line %d: %s\n", __LINE__, #cond); } } while (0)

#define NBITS 200

static noinline void test_find(void)
{
	DECLARE_BITMAP(map, NBITS);
	DECLARE_BITMAP(other, NBITS);
	DECLARE_BITMAP(out, NBITS);
	unsigned long bit, n = 0;

	bitmap_zero(map, NBITS);
	CHECK(find_first_bit(map, NBITS) == NBITS);
	set_bit(3, map);
	__set_bit(64, map);
	__set_bit(130, map);
	__set_bit(199, map);
	CHECK(find_first_bit(map, NBITS) == 3);
	CHECK(find_next_bit(map, NBITS, 4) == 64);
	CHECK(find_next_bit(map, NBITS, 131) == 199);
	CHECK(find_last_bit(map, NBITS) == 199);
	CHECK(find_first_zero_bit(map, NBITS) == 0);
	CHECK(find_next_zero_bit(map, NBITS, 3) == 4);
	for_each_set_bit(bit, map, NBITS)
		n += bit;
	CHECK(n == 3 + 64 + 130 + 199);
	CHECK(bitmap_weight(map, NBITS) == 4);
	bitmap_fill(other, NBITS);
	CHECK(bitmap_weight(other, NBITS) == NBITS);
	bitmap_clear(other, 10, 100);
	CHECK(bitmap_weight(other, NBITS) == NBITS - 100);
	CHECK(find_next_bit(other, NBITS, 10) == 110);
	bitmap_and(out, map, other, NBITS);
	CHECK(bitmap_weight(out, NBITS) == 3);
	bitmap_or(out, map, other, NBITS);
	CHECK(bitmap_weight(out, NBITS) == NBITS - 99);	/* bit 64 of map lies in the cleared range */
	bitmap_xor(out, map, map, NBITS);
	CHECK(bitmap_empty(out, NBITS));
	CHECK(bitmap_intersects(map, other, NBITS));
	CHECK(!bitmap_subset(map, other, NBITS));
	bitmap_set(out, 5, 70);
	CHECK(bitmap_weight(out, NBITS) == 70 && test_bit(74, out) && !test_bit(75, out));
	bitmap_copy(other, out, NBITS);
	CHECK(bitmap_equal(other, out, NBITS));
	bitmap_complement(out, out, NBITS);
	CHECK(bitmap_weight(out, NBITS) == NBITS - 70);
}

static int __init test_bitmap_init(void)
{
	test_find();
	if (failed) {
		pr_err("%d of %d tests failed\n", failed, total);
		return -EINVAL;
	}
	pr_info("all %d tests passed\n", total);
	return 0;
}

static void __exit test_bitmap_exit(void)
{
}

module_init(test_bitmap_init);
module_exit(test_bitmap_exit);
MODULE_LICENSE("GPL");
