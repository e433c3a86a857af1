/* SPDX-License-Identifier: MIT */
/*
 * One backend message in words, for reports and printed programs:
 * "SHMEM_MAP (9) flags 0x9 size 40: shmid 0 fd_offset 0x0 ..." (request by
 * name, header, and the VhostUserMMap fields when the payload is one).
 */
#ifndef VSF_MESSAGE_TEXT_H
#define VSF_MESSAGE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Print the message at the start of msg[0..len) (no newline). Returns the
 * bytes it spans (header and payload), or 0 when msg holds less than its
 * header or its payload is cut short (the printed text says so).
 */
size_t message_text_print(FILE *out, const uint8_t *msg, size_t len);

#endif
