/* SPDX-License-Identifier: MIT */
/*
 * The memory-truth oracle: what the model says is mapped is there, with the
 * bytes of its file at the right offset and the protection asked for; no
 * fault when an accepted mapping is touched; every page of a region the
 * model says is free is inaccessible and still reserved (not a hole
 * anything else may land in).
 *
 * It needs no front-end, only where its regions are (region_base), the
 * model and the files the driver mapped, and reads and writes through the
 * probes (scenario/probes.h: process_vm_readv/writev, and an madvise or
 * msync per free page). The probes look at this process: an out-of-process
 * driver gives region_base the addresses in the target (its
 * /proc/PID/maps shows where our memfd's inode is mapped) and needs their
 * forms for a pid.
 */
#ifndef VSF_ORACLE_MEMORY_TRUTH_H
#define VSF_ORACLE_MEMORY_TRUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "fd_table.h"
#include "oracles.h"
#include "shadow_model.h"

struct memory_truth {
	const struct oracle_where *where;
	/* The first byte of region shmid, which the model has. */
	void *(*region_base)(void *opaque, uint8_t shmid);
	void *opaque;
	const struct shadow_model *model;
	struct fd_table *fds;  /* the files behind the mappings (content written lazily) */
	bool files_resized;    /* a file was cut short: pages past its end are not read */
};

/* The address of offset in region shmid. */
uint8_t *memory_truth_addr(const struct memory_truth *mt, uint8_t shmid, uint64_t offset);
/* A mapping's first, second and last page, and the free pages around it. */
void memory_truth_check_mapping(const struct memory_truth *mt, const struct model_mapping *m);
/* Every mapping of the model. */
void memory_truth_check_all(const struct memory_truth *mt);
/* A range that was just unmapped is inaccessible again (its first and last page). */
void memory_truth_check_gone(const struct memory_truth *mt, const struct model_mapping *m);
/* Every region's first and last page unless mapped. */
void memory_truth_check_region_edges(const struct memory_truth *mt);

#endif
