/* GGUF v3 writer with the layout llama.cpp's own writer produces: header, metadata, tensor infos,
 * zero padding to the alignment, then each tensor's bytes padded to the alignment. Metadata and
 * tensor infos are declared first; tensor data is then streamed in file order, so a model is
 * never held in memory. The file appears under its name only once gguf_writer_finish succeeds. */
#ifndef TOLK_GGUF_WRITE_H
#define TOLK_GGUF_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "tolk.h"

typedef struct gguf_writer gguf_writer;

/* Starts a file at PATH (written as PATH.part, renamed on finish). Alignment defaults to 32. */
gguf_writer *gguf_writer_open(const char *path, tolk_error *err);

/* Closes and, unless finished, removes the partial file. NULL is fine. */
void gguf_writer_close(gguf_writer *w);

/* ---- Metadata (before gguf_writer_begin_data) ---------------------------------------------------
 * Keys must be non-empty and unique. Values are stored little-endian as given. */

/* Sets the data alignment (power of two) and records it as general.alignment (u32). */
int gguf_writer_set_alignment(gguf_writer *w, uint32_t alignment, tolk_error *err);

/* A scalar of any fixed-size type (u8 ... f64, bool); VALUE points to a C object of that type
 * (bool as C bool). */
int gguf_writer_add_scalar(gguf_writer *w, const char *key, uint32_t type, const void *value,
                           tolk_error *err);
int gguf_writer_add_u32(gguf_writer *w, const char *key, uint32_t v, tolk_error *err);
int gguf_writer_add_i32(gguf_writer *w, const char *key, int32_t v, tolk_error *err);
int gguf_writer_add_u64(gguf_writer *w, const char *key, uint64_t v, tolk_error *err);
int gguf_writer_add_f32(gguf_writer *w, const char *key, float v, tolk_error *err);
int gguf_writer_add_bool(gguf_writer *w, const char *key, bool v, tolk_error *err);
int gguf_writer_add_str(gguf_writer *w, const char *key, const char *s, tolk_error *err);
int gguf_writer_add_strn(gguf_writer *w, const char *key, const char *s, uint64_t len,
                         tolk_error *err);

/* An array of N fixed-size elements of ELEM_TYPE, given as a C array of that type. */
int gguf_writer_add_arr(gguf_writer *w, const char *key, uint32_t elem_type, const void *data,
                        uint64_t n, tolk_error *err);

/* An array of N strings; LENS may be NULL for NUL-terminated strings. */
int gguf_writer_add_str_arr(gguf_writer *w, const char *key, const char *const *strs,
                            const uint64_t *lens, uint64_t n, tolk_error *err);

/* Copies a value read by runtime/gguf/gguf.c (any type, string arrays included; nested arrays are
 * refused because llama.cpp refuses them). */
int gguf_writer_add_value(gguf_writer *w, const char *key, const gguf_value *v, tolk_error *err);

/* True when KEY was already added. */
bool gguf_writer_has_key(const gguf_writer *w, const char *key);

/* ---- Tensors ---------------------------------------------------------------------------------------
 * Declares a tensor (name < 64 bytes, unique; 1..4 dims; ne[0] a multiple of the type's block
 * size). Offsets follow from the declaration order, which is the order data must arrive in. */
int gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                           const int64_t *ne, tolk_error *err);

/* Bytes the tensor declared at index I will occupy (unpadded). */
uint64_t gguf_writer_tensor_nbytes(const gguf_writer *w, uint64_t i);
uint64_t gguf_writer_tensor_count(const gguf_writer *w);

/* Writes header, metadata, tensor infos and the padding before the data section. */
int gguf_writer_begin_data(gguf_writer *w, tolk_error *err);

/* Appends N bytes to the data of the tensors in declaration order; a call may end inside a
 * tensor or span several. Each tensor is padded to the alignment as soon as it is complete. */
int gguf_writer_write(gguf_writer *w, const void *data, size_t n, tolk_error *err);

/* Checks that every tensor got all its bytes, flushes, syncs and moves the file into place. */
int gguf_writer_finish(gguf_writer *w, tolk_error *err);

#endif
