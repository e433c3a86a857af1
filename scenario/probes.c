/* SPDX-License-Identifier: MIT */
/*
 * Process probes (probes.h). Everything they need is set up before main()
 * (and again in a forked child), so a probe in a hot loop costs a system
 * call or two and never changes the process's fd count.
 */
#define _GNU_SOURCE
#include "probes.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness_error.h"

/* getdents64 is a raw system call: MemorySanitizer does not see it fill the buffer. */
#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define UNPOISON(p, n) __msan_unpoison(p, n)
#endif
#endif
#ifndef UNPOISON
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

/*
 * One mapping of /proc/self/maps by address, without its text: the
 * kernel's struct procmap_query and PROCMAP_QUERY (linux/fs.h, Linux
 * 6.11), which older headers lack, under names of our own.
 */
struct maps_query {
	uint64_t size;        /* of this struct */
	uint64_t query_flags; /* 0: the mapping that holds query_addr */
	uint64_t query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define MAPS_QUERY          _IOWR('f', 17, struct maps_query)
#define MAPS_QUERY_READABLE 0x1
#define MAPS_QUERY_WRITABLE 0x2
#define MAPS_QUERY_EXEC     0x4
#define MAPS_QUERY_SHARED   0x8 /* VM_MAYSHARE: the 's' of /proc/self/maps */
#define MAPS_QUERY_COVERING_OR_NEXT 0x10 /* query_flags: the mapping at query_addr or the next */

/* A pipe the kernel copies through: EFAULT instead of SIGSEGV/SIGBUS. */
static int probe_pipe[2] = { -1, -1 };
/* Kept open: counting then costs a seek and a read, not an open and a close. */
static int proc_fd_dir = -1, map_files_dir = -1;
/* /proc/self/maps for MAPS_QUERY, -1 where the kernel has no such ioctl. */
static int maps_fd = -1;
/* fd numbers 0 .. fd_scan_len - 1, polled for nothing: POLLNVAL marks a closed one. */
static struct pollfd fd_scan[PROBE_FD_SCAN_LIMIT];
static nfds_t fd_scan_len;
/* What this kernel lets the page probes use (found before main()). */
static bool have_populate_read, have_vm_rw, kernel_populate_read, kernel_vm_rw;
static bool have_maps_query;
/* This process, for process_vm_readv: refreshed in a forked child. */
static pid_t self_pid;

/* MAPS_QUERY of the mapping that holds addr (flags 0): 0, or -errno (-ENOENT: none there). */
static int maps_query_flags(const void *addr, uint64_t flags, struct maps_query *q)
{
	*q = (struct maps_query){ .size = sizeof(*q), .query_flags = flags,
				  .query_addr = (uintptr_t)addr };
	/* Raw: MemorySanitizer does not know the ioctl fills q. */
	if (syscall(SYS_ioctl, maps_fd, MAPS_QUERY, q) < 0)
		return -errno;
	UNPOISON(q, sizeof(*q));
	return 0;
}

static int maps_query(const void *addr, struct maps_query *q)
{
	return maps_query_flags(addr, 0, q);
}

/* The maps of the process that opens them (its mm): a forked child opens its own. */
static void open_maps_query(void)
{
	struct maps_query q;

	if (maps_fd >= 0)
		close(maps_fd);
	maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	/* Asked of a mapping sure to exist: the one that holds maps_fd. */
	if (maps_fd >= 0 && maps_query(&maps_fd, &q) < 0) {
		close(maps_fd);
		maps_fd = -1;
	}
	have_maps_query = maps_fd >= 0;
}

/*
 * /proc/self/fd opened once names the process that opened it: a forked
 * child (AFL++'s fork server forks after the constructors) opens its own,
 * or it would count its parent's fds.
 */
static void open_proc_dirs(void)
{
	self_pid = getpid();
	if (proc_fd_dir >= 0)
		close(proc_fd_dir);
	if (map_files_dir >= 0)
		close(map_files_dir);
	proc_fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd_dir < 0)
		harness_setup_failed("open /proc/self/fd");
	/* Not every kernel lets a process list its own map_files: then -1. */
	map_files_dir = open("/proc/self/map_files", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	open_maps_query();
}

/*
 * Before main(), and in a child at fork time: a lazy set-up would take a
 * branch in the first input only, which AFL++ counts as instability.
 */
static void fd_scan_init(void)
{
	struct rlimit lim;

	fd_scan_len = PROBE_FD_SCAN_LIMIT;
	/* ppoll refuses more entries than the fd limit. */
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < fd_scan_len)
		fd_scan_len = (nfds_t)lim.rlim_cur;
	for (nfds_t i = 0; i < fd_scan_len; i++)
		fd_scan[i].fd = (int)i;
}

