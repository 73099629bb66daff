/* Tests for the language identification of `tolk serve` (serve/serve_detect.c): each script's
 * languages, Latin languages from their frequent words and accented letters, the order and range
 * of the confidences, and text with no evidence (digits, unknown words, invalid UTF-8). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "serve_detect.h"
#include "suite_run.h"

static void expect(const char *text, const char *code)
{
    sd_guess g[3];
    size_t n = sd_detect(text, strlen(text), g, 3);
    ck_assert_uint_ge(n, 1);
    ck_assert_msg(!strcmp(g[0].code, code), "'%s': %s (%.1f), want %s", text, g[0].code, g[0].confidence, code);
    ck_assert_msg(g[0].confidence > 0 && g[0].confidence <= 100, "'%s': confidence %.1f", text, g[0].confidence);
    for (size_t i = 1; i < n; i++)
        ck_assert(g[i].confidence <= g[i - 1].confidence);
}

START_TEST(scripts)
{
    expect("Привет, как дела? Это мой дом.", "ru");
    expect("Привіт, як справи? Це мій дім.", "uk");
    expect("Здраво, како си? Ово је моја кућа.", "sr");
    expect("Здравей, как си? Това е моята къща.", "bg");
    expect("Καλημέρα, τι κάνεις;", "el");
    expect("مرحبا كيف حالك", "ar");
    expect("سلام، حال شما چطور است؟", "fa");
    expect("שלום, מה שלומך?", "he");
    expect("नमस्ते, आप कैसे हैं?", "hi");
    expect("สวัสดีครับ", "th");
    expect("안녕하세요, 잘 지내세요?", "ko");
    expect("こんにちは、お元気ですか？", "ja");
    expect("今日は天気がいいですね", "ja");
    expect("你好，你今天怎么样？", "zh");
}
END_TEST

START_TEST(latin)
{
    expect("The weather is nice today and I have a lot of work.", "en");
    expect("Good morning", "en");
    expect("Guten Morgen, wie geht es dir?", "de");
    expect("Die Straße ist nicht weit von hier.", "de");
    expect("Bonjour, comment allez-vous ? Je suis très content.", "fr");
    expect("Buenos días, ¿cómo estás? Muy bien, gracias.", "es");
    expect("Buongiorno, come stai? Sono molto felice.", "it");
    expect("Bom dia, você está bem? Não sei onde está.", "pt");
    expect("Goedemorgen, hoe gaat het met je? Ik ben niet moe.", "nl");
    expect("Hej, jag är inte hemma och det är kallt.", "sv");
    expect("Dzień dobry, jak się masz? Nie wiem, gdzie to jest.", "pl");
    expect("Dobré ráno, jak se máš? Děkuji, já jsem v pořádku.", "cs");
    expect("Jó reggelt, köszönöm szépen, hogy itt vagy.", "hu");
    expect("Bună dimineața, mulțumesc că ești aici.", "ro");
    expect("Merhaba, bu çok güzel bir gün değil mi?", "tr");
    expect("Xin chào, tôi là sinh viên và bạn của tôi ở đâu?", "vi");
    expect("Selamat pagi, terima kasih untuk ini dan itu.", "id");
    expect("GOOD MORNING AND THANK YOU", "en");
}
END_TEST

START_TEST(no_evidence)
{
    static const char *texts[] = {"", "12345 !!! ???", "Xqzt vrrk", "\xff\xfe\xfd"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        sd_guess g[2];
        ck_assert_uint_eq(sd_detect(texts[i], strlen(texts[i]), g, 2), 1);
        ck_assert_str_eq(g[0].code, "en");
        ck_assert(g[0].confidence == 0);
    }
    sd_guess g;
    ck_assert_uint_eq(sd_detect("hola", 4, &g, 0), 0);
    /* Only the first 4 KiB count: German after 5000 bytes of English words stays English. */
    size_t n = 5000 + 40;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < 5000; i += 4)
        memcpy(big + i, "the ", 4);
    strcpy(big + 5000, " und der die das nicht ich sie");
    ck_assert_uint_eq(sd_detect(big, strlen(big), &g, 1), 1);
    ck_assert_str_eq(g.code, "en");
    free(big);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_detect");
    TCase *tc = tcase_create("detect");
    tcase_add_test(tc, scripts);
    tcase_add_test(tc, latin);
    tcase_add_test(tc, no_evidence);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
