/* SPDX-License-Identifier: MIT */
/*
 * The backend-request dispatcher without I/O (src/backend_dispatch.h): a
 * message as bytes and fds in, verdict, reply and prepared change out. No
 * socket is involved; the regions are real reservations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "backend_dispatch.h"
#include "regions.h"
#include "vsf_test.h"

struct dispatch {
	struct vsf_regions regions;
	struct vsf_rx rx;
	struct vsf_backend_outcome out;
	uint64_t page;
};

/* Region 0 of 4 pages. */
static void dispatch_init(struct dispatch *d)
{
	uint64_t sizes[256] = { 0 };
	struct vsf_error err = { 0 };
	struct vsf_options opts;

	memset(d, 0, sizeof(*d));
	d->page = (uint64_t)sysconf(_SC_PAGESIZE);
	sizes[0] = 4 * d->page;
	vsf_options_default(&opts);
	opts.max_mappings = 8;
	opts.max_reserved_bytes = 1ull << 30;
	vsf_regions_init(&d->regions, &opts);
	SETUP(vsf_regions_configure(&d->regions, 1, sizes, &err) == 0);
}

/* Put a message into d->rx from its bytes (header and payload) and an fd or none. */
static void put_message(struct dispatch *d, uint32_t request, uint32_t flags, uint32_t size,
			const struct vsf_wire_mmap *mm, int fd)
{
	uint8_t hdr[VSF_HEADER_SIZE];
	struct vsf_wire_header h = { request, flags, size };

	vsf_encode_header(&h, hdr);
	vsf_decode_header(hdr, &d->rx.msg.hdr);
	memset(d->rx.msg.payload, 0, sizeof(d->rx.msg.payload));
	if (mm)
		vsf_encode_mmap(mm, d->rx.msg.payload);
	d->rx.nfds = 0;
	d->rx.fds_overflow = false;
	if (fd >= 0)
		d->rx.fds[d->rx.nfds++] = fd;
}

TEST(dispatch_map_prepares_and_replies_zero)
{
	struct dispatch d;
	int fd;

	dispatch_init(&d);
	fd = make_memfd(1, 3);
	put_message(&d, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY,
		    VSF_MMAP_PAYLOAD_SIZE,
		    &(struct vsf_wire_mmap){ .shm_offset = d.page, .len = d.page, .flags = 1 }, fd);
	CHECK_EQ(vsf_backend_dispatch(&d.regions, true, &d.rx, &d.out), 0);
	/* The fd was consumed: the staged mapping holds the file, rx none. */
	CHECK_EQ(d.rx.nfds, 0);
	CHECK(!fd_is_open(fd));
	CHECK(d.out.reply);
	CHECK_EQ(d.out.reply_hdr.request, VSF_BACKEND_SHMEM_MAP);
	CHECK_EQ(d.out.reply_hdr.flags, VSF_REPLY_FLAGS);
	CHECK_EQ(d.out.reply_hdr.size, 8);
	CHECK_EQ(d.out.reply_value, 0);
	CHECK(d.out.has_mm);
	CHECK_EQ(d.out.mm.shm_offset, d.page);
	CHECK_EQ(d.out.change.kind, VSF_CHANGE_MAP);
	CHECK(d.out.change.mapping.rw);
	/* Nothing visible before the commit; the commit makes it so. */
	CHECK_EQ(d.regions.nmaps, 0);
	CHECK(!probe_readable(d.regions.region_by_id[0]->base + d.page));
	CHECK_EQ(vsf_regions_commit(&d.regions, &d.out.change, &d.out.err), 0);
	CHECK_EQ(d.regions.nmaps, 1);
	CHECK_EQ(d.regions.region_by_id[0]->base[d.page], memfd_byte(3, 0, d.page));
	vsf_regions_destroy(&d.regions);
}