static long populate_read(void *addr, size_t len)
{
	long ret;

	while ((ret = syscall(SYS_madvise, addr, len, MADV_POPULATE_READ)) < 0 &&
	       (errno == EINTR || errno == EAGAIN))
		;
	return ret;
}

/*
 * MADV_POPULATE_READ answers a free-page check in one call only where it
 * tells the three cases apart: an inaccessible page (EINVAL), a readable
 * one (0), a hole (ENOMEM). An older kernel refuses the advice with EINVAL
 * everywhere, which would pass every page as reserved.
 */
static bool populate_read_tells_pages_apart(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 3 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = mprotect(p + page, page, PROT_READ) == 0 && munmap(p + 2 * page, page) == 0 &&
	     populate_read(p, page) < 0 && errno == EINVAL && populate_read(p + page, page) == 0 &&
	     populate_read(p + 2 * page, page) < 0 && errno == ENOMEM;
	munmap(p, 3 * page);
	return ok;
}

/* A seccomp filter (a container's) may refuse process_vm_readv/writev. */
static bool vm_rw_allowed(void)
{
	uint8_t a[8] = "probe", b[8] = { 0 };
	struct iovec l = { b, sizeof(b) }, r = { a, sizeof(a) };

	return syscall(SYS_process_vm_readv, self_pid, &l, 1, &r, 1, 0) == (long)sizeof(a) &&
	       syscall(SYS_process_vm_writev, self_pid, &r, 1, &l, 1, 0) == (long)sizeof(a);
}

__attribute__((constructor)) static void probes_init(void)
{
	open_proc_dirs();
	fd_scan_init();
	have_populate_read = kernel_populate_read = populate_read_tells_pages_apart();
	have_vm_rw = kernel_vm_rw = vm_rw_allowed();
	if (pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pthread_atfork(NULL, NULL, open_proc_dirs) != 0)
		harness_setup_failed("probe set-up");
}

/*
 * len bytes through the pipe: from src into it, out of it into dst. Raw
 * system calls, so the sanitizers' interceptors never look at the address:
 * one that faults is EFAULT, not a signal.
 */
static bool copy_through_pipe(const void *src, void *dst, size_t len)
{
	uint8_t drain[256];

	if (syscall(SYS_write, probe_pipe[1], src, len) != (long)len)
		return false;
	if (syscall(SYS_read, probe_pipe[0], dst, len) == (long)len) {
		UNPOISON(dst, len);
		return true;
	}
	while (syscall(SYS_read, probe_pipe[0], drain, sizeof(drain)) > 0)
		;
	return false;
}

bool probe_readable(const void *addr)
{
	uint8_t sink;

	return copy_through_pipe(addr, &sink, 1);
}

/* The byte is written back where it came from: content is unchanged. */
bool probe_writable(void *addr)
{
	return copy_through_pipe(addr, addr, 1);
}

bool probe_fast_pages(void)
{
	return have_populate_read && have_vm_rw;
}

void probe_set_fast_pages(bool on)
{
	have_populate_read = on && kernel_populate_read;
	have_vm_rw = on && kernel_vm_rw;
	have_maps_query = on && maps_fd >= 0;
}

