/* SPDX-License-Identifier: MIT */
/*
 * What can be seen of another process from outside, for the oracles of a
 * front-end that runs as its own process: its open fds (/proc/PID/fd), the
 * mappings of given files (/proc/PID/maps) and its memory
 * (process_vm_readv). A file is known by its device and inode, so an fd we
 * sent is recognised in the target whatever number it got there.
 *
 * Needs: the same user as the target (or root) for /proc/PID/fd and
 * /proc/PID/maps; for process_vm_readv, what ptrace allows: a child of ours
 * under Yama's ptrace_scope 1 (Debian's default), any process of the same
 * user under 0.
 */
#ifndef VSF_PROC_VIEW_H
#define VSF_PROC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct file_id {
	dev_t dev;
	ino_t ino;
};

/* The file behind fd. 0 or -errno. */
int file_id_of_fd(int fd, struct file_id *id);

/* Open fds of pid, or -errno. */
int proc_fd_count(pid_t pid);

/*
 * pid's open fds: bit n of bits (hi bits, a multiple of 64) says whether fd
 * n is open, for n below hi. Returns how many are open in all, or -errno.
 */
int proc_fd_set(pid_t pid, uint64_t bits[], int hi);

/*
 * How many of pid's open fds are one of the files ids[0..n), or -errno;
 * the first such fd's number in *first (when not NULL and there is one).
 */
int proc_fds_on_files(pid_t pid, const struct file_id *ids, size_t n, int *first);

/* What pid's fd is open on, as /proc/PID/fd/FD says ("/memfd:x (deleted)"); "" if gone. */
void proc_fd_path(pid_t pid, int fd, char *buf, size_t len);

struct proc_mapping {
	uint64_t start, end, offset; /* offset: into the file */
	char perms[5];               /* "rw-s" and the like */
	struct file_id file;
};

/*
 * An inaccessible private anonymous mapping ("---p", no file): what a
 * front-end reserves a region's range with. (arg is unused: the shape of
 * proc_mappings_where's keep.)
 */
bool proc_mapping_is_reservation(const struct proc_mapping *m, const void *arg);

/*
 * pid's mappings of the files ids[0..n), in address order, at most max of
 * them stored in out. Returns how many there are (possibly more than max),
 * or -errno.
 */
int proc_mappings_of(pid_t pid, const struct file_id *ids, size_t n, struct proc_mapping *out,
		     size_t max);

/*
 * pid's mappings for which keep(mapping, arg) is true, in address order;
 * as proc_mappings_of otherwise (anonymous ones have inode 0).
 */
int proc_mappings_where(pid_t pid, bool (*keep)(const struct proc_mapping *m, const void *arg),
			const void *arg, struct proc_mapping *out, size_t max);

/* Read len bytes at addr of pid. Bytes read (short at a fault), or -errno. */
ssize_t proc_read(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif
