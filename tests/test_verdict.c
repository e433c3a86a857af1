/* SPDX-License-Identifier: MIT */
/*
 * What vsf_frontend_handle_backend hands its caller besides the reply: the
 * verdict (optional, reset on every call, with the whole map request), the
 * capture hook's bytes and fds, the commit hook between the reply and the
 * commit, and the last error and log when a change is accepted, or when
 * neither its reply nor its commit could be made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "frontend_internal.h"
#include "vsf_test.h"

/* Region 0: 16 pages; region 3: 4 pages. */
static const int two_regions[] = { 0, 16, 3, 4, -1 };

/* Send a read-write map of fd at region shmid with NEED_REPLY. */
static void send_map(struct fixture *f, uint8_t shmid, int fd, uint64_t fd_offset,
		     uint64_t shm_offset, uint64_t len)
{
	peer_send_mmap(f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, shmid,
		       fd_offset, shm_offset, len, VSF_MMAP_F_RW, &fd, 1);
}

/* A call that received nothing (the peer gone, or no channel) says so, even
 * in a verdict that described a message before. */
TEST(verdict_of_a_call_that_received_nothing_says_so)
{
	struct vsf_verdict v, filled;
	struct fixture f;
	int fd = make_memfd(1, 0x31);

	fixture_init_regions(&f, two_regions);
	send_map(&f, 0, fd, 0, 0, f.page);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK(v.received && v.committed && v.has_mapping);
	filled = v;
	SETUP(shutdown(f.peer, SHUT_WR) == 0);
	CHECK(handle(&f, &v) < 0);
	CHECK(!v.received);
	CHECK(!v.committed);
	CHECK(!v.has_mapping);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	v = filled;
	CHECK_EQ(handle(&f, &v), -ENOTCONN);
	CHECK(!v.received);
	CHECK(!v.committed);
	close(fd);
	fixture_fini(&f);
}

