/* Tests for runtime/forward/kv.c: values read back in both formats, roll back keeps earlier positions,
 * running out of positions is an error that leaves the cache usable, bad setups are refused; layers of
 * different widths each get rows of their own width and never overwrite each other. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "simd.h"
#include "suite_run.h"
#include "test_isa.h"

static void fill(float *x, int n, int seed)
{
    for (int i = 0; i < n; i++)
        x[i] = sinf((float)(i * 7 + seed * 13)) * 2.0f;
}

static void check_roundtrip(uint32_t type, float tol)
{
    kv_cache kv;
    tolk_error err = {0};
    ck_assert_int_eq(kv_init(&kv, type, 8, 2, 2, 64, 32, &err), TOLK_OK);
    ck_assert_int_eq(kv.k_width, 128);
    ck_assert_int_eq(kv.v_width, 64);
    float k[128], v[64], back[128];
    for (int pos = 0; pos < 3; pos++) {
        fill(k, 128, pos);
        fill(v, 64, pos + 100);
        kv_store(&kv, 1, pos, k, v);
    }
    kv_commit(&kv, 3);
    ck_assert_int_eq(kv.n, 3);
    fill(k, 128, 2);
    fill(v, 64, 102);
    ck_assert(simd_dequantize_row(type, kv_k_row(&kv, 1, 2), back, 128));
    for (int i = 0; i < 128; i++)
        ck_assert_msg(fabsf(back[i] - k[i]) <= tol, "k[%d]: %g vs %g", i, back[i], k[i]);
    ck_assert(simd_dequantize_row(type, kv_v_row(&kv, 1, 2), back, 64));
    for (int i = 0; i < 64; i++)
        ck_assert_msg(fabsf(back[i] - v[i]) <= tol, "v[%d]: %g vs %g", i, back[i], v[i]);
    kv_free(&kv);
}

START_TEST(f16_roundtrip)
{
    check_roundtrip(TOLK_TYPE_F16, 2e-3f);
}
END_TEST

START_TEST(q8_0_roundtrip)
{
    check_roundtrip(TOLK_TYPE_Q8_0, 2.0f / 127.0f);
}
END_TEST

START_TEST(rollback_and_full_context)
{
    kv_cache kv;
    tolk_error err = {0};
    ck_assert_int_eq(kv_init(&kv, TOLK_TYPE_F16, 4, 1, 1, 32, 32, &err), TOLK_OK);
    ck_assert_int_eq(kv_check_room(&kv, 4, &err), TOLK_OK);
    kv_commit(&kv, 3);
    ck_assert_int_eq(kv_check_room(&kv, 2, &err), TOLK_E_STATE);
    ck_assert_msg(strstr(err.msg, "context full") != NULL, "%s", err.msg);
    ck_assert_int_eq(kv_check_room(&kv, 1, &err), TOLK_OK);
    ck_assert_int_eq(kv_rollback(&kv, 1, &err), TOLK_OK);
    ck_assert_int_eq(kv.n, 1);
    ck_assert_int_eq(kv_check_room(&kv, 3, &err), TOLK_OK);
    ck_assert_int_eq(kv_rollback(&kv, 2, &err), TOLK_E_ARG); /* cannot roll forward */
    ck_assert_int_eq(kv_rollback(&kv, -1, &err), TOLK_E_ARG);
    ck_assert_int_eq(kv_rollback(&kv, 0, &err), TOLK_OK);
    ck_assert_int_eq(kv.n, 0);
    kv_free(&kv);
}
END_TEST

START_TEST(bad_setups_refused)
{
    kv_cache kv;
    tolk_error err = {0};
    ck_assert_int_eq(kv_init(&kv, TOLK_TYPE_Q8_0, 4, 1, 1, 48, 48, &err), TOLK_E_UNSUPPORTED);
    ck_assert_int_eq(kv_init(&kv, TOLK_TYPE_Q4_0, 4, 1, 1, 32, 32, &err), TOLK_E_ARG);
    ck_assert_int_eq(kv_init(&kv, TOLK_TYPE_F16, 0, 1, 1, 32, 32, &err), TOLK_E_ARG);
    ck_assert_int_eq(kv_type_from_name("F16"), TOLK_TYPE_F16);
    ck_assert_int_eq(kv_type_from_name("q8_0"), TOLK_TYPE_Q8_0);
    ck_assert_int_eq(kv_type_from_name("q4_0"), -1);
}
END_TEST

