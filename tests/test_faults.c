/* SPDX-License-Identifier: MIT */
/*
 * The front-end when its own system calls fail (scenario/fault.h injects the
 * failures): an error reply or a closed channel, never a half-made change,
 * no leaked fd or mapping. docs/protocol.md, "When a system call fails",
 * gives the rules; a failed commit after the success reply is the one that
 * needed a decision.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault.h"
#include "fd_table.h"
#include "vsf_test.h"

/* Region 0: 16 pages; region 3: 4 pages. */
static const int two_regions[] = { 0, 16, 3, 4, -1 };

/*
 * Send a map (fd >= 0, read-write) or an unmap (fd < 0) of region 0 with
 * NEED_REPLY and handle it; the reply's value in *value (-1: none came).
 */
static int send_mmap(struct fixture *f, int fd, uint64_t shm_offset, uint64_t len,
		     struct vsf_verdict *v, int64_t *value)
{
	struct vsf_wire_header h;
	uint64_t val;
	int ret;

	peer_send_mmap(f, fd >= 0 ? VSF_BACKEND_SHMEM_MAP : VSF_BACKEND_SHMEM_UNMAP,
		       VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, shm_offset, len, VSF_MMAP_F_RW,
		       &fd, fd >= 0 ? 1 : 0);
	ret = handle(f, v);
	*value = read_replies(f, &h, &val) == 1 ? (int64_t)val : -1;
	return ret;
}

/* A failure before the reply: an error reply with its errno, nothing mapped, the channel serves on. */
static void check_rejected_before_reply(unsigned call, int err, int expect)
{
	struct fixture f;
	struct vsf_verdict v;
	int64_t value;
	int fd = make_memfd(4, 0x21), fds;

	fixture_init_regions(&f, two_regions);
	fds = probe_open_fds();
	SETUP(fault_arm(call, 0, err));
	CHECK_EQ(send_mmap(&f, fd, 0, 2 * f.page, &v, &value), 0);
	CHECK_EQ(v.result, expect);
	CHECK_EQ(value, -expect);
	CHECK(!v.committed);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0)));
	CHECK(strstr(vsf_frontend_last_error(f.fe), strerror(err)) || expect == -EBADF);
	CHECK_EQ(probe_open_fds(), fds);
	check_channel_usable(&f);
	fault_disarm();
	close(fd);
	fixture_fini(&f);
}

TEST(mmap_of_the_fd_fails_error_reply)
{
	check_rejected_before_reply(FAULT_MMAP, ENOMEM, -ENOMEM);
	check_rejected_before_reply(FAULT_MMAP, EACCES, -EACCES);
}

TEST(fstat_of_the_fd_fails_error_reply)
{
	check_rejected_before_reply(FAULT_FSTAT, ENOMEM, -EBADF);
	check_rejected_before_reply(FAULT_FSTATFS, EIO, -EBADF);
}

/*
 * The decision (docs/protocol.md): the backend already read "success", so
 * the range stays reserved and inaccessible, the verdict says the change
 * was not committed, and the backend channel closes.
 */
TEST(map_commit_fails_after_success_reply_closes_channel)
{
	struct fixture f;
	struct vsf_verdict v;
	int64_t value;
	int fd = make_memfd(4, 0x22), fds;
	int file_maps;

	fixture_init_regions(&f, two_regions);
	fds = probe_open_fds();
	file_maps = probe_file_mappings();
	SETUP(fault_arm(FAULT_MREMAP, 0, ENOMEM));
	CHECK_EQ(send_mmap(&f, fd, 2 * f.page, 2 * f.page, &v, &value), -ENOTRECOVERABLE);
	CHECK_EQ(value, 0); /* the success reply went out first */
	CHECK_EQ(v.result, 0);
	CHECK(v.replied);
	CHECK(!v.committed);
	CHECK(strstr(vsf_frontend_last_error(f.fe), "commit"));
	CHECK(strstr(vsf_frontend_last_error(f.fe), strerror(ENOMEM)));
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0) + 2 * f.page));
	CHECK(!probe_readable(region_base(&f, 0) + 3 * f.page));
	/* The failed mremap unmapped its target, as the kernel's does: reserved again, no hole. */
	CHECK_EQ(probe_free_page(region_base(&f, 0) + 2 * f.page, f.page), PROBE_PAGE_RESERVED);
	CHECK_EQ(probe_free_page(region_base(&f, 0) + 3 * f.page, f.page), PROBE_PAGE_RESERVED);
	/* The staged mapping is gone too, and the received fd closed. */
	CHECK_EQ(probe_file_mappings(), file_maps);
	CHECK_EQ(probe_open_fds(), fds - 1); /* the backend channel */
	close(fd);
	fixture_fini(&f);
}

