/* Language identification (serve_detect.h). Hand-written because the Debian candidates do not
 * fit: libexttextcat needs its fingerprint data files installed beside the binary, and cld2 is not
 * packaged as a C library; what the endpoints need is a small deterministic guess over the
 * languages tolk advertises.
 *
 * Non-Latin scripts decide by themselves (with the letters that separate Ukrainian, Serbian and
 * Bulgarian from Russian, Persian from Arabic, Japanese from Chinese). Latin text is scored per
 * language: each frequent word found votes 2, shared among the languages that list it, and each
 * accented letter votes 1, shared among the languages that use it. */
#include <stdint.h>
#include <string.h>

#include "serve_detect.h"

#define SCAN_BYTES 4096
#define MAX_WORD 48

/* Frequent words (lower case, UTF-8), space-separated. */
static const struct {
    const char *code, *words;
} latin_words[] = {
    {"en", "the and of to is in that it you for with this are was be have not on what my your i hello hi "
           "good morning thank thanks please where how we they will would there"},
    {"de", "der die das und ist nicht ich sie es ein eine zu mit den von wir auf für guten morgen danke "
           "bitte hallo ja wo wie dem des auch sind"},
    {"fr", "le la les et est un une des du je vous pas que qui dans pour bonjour merci oui au il nous ce "
           "où comment sont avec"},
    {"es", "el la los las y es un una que en no por con para está hola gracias buenos días muy yo del "
           "dónde cómo estás son"},
    {"it", "il lo la gli e è un una di che non per con sono ciao grazie buongiorno del della io sei mi "
           "dove come questo"},
    {"pt", "o a os as e é um uma de que não em para com obrigado obrigada olá bom dia você do da eu "
           "está onde como são"},
    {"nl", "de het een en is van niet ik je dat op te met voor zijn goedemorgen dank hallo wij we "
           "waar hoe bedankt"},
    {"sv", "och är det att en som inte jag på med för av till hej tack god morgon du vi har var hur"},
    {"da", "og er det at en som ikke jeg på med for af til hej tak god morgen du vi har hvor hvordan"},
    {"nb", "og er det at en som ikke jeg på med for av til hei takk god morgen du vi har hvor hvordan"},
    {"fi", "ja on ei se että hän minä sinä olen kiitos hyvää huomenta tämä mutta kun ovat oli missä "
           "miten"},
    {"et", "ja on ei see et ma sa mina sina aitäh tere hommikust kui aga oli ka kus kuidas"},
    {"pl", "i w nie jest to się na że z do dzień dobry dziękuję tak co jak ja ty gdzie"},
    {"cs", "a je to se na že v s jsem není dobré ráno děkuji ano ne jak já ty kde"},
    {"sk", "a je to sa na že v s som nie dobré ráno ďakujem áno ako ja ty kde"},
    {"sl", "in je da se na v ne to z sem dobro jutro hvala ja kako kje"},
    {"hr", "i je da se na u ne to s sam dobro jutro hvala kako što gdje"},
    {"sr", "i je da se na u ne to sam hvala kako šta gde"},
    {"hu", "a az és hogy nem egy is van jó reggelt köszönöm igen ez mi te hol"},
    {"ro", "și este un o în nu cu pe la că bună dimineața mulțumesc da sunt eu unde"},
    {"tr", "ve bir bu da de için ne ben sen değil merhaba teşekkürler günaydın evet çok nerede nasıl"},
    {"lt", "ir yra ne kad su į aš tu labas ačiū rytas taip kur kaip"},
    {"lv", "un ir ne ka ar uz es tu labrīt paldies jā sveiki kur kā"},
    {"ca", "el la els les i és un una de que no amb per bon dia gràcies hola sí jo on com"},
    {"gl", "o a os as e é un unha de que non con para bo día grazas ola eu onde como"},
    {"id", "dan yang di ini itu tidak saya anda dengan untuk selamat pagi terima kasih ya apa di mana"},
    {"vi", "là và của có không tôi bạn một những chào cảm ơn này được ở đâu"},
};
#define N_LATIN (sizeof latin_words / sizeof latin_words[0])

