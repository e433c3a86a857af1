/* SPDX-License-Identifier: MIT */
/*
 * Fault injection into the front-end's own system calls (the idea of
 * syzkaller's fault injection): "the call of mmap after the next N fails
 * with ENOMEM". It works on the faultable build of the library
 * (src/syscalls.h), whose system calls go through a table; this module
 * points the table at wrappers that count calls and fail the chosen one.
 *
 * One fault is armed at a time and fires once. A failed call has no effect
 * (nothing is mapped, sent, received or created), except munmap and close:
 * those take effect and then report the error. Linux releases an fd even
 * when close reports EIO or EINTR, and the front-end unmaps only whole
 * mappings, which the kernel never refuses; what is tested there is that an
 * error return is not misread. And mremap to a fixed address: failing with
 * anything but EINVAL it first unmaps the target, as the kernel does (its
 * ENOMEM, EAGAIN and EFAULT come after it unmapped the target), leaving a
 * hole the front-end must fill again.
 */
#ifndef VSF_FAULT_H
#define VSF_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * The calls, in the order of VSF_SYSCALL_LIST (src/syscalls.h). The table's
 * last entry, clock_gettime, is not one of them: the clock is driven
 * (fault_clock_drive), never failed.
 */
enum fault_call {
	FAULT_MMAP,
	FAULT_MREMAP,
	FAULT_MUNMAP,
	FAULT_RECVMSG,
	FAULT_SENDMSG,
	FAULT_FSTAT,
	FAULT_FSTATFS,
	FAULT_POLL,
	FAULT_SOCKETPAIR,
	FAULT_CLOSE,
	FAULT_CALL_COUNT
};

/*
 * What fired: the call, its errno (0 for a short send), for mmap and munmap
 * the range, for a short send the bytes it let through at most (len).
 */
struct fault_event {
	enum fault_call call;
	int err;
	void *addr;
	size_t len;
};

const char *fault_call_name(unsigned call); /* NULL if unknown */
int fault_call_by_name(const char *name);   /* -1 if unknown */

/*
 * The errnos call can fail with: the ones its manual page lists that the
 * front-end's use of it can meet. list[0] is the default.
 */
size_t fault_errnos(unsigned call, const int **list);
/* err (0: the default) if call can fail with it, else 0. */
int fault_errno_for(unsigned call, int err);

/*
 * Arm: the call after `after` more calls of it fails with err (0: the
 * call's default). Replaces an armed fault. False (nothing armed) if call
 * is unknown or err is not one it can fail with.
 */
bool fault_arm(unsigned call, unsigned after, int err);
/*
 * Arm a short send: the sendmsg after `after` more sends only the first
 * `bytes` bytes it is given (its fds go with them), as a socket with little
 * room does; the one after it sends whole again. Replaces an armed fault.
 * False (nothing armed) if bytes is 0: a send of bytes never sends none.
 */
bool fault_arm_short_send(unsigned after, size_t bytes);
void fault_disarm(void);
/* The fault that fired since the last call, if one did (then it is forgotten). */
bool fault_take_fired(struct fault_event *ev);

/*
 * Whether a failure of this call with this errno is one the front-end
 * retries without a trace (EINTR; EAGAIN on a socket, followed by a wait;
 * a short send, whose rest goes next).
 */
bool fault_is_transient(const struct fault_event *ev);

/*
 * Call fn after every close() the front-end makes, with the fd and the
 * kernel's answer (0, or its errno) before an injected failure replaces it:
 * the fd accounting's double-close check hooks the table here, below the
 * wrappers, rather than interposing libc's close(). NULL: none.
 */
typedef void (*fault_close_watch_fn)(int fd, int err);
void fault_watch_close(fault_close_watch_fn fn);

/*
 * File-backed mappings the front-end has made (mmap with an fd that
 * succeeded), counted by the wrappers since the process began: none made
 * during an input means no mapping of a harness memfd can be the
 * front-end's (every call of the library goes through the table, which
 * tests/no_canaries.sh checks).
 */
unsigned long fault_file_maps_made(void);

/*
 * A clock the test drives, for the front-end's deadlines (fault_clock.c):
 * from now on the front-end's clock_gettime(CLOCK_MONOTONIC) returns these
 * readings in turn (at most FAULT_CLOCK_READINGS, the last again once they
 * run out), and its poll waits for no time whatever its timeout: it says
 * what is ready at once, 0 (timed out) if nothing is. Each poll's timeout
 * is recorded, an injected failure's too: the waits a deadline asked for.
 */
#define FAULT_CLOCK_READINGS 16
void fault_clock_drive(const struct timespec *readings, size_t n);
/* The real clock and poll again. */
void fault_clock_release(void);
/* The timeouts of the polls since fault_clock_drive, up to max; how many there were. */
size_t fault_clock_waits(int *timeouts, size_t max);
/* For the wrappers (fault.c): the next reading if clk is driven; record a wait if it is. */
bool fault_clock_reading(clockid_t clk, struct timespec *ts);
bool fault_clock_note_wait(int timeout_ms);

#endif
