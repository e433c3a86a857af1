/* SPDX-License-Identifier: MIT */
/* The system call table of the faultable build (syscalls.h). */
#define _GNU_SOURCE
#include "syscalls.h"

#include <unistd.h>

struct vsf_syscalls vsf_syscalls = {
#define VSF_SYSCALL_REAL(name, ret, params) .name = name,
	VSF_SYSCALL_LIST(VSF_SYSCALL_REAL)
#undef VSF_SYSCALL_REAL
};