/* The commit puts the reservation back with mmap(MAP_FIXED), which fails with err. */
static void check_unmap_commit_fails(int err)
{
	struct fixture f;
	struct vsf_verdict v;
	struct vsf_mapping_info mi;
	int64_t value;
	int fd = make_memfd(4, 0x23);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, 2 * f.page, false), 0);
	SETUP(fault_arm(FAULT_MMAP, 0, err));
	CHECK_EQ(send_mmap(&f, -1, 0, 2 * f.page, &v, &value), -ENOTRECOVERABLE);
	CHECK_EQ(value, 0);
	CHECK(!v.committed);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	/* Still mapped, and the table says so: what is there is what is listed. */
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(vsf_frontend_mapping(f.fe, 0, &mi) && mi.shm_offset == 0 && mi.len == 2 * f.page);
	CHECK(probe_readable(region_base(&f, 0) + f.page));
	CHECK_EQ(region_base(&f, 0)[f.page], memfd_byte(0x23, f.page, f.page));
	/* A device reset still removes it. */
	vsf_frontend_reset(f.fe);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0)));
	close(fd);
	fixture_fini(&f);
}

/*
 * Whatever errno the commit's mmap fails with: EAGAIN, as an mlock limit
 * gives it, is not taken for "no message pending", nor EPERM (-1, as a
 * seccomp filter gives it) for success.
 */
TEST(unmap_commit_fails_keeps_mapping_closes_channel)
{
	const int *errs;
	size_t n = fault_errnos(FAULT_MMAP, &errs);

	for (size_t i = 0; i < n; i++)
		check_unmap_commit_fails(errs[i]);
}

/* The reply cannot be sent: the change stands (it was accepted), the channel closes. */
TEST(reply_send_fails_change_committed_channel_closes)
{
	struct fixture f;
	struct vsf_verdict v;
	int64_t value;
	int fd = make_memfd(4, 0x24);

	fixture_init_regions(&f, two_regions);
	SETUP(fault_arm(FAULT_SENDMSG, 0, EPIPE));
	CHECK_EQ(send_mmap(&f, fd, 0, f.page, &v, &value), -EPIPE);
	CHECK_EQ(value, -1);
	CHECK_EQ(v.result, 0);
	CHECK(!v.replied);
	CHECK(v.committed);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(probe_readable(region_base(&f, 0)));
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	close(fd);
	fixture_fini(&f);
}

/*
 * A failed read loses framing: the channel closes, the message's fds with
 * it, and the caller sees the read's errno (ENOTCONN is no reset, EBADF no
 * "try again").
 */
TEST(receive_fails_closes_channel_and_fds)
{
	static const int errs[] = { ENOMEM, EFAULT, ECONNRESET, ENOTCONN, EBADF };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct fixture f;
		struct vsf_verdict v;
		int64_t value;
		int fd = make_memfd(1, 0x25), fds;

		fixture_init_regions(&f, two_regions);
		fds = probe_open_fds();
		SETUP(fault_arm(FAULT_RECVMSG, 0, errs[i]));
		CHECK_EQ(send_mmap(&f, fd, 0, f.page, &v, &value), -errs[i]);
		CHECK(!v.received);
		CHECK_EQ(value, -1);
		CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
		CHECK_EQ(probe_open_fds(), fds - 1); /* the backend channel */
		close(fd);
		fixture_fini(&f);
	}
}

