/* SPDX-License-Identifier: MIT */
/*
 * Life cycle of a front-end: teardown and disconnect with live mappings
 * leave no mapping, reservation or fd behind; regions added by the device
 * model follow the config rules. And the wire encoding: every layout round
 * trips, little-endian, checked on explicit bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vsf_test.h"

/* Region 0: 16 pages; region 3: 4 pages. */
static const int two_regions[] = { 0, 16, 3, 4, -1 };

/* Lines of /proc/self/maps that name a test memfd. */
static int memfd_maps(void)
{
	FILE *fp = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	SETUP(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "memfd:vsf-test"))
			n++;
	fclose(fp);
	return n;
}

/* Map rw at region 0 + 2 pages and ro over all of region 3. */
static void map_two(struct fixture *f, int fd)
{
	char perms[5];

	CHECK_EQ(do_map(f, 0, fd, 0, 2 * f->page, 2 * f->page, true), 0);
	CHECK_EQ(do_map(f, 3, fd, 0, 0, 4 * f->page, false), 0);
	CHECK(probe_maps_perms(region_base(f, 0) + 2 * f->page, perms) && !strcmp(perms, "rw-s"));
	CHECK(probe_maps_perms(region_base(f, 3), perms) && !strcmp(perms, "r--s"));
	CHECK_EQ(vsf_frontend_mapping_count(f->fe), 2);
}

/* Nothing of regions 0 and 3 (bases b0, b3) is mapped any more. */
static void check_regions_gone(const struct fixture *f, uint8_t *b0, uint8_t *b3)
{
	char perms[5];

	CHECK(!probe_maps_perms(b0, perms));
	CHECK(!probe_maps_perms(b0 + 2 * f->page, perms));
	CHECK(!probe_maps_perms(b0 + 15 * f->page, perms));
	CHECK(!probe_maps_perms(b3, perms));
	CHECK(!probe_maps_perms(b3 + 3 * f->page, perms));
}

TEST(free_with_live_mappings_releases_everything)
{
	int fds = probe_open_fds(), memfds = memfd_maps();
	struct fixture f;
	int fd = make_memfd(4, 1);
	uint8_t *b0, *b3;

	fixture_init_regions(&f, two_regions);
	map_two(&f, fd);
	b0 = region_base(&f, 0);
	b3 = region_base(&f, 3);
	close(fd);
	CHECK_EQ(memfd_maps(), memfds + 2);
	vsf_frontend_free(f.fe);
	close(f.peer);
	check_regions_gone(&f, b0, b3);
	CHECK_EQ(memfd_maps(), memfds);
	CHECK_EQ(probe_open_fds(), fds);
}

TEST(disconnect_drops_regions_mappings_and_channel)
{
	int fds = probe_open_fds(), memfds = memfd_maps();
	struct fixture f;
	struct vsf_region_info ri;
	struct vsf_verdict v;
	int fd = make_memfd(4, 1);
	uint8_t *b0, *b3;
	int sv[2];
	char c;

	fixture_init_regions(&f, two_regions);
	map_two(&f, fd);
	b0 = region_base(&f, 0);
	b3 = region_base(&f, 3);
	vsf_frontend_disconnect(f.fe);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!vsf_frontend_region(f.fe, 0, &ri));
	CHECK(!vsf_frontend_shmem_negotiated(f.fe));
	check_regions_gone(&f, b0, b3);
	CHECK_EQ(memfd_maps(), memfds);
	/* The backend sees its channel closed; nothing more is served. */
	CHECK_EQ(recv(f.peer, &c, 1, MSG_DONTWAIT), 0);
	CHECK_EQ(handle(&f, &v), -ENOTCONN);
	/* Only the test's own fds are left: the memfd and the peer's end. */
	CHECK_EQ(probe_open_fds(), fds + 2);
	/* The same front-end serves a new session. */
	close(f.peer);
	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK_EQ(vsf_frontend_attach(f.fe, sv[0], ALL_PROTOCOL_FEATURES), 0);
	f.peer = sv[1];
	CHECK_EQ(vsf_frontend_add_region(f.fe, 0, 16 * f.page), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 2 * f.page, 2 * f.page, true), 0);
	close(fd);
	fixture_fini(&f);
	CHECK_EQ(probe_open_fds(), fds);
	CHECK_EQ(memfd_maps(), memfds);
}

TEST(add_region_usable_for_map)
{
	struct fixture f;
	struct vsf_region_info ri;
	int fd = make_memfd(2, 0x60);

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 42, 4 * f.page), 0);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 1);
	CHECK(vsf_frontend_region(f.fe, 42, &ri));
	CHECK_EQ(ri.shmid, 42);
	CHECK_EQ(ri.size, 4 * f.page);
	CHECK(!probe_readable(ri.base));
	CHECK_EQ(do_map(&f, 42, fd, 0, 2 * f.page, 2 * f.page, false), 0);
	CHECK_EQ(region_base(&f, 42)[3 * f.page], memfd_byte(0x60, f.page, f.page));
	/* Next to regions from a config, and the high shmid 255. */
	uint64_t sizes[256] = { [1] = f.page };
	CHECK_EQ(vsf_frontend_configure(f.fe, 1, sizes), 0);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 255, f.page), 0);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 3);
	CHECK_EQ(do_map(&f, 255, fd, 0, 0, f.page, true), 0);
	CHECK_EQ(do_map(&f, 1, fd, f.page, 0, f.page, false), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 3);
	close(fd);
	fixture_fini(&f);
}