/* gemma4-like: a narrow sliding layer (2 KV heads of 32), a wide global one (1 head of 64, values
 * 64) and another narrow one. Rows take exactly their layer's width, writes to one layer leave the
 * others' rows alone, and the clone (kv_init_like) has the same layout. */
START_TEST(per_layer_widths)
{
    static const int64_t heads[3] = {2, 1, 4}, hd[3] = {32, 64, 32}, hdv[3] = {32, 64, 16};
    for (int q8 = 0; q8 < 2; q8++) {
        const uint32_t type = q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16;
        kv_cache kv, like;
        tolk_error err = {0};
        if (q8) { /* q8_0 needs head sizes of whole blocks: 16 is refused with the sizes named */
            ck_assert_int_eq(kv_init_layers(&kv, type, 5, 3, heads, hd, hdv, &err), TOLK_E_UNSUPPORTED);
            ck_assert_msg(strstr(err.msg, "32 and 16") != NULL, "%s", err.msg);
        }
        static const int64_t hdv32[3] = {32, 64, 32};
        const int64_t *vdim = q8 ? hdv32 : hdv;
        ck_assert_int_eq(kv_init_layers(&kv, type, 5, 3, heads, hd, vdim, &err), TOLK_OK);
        size_t want = 0;
        for (int il = 0; il < 3; il++) {
            ck_assert_int_eq(kv.layer[il].k_width, heads[il] * hd[il]);
            ck_assert_int_eq(kv.layer[il].v_width, heads[il] * vdim[il]);
            ck_assert_uint_eq(kv_k_stride(&kv, il), simd_row_bytes(type, heads[il] * hd[il]));
            ck_assert_uint_eq(kv_v_stride(&kv, il), simd_row_bytes(type, heads[il] * vdim[il]));
            want += 5 * (kv_k_stride(&kv, il) + kv_v_stride(&kv, il));
        }
        ck_assert_uint_eq(kv.bytes, want); /* no layer padded to the widest */
        ck_assert_int_eq(kv.k_width, 128);
        float k[128], v[128], back[128];
        for (int pos = 0; pos < 5; pos++)
            for (int il = 0; il < 3; il++) {
                fill(k, 128, pos * 3 + il);
                fill(v, 128, pos * 3 + il + 50);
                kv_store(&kv, il, pos, k, v);
            }
        kv_commit(&kv, 5);
        const float tol = q8 ? 2.0f / 127.0f : 2e-3f;
        for (int pos = 0; pos < 5; pos++)
            for (int il = 0; il < 3; il++) {
                const int64_t kw = kv.layer[il].k_width, vw = kv.layer[il].v_width;
                fill(k, 128, pos * 3 + il);
                fill(v, 128, pos * 3 + il + 50);
                ck_assert(simd_dequantize_row(type, kv_k_row(&kv, il, pos), back, kw));
                for (int64_t i = 0; i < kw; i++)
                    ck_assert_msg(fabsf(back[i] - k[i]) <= tol, "layer %d pos %d k[%lld]", il, pos, (long long)i);
                ck_assert(simd_dequantize_row(type, kv_v_row(&kv, il, pos), back, vw));
                for (int64_t i = 0; i < vw; i++)
                    ck_assert_msg(fabsf(back[i] - v[i]) <= tol, "layer %d pos %d v[%lld]", il, pos, (long long)i);
            }
        ck_assert_int_eq(kv_init_like(&like, &kv, 7, &err), TOLK_OK);
        ck_assert_int_eq(like.n_ctx, 7);
        ck_assert_int_eq(like.n, 0);
        for (int il = 0; il < 3; il++) {
            ck_assert_int_eq(like.layer[il].k_width, kv.layer[il].k_width);
            ck_assert_int_eq(like.layer[il].v_width, kv.layer[il].v_width);
        }
        ck_assert_uint_eq(like.bytes, want / 5 * 7);
        kv_free(&like);
        kv_free(&kv);
    }
}
END_TEST

int main(void)
{
    test_isa_from_env();
    Suite *s = suite_create("kv");
    TCase *tc = tcase_create("kv");
    tcase_add_test(tc, f16_roundtrip);
    tcase_add_test(tc, q8_0_roundtrip);
    tcase_add_test(tc, rollback_and_full_context);
    tcase_add_test(tc, bad_setups_refused);
    tcase_add_test(tc, per_layer_widths);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