/* Accented letters (lower case) and the languages that write them. */
static const struct {
    uint32_t cp;
    const char *langs;
} latin_marks[] = {
    {0xDF, "de"},          {0xE4, "de sv fi et sk"}, {0xF6, "de sv fi et hu tr"}, {0xFC, "de et hu tr"},
    {0xE5, "sv da nb"},    {0xE6, "da nb"},          {0xF8, "da nb"},             {0xF5, "et pt"},
    {0xE9, "fr es it pt ca gl cs sk hu"},            {0xE8, "fr it ca"},          {0xEA, "fr pt vi"},
    {0xE0, "fr it ca pt"}, {0xE7, "fr pt ca tr"},    {0xF9, "fr it"},             {0x153, "fr"},
    {0xEB, "fr"},          {0xEE, "fr ro"},          {0xF4, "fr pt sk vi"},       {0xF1, "es gl"},
    {0xE1, "es pt ca gl cs sk hu"},                  {0xED, "es ca gl cs sk hu"}, {0xF3, "es pt ca gl pl hu"},
    {0xFA, "es ca gl cs sk hu"},                     {0xBF, "es"},                {0xA1, "es"},
    {0xEC, "it"},          {0xF2, "it ca"},          {0xE3, "pt"},                {0xE2, "pt ro vi"},
    {0xEF, "ca"},          {0x105, "pl lt"},         {0x107, "pl hr sr"},         {0x119, "pl lt"},
    {0x142, "pl"},         {0x144, "pl"},            {0x15B, "pl"},               {0x17A, "pl"},
    {0x17C, "pl"},         {0x159, "cs"},            {0x11B, "cs"},               {0x16F, "cs"},
    {0x10D, "cs sk sl hr sr lt lv"},                 {0x161, "cs sk sl hr sr lt lv"},
    {0x17E, "cs sk sl hr sr lt lv"},                 {0xFD, "cs sk"},             {0x13E, "sk"},
    {0x13A, "sk"},         {0x155, "sk"},            {0x10F, "cs sk"},            {0x165, "cs sk"},
    {0x148, "cs sk"},      {0x111, "hr sr vi"},      {0x151, "hu"},               {0x171, "hu"},
    {0x219, "ro"},         {0x21B, "ro"},            {0x15F, "ro tr"},            {0x163, "ro"},
    {0x103, "ro vi"},      {0x11F, "tr"},            {0x131, "tr"},               {0x117, "lt"},
    {0x12F, "lt"},         {0x173, "lt"},            {0x16B, "lt lv"},            {0x101, "lv"},
    {0x113, "lv"},         {0x12B, "lv"},            {0x137, "lv"},               {0x13C, "lv"},
    {0x146, "lv"},         {0x123, "lv"},            {0x1A1, "vi"},               {0x1B0, "vi"},
};
#define N_MARKS (sizeof latin_marks / sizeof latin_marks[0])

/* Next code point of S[*i..n), advancing *i; invalid bytes give 0xFFFD. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[(*i)++];
    if (c < 0x80)
        return c;
    int more = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (more < 0 || *i + (size_t)more > n)
        return 0xFFFD;
    uint32_t cp = c & (0x3F >> more);
    for (int k = 0; k < more; k++) {
        if ((s[*i] & 0xC0) != 0x80)
            return 0xFFFD;
        cp = cp << 6 | (s[(*i)++] & 0x3F);
    }
    return cp;
}

static int is_latin_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
           (c >= 0x1E00 && c <= 0x1EFF);
}

/* Lower case for the Latin letters above (Latin-1, Extended-A's pairs, Romanian's comma letters,
 * Vietnamese). */
static uint32_t latin_lower(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 0x20;
    if (c == 0x130) /* Turkish dotted capital I */
        return 'i';
    if (c == 0x178)
        return 0xFF;
    int pairs_even = (c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) || (c >= 0x218 && c <= 0x21B) ||
                     (c >= 0x1E00 && c <= 0x1EFF);
    if (pairs_even && c % 2 == 0)
        return c + 1;
    int pairs_odd = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (pairs_odd && c % 2 == 1)
        return c + 1;
    if (c == 0x1A0 || c == 0x1AF) /* Vietnamese horn letters */
        return c + 1;
    return c;
}

static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | c >> 12);
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
}

/* Whether the space-separated LIST holds WORD. */
static int list_has(const char *list, const char *word, size_t n)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !memcmp(p, word, n))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static size_t list_count(const char *list)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ' ';
    return n;
}

static void score_word(const char *w, size_t n, double *score)
{
    size_t hits = 0;
    for (size_t l = 0; l < N_LATIN; l++)
        hits += (size_t)list_has(latin_words[l].words, w, n);
    for (size_t l = 0; hits && l < N_LATIN; l++)
        if (list_has(latin_words[l].words, w, n))
            score[l] += 2.0 / (double)hits;
}

static void score_mark(uint32_t c, double *score)
{
    for (size_t m = 0; m < N_MARKS; m++)
        if (latin_marks[m].cp == c) {
            const char *langs = latin_marks[m].langs;
            double share = 1.0 / (double)list_count(langs);
            for (size_t l = 0; l < N_LATIN; l++)
                if (list_has(langs, latin_words[l].code, strlen(latin_words[l].code)))
                    score[l] += share;
            return;
        }
}

