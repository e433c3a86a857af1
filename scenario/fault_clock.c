/* SPDX-License-Identifier: MIT */
/*
 * The clock a test drives (fault.h): the readings the front-end's
 * clock_gettime(CLOCK_MONOTONIC) returns while it is driven, and the
 * timeouts its polls asked for meanwhile. fault.c's wrappers consult it.
 */
#include "fault.h"

#include <string.h>

#define MAX_WAITS 32

static struct {
	bool driven;
	struct timespec readings[FAULT_CLOCK_READINGS];
	size_t n, next;
	int waits[MAX_WAITS];
	size_t nwaits; /* all of them, also those past MAX_WAITS */
} clock_state;

void fault_clock_drive(const struct timespec *readings, size_t n)
{
	if (n > FAULT_CLOCK_READINGS)
		n = FAULT_CLOCK_READINGS;
	clock_state.driven = n > 0;
	memcpy(clock_state.readings, readings, n * sizeof(*readings));
	clock_state.n = n;
	clock_state.next = 0;
	clock_state.nwaits = 0;
}

void fault_clock_release(void)
{
	clock_state.driven = false;
}

size_t fault_clock_waits(int *timeouts, size_t max)
{
	size_t kept = clock_state.nwaits < MAX_WAITS ? clock_state.nwaits : MAX_WAITS;

	memcpy(timeouts, clock_state.waits, (kept < max ? kept : max) * sizeof(int));
	return clock_state.nwaits;
}

bool fault_clock_reading(clockid_t clk, struct timespec *ts)
{
	if (!clock_state.driven || clk != CLOCK_MONOTONIC)
		return false;
	*ts = clock_state.readings[clock_state.next];
	if (clock_state.next + 1 < clock_state.n)
		clock_state.next++;
	return true;
}

bool fault_clock_note_wait(int timeout_ms)
{
	if (!clock_state.driven)
		return false;
	if (clock_state.nwaits < MAX_WAITS)
		clock_state.waits[clock_state.nwaits] = timeout_ms;
	clock_state.nwaits++;
	return true;
}
