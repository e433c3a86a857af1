/* SPDX-License-Identifier: MIT */
/*
 * Probes that look at the process without taking a signal: whether an
 * address can be read or written, how many fds are open, what
 * /proc/self/maps says. Shared by the harnesses' oracles and the tests.
 * A set-up failure (no /proc) aborts: no probe can answer then.
 */
#ifndef VSF_PROBES_H
#define VSF_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc_view.h"

/* True if one byte at addr can be read / written without a fault. */
bool probe_readable(const void *addr);
bool probe_writable(void *addr);
/*
 * A page that should be free in a region: reserved and inaccessible (what a
 * free page must be), accessible, or released (a hole anything may land
 * in). One madvise(MADV_POPULATE_READ) where the kernel has it (5.14 on),
 * else a pipe write and an msync. Reading an accessible page with it faults
 * the page in: it only changes what was wrong already. The one-call form
 * sees a page mapped without read permission (PROT_WRITE or PROT_EXEC
 * alone, protections the front-end never asks for) as reserved.
 */
enum probe_page { PROBE_PAGE_RESERVED, PROBE_PAGE_ACCESSIBLE, PROBE_PAGE_RELEASED };
enum probe_page probe_free_page(void *addr, size_t page);
/*
 * Reads len bytes at each of n addresses into out (n * len bytes), or writes
 * them from bytes, with one process_vm_readv/writev of the process on itself
 * where it is allowed (else a pipe per address). Returns how many of the
 * addresses, in order, were read or written whole: the first fault stops it.
 */
size_t probe_read_many(void *const addrs[], size_t n, size_t len, uint8_t *out);
size_t probe_write_many(void *const addrs[], size_t n, size_t len, const uint8_t *bytes);
/*
 * Whether this kernel gives the page probes their one-call forms; turning
 * them off (tests do, to check the other way) uses the pipe and msync, and
 * reads /proc/self/maps as text for probe_maps_perms.
 */
bool probe_fast_pages(void);
void probe_set_fast_pages(bool on);
/* Open fds of the process (the probes' own, opened before main(), included). */
int probe_open_fds(void);
/*
 * Open fds numbered below hi (at most PROBE_FD_SCAN_LIMIT or the fd limit):
 * one ppoll() with a zero timeout over hi entries, much cheaper than a
 * directory listing for a few dozen. With open_bits, bit n of it says
 * whether fd n is open. O_PATH fds are not counted: poll() sees them as
 * closed numbers.
 */
#define PROBE_FD_SCAN_LIMIT 1024
int probe_open_fds_below(int hi, uint64_t open_bits[PROBE_FD_SCAN_LIMIT / 64]);
/*
 * File-backed mappings of the process (the entries of /proc/self/map_files,
 * a listing much cheaper than reading /proc/self/maps), or -1 where the
 * kernel does not let a process list them.
 */
int probe_file_mappings(void);
/* True if /proc/self/maps contains needle (one open and a read loop, no stdio). */
bool probe_maps_contain(const char *needle);
/*
 * The permissions ("rw-s" and the like) of the mapping that holds addr: one
 * PROCMAP_QUERY ioctl (Linux 6.11), else /proc/self/maps read as text.
 */
bool probe_maps_perms(const void *addr, char perms[5]);
/*
 * The lowest mapping that ends above addr (it holds addr or lies above it),
 * as /proc/self/maps describes it: one PROCMAP_QUERY ioctl (Linux 6.11),
 * else /proc/self/maps read as text. False if there is none.
 */
bool probe_mapping_from(const void *addr, struct proc_mapping *m);

#endif
