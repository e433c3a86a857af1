/* SPDX-License-Identifier: MIT */
/*
 * Shared memory regions and the mappings placed inside them.
 *
 * Each region reserves its whole range with an inaccessible anonymous
 * mapping for as long as it exists, so nothing else in the process can land
 * inside it. A mapping change is made in two steps: prepare (every check and
 * every call that can fail, nothing visible yet) and commit (the change
 * becomes visible). The dispatcher replies between the two.
 */
#ifndef VSF_REGIONS_H
#define VSF_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "vhost_shmem.h"
#include "wire.h"

struct vsf_region {
	uint64_t size;
	uint8_t *base;
};

struct vsf_mapping {
	uint8_t shmid;
	uint64_t shm_offset;
	uint64_t len;
	uint64_t fd_offset;
	bool rw;
};

struct vsf_regions {
	struct vsf_region *region_by_id[VSF_MAX_SHMEM_REGIONS];
	size_t nregions;
	struct vsf_mapping *maps; /* sorted by (shmid, shm_offset) */
	size_t nmaps, maps_cap;
	uint32_t max_mappings;
	uint64_t max_reserved, reserved;
	uint64_t page_size;
	bool require_shrink_seal; /* vsf_options.require_shrink_seal */
};

enum vsf_change_kind { VSF_CHANGE_NONE, VSF_CHANGE_MAP, VSF_CHANGE_UNMAP };

/* A prepared, not yet visible, change to the memory map. */
struct vsf_change {
	enum vsf_change_kind kind;
	struct vsf_mapping mapping;
	void *staged; /* MAP: the fd already mapped at a temporary address */
};

/* Empty, with the limits and rules of opts. */
void vsf_regions_init(struct vsf_regions *r, const struct vsf_options *opts);
/* Remove every mapping and release every region and the mapping table: r is
 * left empty, with its limits and rules, as vsf_regions_init left it. */
void vsf_regions_destroy(struct vsf_regions *r);

/* Validate a whole config (nregions, page multiples, total bound); creates nothing. */
int vsf_regions_check_config(const struct vsf_regions *r, uint32_t nregions,
			     const uint64_t sizes[VSF_MAX_SHMEM_REGIONS], struct vsf_error *err);
/* Validate, then reserve every region of the config; all or nothing. */
int vsf_regions_configure(struct vsf_regions *r, uint32_t nregions,
			  const uint64_t sizes[VSF_MAX_SHMEM_REGIONS], struct vsf_error *err);
/* Reserve one region; shmid must be free. */
int vsf_regions_add(struct vsf_regions *r, uint8_t shmid, uint64_t size, struct vsf_error *err);

const struct vsf_region *vsf_regions_find(const struct vsf_regions *r, uint8_t shmid);

/*
 * Prepare mapping fd (borrowed) at shm_offset of region shmid. On success
 * change holds the staged mapping; the caller must commit it.
 */
int vsf_regions_prepare_map(struct vsf_regions *r, const struct vsf_mapping *m, int fd,
			    struct vsf_change *change, struct vsf_error *err);
/* Prepare removing exactly the mapping (shmid, shm_offset, len). */
int vsf_regions_prepare_unmap(struct vsf_regions *r, uint8_t shmid, uint64_t shm_offset,
			      uint64_t len, struct vsf_change *change, struct vsf_error *err);
/* Make a prepared change visible. */
int vsf_regions_commit(struct vsf_regions *r, struct vsf_change *change, struct vsf_error *err);

/* Device reset: remove every mapping, keep the reservations. Returns how many could not be removed. */
size_t vsf_regions_reset(struct vsf_regions *r);
/* Reset, and when no mapping is left release the mapping table as well: the
 * regions are as vsf_regions_configure left them. Returns how many could not be removed. */
size_t vsf_regions_recycle(struct vsf_regions *r);

#endif