/* Script classes counted over the text. */
enum { S_LATIN, S_CYRILLIC, S_GREEK, S_ARABIC, S_HEBREW, S_DEVANAGARI, S_THAI, S_HANGUL, S_KANA, S_HAN, N_SCRIPTS };

static int script_of(uint32_t c)
{
    if (is_latin_letter(c))
        return S_LATIN;
    if (c >= 0x400 && c <= 0x4FF)
        return S_CYRILLIC;
    if (c >= 0x370 && c <= 0x3FF)
        return S_GREEK;
    if ((c >= 0x600 && c <= 0x6FF) || (c >= 0xFB50 && c <= 0xFEFF))
        return S_ARABIC;
    if (c >= 0x590 && c <= 0x5FF)
        return S_HEBREW;
    if (c >= 0x900 && c <= 0x97F)
        return S_DEVANAGARI;
    if (c >= 0xE00 && c <= 0xE7F)
        return S_THAI;
    if ((c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F))
        return S_HANGUL;
    if (c >= 0x3040 && c <= 0x30FF)
        return S_KANA;
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF))
        return S_HAN;
    return -1;
}

static size_t one(sd_guess *out, const char *code, double confidence)
{
    out[0].code = code;
    out[0].confidence = confidence;
    return 1;
}

size_t sd_detect(const char *text, size_t len, sd_guess *out, size_t max)
{
    if (!max)
        return 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = len < SCAN_BYTES ? len : SCAN_BYTES;
    size_t count[N_SCRIPTS] = {0}, letters = 0;
    size_t uk = 0, sr = 0, bg_hard = 0, ru_only = 0, fa = 0;
    double score[N_LATIN] = {0};
    char word[MAX_WORD + 4];
    size_t wlen = 0;
    int word_ok = 1;
    for (size_t i = 0; i < n;) {
        uint32_t c = next_cp(s, n, &i);
        int sc = script_of(c);
        if (sc == S_LATIN) {
            uint32_t lc = latin_lower(c);
            score_mark(lc, score);
            if (wlen + 4 <= MAX_WORD)
                wlen += put_utf8(word + wlen, lc);
            else
                word_ok = 0;
        } else {
            if (wlen && word_ok)
                score_word(word, wlen, score);
            wlen = 0;
            word_ok = 1;
        }
        if (sc >= 0) {
            count[sc]++;
            letters++;
        }
        if (sc == S_CYRILLIC) {
            uk += c == 0x456 || c == 0x457 || c == 0x454 || c == 0x491 || c == 0x406 || c == 0x407 || c == 0x404;
            sr += c == 0x452 || c == 0x458 || c == 0x459 || c == 0x45A || c == 0x45B || c == 0x45F || c == 0x408;
            bg_hard += c == 0x44A;
            ru_only += c == 0x44B || c == 0x44D || c == 0x451;
        }
        fa += c == 0x67E || c == 0x686 || c == 0x698 || c == 0x6AF || c == 0x6A9 || c == 0x6CC;
    }
    if (wlen && word_ok)
        score_word(word, wlen, score);
    if (!letters)
        return one(out, "en", 0);
    int best = 0;
    for (int k = 1; k < N_SCRIPTS; k++)
        if (count[k] > count[best])
            best = k;
    double share = 100.0 * (double)count[best] / (double)letters;
    switch (best) {
    case S_CYRILLIC:
        return one(out, uk ? "uk" : sr ? "sr" : bg_hard && !ru_only ? "bg" : "ru", share);
    case S_GREEK:
        return one(out, "el", share);
    case S_ARABIC:
        return one(out, fa ? "fa" : "ar", share);
    case S_HEBREW:
        return one(out, "he", share);
    case S_DEVANAGARI:
        return one(out, "hi", share);
    case S_THAI:
        return one(out, "th", share);
    case S_HANGUL:
        return one(out, "ko", share);
    case S_KANA:
        return one(out, "ja", share);
    case S_HAN:
        return one(out, count[S_KANA] ? "ja" : "zh", share);
    default:
        break;
    }
    double total = 0;
    for (size_t l = 0; l < N_LATIN; l++)
        total += score[l];
    if (total <= 0)
        return one(out, "en", 0);
    size_t got = 0;
    int used[N_LATIN] = {0};
    while (got < max) {
        size_t b = N_LATIN;
        for (size_t l = 0; l < N_LATIN; l++)
            if (!used[l] && score[l] > 0 && (b == N_LATIN || score[l] > score[b]))
                b = l;
        if (b == N_LATIN)
            break;
        used[b] = 1;
        out[got].code = latin_words[b].code;
        out[got].confidence = 100.0 * score[b] / total;
        got++;
    }
    return got;
}