/* Waiting for a message fails: the channel closes rather than spin. */
TEST(wait_fails_closes_channel)
{
	struct fixture f;

	fixture_init_regions(&f, two_regions);
	SETUP(fault_arm(FAULT_POLL, 0, ENOMEM));
	CHECK_EQ(handle(&f, NULL), -ENOMEM);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	fixture_fini(&f);
}

/* EINTR and EAGAIN are retried: the message is served as if nothing failed. */
TEST(transient_failures_are_retried)
{
	static const struct {
		unsigned call;
		int err;
	} cases[] = {
		{ FAULT_RECVMSG, EINTR }, { FAULT_RECVMSG, EAGAIN }, { FAULT_SENDMSG, EINTR },
		{ FAULT_SENDMSG, EAGAIN },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct fault_event ev;
		int fd = make_memfd(1, 0x26);

		fixture_init_regions(&f, two_regions);
		SETUP(fault_arm(cases[i].call, 0, cases[i].err));
		CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
		CHECK(fault_take_fired(&ev));
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
		check_channel_usable(&f);
		fault_disarm();
		close(fd);
		fixture_fini(&f);
	}
}

/* A wait interrupted (EINTR) waits again: with nothing pending, that is still "nothing pending". */
TEST(interrupted_wait_waits_again)
{
	struct fixture f;
	struct fault_event ev;
	struct vsf_options o;

	vsf_options_default(&o);
	o.io_timeout_ms = 50;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	SETUP(fault_arm(FAULT_POLL, 0, EINTR));
	CHECK_EQ(handle(&f, NULL), -EAGAIN);
	CHECK(fault_take_fired(&ev) && ev.call == FAULT_POLL);
	CHECK(vsf_frontend_backend_fd(f.fe) >= 0);
	fixture_fini(&f);
}

/* A reset that cannot reserve one range again (mmap fails with err) keeps that mapping. */
static void check_reset_keeps_the_mapping(int err)
{
	struct fixture f;
	struct vsf_mapping_info mi;
	int fd = make_memfd(4, 0x27);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 4 * f.page, f.page, false), 0);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	SETUP(fault_arm(FAULT_MMAP, 1, err)); /* the second mapping's */
	vsf_frontend_reset(f.fe);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(vsf_frontend_mapping(f.fe, 0, &mi) && mi.shmid == 0 && mi.shm_offset == 4 * f.page);
	CHECK(!probe_readable(region_base(&f, 0)));
	CHECK(probe_readable(region_base(&f, 0) + 4 * f.page));
	CHECK(!probe_readable(region_base(&f, 3)));
	vsf_frontend_reset(f.fe);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0) + 4 * f.page));
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

/* A mapping the kernel would not replace is still there, whatever the errno (EPERM's -1 too). */
TEST(reset_keeps_the_mapping_it_cannot_remove)
{
	const int *errs;
	size_t n = fault_errnos(FAULT_MMAP, &errs);

	for (size_t i = 0; i < n; i++)
		check_reset_keeps_the_mapping(errs[i]);
}

/*
 * One region of a config cannot be reserved: none is made, and the call
 * fails with mmap's errno, whichever it is (EPERM's -1, as a seccomp filter
 * gives it, too). So does a region added alone.
 */
