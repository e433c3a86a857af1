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
#include "proc_view.h"
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

/*
 * Out of process (a front-end we did not write): what its /proc/PID/maps
 * shows of the files we sent, and its bytes read with process_vm_readv
 * (proc_view.h: the same user, and ptrace rights over it, which a child of
 * the driver has). Its region bases are not known in advance: the first
 * accepted map of a region shows where that region is, and every later
 * mapping of it must sit at the same base plus its offset. A place counts
 * as a region only where the whole region's length around it was
 * inaccessible reservation when the session's start-up was over (regions
 * are reserved then): a front-end that maps a file elsewhere first and
 * moves it into place on commit (ours does, and the kernel puts the staged
 * mapping right beside the region) is not taken at its staging address. A
 * front-end
 * replies before it commits (the commit-order rule), and a message without
 * NEED_REPLY has no reply at all: each check waits up to wait_ms for what
 * it expects to show before it reports.
 */
#define MEMORY_TRUTH_MAX_RESERVED 512

struct memory_truth_target {
	const struct oracle_where *where;
	pid_t pid;
	const struct shadow_model *model; /* the regions' sizes */
	int wait_ms;
	/* The target's inaccessible anonymous ranges after its start-up. */
	uint64_t reserved[MEMORY_TRUTH_MAX_RESERVED][2];
	size_t nreserved;
	uint64_t base[VSF_MAX_SHMEM_REGIONS];
	bool base_known[VSF_MAX_SHMEM_REGIONS];
};

/* After the target's start-up: takes the snapshot of its reservations. */
void memory_truth_target_init(struct memory_truth_target *mt, const struct oracle_where *where,
			      pid_t pid, const struct shadow_model *model, int wait_ms);
/* An accepted map: the file is mapped at its offset, with the protection and bytes asked for. */
void memory_truth_check_target_map(struct memory_truth_target *mt, const struct model_mapping *m);
/* An accepted unmap: nothing of the file is left in the range. */
void memory_truth_check_target_gone(struct memory_truth_target *mt, const struct model_mapping *m);
/*
 * At the end of an input: every mapping of a file we sent (files[0..n)) is
 * one the model has, and the model's are all there. channel_lost: the
 * backend channel is gone, after which what a front-end keeps is its own
 * policy (ours keeps its mappings, a program may end the session): the
 * model's mappings may be missing then, but nothing else may be mapped.
 */
void memory_truth_check_target_all(struct memory_truth_target *mt, const struct shadow_model *model,
				   const struct file_id files[], size_t n, bool channel_lost);

#endif
