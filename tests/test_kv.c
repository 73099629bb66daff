/* Tests for runtime/forward/kv.c: values read back in both formats, roll back keeps earlier positions,
 * running out of positions is an error that leaves the cache usable, bad setups are refused. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "simd.h"
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

int main(void)
{
    test_isa_from_env();
    Suite *s = suite_create("kv");
    TCase *tc = tcase_create("kv");
    tcase_add_test(tc, f16_roundtrip);
    tcase_add_test(tc, q8_0_roundtrip);
    tcase_add_test(tc, rollback_and_full_context);
    tcase_add_test(tc, bad_setups_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
