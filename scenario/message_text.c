/* SPDX-License-Identifier: MIT */
#include "message_text.h"

#include "wire.h"

size_t message_text_print(FILE *out, const uint8_t *msg, size_t len)
{
	struct vsf_wire_header h;
	struct vsf_wire_mmap mm;
	const char *name;

	if (len < VSF_HEADER_SIZE) {
		fprintf(out, "%zu bytes, less than a header", len);
		return 0;
	}
	vsf_decode_header(msg, &h);
	name = vsf_backend_request_name(h.request);
	fprintf(out, "%s (%u) flags 0x%x size %u", name ? name : "unknown request", h.request,
		h.flags, h.size);
	if (len - VSF_HEADER_SIZE < h.size) {
		fprintf(out, ", cut short: %zu payload bytes follow", len - VSF_HEADER_SIZE);
		return 0;
	}
	if (h.size == VSF_MMAP_PAYLOAD_SIZE) {
		vsf_decode_mmap(msg + VSF_HEADER_SIZE, &mm);
		fprintf(out, ": shmid %u fd_offset 0x%llx shm_offset 0x%llx len 0x%llx flags 0x%llx",
			mm.shmid, (unsigned long long)mm.fd_offset,
			(unsigned long long)mm.shm_offset, (unsigned long long)mm.len,
			(unsigned long long)mm.flags);
	}
	return VSF_HEADER_SIZE + (size_t)h.size;
}
