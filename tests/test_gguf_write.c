/* Tests for runtime/gguf/gguf_write.c: files it writes read back through runtime/gguf/gguf.c with every value
 * type, string arrays, tensor offsets and padding intact; a read file re-written through
 * gguf_writer_add_value is byte-identical; misuse is refused without leaving a file behind. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "scratch_dir.h"
#include "simd.h"
#include "skip.h"
#include "suite_run.h"
#include "test_isa.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    ck_assert_int_eq(scratch_dir(tmpdir, sizeof tmpdir, "tolk-gguf-write"), 0);
}

static void remove_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp_path(const char *name)
{
    static char path[320];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static bool file_exists(const char *path) { return access(path, F_OK) == 0; }

/* Reads a whole file into memory. */
static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(fread(p, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *size = (size_t)n;
    return p;
}

#define OK(call) ck_assert_int_eq((call), TOLK_OK)

/* One file with every scalar type, arrays of each, a string array, and three tensors. */
static void write_sample(const char *path, uint32_t alignment)
{
    tolk_error err = {0};
    gguf_writer *w = gguf_writer_open(path, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    if (alignment)
        OK(gguf_writer_set_alignment(w, alignment, &err));
    uint8_t u8 = 200; int8_t i8 = -100; uint16_t u16 = 60000; int16_t i16 = -30000;
    int32_t i32 = -2000000000; int64_t i64 = -5000000000000ll; double f64 = 3.141592653589793;
    OK(gguf_writer_add_scalar(w, "t.u8", GGUF_TYPE_U8, &u8, &err));
    OK(gguf_writer_add_scalar(w, "t.i8", GGUF_TYPE_I8, &i8, &err));
    OK(gguf_writer_add_scalar(w, "t.u16", GGUF_TYPE_U16, &u16, &err));
    OK(gguf_writer_add_scalar(w, "t.i16", GGUF_TYPE_I16, &i16, &err));
    OK(gguf_writer_add_u32(w, "t.u32", 4000000000u, &err));
    OK(gguf_writer_add_scalar(w, "t.i32", GGUF_TYPE_I32, &i32, &err));
    OK(gguf_writer_add_f32(w, "t.f32", 0.25f, &err));
    OK(gguf_writer_add_bool(w, "t.bool", true, &err));
    OK(gguf_writer_add_str(w, "t.str", "h\xc3\xa9llo", &err));
    OK(gguf_writer_add_u64(w, "t.u64", 18000000000000000000ull, &err));
    OK(gguf_writer_add_scalar(w, "t.i64", GGUF_TYPE_I64, &i64, &err));
    OK(gguf_writer_add_scalar(w, "t.f64", GGUF_TYPE_F64, &f64, &err));
    const int32_t ia[3] = {-1, 0, 7};
    const float fa[2] = {1.5f, -2.0f};
    const bool ba[3] = {true, false, true};
    OK(gguf_writer_add_arr(w, "a.i32", GGUF_TYPE_I32, ia, 3, &err));
    OK(gguf_writer_add_arr(w, "a.f32", GGUF_TYPE_F32, fa, 2, &err));
    OK(gguf_writer_add_arr(w, "a.bool", GGUF_TYPE_BOOL, ba, 3, &err));
    OK(gguf_writer_add_arr(w, "a.empty", GGUF_TYPE_U8, NULL, 0, &err));
    const char *strs[] = {"a", "", "\xc4\xa0 t"};
    OK(gguf_writer_add_str_arr(w, "a.str", strs, NULL, 3, &err));

    const int64_t ne_a[2] = {4, 3}, ne_b[1] = {5}, ne_c[2] = {8, 2};
    OK(gguf_writer_add_tensor(w, "a", TOLK_TYPE_F32, 2, ne_a, &err));
    OK(gguf_writer_add_tensor(w, "b", TOLK_TYPE_F32, 1, ne_b, &err));
    OK(gguf_writer_add_tensor(w, "c", TOLK_TYPE_F16, 2, ne_c, &err));
    ck_assert_uint_eq(gguf_writer_tensor_nbytes(w, 2), 32);
    OK(gguf_writer_begin_data(w, &err));
    float a[12], b[5];
    for (int i = 0; i < 12; i++)
        a[i] = (float)i - 5.5f;
    for (int i = 0; i < 5; i++)
        b[i] = 1.0f / (float)(i + 1);
    uint16_t c[16];
    for (int i = 0; i < 16; i++)
        c[i] = simd_f32_to_f16((float)i * 0.5f);
    /* Data may arrive in pieces that straddle tensors. */
    OK(gguf_writer_write(w, a, 20, &err));
    OK(gguf_writer_write(w, (uint8_t *)a + 20, 28, &err));
    OK(gguf_writer_write(w, b, sizeof b, &err));
    OK(gguf_writer_write(w, c, sizeof c, &err));
    ck_assert(!file_exists(path)); /* only the .part file exists before finish */
    OK(gguf_writer_finish(w, &err));
    gguf_writer_close(w);
}

START_TEST(test_roundtrip_values)
{
    make_tmpdir();
    const char *path = tmp_path("sample.gguf");
    write_sample(path, 0);
    tolk_error err = {0};
    gguf_file *f = gguf_open(path, &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_uint_eq(gguf_version(f), 3);
    ck_assert_uint_eq(gguf_kv_count(f), 17);
    uint64_t u; int64_t i; double d; bool bo; gguf_str s;
    ck_assert(gguf_get_uint(f, "t.u8", &u) && u == 200);
    ck_assert(gguf_get_int(f, "t.i8", &i) && i == -100);
    ck_assert(gguf_get_uint(f, "t.u16", &u) && u == 60000);
    ck_assert(gguf_get_int(f, "t.i16", &i) && i == -30000);
    ck_assert(gguf_get_uint(f, "t.u32", &u) && u == 4000000000u);
    ck_assert(gguf_get_int(f, "t.i32", &i) && i == -2000000000);
    ck_assert(gguf_get_float(f, "t.f32", &d) && d == 0.25);
    ck_assert(gguf_get_bool(f, "t.bool", &bo) && bo);
    ck_assert(gguf_get_str(f, "t.str", &s) && gguf_str_eq(s, "h\xc3\xa9llo"));
    ck_assert(gguf_get_uint(f, "t.u64", &u) && u == 18000000000000000000ull);
    ck_assert(gguf_get_int(f, "t.i64", &i) && i == -5000000000000ll);
    ck_assert(gguf_get_float(f, "t.f64", &d) && d == 3.141592653589793);
    ck_assert_uint_eq(gguf_find_kv(f, "t.u8")->value.type, GGUF_TYPE_U8);
    ck_assert_uint_eq(gguf_find_kv(f, "t.f64")->value.type, GGUF_TYPE_F64);

    const gguf_array *a = gguf_get_arr(f, "a.i32");
    ck_assert(a && a->type == GGUF_TYPE_I32 && a->n == 3);
    ck_assert(gguf_arr_int(a, 0) == -1 && gguf_arr_int(a, 2) == 7);
    a = gguf_get_arr(f, "a.f32");
    ck_assert(a && a->type == GGUF_TYPE_F32 && a->n == 2 && gguf_arr_float(a, 1) == -2.0);
    a = gguf_get_arr(f, "a.bool");
    ck_assert(a && a->type == GGUF_TYPE_BOOL && a->n == 3);
    ck_assert(gguf_arr_int(a, 0) == 1 && gguf_arr_int(a, 1) == 0);
    a = gguf_get_arr(f, "a.empty");
    ck_assert(a && a->type == GGUF_TYPE_U8 && a->n == 0);
    a = gguf_get_arr(f, "a.str");
    ck_assert(a && a->type == GGUF_TYPE_STRING && a->n == 3);
    ck_assert(gguf_str_eq(a->strs[0], "a") && a->strs[1].len == 0 && gguf_str_eq(a->strs[2], "\xc4\xa0 t"));
    gguf_close(f);
    remove_tmpdir();
}
END_TEST

/* Offsets, padding and data for the default alignment and a larger one. */
static void check_tensors(uint32_t alignment)
{
    make_tmpdir();
    const char *path = tmp_path("tensors.gguf");
    write_sample(path, alignment);
    uint64_t al = alignment ? alignment : 32;
    tolk_error err = {0};
    gguf_file *f = gguf_open(path, &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_uint_eq(gguf_alignment(f), al);
    ck_assert_uint_eq(gguf_data_offset(f) % al, 0);
    ck_assert_uint_eq(gguf_tensor_count(f), 3);
    const gguf_tensor *ta = gguf_find_tensor(f, "a"), *tb = gguf_find_tensor(f, "b"),
                      *tc = gguf_find_tensor(f, "c");
    ck_assert(ta && tb && tc);
    ck_assert_uint_eq(ta->file_offset, gguf_data_offset(f));
    ck_assert_uint_eq(tb->file_offset, gguf_data_offset(f) + (48 + al - 1) / al * al);
    ck_assert_uint_eq(tc->file_offset, tb->file_offset + (20 + al - 1) / al * al);
    ck_assert_uint_eq(gguf_file_size(f), tc->file_offset + (32 + al - 1) / al * al);
    ck_assert(ta->n_dims == 2 && ta->ne[0] == 4 && ta->ne[1] == 3 && ta->type == TOLK_TYPE_F32);
    ck_assert(tb->n_dims == 1 && tb->ne[0] == 5);
    ck_assert(tc->type == TOLK_TYPE_F16 && tc->nbytes == 32);
    const float *fa = ta->data, *fb = tb->data;
    for (int i = 0; i < 12; i++)
        ck_assert(fa[i] == (float)i - 5.5f);
    for (int i = 0; i < 5; i++)
        ck_assert(fb[i] == 1.0f / (float)(i + 1));
    const uint16_t *hc = tc->data;
    for (int i = 0; i < 16; i++)
        ck_assert(simd_f16_to_f32(hc[i]) == (float)i * 0.5f);
    /* The padding is zeros, as llama.cpp's writer leaves it. */
    size_t size;
    uint8_t *raw = slurp(path, &size);
    for (uint64_t p = tb->file_offset - (tb->file_offset - ta->file_offset - 48); p < tb->file_offset; p++)
        ck_assert_uint_eq(raw[p], 0);
    free(raw);
    gguf_close(f);
    remove_tmpdir();
}

START_TEST(test_tensors_default_alignment) { check_tensors(0); }
END_TEST

START_TEST(test_tensors_alignment_64) { check_tensors(64); }
END_TEST

/* Copies every key and tensor of SRC to DST through the writer. */
static void rewrite(const char *src, const char *dst)
{
    tolk_error err = {0};
    gguf_file *f = gguf_open(src, &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    gguf_writer *w = gguf_writer_open(dst, &err);
    ck_assert_ptr_nonnull(w);
    uint64_t align;
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_kv_at(f, i);
        char key[256];
        ck_assert_uint_lt(kv->key.len, sizeof key);
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        if (!strcmp(key, "general.alignment") && gguf_get_uint(f, key, &align))
            OK(gguf_writer_set_alignment(w, (uint32_t)align, &err));
        else
            ck_assert_msg(gguf_writer_add_value(w, key, &kv->value, &err) == TOLK_OK, "%s", err.msg);
    }
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        OK(gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, &err));
    }
    OK(gguf_writer_begin_data(w, &err));
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        OK(gguf_writer_write(w, t->data, (size_t)t->nbytes, &err));
    }
    ck_assert_msg(gguf_writer_finish(w, &err) == TOLK_OK, "%s", err.msg);
    gguf_writer_close(w);
    gguf_close(f);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *pa = slurp(a, &na), *pb = slurp(b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_msg(memcmp(pa, pb, na) == 0, "%s and %s differ", a, b);
    free(pa);
    free(pb);
}

START_TEST(test_rewrite_identical)
{
    make_tmpdir();
    char src[320];
    snprintf(src, sizeof src, "%s", tmp_path("src.gguf"));
    write_sample(src, 64);
    rewrite(src, tmp_path("copy.gguf"));
    assert_same_file(src, tmp_path("copy.gguf"));
    remove_tmpdir();
}
END_TEST

/* A vocabulary written by llama.cpp's tools (tokens, merges, template: every kind of value the
 * generator copies) comes out byte-identical apart from the trailing padding llama.cpp's C writer
 * adds after the infos even without tensors. */
START_TEST(test_rewrite_vocab)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/tokenizer/qwen2.gguf", testdata_dir());
    make_tmpdir();
    rewrite(src, tmp_path("vocab.gguf"));
    size_t na, nb;
    uint8_t *pa = slurp(src, &na), *pb = slurp(tmp_path("vocab.gguf"), &nb);
    ck_assert_uint_ge(nb, na);
    ck_assert_uint_lt(nb - na, 32);
    ck_assert(memcmp(pa, pb, na) == 0);
    for (size_t i = na; i < nb; i++)
        ck_assert_uint_eq(pb[i], 0);
    free(pa);
    free(pb);
    remove_tmpdir();
}
END_TEST

START_TEST(test_misuse_refused)
{
    make_tmpdir();
    const char *path = tmp_path("bad.gguf");
    tolk_error err = {0};
    gguf_writer *w = gguf_writer_open(path, &err);
    ck_assert_ptr_nonnull(w);
    OK(gguf_writer_add_u32(w, "k", 1, &err));
    ck_assert_int_eq(gguf_writer_add_u32(w, "k", 2, &err), TOLK_E_ARG);
    ck_assert_int_eq(gguf_writer_add_u32(w, "", 2, &err), TOLK_E_ARG);
    ck_assert_int_eq(gguf_writer_set_alignment(w, 48, &err), TOLK_E_ARG);
    const int64_t ne[2] = {32, 2}, ne_odd[1] = {33}, ne_zero[1] = {0};
    OK(gguf_writer_add_tensor(w, "t", TOLK_TYPE_Q8_0, 2, ne, &err));
    ck_assert_int_eq(gguf_writer_add_tensor(w, "t", TOLK_TYPE_F32, 2, ne, &err), TOLK_E_ARG);
    ck_assert_int_eq(gguf_writer_add_tensor(w, "q", TOLK_TYPE_Q8_0, 1, ne_odd, &err), TOLK_E_ARG);
    ck_assert_int_eq(gguf_writer_add_tensor(w, "z", TOLK_TYPE_F32, 1, ne_zero, &err), TOLK_E_ARG);
    ck_assert_int_eq(gguf_writer_add_tensor(w, "r", 4, 1, ne, &err), TOLK_E_ARG); /* removed type */
    ck_assert_int_eq(gguf_writer_add_tensor(w, "d", TOLK_TYPE_F32, 5, ne, &err), TOLK_E_ARG);
    char longname[80];
    memset(longname, 'x', 64);
    longname[64] = '\0';
    ck_assert_int_eq(gguf_writer_add_tensor(w, longname, TOLK_TYPE_F32, 1, ne, &err), TOLK_E_ARG);
    longname[63] = '\0';
    OK(gguf_writer_add_tensor(w, longname, TOLK_TYPE_F32, 1, ne, &err));
    ck_assert_int_eq(gguf_writer_set_alignment(w, 64, &err), TOLK_E_STATE);
    uint8_t buf[300] = {0};
    ck_assert_int_eq(gguf_writer_write(w, buf, 1, &err), TOLK_E_STATE); /* before begin_data */
    OK(gguf_writer_begin_data(w, &err));
    ck_assert_int_eq(gguf_writer_add_u32(w, "late", 1, &err), TOLK_E_STATE);
    OK(gguf_writer_write(w, buf, 68, &err));
    ck_assert_int_eq(gguf_writer_finish(w, &err), TOLK_E_STATE); /* second tensor incomplete */
    ck_assert_int_eq(gguf_writer_write(w, buf, 200, &err), TOLK_E_ARG); /* 128 fit, then too many */
    gguf_writer_close(w);
    ck_assert(!file_exists(path));
    char part[340];
    snprintf(part, sizeof part, "%s.part", path);
    ck_assert(!file_exists(part));
    ck_assert_ptr_null(gguf_writer_open("/nonexistent-dir/x.gguf", &err));
    ck_assert_int_eq(err.code, TOLK_E_IO);
    remove_tmpdir();
}
END_TEST

static Suite *gguf_write_suite(void)
{
    Suite *s = suite_create("gguf_write");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_roundtrip_values);
    tcase_add_test(tc, test_tensors_default_alignment);
    tcase_add_test(tc, test_tensors_alignment_64);
    tcase_add_test(tc, test_rewrite_identical);
    add_test_or_skip(tc, test_rewrite_vocab, need_testdata());
    tcase_add_test(tc, test_misuse_refused);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    test_isa_from_env();
    int failed = suite_failures(gguf_write_suite(), true);
    return skip_exit(failed);
}
