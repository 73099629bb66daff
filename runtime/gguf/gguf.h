/* GGUF v2/v3 reader over a read-only mmap. gguf_open validates the whole header (metadata, tensor
 * infos, offsets, sizes) before anything uses it; afterwards every string, array and tensor view
 * points straight into the mapping, so nothing is copied. Format notes: docs/GGUF.md. */
#ifndef TOLK_GGUF_H
#define TOLK_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tolk.h"

enum gguf_value_type {
    GGUF_TYPE_U8 = 0,
    GGUF_TYPE_I8 = 1,
    GGUF_TYPE_U16 = 2,
    GGUF_TYPE_I16 = 3,
    GGUF_TYPE_U32 = 4,
    GGUF_TYPE_I32 = 5,
    GGUF_TYPE_F32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_U64 = 10,
    GGUF_TYPE_I64 = 11,
    GGUF_TYPE_F64 = 12,
    GGUF_TYPE_COUNT = 13
};

/* A byte string inside the mapping: not NUL-terminated. */
typedef struct gguf_str {
    const char *ptr;
    uint64_t len;
} gguf_str;

typedef struct gguf_value gguf_value;

/* An array value. Fixed-size elements stay in the file (raw little-endian, possibly unaligned:
 * read them with gguf_arr_* below); strings and nested arrays get an index built at load. */
typedef struct gguf_array {
    uint32_t type;        /* element type */
    uint64_t n;           /* element count */
    const uint8_t *data;  /* first element in the mapping */
    const gguf_str *strs; /* type STRING: n views */
    const gguf_value *items; /* type ARRAY: n nested values */
} gguf_array;

struct gguf_value {
    uint32_t type; /* GGUF_TYPE_* */
    union {
        uint64_t u;  /* U8, U16, U32, U64, BOOL (0/1) */
        int64_t i;   /* I8, I16, I32, I64 */
        double f;    /* F32, F64 */
        gguf_str s;  /* STRING */
        gguf_array a; /* ARRAY */
    } v;
};

typedef struct gguf_kv {
    gguf_str key;
    gguf_value value;
} gguf_kv;

/* A tensor as stored: a view into the mapping, no ownership. ne[0] is the innermost (row) length;
 * missing dimensions are 1. */
typedef struct gguf_tensor {
    char name[64];
    uint32_t type;        /* ggml type id (simd/simd.h tolk_type) */
    uint32_t n_dims;
    int64_t ne[4];
    uint64_t n_elements;
    uint64_t row_bytes;   /* bytes of one ne[0] row */
    uint64_t nbytes;
    uint64_t file_offset; /* absolute byte offset in the file */
    const void *data;
} gguf_tensor;

typedef struct gguf_file gguf_file;

/* Maps and validates PATH. On failure returns NULL and fills err with
 * "PATH: WHAT (at byte N)". */
gguf_file *gguf_open(const char *path, tolk_error *err);

/* Validates a file image already in memory (used by gguf_open and the fuzz harness). The
 * buffer must outlive the returned handle; name is only used in messages. */
gguf_file *gguf_open_memory(const void *data, size_t size, const char *name, tolk_error *err);

void gguf_close(gguf_file *f);

uint32_t gguf_version(const gguf_file *f);
const char *gguf_path(const gguf_file *f);
uint64_t gguf_file_size(const gguf_file *f);
uint64_t gguf_alignment(const gguf_file *f);
uint64_t gguf_data_offset(const gguf_file *f); /* start of the tensor data section */

/* Metadata. */
uint64_t gguf_kv_count(const gguf_file *f);
const gguf_kv *gguf_kv_at(const gguf_file *f, uint64_t i);
const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key);
const char *gguf_type_name(uint32_t value_type); /* "u32", "string", "array", ... */

/* Typed getters: true when KEY exists and holds a value convertible without loss to the requested
 * type (any integer type in range for the integer getters, f32/f64 for gguf_get_float). */
bool gguf_get_uint(const gguf_file *f, const char *key, uint64_t *out);
bool gguf_get_int(const gguf_file *f, const char *key, int64_t *out);
bool gguf_get_float(const gguf_file *f, const char *key, double *out);
bool gguf_get_bool(const gguf_file *f, const char *key, bool *out);
bool gguf_get_str(const gguf_file *f, const char *key, gguf_str *out);
const gguf_array *gguf_get_arr(const gguf_file *f, const char *key);

/* Copies a string value into buf as a NUL-terminated C string (truncating); returns buf, or NULL
 * when KEY is absent or not a string. */
const char *gguf_get_cstr(const gguf_file *f, const char *key, char *buf, size_t bufsize);

/* Element i of a numeric array, converted (bounds and type are the caller's to check). */
int64_t gguf_arr_int(const gguf_array *a, uint64_t i);
double gguf_arr_float(const gguf_array *a, uint64_t i);

/* Tensors, in file order. */
uint64_t gguf_tensor_count(const gguf_file *f);
const gguf_tensor *gguf_tensor_at(const gguf_file *f, uint64_t i);
const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name);

/* Compares a gguf_str with a C string. */
bool gguf_str_eq(gguf_str s, const char *c);

#endif