enum probe_page probe_free_page(void *addr, size_t page)
{
	if (have_populate_read) {
		if (populate_read(addr, page) == 0)
			return PROBE_PAGE_ACCESSIBLE;
		/* EINVAL: no access; EFAULT: a file page past its end, no access either. */
		return errno == ENOMEM ? PROBE_PAGE_RELEASED : PROBE_PAGE_RESERVED;
	}
	if (probe_readable(addr))
		return PROBE_PAGE_ACCESSIBLE;
	return msync(addr, page, MS_ASYNC) < 0 && errno == ENOMEM ? PROBE_PAGE_RELEASED
								  : PROBE_PAGE_RESERVED;
}

static size_t copy_many(bool write, void *const addrs[], size_t n, size_t len, uint8_t *local);

/*
 * Raw: the sanitizers' interceptors would check the remote addresses. Stops
 * at the first address that faults; an error other than a fault (a seccomp
 * filter installed since start-up, say) turns the one-call form off and
 * leaves the rest to the pipe.
 */
static size_t vm_copy(bool write, void *const addrs[], size_t n, size_t len, uint8_t *local)
{
	struct iovec l, r[8];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < 8 ? n - done : 8;
		long got;

		for (size_t i = 0; i < k; i++)
			r[i] = (struct iovec){ addrs[done + i], len };
		l = (struct iovec){ local + done * len, k * len };
		got = syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv, self_pid, &l, 1, r,
			      k, 0);
		if (got < 0 && errno != EFAULT) {
			have_vm_rw = kernel_vm_rw = false;
			return done + copy_many(write, addrs + done, n - done, len, local + done * len);
		}
		if (got < 0)
			return done;
		if (!write)
			UNPOISON(l.iov_base, (size_t)got);
		done += (size_t)got / len;
		if ((size_t)got < k * len)
			return done;
	}
	return done;
}

/* local holds len bytes per address: read into, or written from. */
static size_t copy_many(bool write, void *const addrs[], size_t n, size_t len, uint8_t *local)
{
	size_t i;

	if (have_vm_rw)
		return vm_copy(write, addrs, n, len, local);
	for (i = 0; i < n; i++) {
		uint8_t *mine = local + i * len;

		if (!copy_through_pipe(write ? mine : addrs[i], write ? addrs[i] : mine, len))
			break;
	}
	return i;
}

size_t probe_read_many(void *const addrs[], size_t n, size_t len, uint8_t *out)
{
	return copy_many(false, addrs, n, len, out);
}

size_t probe_write_many(void *const addrs[], size_t n, size_t len, const uint8_t *bytes)
{
	return copy_many(true, addrs, n, len, (uint8_t *)bytes);
}

/*
 * Entries of the directory dir that are not "." or "..", read with
 * getdents64 until it returns 0: a call may stop before the buffer is full
 * (the kernel ends a listing early when a signal is pending, as libFuzzer's
 * timer sends).
 */
