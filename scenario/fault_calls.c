/* SPDX-License-Identifier: MIT */
/* The calls a fault op names and the errnos each can fail with (fault.h). */
#include "fault.h"

#include <errno.h>
#include <string.h>

static const char *const call_names[FAULT_CALL_COUNT] = {
	[FAULT_MMAP] = "mmap",       [FAULT_MREMAP] = "mremap",   [FAULT_MUNMAP] = "munmap",
	[FAULT_RECVMSG] = "recvmsg", [FAULT_SENDMSG] = "sendmsg", [FAULT_FSTAT] = "fstat",
	[FAULT_FSTATFS] = "fstatfs", [FAULT_POLL] = "poll",       [FAULT_SOCKETPAIR] = "socketpair",
	[FAULT_CLOSE] = "close",
};

#define ERRNOS(...) { __VA_ARGS__ }, sizeof((int[]){ __VA_ARGS__ }) / sizeof(int)
static const struct {
	int list[10];
	size_t n;
} errnos[FAULT_CALL_COUNT] = {
	[FAULT_MMAP] = { ERRNOS(ENOMEM, EACCES, EAGAIN, EBADF, EINVAL, ENFILE, ENODEV, EOVERFLOW,
				EPERM, ETXTBSY) },
	[FAULT_MREMAP] = { ERRNOS(ENOMEM, EAGAIN, EFAULT, EINVAL) },
	[FAULT_MUNMAP] = { ERRNOS(ENOMEM, EINVAL) },
	[FAULT_RECVMSG] = { ERRNOS(ENOMEM, EAGAIN, EINTR, ECONNRESET, EBADF, EFAULT, EINVAL,
				   ENOTCONN, ENOTSOCK) },
	[FAULT_SENDMSG] = { ERRNOS(EPIPE, EAGAIN, EINTR, ECONNRESET, ENOBUFS, ENOMEM, EBADF, EINVAL,
				   EMSGSIZE, ENOTCONN) },
	[FAULT_FSTAT] = { ERRNOS(ENOMEM, EBADF, EFAULT, EOVERFLOW) },
	[FAULT_FSTATFS] = { ERRNOS(EIO, EBADF, EFAULT, EINTR, ENOMEM, ENOSYS, EOVERFLOW) },
	[FAULT_POLL] = { ERRNOS(ENOMEM, EINTR, EFAULT, EINVAL) },
	[FAULT_SOCKETPAIR] = { ERRNOS(EMFILE, ENFILE, EAFNOSUPPORT, EFAULT, EOPNOTSUPP,
				      EPROTONOSUPPORT) },
	[FAULT_CLOSE] = { ERRNOS(EIO, EINTR, ENOSPC, EDQUOT) },
};
#undef ERRNOS

const char *fault_call_name(unsigned call)
{
	return call < FAULT_CALL_COUNT ? call_names[call] : NULL;
}

int fault_call_by_name(const char *name)
{
	for (int i = 0; i < FAULT_CALL_COUNT; i++)
		if (!strcmp(name, call_names[i]))
			return i;
	return -1;
}

size_t fault_errnos(unsigned call, const int **list)
{
	if (call >= FAULT_CALL_COUNT)
		return 0;
	*list = errnos[call].list;
	return errnos[call].n;
}

int fault_errno_for(unsigned call, int err)
{
	const int *list;
	size_t n = fault_errnos(call, &list);

	if (!n)
		return 0;
	if (!err)
		return list[0];
	for (size_t i = 0; i < n; i++)
		if (list[i] == err)
			return err;
	return 0;
}

bool fault_is_transient(const struct fault_event *ev)
{
	switch (ev->call) {
	case FAULT_RECVMSG:
	case FAULT_SENDMSG:
		return ev->err == EINTR || ev->err == EAGAIN || ev->err == 0; /* 0: a short send */
	case FAULT_POLL:
		return ev->err == EINTR;
	default:
		return false;
	}
}
