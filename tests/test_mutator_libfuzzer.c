/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer's adapter of the program mutator (fuzz/mutator_libfuzzer.c):
 * a share of the field changes goes through LLVMFuzzerMutate on the field's
 * own bytes (here a stand-in that writes a marker, or erases a byte as
 * libFuzzer's EraseBytes does), and the programs stay well-formed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "program_checks.h"
#include "vsf_test.h"

#define MAX_SIZE 4096

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static const uint8_t marker[] = { 0x42, 0xee, 0xff, 0xc0, 0x0d, 0xf0, 0xad, 0x8b };
static unsigned field_calls, input_calls, erased;

/* libFuzzer's own mutation, standing in: a field's bytes (the size caps
 * it) get the marker or, one call in four, lose their first byte. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
	if (max_size > 8) { /* a whole input (one in 16) */
		input_calls++;
		return size;
	}
	CHECK_EQ(max_size, size);
	if (++field_calls % 4 == 0 && size > 1) {
		erased++;
		memmove(data, data + 1, size - 1);
		return size - 1;
	}
	memcpy(data, marker, size);
	return size;
}

TEST(field_bytes_go_through_llvm_fuzzer_mutate)
{
	static const char start_text[] =
		"config nregions=2 sizes=0:0x10000,3:0x4000\n"
		"fd 1 memfd size=0x4000 seals=0x8 data=0102\n"
		"map shmid=3 fd=1 shm_offset=0x1000 len=0x2000 ro need_reply\n"
		"unmap shmid=3 shm_offset=0x1000 len=0x2000 need_reply\n";
	static uint8_t start[MAX_SIZE], buf[MAX_SIZE];
	size_t size = program_from_text(start_text, start, sizeof(start));
	unsigned marked = 0;

	SETUP(unsetenv("VSF_MUTATOR") == 0 && unsetenv("VSF_TARGET_PROFILE") == 0);
	LLVMFuzzerInitialize(NULL, NULL);
	for (unsigned seed = 1; seed <= 3000; seed++) {
		size_t n;

		memcpy(buf, start, size);
		n = LLVMFuzzerCustomMutator(buf, size, MAX_SIZE, seed);
		if (seed % 16 == 0) /* libFuzzer's own mutators: not a program of ours */
			continue;
		check_program_round_trips(buf, n, MAX_SIZE, true);
		marked += memmem(buf, n, marker, 4) != NULL;
	}
	printf("%u field mutations by libFuzzer (%u erasing a byte), %u whole inputs, %u programs "
	       "with the marker\n", field_calls, erased, input_calls, marked);
	CHECK(field_calls >= 50);
	CHECK(erased > 0);
	CHECK(marked >= 30);
	CHECK(input_calls >= 3000 / 16);
}
