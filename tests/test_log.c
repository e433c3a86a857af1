/* SPDX-License-Identifier: MIT */
/*
 * The log an embedder sees through vsf_frontend_set_log: the region list of
 * a config (and its "..." when it does not fit), a rejected message's reason
 * at WARN, an accepted one at INFO, what a device reset removes, and
 * silence once the callback is unset.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vsf_test.h"

/* Configure one region of one page for each shmid in ids[0..n). */
static int configure_ids(struct fixture *f, const int *ids, size_t n)
{
	uint64_t sizes[256] = { 0 };

	for (size_t i = 0; i < n; i++)
		sizes[ids[i]] = f->page;
	return vsf_frontend_configure(f->fe, (uint32_t)n, sizes);
}

TEST(config_logs_the_region_shmids)
{
	static const int ids[] = { 0, 5, 200 };
	struct log_lines log = { 0 };
	struct fixture f;

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	CHECK_EQ(configure_ids(&f, ids, 3), 0);
	CHECK(log_find(&log, VSF_LOG_INFO,
			"config: 3 shared memory regions (shmids 0,5,200)") >= 0);
	fixture_fini(&f);
}

/* Configure n one-page regions with shmids first, first + 1, ...; their
 * list does not fit in the log's 64 bytes: it must end in "..." and fill
 * them (63 characters). */
static void check_truncated_list(int first, int n)
{
	struct log_lines log = { 0 };
	char prefix[64];
	int ids[256];
	struct fixture f;
	size_t len;

	for (int i = 0; i < n; i++)
		ids[i] = first + i;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	CHECK_EQ(configure_ids(&f, ids, (size_t)n), 0);
	CHECK_EQ(log.n, 1);
	len = (size_t)snprintf(prefix, sizeof(prefix),
			       "config: %d shared memory regions (shmids %d,", n, first);
	CHECK(!strncmp(log.text[0], prefix, len));
	CHECK_EQ(strlen(log.text[0]), len - strlen("0,") - (first > 9) - (first > 99) + 63 + 1);
	CHECK(!strcmp(log.text[0] + strlen(log.text[0]) - 4, "...)"));
	fixture_fini(&f);
}

TEST(long_region_list_ends_in_ellipsis)
{
	/* 40 shmids take 109 bytes as a list. */
	check_truncated_list(0, 40);
}

TEST(list_one_byte_too_long_ends_in_ellipsis)
{
	/* "0,1,...,24" takes 64 bytes: the last shmid fits all but the end. */
	check_truncated_list(0, 25);
}

TEST(list_of_wide_shmids_ends_in_ellipsis)
{
	/* "100,...,115" takes exactly 63; the next shmid is wider than the
	 * room left. */
	check_truncated_list(100, 18);
}

TEST(no_region_logs_an_empty_list)
{
	struct log_lines log = { 0 };
	struct fixture f;

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	CHECK_EQ(configure_ids(&f, NULL, 0), 0);
	CHECK(log_find(&log, VSF_LOG_INFO, "config: 0 shared memory regions (shmids )") >= 0);
	fixture_fini(&f);
}

TEST(rejected_message_logs_its_reason_as_warning)
{
	static const int one_region[] = { 0, 16, -1 };
	struct log_lines log = { 0 };
	struct vsf_verdict v;
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, one_region);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	/* Region 7 does not exist. */
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, 0, 7, 0, 0, f.page, 0, &fd, 1);
	CHECK(handle(&f, &v) < 0 || v.result < 0);
	CHECK(strlen(vsf_frontend_last_error(f.fe)) > 0);
	CHECK(log_find(&log, VSF_LOG_WARN, vsf_frontend_last_error(f.fe)) >= 0);
	close(fd);
	fixture_fini(&f);
}

TEST(accepted_message_logged_as_info)
{
	static const int one_region[] = { 0, 16, -1 };
	struct log_lines log = { 0 };
	char accepted[64];
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, one_region);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	snprintf(accepted, sizeof(accepted), "%s accepted",
		 vsf_backend_request_name(VSF_BACKEND_SHMEM_MAP));
	CHECK(log_find(&log, VSF_LOG_INFO, accepted) >= 0);
	close(fd);
	fixture_fini(&f);
}

TEST(unset_callback_logs_nothing)
{
	static const int ids[] = { 0 };
	struct log_lines log = { 0 };
	struct fixture f;

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	vsf_frontend_set_log(f.fe, NULL, NULL);
	CHECK_EQ(configure_ids(&f, ids, 1), 0);
	CHECK_EQ(log.n, 0);
	fixture_fini(&f);
}

TEST(reset_logs_the_mappings_it_removes)
{
	static const int one_region[] = { 0, 16, -1 };
	struct log_lines log = { 0 };
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, one_region);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 4 * f.page, f.page, false), 0);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	vsf_frontend_reset(f.fe);
	CHECK_EQ(log.n, 1);
	CHECK(log_find(&log, VSF_LOG_INFO, "device reset: removing 2 mappings") == 0);
	close(fd);
	fixture_fini(&f);
}
