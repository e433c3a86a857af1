/* SPDX-License-Identifier: MIT */
/*
 * A file for mutation/schema.py whose mutants' triggers are known
 * (tests/mutation_schema.sh): driver.c calls each function once with the
 * arguments its comment gives, expected.txt says which mutant of it must be
 * counted triggered and which reached only. count() counts its calls: an
 * operand that a mutant evaluated twice would show there.
 */
#include "sample.h"

int calls;

static int count(int v)
{
	calls++;
	return v;
}

/* (2, 2): <= differs from <, != does not */
int less(int a, int b)
{
	return count(a) < count(b);
}

/* (5, 2): | differs from &; (0, 2) in shift_zero: >> is <<'s 0 */
int mask(int a, int b)
{
	return count(a) & count(b);
}

int shift_zero(int a, int b)
{
	return count(a) << count(b);
}

/* (7, 0): -= adds nothing either; (7, 2) in take: += differs */
int add(int a, int b)
{
	a += count(b);
	return a;
}

int take(int a, int b)
{
	a -= count(b);
	return a;
}

/* (0, 0): && gives 0 without looking at b, || gives b, 0 too (b is compared:
 * it changes nothing); (1, 1) in both: || gives 1 as && does, but without
 * the call count(b) that && makes: a change */
int either(int a, int b)
{
	return a || b;
}

int both(int a, int b)
{
	return count(a) && count(b);
}

/* (1): the condition holds: forcing it true changes nothing */
int positive(int a)
{
	if (a > 0)
		return 1;
	return 0;
}

/* (0): a zero returned as zero; in counted, the call skipped is a change */
int same(int a)
{
	return a;
}

int counted(int a)
{
	return count(a);
}
