/* Tests for runtime/gguf/gguf.c: a valid file reads back exactly (all value types, nested arrays, tensor
 * views), the shared vocab-only files load, and every class of malformed header is rejected with a
 * message naming the problem, including every truncation of a valid file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "gguf_image.h"
#include "simd.h"
#include "skip.h"
#include "suite_run.h"

/* A valid file with every metadata type, nested arrays and two tensors. */
static image valid_image(void)
{
    image m = {0};
    img_header(&m, 3, 2, 16);
    img_key(&m, "general.architecture", GGUF_TYPE_STRING); img_str(&m, "llama");
    img_key(&m, "k.u8", GGUF_TYPE_U8); img_put(&m, "\xfe", 1);
    img_key(&m, "k.i8", GGUF_TYPE_I8); img_put(&m, "\xfe", 1);
    img_key(&m, "k.u16", GGUF_TYPE_U16); img_put(&m, "\x01\x02", 2);
    img_key(&m, "k.i16", GGUF_TYPE_I16); img_put(&m, "\xff\xff", 2);
    img_key(&m, "k.u32", GGUF_TYPE_U32); img_u32(&m, 4000000000u);
    img_key(&m, "k.i32", GGUF_TYPE_I32); img_u32(&m, (uint32_t)-7);
    img_key(&m, "k.f32", GGUF_TYPE_F32); img_f32(&m, 0.5f);
    img_key(&m, "k.bool", GGUF_TYPE_BOOL); img_put(&m, "\x01", 1);
    img_key(&m, "k.u64", GGUF_TYPE_U64); img_u64(&m, 1ull << 40);
    img_key(&m, "k.i64", GGUF_TYPE_I64); img_u64(&m, (uint64_t)-5);
    double d = 2.25;
    img_key(&m, "k.f64", GGUF_TYPE_F64); img_put(&m, &d, 8);
    img_key(&m, "k.strs", GGUF_TYPE_ARRAY); img_u32(&m, GGUF_TYPE_STRING); img_u64(&m, 3);
    img_str(&m, "a"); img_str(&m, ""); img_str(&m, "hello");
    img_key(&m, "k.ints", GGUF_TYPE_ARRAY); img_u32(&m, GGUF_TYPE_I32); img_u64(&m, 2);
    img_u32(&m, 11); img_u32(&m, (uint32_t)-3);
    img_key(&m, "k.nested", GGUF_TYPE_ARRAY); img_u32(&m, GGUF_TYPE_ARRAY); img_u64(&m, 2);
    img_u32(&m, GGUF_TYPE_U8); img_u64(&m, 2); img_put(&m, "\x01\x02", 2);
    img_u32(&m, GGUF_TYPE_STRING); img_u64(&m, 1); img_str(&m, "x");
    img_key(&m, "general.alignment", GGUF_TYPE_U32); img_u32(&m, 64);
    uint64_t ne_a[2] = {4, 2}, ne_b[1] = {64};
    img_tensor_info(&m, "a.weight", 2, ne_a, TOLK_TYPE_F32, 0);
    img_tensor_info(&m, "b.weight", 1, ne_b, TOLK_TYPE_Q8_0, 64);
    img_pad(&m, 64);
    for (int i = 0; i < 8; i++)
        img_f32(&m, (float)i);
    img_zeros(&m, 32);
    img_zeros(&m, 68);
    return m;
}