/* The verdict may be NULL: the message is served all the same. */
TEST(null_verdict_serves_the_message)
{
	struct vsf_wire_header h;
	struct fixture f;
	uint64_t value = 1;
	int fd = make_memfd(1, 0x32);

	fixture_init_regions(&f, two_regions);
	send_map(&f, 0, fd, 0, 0, f.page);
	CHECK_EQ(vsf_frontend_handle_backend(f.fe, NULL), 0);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	CHECK_EQ(value, 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	/* A rejected one too: region 7 does not exist. */
	send_map(&f, 7, fd, 0, 0, f.page);
	CHECK_EQ(vsf_frontend_handle_backend(f.fe, NULL), 0);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	CHECK(value != 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	close(fd);
	fixture_fini(&f);
}

/* Every field of the map request, as received, in the verdict. */
TEST(verdict_carries_the_whole_map_request)
{
	struct vsf_verdict v;
	struct fixture f;
	int fd = make_memfd(4, 0x33);

	fixture_init_regions(&f, two_regions);
	send_map(&f, 3, fd, f.page, 2 * f.page, f.page);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK(v.received);
	CHECK_EQ(v.request, VSF_BACKEND_SHMEM_MAP);
	CHECK_EQ(v.flags, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY);
	CHECK_EQ(v.size, VSF_MMAP_PAYLOAD_SIZE);
	CHECK_EQ(v.nfds, 1);
	CHECK(!v.too_many_fds);
	CHECK_EQ(v.result, 0);
	CHECK(v.replied);
	CHECK_EQ(v.reply_value, 0);
	CHECK(v.committed);
	CHECK(v.has_mapping);
	CHECK_EQ(v.mapping.shmid, 3);
	CHECK_EQ(v.mapping.fd_offset, f.page);
	CHECK_EQ(v.mapping.shm_offset, 2 * f.page);
	CHECK_EQ(v.mapping.len, f.page);
	CHECK_EQ(v.mapping.flags, VSF_MMAP_F_RW);
	close(fd);
	fixture_fini(&f);
}

/* What the capture hook saw of each message. */
struct capture {
	size_t calls;
	uint8_t msg[VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE];
	size_t len, nfds;
	ino_t ino; /* of the first fd, while the hook ran */
};

static void capture_rx(void *opaque, const uint8_t *msg, size_t len, const int *fds, size_t nfds)
{
	struct capture *c = opaque;
	struct stat st;

	c->calls++;
	c->len = len;
	c->nfds = nfds;
	memcpy(c->msg, msg, len < sizeof(c->msg) ? len : sizeof(c->msg));
	c->ino = nfds && fstat(fds[0], &st) == 0 ? st.st_ino : 0;
}

/* The capture hook gets each message's wire bytes and its fds, open, before it is handled. */
TEST(rx_hook_sees_each_message_with_its_fds)
{
	uint8_t sent[VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE];
	struct vsf_wire_header h = { VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, VSF_MMAP_PAYLOAD_SIZE };
	struct vsf_wire_mmap m = { .shmid = 3 };
	struct capture c = { 0 };
	struct fixture f;
	struct stat st;
	int fd = make_memfd(1, 0x34);

	SETUP(fstat(fd, &st) == 0);
	fixture_init_regions(&f, two_regions);
	vsf_frontend_set_rx_hook(f.fe, capture_rx, &c);
	m.len = f.page;
	vsf_encode_header(&h, sent);
	vsf_encode_mmap(&m, sent + VSF_HEADER_SIZE);
	peer_send_raw(&f, sent, sizeof(sent), &fd, 1);
	CHECK_EQ(handle(&f, NULL), 0);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.len, sizeof(sent));
	CHECK(!memcmp(c.msg, sent, sizeof(sent)));
	CHECK_EQ(c.nfds, 1);
	CHECK_EQ(c.ino, st.st_ino);
	/* Removed: not called again. */
	vsf_frontend_set_rx_hook(f.fe, NULL, NULL);
	CHECK_EQ(do_unmap(&f, 3, 0, f.page), 0);
	CHECK_EQ(c.calls, 1);
	close(fd);
	fixture_fini(&f);
}

/* What the commit hook saw, and the world when it ran. */
struct commit_seen {
	struct fixture *f;
	void *opaque;
	size_t calls;
	bool replied, map, reply_on_the_wire;
	uint8_t shmid;
	uint64_t shm_offset, len;
	size_t mappings; /* vsf_frontend_mapping_count while the hook ran */
};

static void see_commit(void *opaque, bool replied, bool map, uint8_t shmid, uint64_t shm_offset,
		       uint64_t len)
{
	struct commit_seen *s = opaque;
	uint8_t byte;

	s->opaque = opaque;
	s->calls++;
	s->replied = replied;
	s->map = map;
	s->shmid = shmid;
	s->shm_offset = shm_offset;
	s->len = len;
	s->mappings = vsf_frontend_mapping_count(s->f->fe);
	s->reply_on_the_wire = recv(s->f->peer, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

/* The commit hook runs once per accepted change, after its reply is on the
 * wire and before the memory map changes; never for a rejected message. */
TEST(commit_hook_runs_between_the_reply_and_the_commit)
{
	struct commit_seen s = { 0 };
	struct fixture f;
	int fd = make_memfd(1, 0x35);

	fixture_init_regions(&f, two_regions);
	s.f = &f;
	vsf_frontend_set_commit_hook(f.fe, see_commit, &s);
	CHECK_EQ(do_map(&f, 3, fd, 0, 2 * f.page, f.page, false), 0);
	CHECK_EQ(s.calls, 1);
	CHECK(s.opaque == &s);
	CHECK(s.replied && s.reply_on_the_wire);
	CHECK(s.map);
	CHECK_EQ(s.shmid, 3);
	CHECK_EQ(s.shm_offset, 2 * f.page);
	CHECK_EQ(s.len, f.page);
	CHECK_EQ(s.mappings, 0);
	CHECK_EQ(do_unmap(&f, 3, 2 * f.page, f.page), 0);
	CHECK_EQ(s.calls, 2);
	CHECK(s.replied && s.reply_on_the_wire);
	CHECK(!s.map);
	CHECK_EQ(s.shmid, 3);
	CHECK_EQ(s.mappings, 1);
	/* Rejected (nothing mapped there): no change, no call. */
	CHECK_EQ(do_unmap(&f, 3, 2 * f.page, f.page), -ENOENT);
	CHECK_EQ(s.calls, 2);
	/* Removed: not called again. */
	vsf_frontend_set_commit_hook(f.fe, NULL, NULL);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(s.calls, 2);
	close(fd);
	fixture_fini(&f);
}

/* An accepted change is no failure: the last error still names the last
 * rejection, and nothing is logged at ERROR. */
TEST(accepted_change_keeps_the_last_error)
{
	struct log_lines log = { 0 };
	struct fixture f;
	char before[256];
	int fd = make_memfd(1, 0x36);

	fixture_init_regions(&f, two_regions);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), -ENOENT);
	snprintf(before, sizeof(before), "%s", vsf_frontend_last_error(f.fe));
	CHECK(before[0] != '\0');
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), 0);
	CHECK(!strcmp(vsf_frontend_last_error(f.fe), before));
	CHECK_EQ(log_count(&log, VSF_LOG_ERROR), 0);
	close(fd);
	fixture_fini(&f);
}

/*
 * The backend sends a map and leaves: the reply cannot be sent, and the
 * commit fails too. The call returns the send's error (not the "backend
 * told success" one, ENOTRECOVERABLE, as no success reply went out), the
 * commit's reason is logged at ERROR, and the channel closes.
 */
TEST(failed_commit_after_a_failed_reply_returns_the_send_error)
{
	struct log_lines log = { 0 };
	struct vsf_verdict v;
	struct fixture f;
	int fd = make_memfd(1, 0x37), ret;
	bool commit_logged = false;

	fixture_init_regions(&f, two_regions);
	vsf_frontend_set_log(f.fe, log_collect, &log);
	send_map(&f, 0, fd, 0, 0, f.page);
	close(f.peer);
	f.peer = -1;
	SETUP(fault_arm(FAULT_MREMAP, 0, ENOMEM));
	ret = handle(&f, &v);
	fault_disarm();
	CHECK(ret < 0);
	CHECK(ret != -ENOTRECOVERABLE);
	CHECK_EQ(v.result, 0);
	CHECK(!v.replied);
	CHECK(!v.committed);
	for (size_t i = 0; i < log.n; i++)
		commit_logged |= log.level[i] == VSF_LOG_ERROR && strstr(log.text[i], "commit") &&
				 strstr(log.text[i], strerror(ENOMEM));
	CHECK(commit_logged);
	CHECK(!strstr(vsf_frontend_last_error(f.fe), "commit"));
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0)));
	close(fd);
	fixture_fini(&f);
}
