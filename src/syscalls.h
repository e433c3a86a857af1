/* SPDX-License-Identifier: MIT */
/*
 * The system calls the front-end makes, named in one place.
 *
 * Library code calls them as VSF_SYS(mmap)(...). In the library a program
 * links (vhost_shmem: vhost-shmem-frontend, an embedder) that is the libc
 * function itself. In the faultable build of the same sources
 * (vhost_shmem_faultable: the harnesses and tests) it is a call through the
 * table vsf_syscalls, which the fault injector (scenario/fault.h) may point
 * elsewhere, to make the k-th next call of one of them fail, or (the clock)
 * to let a test drive the time the deadlines see.
 */
#ifndef VSF_SYSCALLS_H
#define VSF_SYSCALLS_H

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <time.h>

/* X(name, return type, parameters): every entry, in this order. */
#define VSF_SYSCALL_LIST(X)                                                             \
	X(mmap, void *, (void *addr, size_t len, int prot, int flags, int fd, off_t off)) \
	X(mremap, void *, (void *old, size_t old_len, size_t new_len, int flags, ...))          \
	X(munmap, int, (void *addr, size_t len))                                          \
	X(recvmsg, ssize_t, (int fd, struct msghdr *mh, int flags))                       \
	X(sendmsg, ssize_t, (int fd, const struct msghdr *mh, int flags))                 \
	X(fstat, int, (int fd, struct stat *st))                                          \
	X(fstatfs, int, (int fd, struct statfs *sfs))                                     \
	X(poll, int, (struct pollfd *fds, nfds_t nfds, int timeout))                      \
	X(socketpair, int, (int domain, int type, int protocol, int sv[2]))               \
	X(close, int, (int fd))                                                           \
	X(clock_gettime, int, (clockid_t clk, struct timespec *ts))

struct vsf_syscalls {
#define VSF_SYSCALL_FIELD(name, ret, params) ret(*name) params;
	VSF_SYSCALL_LIST(VSF_SYSCALL_FIELD)
#undef VSF_SYSCALL_FIELD
};

/* The table (faultable build only): starts as the libc functions. */
extern struct vsf_syscalls vsf_syscalls;

#ifdef VSF_SYSCALL_TABLE
#define VSF_SYS(name) (vsf_syscalls.name)
#else
#define VSF_SYS(name) name
#endif

#endif