START_TEST(valid_file_reads_back)
{
    image m = valid_image();
    tolk_error err = {0};
    gguf_file *f = gguf_open_memory(m.b, m.n, "valid", &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_uint_eq(gguf_version(f), 3);
    ck_assert_uint_eq(gguf_kv_count(f), 16);
    ck_assert_uint_eq(gguf_alignment(f), 64);
    uint64_t u;
    int64_t i;
    double x;
    bool b;
    gguf_str s;
    char buf[16];
    ck_assert(gguf_get_uint(f, "k.u8", &u) && u == 254);
    ck_assert(gguf_get_int(f, "k.i8", &i) && i == -2);
    ck_assert(gguf_get_uint(f, "k.u16", &u) && u == 0x0201);
    ck_assert(gguf_get_int(f, "k.i16", &i) && i == -1);
    ck_assert(gguf_get_uint(f, "k.u32", &u) && u == 4000000000u);
    ck_assert(gguf_get_int(f, "k.i32", &i) && i == -7);
    ck_assert(!gguf_get_uint(f, "k.i32", &u)); /* negative does not convert to unsigned */
    ck_assert(gguf_get_float(f, "k.f32", &x) && x == 0.5);
    ck_assert(gguf_get_bool(f, "k.bool", &b) && b);
    ck_assert(gguf_get_uint(f, "k.u64", &u) && u == 1ull << 40);
    ck_assert(gguf_get_int(f, "k.i64", &i) && i == -5);
    ck_assert(gguf_get_float(f, "k.f64", &x) && x == 2.25);
    ck_assert(!gguf_get_float(f, "k.u32", &x));
    ck_assert(gguf_get_str(f, "general.architecture", &s) && gguf_str_eq(s, "llama"));
    ck_assert_str_eq(gguf_get_cstr(f, "general.architecture", buf, sizeof buf), "llama");
    ck_assert(!gguf_get_str(f, "missing.key", &s));
    const gguf_array *a = gguf_get_arr(f, "k.strs");
    ck_assert(a && a->type == GGUF_TYPE_STRING && a->n == 3);
    ck_assert(gguf_str_eq(a->strs[0], "a") && a->strs[1].len == 0 && gguf_str_eq(a->strs[2], "hello"));
    a = gguf_get_arr(f, "k.ints");
    ck_assert(a && a->n == 2 && gguf_arr_int(a, 0) == 11 && gguf_arr_int(a, 1) == -3);
    a = gguf_get_arr(f, "k.nested");
    ck_assert(a && a->type == GGUF_TYPE_ARRAY && a->n == 2);
    ck_assert(a->items[0].v.a.n == 2 && gguf_arr_int(&a->items[0].v.a, 1) == 2);
    ck_assert(a->items[1].v.a.type == GGUF_TYPE_STRING && gguf_str_eq(a->items[1].v.a.strs[0], "x"));

    ck_assert_uint_eq(gguf_tensor_count(f), 2);
    const gguf_tensor *t = gguf_find_tensor(f, "a.weight");
    ck_assert(t && t->type == TOLK_TYPE_F32 && t->ne[0] == 4 && t->ne[1] == 2 && t->ne[2] == 1);
    ck_assert_uint_eq(t->nbytes, 32);
    ck_assert_uint_eq(t->row_bytes, 16);
    ck_assert_uint_eq(t->file_offset, gguf_data_offset(f));
    ck_assert_uint_eq(gguf_data_offset(f) % 64, 0);
    float v;
    memcpy(&v, (const char *)t->data + 12, 4);
    ck_assert(v == 3.0f);
    t = gguf_find_tensor(f, "b.weight");
    ck_assert(t && t->nbytes == 68 && t->file_offset == gguf_data_offset(f) + 64);
    ck_assert(gguf_find_tensor(f, "c.weight") == NULL);
    gguf_close(f);
    free(m.b);
}
END_TEST

START_TEST(vocab_only_files_load)
{
    static const char *const names[] = {"qwen2", "llama3", "llama-spm", "gpt2"};
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer/%s.gguf", testdata_dir(), names[_i]);
    tolk_error err = {0};
    gguf_file *f = gguf_open(path, &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_uint_eq(gguf_tensor_count(f), 0);
    const gguf_array *tokens = gguf_get_arr(f, "tokenizer.ggml.tokens");
    ck_assert(tokens && tokens->type == GGUF_TYPE_STRING && tokens->n > 1000);
    gguf_close(f);
}
END_TEST

/* ---- malformed images: each builder returns an image and the message fragment we expect -------- */

typedef struct bad_case {
    const char *what;
    const char *expect;
    void (*build)(image *m);
} bad_case;

static void tensor_file(image *m, uint32_t type, uint64_t ne0, uint64_t ne1, uint64_t offset, size_t data)
{
    img_header(m, 3, 1, 0);
    uint64_t ne[2] = {ne0, ne1};
    img_tensor_info(m, "t", 2, ne, type, offset);
    img_pad(m, 32);
    img_zeros(m, data);
}

static void b_magic(image *m) { img_put(m, "GGUG", 4); img_u32(m, 3); img_u64(m, 0); img_u64(m, 0); }
static void b_v1(image *m) { img_header(m, 1, 0, 0); }
static void b_v4(image *m) { img_header(m, 4, 0, 0); }
static void b_bigendian(image *m) { img_header(m, 0x03000000u, 0, 0); }
static void b_tensor_count(image *m) { img_header(m, 3, 1ull << 62, 0); }
static void b_kv_count(image *m) { img_header(m, 3, 0, UINT64_MAX); }
static void b_str_len(image *m) { img_header(m, 3, 0, 1); img_u64(m, 1ull << 40); img_zeros(m, 32); }
static void b_value_type(image *m) { img_header(m, 3, 0, 1); img_key(m, "a", 13); img_u32(m, 0); }
static void b_empty_key(image *m) { img_header(m, 3, 0, 1); img_key(m, "", GGUF_TYPE_U8); img_zeros(m, 8); }
static void b_dup_key(image *m)
{
    img_header(m, 3, 0, 2);
    img_key(m, "a.b", GGUF_TYPE_U8); img_put(m, "\1", 1);
    img_key(m, "a.b", GGUF_TYPE_U8); img_put(m, "\2", 1);
}
static void b_bool(image *m) { img_header(m, 3, 0, 1); img_key(m, "b", GGUF_TYPE_BOOL); img_put(m, "\2", 1); }
static void b_array_len(image *m)
{
    img_header(m, 3, 0, 1);
    img_key(m, "arr", GGUF_TYPE_ARRAY); img_u32(m, GGUF_TYPE_U32); img_u64(m, 1ull << 50); img_u32(m, 0);
}
static void b_array_type(image *m)
{
    img_header(m, 3, 0, 1);
    img_key(m, "arr", GGUF_TYPE_ARRAY); img_u32(m, 77); img_u64(m, 1); img_u32(m, 0);
}
static void b_nesting(image *m)
{
    img_header(m, 3, 0, 1);
    img_key(m, "arr", GGUF_TYPE_ARRAY);
    for (int i = 0; i < 20; i++) {
        img_u32(m, GGUF_TYPE_ARRAY);
        img_u64(m, 1);
    }
    img_zeros(m, 64);
}
static void b_align_type(image *m) { img_header(m, 3, 0, 1); img_key(m, "general.alignment", GGUF_TYPE_U64); img_u64(m, 32); }
static void b_align_pow2(image *m) { img_header(m, 3, 0, 1); img_key(m, "general.alignment", GGUF_TYPE_U32); img_u32(m, 48); }
static void b_name_long(image *m)
{
    img_header(m, 3, 1, 0);
    uint64_t ne[1] = {32};
    img_tensor_info(m, "0123456789012345678901234567890123456789012345678901234567890123", 1, ne, 0, 0);
    img_pad(m, 32);
    img_zeros(m, 128);
}
static void b_dup_tensor(image *m)
{
    img_header(m, 3, 2, 0);
    uint64_t ne[1] = {8};
    img_tensor_info(m, "t", 1, ne, 0, 0);
    img_tensor_info(m, "t", 1, ne, 0, 32);
    img_pad(m, 32);
    img_zeros(m, 64);
}
static void b_dims(image *m)
{
    img_header(m, 3, 1, 0);
    uint64_t ne[5] = {1, 1, 1, 1, 1};
    img_tensor_info(m, "t", 5, ne, 0, 0);
    img_zeros(m, 64);
}
static void b_removed_type(image *m) { tensor_file(m, 4, 32, 1, 0, 64); }
static void b_unknown_type(image *m) { tensor_file(m, 99, 32, 1, 0, 64); }
static void b_block(image *m) { tensor_file(m, TOLK_TYPE_Q4_0, 48, 1, 0, 64); }
static void b_overflow(image *m) { tensor_file(m, TOLK_TYPE_F32, 1ull << 40, 1ull << 40, 0, 64); }
static void b_bytes_overflow(image *m) { tensor_file(m, TOLK_TYPE_F64, 1ull << 31, 1ull << 31, 0, 64); }
static void b_negative(image *m) { tensor_file(m, TOLK_TYPE_F32, UINT64_MAX, 1, 0, 64); }
static void b_misaligned(image *m) { tensor_file(m, TOLK_TYPE_F32, 8, 1, 4, 64); }
static void b_past_eof(image *m) { tensor_file(m, TOLK_TYPE_F32, 64, 1, 0, 100); }
static void b_offset_huge(image *m) { tensor_file(m, TOLK_TYPE_F32, 8, 1, UINT64_MAX - 31, 64); }
static void b_overlap(image *m)
{
    img_header(m, 3, 2, 0);
    uint64_t ne[1] = {16};
    img_tensor_info(m, "a", 1, ne, TOLK_TYPE_F32, 0);
    img_tensor_info(m, "b", 1, ne, TOLK_TYPE_F32, 32);
    img_pad(m, 32);
    img_zeros(m, 128);
}
static void b_empty(image *m) { (void)m; }

static const bad_case bad_cases[] = {
    {"bad magic", "bad magic", b_magic},
    {"version 1", "unsupported GGUF version 1", b_v1},
    {"version 4", "unsupported GGUF version 4", b_v4},
    {"big-endian", "big-endian", b_bigendian},
    {"tensor count", "tensor count exceeds", b_tensor_count},
    {"kv count", "metadata count exceeds", b_kv_count},
    {"string length", "length", b_str_len},
    {"value type", "unknown metadata value type", b_value_type},
    {"empty key", "empty metadata key", b_empty_key},
    {"duplicate key", "duplicate metadata key", b_dup_key},
    {"bool", "bool value", b_bool},
    {"array length", "array length exceeds", b_array_len},
    {"array type", "unknown array element type", b_array_type},
    {"nesting", "nested too deeply", b_nesting},
    {"alignment type", "general.alignment must be a u32", b_align_type},
    {"alignment power", "not a power of two", b_align_pow2},
    {"tensor name", "longer than 63", b_name_long},
    {"duplicate tensor", "duplicate tensor name", b_dup_tensor},
    {"dims", "more than 4 dimensions", b_dims},
    {"removed type", "unknown or removed tensor type", b_removed_type},
    {"unknown type", "unknown or removed tensor type", b_unknown_type},
    {"block size", "multiple of its type's block size", b_block},
    {"element overflow", "overflows", b_overflow},
    {"byte overflow", "overflows", b_bytes_overflow},
    {"negative dim", "negative or too large", b_negative},
    {"misaligned", "not aligned", b_misaligned},
    {"past eof", "not within the file", b_past_eof},
    {"huge offset", "not within the file", b_offset_huge},
    {"overlap", "overlap", b_overlap},
    {"empty", "truncated", b_empty},
};

START_TEST(malformed_files_are_rejected)
{
    const bad_case *bc = &bad_cases[_i];
    image m = {0};
    bc->build(&m);
    tolk_error err = {0};
    gguf_file *f = gguf_open_memory(m.b ? m.b : (const void *)"", m.n, "bad.gguf", &err);
    ck_assert_msg(f == NULL, "%s: accepted", bc->what);
    ck_assert_int_ne(err.code, 0);
    ck_assert_msg(strstr(err.msg, bc->expect) != NULL, "%s: message '%s' lacks '%s'", bc->what, err.msg,
                  bc->expect);
    ck_assert_msg(!strncmp(err.msg, "bad.gguf: ", 10), "%s: message '%s' lacks the file name", bc->what,
                  err.msg);
    free(m.b);
}
END_TEST

START_TEST(every_truncation_is_rejected)
{
    image m = valid_image();
    for (size_t n = 0; n < m.n; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, m.b, n);
        tolk_error err = {0};
        gguf_file *f = gguf_open_memory(copy, n, "cut", &err);
        ck_assert_msg(f == NULL, "truncation to %zu bytes accepted", n);
        ck_assert_msg(strstr(err.msg, "truncated") || strstr(err.msg, "not within") ||
                          strstr(err.msg, "exceeds"), "truncation to %zu: '%s'", n, err.msg);
        free(copy);
    }
    free(m.b);
}
END_TEST

/* Deterministic byte mutations of a valid file: must never crash (sanitizer builds catch misuse). */
START_TEST(mutations_never_crash)
{
    image m = valid_image();
    uint64_t state = 0x9E3779B97F4A7C15ull;
    int accepted = 0;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t *copy = malloc(m.n);
        memcpy(copy, m.b, m.n);
        for (int k = 0; k < 1 + iter % 4; k++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            copy[state % m.n] ^= (uint8_t)(state >> 32) | 1;
        }
        tolk_error err = {0};
        gguf_file *f = gguf_open_memory(copy, m.n, "mut", &err);
        if (f) {
            accepted++;
            for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
                const gguf_tensor *t = gguf_tensor_at(f, i);
                ck_assert((const uint8_t *)t->data + t->nbytes <= copy + m.n);
            }
            gguf_close(f);
        } else {
            ck_assert(err.msg[0] != '\0');
        }
        free(copy);
    }
    ck_assert_int_lt(accepted, 3000);
    free(m.b);
}
END_TEST

START_TEST(missing_file_is_an_io_error)
{
    tolk_error err = {0};
    ck_assert(gguf_open("/nonexistent/model.gguf", &err) == NULL);
    ck_assert_int_eq(err.code, TOLK_E_IO);
    ck_assert(strstr(err.msg, "/nonexistent/model.gguf") != NULL);
    ck_assert(gguf_open("/", &err) == NULL);
    ck_assert(strstr(err.msg, "not a regular file") != NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gguf");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, valid_file_reads_back);
    add_loop_test_or_skip(tc, vocab_only_files_load, 0, 4, need_testdata());
    tcase_add_loop_test(tc, malformed_files_are_rejected, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, every_truncation_is_rejected);
    tcase_add_test(tc, mutations_never_crash);
    tcase_add_test(tc, missing_file_is_an_io_error);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return skip_exit(failed);
}
