/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fault.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "syscalls.h"

/* enum fault_call follows the table's order; the clock comes after the calls. */
enum {
#define VSF_SYSCALL_INDEX(name, ret, params) SYSCALL_INDEX_##name,
	VSF_SYSCALL_LIST(VSF_SYSCALL_INDEX)
#undef VSF_SYSCALL_INDEX
	SYSCALL_COUNT
};
_Static_assert(SYSCALL_INDEX_mmap == FAULT_MMAP && SYSCALL_INDEX_mremap == FAULT_MREMAP &&
		       SYSCALL_INDEX_munmap == FAULT_MUNMAP && SYSCALL_INDEX_recvmsg == FAULT_RECVMSG &&
		       SYSCALL_INDEX_sendmsg == FAULT_SENDMSG && SYSCALL_INDEX_fstat == FAULT_FSTAT &&
		       SYSCALL_INDEX_fstatfs == FAULT_FSTATFS && SYSCALL_INDEX_poll == FAULT_POLL &&
		       SYSCALL_INDEX_socketpair == FAULT_SOCKETPAIR &&
		       SYSCALL_INDEX_close == FAULT_CLOSE &&
		       SYSCALL_INDEX_clock_gettime == FAULT_CALL_COUNT &&
		       SYSCALL_COUNT == FAULT_CALL_COUNT + 1,
	       "enum fault_call and VSF_SYSCALL_LIST differ");

static struct {
	bool armed;
	enum fault_call call;
	unsigned left; /* calls of it to let through first */
	int err;
	size_t short_bytes; /* a short send: what it lets through (err 0) */
	bool fired;
	struct fault_event event;
} state;

/* The libc functions the table held before the wrappers went in. */
static struct vsf_syscalls real;
static unsigned long file_maps_made;
static fault_close_watch_fn close_watch;

unsigned long fault_file_maps_made(void)
{
	return file_maps_made;
}

void fault_watch_close(fault_close_watch_fn fn)
{
	close_watch = fn;
}

bool fault_arm(unsigned call, unsigned after, int err)
{
	int e = fault_errno_for(call, err);

	if (!e)
		return false;
	state.armed = true;
	state.call = (enum fault_call)call;
	state.left = after;
	state.err = e;
	state.short_bytes = 0;
	return true;
}

bool fault_arm_short_send(unsigned after, size_t bytes)
{
	if (!bytes)
		return false;
	state.armed = true;
	state.call = FAULT_SENDMSG;
	state.left = after;
	state.err = 0;
	state.short_bytes = bytes;
	return true;
}

void fault_disarm(void)
{
	state.armed = false;
	state.fired = false;
}

bool fault_take_fired(struct fault_event *ev)
{
	if (!state.fired)
		return false;
	*ev = state.event;
	state.fired = false;
	return true;
}

/* Is this the call that fails? Then it is recorded as fired. */
static bool fails_now(enum fault_call call, void *addr, size_t len)
{
	if (!state.armed || state.call != call)
		return false;
	if (state.left) {
		state.left--;
		return false;
	}
	state.armed = false;
	state.fired = true;
	state.event = (struct fault_event){ .call = call, .err = state.err, .addr = addr,
					    .len = len };
	return true;
}

static int fail_with(int ret)
{
	errno = state.event.err;
	return ret;
}

static void *fault_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (fails_now(FAULT_MMAP, addr, len)) {
		errno = state.event.err;
		return MAP_FAILED;
	}
	p = real.mmap(addr, len, prot, flags, fd, off);
	file_maps_made += p != MAP_FAILED && !(flags & MAP_ANONYMOUS);
	return p;
}

static void *fault_mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (fails_now(FAULT_MREMAP, new_addr, new_len)) {
		/* The kernel unmaps a fixed target before the checks that fail with
		 * these (mremap_to: do_munmap, then vma_to_resize, move_vma). */
		if (new_addr && state.event.err != EINVAL)
			real.munmap(new_addr, new_len);
		errno = state.event.err;
		return MAP_FAILED;
	}
	return real.mremap(old, old_len, new_len, flags, new_addr);
}

static int fault_munmap(void *addr, size_t len)
{
	int ret = real.munmap(addr, len);

	return fails_now(FAULT_MUNMAP, addr, len) ? fail_with(-1) : ret;
}

static ssize_t fault_recvmsg(int fd, struct msghdr *mh, int flags)
{
	return fails_now(FAULT_RECVMSG, NULL, 0) ? fail_with(-1) : real.recvmsg(fd, mh, flags);
}

/* sendmsg of the first `keep` bytes of mh's data, with all its control messages. */
static ssize_t send_short(int fd, const struct msghdr *mh, int flags, size_t keep)
{
	struct iovec iov[8]; /* the front-end sends from two at most */
	struct msghdr cut = *mh;
	size_t n = 0;

	for (size_t i = 0; i < mh->msg_iovlen && n < sizeof(iov) / sizeof(iov[0]) && keep; i++) {
		iov[n] = mh->msg_iov[i];
		if (iov[n].iov_len > keep)
			iov[n].iov_len = keep;
		keep -= iov[n].iov_len;
		n++;
	}
	cut.msg_iov = iov;
	cut.msg_iovlen = n;
	return real.sendmsg(fd, &cut, flags);
}

static ssize_t fault_sendmsg(int fd, const struct msghdr *mh, int flags)
{
	size_t keep = state.short_bytes;

	if (!fails_now(FAULT_SENDMSG, NULL, keep))
		return real.sendmsg(fd, mh, flags);
	return keep ? send_short(fd, mh, flags, keep) : fail_with(-1);
}

static int fault_fstat(int fd, struct stat *st)
{
	return fails_now(FAULT_FSTAT, NULL, 0) ? fail_with(-1) : real.fstat(fd, st);
}

static int fault_fstatfs(int fd, struct statfs *sfs)
{
	return fails_now(FAULT_FSTATFS, NULL, 0) ? fail_with(-1) : real.fstatfs(fd, sfs);
}

static int fault_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	/* A driven clock does not move while the front-end waits: no wait at all. */
	bool driven = fault_clock_note_wait(timeout);

	if (fails_now(FAULT_POLL, NULL, 0))
		return fail_with(-1);
	return real.poll(fds, nfds, driven ? 0 : timeout);
}

static int fault_socketpair(int domain, int type, int protocol, int sv[2])
{
	return fails_now(FAULT_SOCKETPAIR, NULL, 0) ? fail_with(-1)
						    : real.socketpair(domain, type, protocol, sv);
}

static int fault_close(int fd)
{
	int ret = real.close(fd);

	if (close_watch)
		close_watch(fd, ret < 0 ? errno : 0);
	return fails_now(FAULT_CLOSE, NULL, 0) ? fail_with(-1) : ret;
}

static int fault_clock_gettime(clockid_t clk, struct timespec *ts)
{
	return fault_clock_reading(clk, ts) ? 0 : real.clock_gettime(clk, ts);
}

/* Before main(): every input, the first included, runs with the same table. */
__attribute__((constructor)) static void install_wrappers(void)
{
	real = vsf_syscalls;
	vsf_syscalls = (struct vsf_syscalls){
#define VSF_SYSCALL_WRAPPER(name, ret, params) .name = fault_##name,
		VSF_SYSCALL_LIST(VSF_SYSCALL_WRAPPER)
#undef VSF_SYSCALL_WRAPPER
	};
}