TEST(dispatch_rejection_replies_errno_and_closes_fds)
{
	struct dispatch d;
	int fd;

	dispatch_init(&d);
	fd = make_memfd(1, 3);
	/* Outside the region. */
	put_message(&d, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY,
		    VSF_MMAP_PAYLOAD_SIZE,
		    &(struct vsf_wire_mmap){ .shm_offset = 4 * d.page, .len = d.page }, fd);
	CHECK_EQ(vsf_backend_dispatch(&d.regions, true, &d.rx, &d.out), -ERANGE);
	CHECK(!fd_is_open(fd));
	CHECK(d.out.reply);
	CHECK_EQ(d.out.reply_value, (uint64_t)ERANGE);
	CHECK(d.out.err.reason[0] != '\0');
	CHECK_EQ(d.out.change.kind, VSF_CHANGE_NONE);
	vsf_regions_destroy(&d.regions);
}

TEST(dispatch_reply_only_when_asked)
{
	struct dispatch d;

	dispatch_init(&d);
	put_message(&d, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, VSF_MMAP_PAYLOAD_SIZE,
		    &(struct vsf_wire_mmap){ .len = d.page }, -1);
	CHECK_EQ(vsf_backend_dispatch(&d.regions, true, &d.rx, &d.out), -ENOENT);
	CHECK(!d.out.reply);
	vsf_regions_destroy(&d.regions);
}

TEST(dispatch_without_shmem_or_for_others)
{
	struct dispatch d;
	int fd;

	dispatch_init(&d);
	fd = make_memfd(1, 3);
	put_message(&d, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY,
		    VSF_MMAP_PAYLOAD_SIZE, &(struct vsf_wire_mmap){ .len = d.page }, fd);
	CHECK_EQ(vsf_backend_dispatch(&d.regions, false, &d.rx, &d.out), -ENOTSUP);
	CHECK(!fd_is_open(fd));
	/* The payload is decoded for the verdict all the same. */
	CHECK(d.out.has_mm);
	CHECK_EQ(d.out.mm.len, d.page);
	/* Another backend request, shaped like a map: refused, nothing decoded. */
	fd = make_memfd(1, 3);
	put_message(&d, VSF_BACKEND_SHARED_OBJECT_LOOKUP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY,
		    VSF_MMAP_PAYLOAD_SIZE, &(struct vsf_wire_mmap){ .len = d.page }, fd);
	CHECK_EQ(vsf_backend_dispatch(&d.regions, true, &d.rx, &d.out), -ENOTSUP);
	CHECK(!fd_is_open(fd));
	CHECK(!d.out.has_mm);
	CHECK_EQ(d.out.reply_hdr.request, VSF_BACKEND_SHARED_OBJECT_LOOKUP);
	CHECK_EQ(d.regions.nmaps, 0);
	vsf_regions_destroy(&d.regions);
}

TEST(dispatch_short_payload_refused_before_decoding)
{
	struct dispatch d;

	dispatch_init(&d);
	put_message(&d, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 32,
		    &(struct vsf_wire_mmap){ .len = d.page }, -1);
	CHECK_EQ(vsf_backend_dispatch(&d.regions, true, &d.rx, &d.out), -EBADMSG);
	CHECK(!d.out.has_mm);
	CHECK(d.out.reply);
	vsf_regions_destroy(&d.regions);
}

/* The payload is decoded for the verdict only when it is a map's or an
 * unmap's of exactly 40 bytes: not for a request above them, nor for a
 * longer payload. */
TEST(dispatch_decodes_only_maps_and_unmaps_of_their_size)
{
	const struct vsf_wire_mmap mm = { .len = 4096 };
	static const struct {
		uint32_t request, size;
	} cases[] = {
		{ VSF_BACKEND_SHMEM_UNMAP + 1, VSF_MMAP_PAYLOAD_SIZE },
		{ 200, VSF_MMAP_PAYLOAD_SIZE },
		{ VSF_BACKEND_SHMEM_MAP, VSF_MMAP_PAYLOAD_SIZE + 8 },
		{ VSF_BACKEND_SHMEM_UNMAP, VSF_MMAP_PAYLOAD_SIZE + 8 },
	};
	struct dispatch d;

	dispatch_init(&d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_message(&d, cases[i].request, VSF_FLAG_VERSION, cases[i].size, &mm, -1);
		CHECK(vsf_backend_dispatch(&d.regions, true, &d.rx, &d.out) < 0);
		CHECK(!d.out.has_mm);
		CHECK_EQ(d.out.mm.len, 0);
	}
	vsf_regions_destroy(&d.regions);
}