TEST(add_region_duplicate_shmid)
{
	struct fixture f;
	struct vsf_region_info ri;

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 3, f.page), -EEXIST);
	CHECK(vsf_frontend_last_error(f.fe)[0] != '\0');
	CHECK(vsf_frontend_region(f.fe, 3, &ri));
	CHECK_EQ(ri.size, 4 * f.page);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 2);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 4, f.page), 0);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 4, f.page), -EEXIST);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 3);
	/* A config naming an existing region is rejected whole. */
	uint64_t sizes[256] = { [5] = f.page, [4] = f.page };
	CHECK_EQ(vsf_frontend_configure(f.fe, 2, sizes), -EEXIST);
	CHECK(!vsf_frontend_region(f.fe, 5, &ri));
	CHECK_EQ(vsf_frontend_region_count(f.fe), 3);
	fixture_fini(&f);
}

TEST(add_region_size_page_multiple)
{
	struct fixture f;
	struct vsf_region_info ri;

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 9, f.page + 1), -EINVAL);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 9, f.page / 2), -EINVAL);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 9, 3 * f.page - 1), -EINVAL);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 9, 0), -EINVAL);
	CHECK(!vsf_frontend_region(f.fe, 9, &ri));
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 9, 3 * f.page), 0);
	CHECK(vsf_frontend_region(f.fe, 9, &ri) && ri.size == 3 * f.page);
	fixture_fini(&f);
}

TEST(add_region_reservation_limit)
{
	struct fixture f;
	struct vsf_options o;
	struct vsf_region_info ri;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	vsf_options_default(&o);
	o.max_reserved_bytes = 8 * page;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 0, 4 * page), 0);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 1, 5 * page), -ENOSPC);
	CHECK(!vsf_frontend_region(f.fe, 1, &ri));
	/* A size that wraps the total around 2^64 is above the limit too. */
	CHECK_EQ(vsf_frontend_add_region(f.fe, 1, UINT64_MAX & ~(uint64_t)(page - 1)), -ENOSPC);
	/* Exactly at the limit. */
	CHECK_EQ(vsf_frontend_add_region(f.fe, 1, 4 * page), 0);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 2, page), -ENOSPC);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 2);
	/* Regions from a config count against the same limit. */
	uint64_t sizes[256] = { [7] = page };
	CHECK_EQ(vsf_frontend_configure(f.fe, 1, sizes), -ENOSPC);
	/* Released reservations are given back. */
	vsf_frontend_disconnect(f.fe);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 2, 8 * page), 0);
	fixture_fini(&f);
}

TEST(wire_helpers_little_endian)
{
	const uint8_t le[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88 };
	uint8_t buf[8];

	CHECK_EQ(vsf_load_le32(le), 0x04030201);
	CHECK(vsf_load_le64(le) == 0x8807060504030201ull);
	vsf_store_le32(buf, 0x04030201);
	CHECK(!memcmp(buf, le, 4));
	vsf_store_le64(buf, 0x8807060504030201ull);
	CHECK(!memcmp(buf, le, 8));
}

