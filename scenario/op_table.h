/* SPDX-License-Identifier: MIT */
/*
 * Each op of the program format (program.h) described once: its name and
 * its fields in record order, each with its offset in the record, width,
 * role, default and text form. The decoder, encoder, printer and parser
 * (program.c, program_text.c), the mutator (fuzz/mutator.c) and the C
 * emitter (tools/emit_c.c) walk these tables, so adding a field is one entry
 * in op_table.c plus its meaning where ops are executed.
 *
 * A record is the opcode, the fixed fields (numbers, and the count byte of
 * the fd handles), then the optional trailing fields, then the handles,
 * then the tail (raw bytes or config size pairs). A field marked optional
 * was appended to an op after records of it existed: an older record
 * without it decodes with its default, and the encoder leaves it out while
 * it and the optional fields after it are at their defaults, so those
 * records stay byte-identical. Only ops with neither handles nor a tail may
 * have optional fields (tests/test_op_table.c checks this and the layout).
 */
#ifndef VSF_OP_TABLE_H
#define VSF_OP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program.h"

/* The longest fixed and optional part of any record, after its opcode. */
#define OP_MAX_FIELD_BYTES 64

enum op_field_kind {
	OPF_NUM,     /* a number: width bytes at off, little-endian; a member of the op */
	OPF_HANDLES, /* fd handles: their count at off, the handles after the fields */
	OPF_DATA,    /* the tail: bytes (op->data, op->data_len) */
	OPF_PAIRS,   /* the tail: config size pairs (VSF_PROG_PAIR_LEN bytes each) */
};

/* What a field means, so that the mutator gives it values that matter. */
enum op_role {
	OP_R_NONE,     /* left alone by the mutator */
	OP_R_OFFSET,   /* shm_offset, fd_offset */
	OP_R_LEN,      /* len */
	OP_R_SIZE,     /* region or fd size */
	OP_R_SHMID,
	OP_R_HANDLE,
	OP_R_HFLAGS,   /* header flags */
	OP_R_MFLAGS,   /* VhostUserMMap flags */
	OP_R_REQUEST,  /* request id */
	OP_R_PSIZE,    /* header payload size */
	OP_R_COUNT,    /* config nregions */
	OP_R_FEATURES, /* virtio features */
	OP_R_PROTOCOL, /* protocol features */
	OP_R_ACK,
	OP_R_KIND,     /* fd kind */
	OP_R_SEALS,
	OP_R_CHUNK,
	OP_R_CALL,     /* fault: which system call */
	OP_R_AFTER,    /* fault: calls let through first */
	OP_R_ERRNO,    /* fault: the errno */
	OP_R_SHORT,    /* fault: the bytes a short send takes */
	OP_R_CONTENT,  /* fd content */
	OP_R_MESSAGES, /* raw backend-channel bytes: messages to look into */
	OP_R_RAW,      /* a bytes op's input bytes */
	OP_R_ANSWERED, /* answer, wait: a front-end request */
	OP_R_NTH,      /* answer, wait: which occurrence of it */
	OP_R_FORM,     /* answer: enum vsf_answer_form */
	OP_R_VALUE,    /* answer: a reply's u64 value */
};

/* How a number prints (and parses) in the text form. */
enum op_text {
	OPT_DEC,    /* key=N, left out at its default */
	OPT_HEX,    /* key=0xN, left out at its default */
	OPT_POS,    /* N without a key, always printed (fd HANDLE) */
	OPT_NAME,   /* a name without a key (memfd), key=N where there is none; always printed */
	OPT_ERRNO,  /* key=NAME (ENOMEM), key=N where there is none; left out at its default */
	OPT_MFLAGS, /* rw (1), ro (0; printed by map only), else as OPT_HEX */
	OPT_HFLAGS, /* need_reply (the default with NEED_REPLY added), else as OPT_HEX */
};

struct op_field {
	const char *key;    /* text key; the one of fd=/fds= is "fds" */
	const char *member; /* of struct vsf_op, as C spells it (tools/emit_c.c) */
	uint16_t mem;       /* offsetof(struct vsf_op, member) */
	uint8_t off;        /* bytes after the opcode; OPF_HANDLES: of the count */
	uint8_t width;      /* bytes, the same in the record and the op */
	uint8_t kind;       /* enum op_field_kind */
	uint8_t role;       /* enum op_role */
	uint8_t text;       /* enum op_text, for OPF_NUM */
	uint8_t col;        /* place on the text line, from 0 */
	bool required;      /* the text must give it (fd HANDLE KIND) */
	bool optional;      /* trailing: an older record may lack it */
	uint64_t def;       /* its value when the text or an older record leaves it out */
	const char *(*name)(unsigned v); /* OPT_NAME: v's name, or NULL */
	/* OPT_NAME of a wide number: the value named w; else names are looked up by value */
	bool (*by_name)(const char *w, uint64_t *v);
};

struct op_desc {
	enum vsf_op_code code;
	const char *name;     /* in the text form */
	const char *constant; /* the enum vsf_op_code constant, as C spells it */
	const struct op_field *fields; /* in record order */
	size_t nfields;
};

/* Every op, bytes (a raw input part, no record) last. */
extern const struct op_desc op_descs[];
extern const size_t op_ndescs;

/* The op with this code or text name, or NULL. */
const struct op_desc *op_desc(enum vsf_op_code code);
const struct op_desc *op_desc_by_name(const char *name);
/* Its field of this kind (the first one), or NULL. */
const struct op_field *op_desc_field(const struct op_desc *d, enum op_field_kind kind);
/* Bytes of its fixed fields after the opcode, optional ones not counted. */
size_t op_fixed_len(const struct op_desc *d);

/* An OPF_NUM field of op. */
uint64_t op_field_get(const struct vsf_op *op, const struct op_field *f);
void op_field_set(struct vsf_op *op, const struct op_field *f, uint64_t v);
/* Its largest value. */
uint64_t op_field_max(const struct op_field *f);

#endif