static int count_entries(int dir, const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	int n = 0;
	long got;

	if (lseek(dir, 0, SEEK_SET) < 0)
		harness_setup_failed(what);
	while ((got = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		UNPOISON(buf, (size_t)got);
		for (long off = 0; off < got;) {
			unsigned short reclen;
			const char *name = buf + off + 19; /* d_ino 8, d_off 8, d_reclen 2, d_type 1 */

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			n += name[0] != '.';
			off += reclen;
		}
	}
	if (got < 0)
		harness_setup_failed(what);
	return n;
}

int probe_open_fds(void)
{
	return count_entries(proc_fd_dir, "/proc/self/fd") - 1; /* the directory's own fd */
}

int probe_open_fds_below(int hi, uint64_t open_bits[PROBE_FD_SCAN_LIMIT / 64])
{
	struct timespec zero = { 0, 0 };
	nfds_t n = hi < 0 ? 0 : (nfds_t)hi < fd_scan_len ? (nfds_t)hi : fd_scan_len;
	int open = 0;
	long ret;

	/* Raw: the interceptors would check all of fd_scan on every call. */
	while ((ret = syscall(SYS_ppoll, fd_scan, n, &zero, NULL, 0)) < 0 && errno == EINTR)
		;
	if (ret < 0)
		harness_setup_failed("ppoll");
	UNPOISON(fd_scan, n * sizeof(fd_scan[0]));
	if (open_bits)
		memset(open_bits, 0, PROBE_FD_SCAN_LIMIT / 8);
	for (nfds_t i = 0; i < n; i++) {
		/* As probe_open_fds(): not the fd of /proc/self/fd. */
		if (fd_scan[i].revents & POLLNVAL || (int)i == proc_fd_dir)
			continue;
		open++;
		if (open_bits)
			open_bits[i / 64] |= 1ull << (i % 64);
	}
	return open;
}

int probe_file_mappings(void)
{
	return map_files_dir < 0 ? -1 : count_entries(map_files_dir, "/proc/self/map_files");
}

bool probe_maps_contain(const char *needle)
{
	static char buf[16384];
	size_t nlen = strlen(needle), keep = 0;
	bool found = false;
	ssize_t got = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		harness_setup_failed("open /proc/self/maps");
	while (!found && (got = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
		size_t len = keep + (size_t)got;

		found = memmem(buf, len, needle, nlen) != NULL;
		/* Keep a possible start of the needle for the next read. */
		keep = len < nlen - 1 ? len : nlen - 1;
		memmove(buf, buf + len - keep, keep);
	}
	if (!found && got < 0)
		harness_setup_failed("read /proc/self/maps");
	close(fd);
	return found;
}

/* The permissions of a MAPS_QUERY answer, as /proc/self/maps writes them. */
static void query_perms_text(const struct maps_query *q, char perms[5])
{
	perms[0] = q->vma_flags & MAPS_QUERY_READABLE ? 'r' : '-';
	perms[1] = q->vma_flags & MAPS_QUERY_WRITABLE ? 'w' : '-';
	perms[2] = q->vma_flags & MAPS_QUERY_EXEC ? 'x' : '-';
	perms[3] = q->vma_flags & MAPS_QUERY_SHARED ? 's' : 'p';
	perms[4] = '\0';
}

/* probe_maps_perms by MAPS_QUERY: true, false (nothing there), or -1 (failed). */
static int query_perms(const void *addr, char perms[5])
{
	struct maps_query q;
	int ret = maps_query(addr, &q);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return -1;
	query_perms_text(&q, perms);
	return 1;
}

bool probe_maps_perms(const void *addr, char perms[5])
{
	FILE *fp;
	char line[512];
	bool found = false;
	int queried = have_maps_query ? query_perms(addr, perms) : -1;

	if (queried >= 0)
		return queried;
	fp = fopen("/proc/self/maps", "re");
	if (!fp)
		harness_setup_failed("open /proc/self/maps");
	while (!found && fgets(line, sizeof(line), fp)) {
		unsigned long lo, hi;

		found = sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
			(unsigned long)addr >= lo && (unsigned long)addr < hi;
	}
	fclose(fp);
	return found;
}

/* probe_mapping_from by MAPS_QUERY: true, false (none), or -1 (failed). */
static int query_mapping_from(const void *addr, struct proc_mapping *m)
{
	struct maps_query q;
	int ret = maps_query_flags(addr, MAPS_QUERY_COVERING_OR_NEXT, &q);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return -1;
	*m = (struct proc_mapping){ .start = q.vma_start, .end = q.vma_end, .offset = q.vma_offset,
				    .file = { makedev(q.dev_major, q.dev_minor), (ino_t)q.inode } };
	query_perms_text(&q, m->perms);
	return 1;
}

static bool ends_above(const struct proc_mapping *m, const void *addr)
{
	return m->end > (uintptr_t)addr;
}

bool probe_mapping_from(const void *addr, struct proc_mapping *m)
{
	int found = have_maps_query ? query_mapping_from(addr, m) : -1;

	if (found < 0)
		found = proc_mappings_where(getpid(), ends_above, addr, m, 1);
	if (found < 0) {
		errno = -found;
		harness_setup_failed("read /proc/self/maps");
	}
	return found > 0;
}