TEST(config_reservation_fails_all_or_nothing)
{
	uint64_t sizes[256] = { [0] = 16 * 4096, [5] = 4 * 4096, [9] = 4 * 4096 };
	const int *errs;
	size_t n = fault_errnos(FAULT_MMAP, &errs);

	for (size_t i = 0; i < n; i++) {
		struct fixture f;

		fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
		SETUP(fault_arm(FAULT_MMAP, 2, errs[i]));
		CHECK_EQ(vsf_frontend_configure(f.fe, 3, sizes), -errs[i]);
		CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
		CHECK(strstr(vsf_frontend_last_error(f.fe), strerror(errs[i])));
		CHECK_EQ(vsf_frontend_configure(f.fe, 3, sizes), 0);
		CHECK_EQ(vsf_frontend_region_count(f.fe), 3);
		SETUP(fault_arm(FAULT_MMAP, 0, errs[i]));
		CHECK_EQ(vsf_frontend_add_region(f.fe, 7, 4096), -errs[i]);
		CHECK_EQ(vsf_frontend_region_count(f.fe), 3);
		fixture_fini(&f);
	}
}

/* close and munmap report an error after doing their work: nothing is kept or retried. */
TEST(close_and_munmap_errors_change_nothing)
{
	struct fixture f;
	struct vsf_verdict v;
	int64_t value;
	int fd = make_memfd(1, 0x28), fds, file_maps;

	fixture_init_regions(&f, two_regions);
	fds = probe_open_fds();
	file_maps = probe_file_mappings();
	SETUP(fault_arm(FAULT_CLOSE, 0, EIO));
	/* Rejected (len 0): its fd is closed, with an error, and not again. */
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, 0, 0, 0, &fd, 1);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK(v.result < 0);
	CHECK_EQ(probe_open_fds(), fds);
	CHECK_EQ(send_mmap(&f, fd, 0, f.page, &v, &value), 0);
	CHECK_EQ(value, 0);
	SETUP(fault_arm(FAULT_MUNMAP, 0, EINVAL));
	fixture_fini(&f); /* releases the regions with munmap */
	CHECK_EQ(probe_file_mappings(), file_maps);
	close(fd);
}

/* A reset that leaves a mapping says so in the log, at ERROR. */
TEST(reset_logs_the_mappings_it_could_not_remove)
{
	struct log_lines log = { 0 };
	struct fixture f;
	int fd = make_memfd(4, 0x2a);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	SETUP(fault_arm(FAULT_MMAP, 0, ENOMEM));
	vsf_frontend_reset(f.fe);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(log_find(&log, VSF_LOG_ERROR, "device reset: 1 mappings could not be removed") >= 0);
	close(fd);
	fixture_fini(&f);
}

/* Recycle counts the mappings it could not remove, and forgets the last
 * error only once none is left. */
TEST(recycle_forgets_the_last_error_only_when_every_mapping_went)
{
	struct fixture f;
	char before[256];
	int fd = make_memfd(4, 0x2b);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_unmap(&f, 0, 4 * f.page, f.page), -ENOENT);
	snprintf(before, sizeof(before), "%s", vsf_frontend_last_error(f.fe));
	CHECK(before[0] != '\0');
	SETUP(fault_arm(FAULT_MMAP, 0, ENOMEM));
	CHECK_EQ(vsf_frontend_recycle(f.fe), 1);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(!strcmp(vsf_frontend_last_error(f.fe), before));
	CHECK_EQ(vsf_frontend_recycle(f.fe), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!strcmp(vsf_frontend_last_error(f.fe), ""));
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

/* Arming checks its arguments: unknown calls and errnos a call cannot fail with arm nothing. */
TEST(fault_arm_refuses_what_cannot_happen)
{
	struct fault_event ev;
	struct fixture f;
	int fd = make_memfd(1, 0x29);

	fault_disarm(); /* what an earlier test left (all tests in one process) */
	CHECK(!fault_arm(FAULT_CALL_COUNT, 0, 0));
	CHECK(!fault_arm(FAULT_POLL, 0, EAGAIN));
	CHECK(!fault_arm(FAULT_MMAP, 0, 255));
	CHECK_EQ(fault_errno_for(FAULT_MMAP, 0), ENOMEM);
	CHECK_EQ(fault_call_by_name("socketpair"), FAULT_SOCKETPAIR);
	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK(!fault_take_fired(&ev));
	close(fd);
	fixture_fini(&f);
}