TEST(wire_header_round_trip)
{
	const struct vsf_wire_header h = { 0x04030201, 0x08070605, 0x0c0b0a09 };
	const uint8_t want[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	/* SHMEM_MAP, version 1 + NEED_REPLY, 40 bytes, as QEMU puts it on the wire. */
	const uint8_t map[12] = { 9, 0, 0, 0, 9, 0, 0, 0, 40, 0, 0, 0 };
	struct vsf_wire_header d;
	uint8_t buf[12];

	vsf_encode_header(&h, buf);
	CHECK(!memcmp(buf, want, sizeof(want)));
	vsf_decode_header(buf, &d);
	CHECK_EQ(d.request, h.request);
	CHECK_EQ(d.flags, h.flags);
	CHECK_EQ(d.size, h.size);
	vsf_decode_header(map, &d);
	CHECK_EQ(d.request, VSF_BACKEND_SHMEM_MAP);
	CHECK_EQ(d.flags, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY);
	CHECK_EQ(d.size, VSF_MMAP_PAYLOAD_SIZE);
}

TEST(wire_mmap_round_trip)
{
	const struct vsf_wire_mmap m = { .shmid = 0xab, .fd_offset = 0x1122334455667788ull,
					 .shm_offset = 0x0102030405060708ull, .len = 0x3000,
					 .flags = VSF_MMAP_F_RW };
	const uint8_t want[40] = {
		0xab, 0, 0, 0, 0, 0, 0, 0,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0x00, 0x30, 0, 0, 0, 0, 0, 0,
		0x01, 0, 0, 0, 0, 0, 0, 0,
	};
	struct vsf_wire_mmap d;
	uint8_t buf[40];

	memset(buf, 0xee, sizeof(buf));
	vsf_encode_mmap(&m, buf);
	CHECK(!memcmp(buf, want, sizeof(want)));
	memset(&d, 0xee, sizeof(d));
	vsf_decode_mmap(want, &d);
	CHECK_EQ(d.shmid, 0xab);
	CHECK(d.fd_offset == m.fd_offset);
	CHECK(d.shm_offset == m.shm_offset);
	CHECK_EQ(d.len, 0x3000);
	CHECK_EQ(d.flags, VSF_MMAP_F_RW);
	for (int i = 0; i < 7; i++)
		CHECK_EQ(d.padding[i], 0);
}

TEST(wire_shmem_config_round_trip)
{
	static struct vsf_wire_shmem_config c, d;
	static uint8_t buf[VSF_CONFIG_PAYLOAD_SIZE];
	const uint8_t size0[8] = { 0x00, 0x10, 0, 0, 0, 0, 0, 0 };
	const uint8_t size200[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	const uint8_t size255[8] = { 0, 0, 0x20, 0, 0, 0, 0, 0x80 };

	memset(&c, 0, sizeof(c));
	c.nregions = 3;
	c.padding = 0x0d0c0b0a;
	c.memory_sizes[0] = 0x1000;
	c.memory_sizes[200] = 0x0102030405060708ull;
	c.memory_sizes[255] = 0x8000000000200000ull;
	memset(buf, 0xee, sizeof(buf));
	vsf_encode_shmem_config(&c, buf);
	CHECK(!memcmp(buf, (const uint8_t[]){ 3, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d }, 8));
	CHECK(!memcmp(buf + 8, size0, 8));
	CHECK(!memcmp(buf + 8 + 8 * 200, size200, 8));
	CHECK(!memcmp(buf + 8 + 8 * 255, size255, 8));
	/* Every other slot is zero: 256 slots, nothing past byte 2056. */
	for (int i = 1; i < 255; i++)
		if (i != 200)
			CHECK_EQ(vsf_load_le64(buf + 8 + 8 * i), 0);
	memset(&d, 0xee, sizeof(d));
	vsf_decode_shmem_config(buf, &d);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	CHECK_EQ(d.nregions, 3);
	CHECK_EQ(d.padding, 0x0d0c0b0a);
	CHECK(d.memory_sizes[255] == 0x8000000000200000ull);
}

/* The defaults set every option, whatever the struct held. */
TEST(options_default_sets_every_field)
{
	struct vsf_options o;

	memset(&o, 0xa5, sizeof(o));
	vsf_options_default(&o);
	CHECK_EQ(o.max_mappings, 1024);
	CHECK(o.max_reserved_bytes == 64ull << 30);
	CHECK_EQ(o.io_timeout_ms, 5000);
	CHECK(o.device_features == 0);
	CHECK(!o.require_shrink_seal);
}

/* Freeing no front-end does nothing, as free(NULL). */
TEST(free_of_null_does_nothing)
{
	vsf_frontend_free(NULL);
}

/* An index at or past the mapping count names no mapping. */
TEST(mapping_past_the_last_is_none)
{
	struct vsf_mapping_info mi;
	struct fixture f;
	int fd = make_memfd(1, 0x41);

	fixture_init_regions(&f, two_regions);
	CHECK(!vsf_frontend_mapping(f.fe, 0, &mi));
	CHECK_EQ(do_map(&f, 3, fd, 0, f.page, f.page, true), 0);
	CHECK(vsf_frontend_mapping(f.fe, 0, &mi) && mi.shmid == 3 && mi.shm_offset == f.page);
	CHECK(!vsf_frontend_mapping(f.fe, 1, &mi));
	CHECK(!vsf_frontend_mapping(f.fe, 2, &mi));
	CHECK(!vsf_frontend_mapping(f.fe, SIZE_MAX, &mi));
	close(fd);
	fixture_fini(&f);
}

/* A region added is no failure: the last error still names the last one,
 * and nothing is logged at ERROR. */
TEST(add_region_success_keeps_the_last_error)
{
	struct log_lines log = { 0 };
	struct fixture f;
	char before[256];

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 3, f.page), -EEXIST);
	snprintf(before, sizeof(before), "%s", vsf_frontend_last_error(f.fe));
	vsf_frontend_set_log(f.fe, log_collect, &log);
	CHECK_EQ(vsf_frontend_add_region(f.fe, 4, f.page), 0);
	CHECK(!strcmp(vsf_frontend_last_error(f.fe), before));
	CHECK_EQ(log_count(&log, VSF_LOG_ERROR), 0);
	fixture_fini(&f);
}
