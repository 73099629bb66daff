/* Sentence segmentation, SRX style: a break rule (sentence punctuation, closing quotes and
 * brackets, whitespace, then something that can start a sentence) and exception rules that veto it
 * (an abbreviation of the source language before the period, a single initial, an ordinal number
 * in languages that write "3. Oktober", a lower-case continuation). CJK full stops break without
 * whitespace. Breaks never fall inside an inline code or between a pair of codes. */
#include <config.h>

#include <string.h>
#include <strings.h>

#include "sentences.h"

typedef struct lang_abbrevs {
    const char *lang;   /* ISO 639-1 code */
    const char *words;  /* space-separated, without their final period, case as written */
    int ordinals;       /* "3. Oktober": a number before the period does not end a sentence */
} lang_abbrevs;

static const lang_abbrevs abbrevs[] = {
    {"en", "Mr Mrs Ms Dr Prof Sr Jr St Mt vs etc e.g i.e approx appt dept est fig min max misc no No Nos "
           "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Inc Ltd Co Corp Gen Col Lt Sgt Rev Hon U.S U.K "
           "a.m p.m cf al ca vol Vol pp p ed eds", 0},
    {"de", "Dr Prof Hr Hrn Fr Frl Nr Str bzw ca usw vgl z.B z. B d.h d. h u.a u. a s.o s.u o.g evtl ggf inkl "
           "exkl Jh Mio Mrd Tsd zzgl abzgl Abb Abs Aufl Bd bspw etc Jan Feb Mär Apr Jun Jul Aug Sep Sept Okt Nov "
           "Dez Mo Di Mi Do Fr Sa So St usf v.a", 1},
    {"fr", "M MM Mme Mmes Mlle Dr Pr av apr J.-C etc cf env ex p pp vol c.-à-d janv févr avr juil sept oct nov "
           "déc St Ste", 0},
    {"es", "Sr Sra Srta Dr Dra Ud Uds Vd Vds etc p.ej pág págs núm aprox ej cap vol ene feb mar abr jun jul "
           "ago sep sept oct nov dic Av Avda", 0},
    {"it", "Sig Sigg Sig.ra Dott Dr Prof Ing Avv ecc es pag pagg cap vol ca gen feb mar apr giu lug ago set "
           "ott nov dic S.p.A", 0},
    {"pt", "Sr Sra Srta Dr Dra Prof etc ex pág págs p.ex aprox cap vol jan fev mar abr jun jul ago set out "
           "nov dez Av", 0},
    {"nl", "dhr mevr mw dr prof ir ing bijv bv d.w.z m.a.w enz etc o.a i.p.v z.g.a.n jan feb mrt apr jun "
           "jul aug sep sept okt nov dec nr blz", 1},
    {"pl", "np tzn itd itp dr prof mgr inż ul al nr str tj ok godz min r w tys mln mld płk gen", 1},
    {"ru", "г гг т.е т.к т.д т.п др пр см стр рис им ул д кв млн млрд тыс руб коп", 0},
    {"sv", "t.ex bl.a m.fl m.m osv dvs s.k ca nr kl fr.o.m t.o.m", 1},
    {"da", "f.eks bl.a osv mv ca nr kl dvs", 1},
    {"nb", "f.eks bl.a osv mv ca nr kl dvs", 1},
    {"fi", "esim ks mm ns nk jne yms eKr jKr", 1},
    {"cs", "např tzv atd apod resp tj př ing mgr dr", 1},
    {"tr", "Dr Prof Doç vb vs bkz örn", 1},
    {NULL, NULL, 0},
};

static const lang_abbrevs *find_lang(const char *lang)
{
    if (!lang)
        return NULL;
    for (int i = 0; abbrevs[i].lang; i++)
        if (!strncasecmp(lang, abbrevs[i].lang, 2) && (!lang[2] || lang[2] == '-' || lang[2] == '_'))
            return &abbrevs[i];
    /* English names as tolk accepts them */
    static const char *const names[][2] = {{"english", "en"}, {"german", "de"}, {"french", "fr"},
                                           {"spanish", "es"}, {"italian", "it"}, {"portuguese", "pt"},
                                           {"dutch", "nl"}, {"polish", "pl"}, {"russian", "ru"},
                                           {"swedish", "sv"}, {"danish", "da"}, {"norwegian", "nb"},
                                           {"finnish", "fi"}, {"czech", "cs"}, {"turkish", "tr"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(lang, names[i][0]))
            return find_lang(names[i][1]);
    return NULL;
}

static int in_list(const char *list, const char *w, size_t n)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !memcmp(p, w, n))
            return 1;
        p += k + (e != NULL);
    }
    return 0;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_upper_start(const unsigned char *p, size_t n)
{
    if (!n)
        return 0;
    if (p[0] >= 'A' && p[0] <= 'Z')
        return 1;
    if (p[0] >= '0' && p[0] <= '9')
        return 1;
    if (strchr("\"'([¿¡", p[0]) && p[0])
        return 1;
    if (p[0] >= 0xc3 && p[0] <= 0xd4 && n > 1) {
        /* Latin-1 / Latin Extended-A / Greek / Cyrillic capitals (a rough test: the first byte
         * ranges where upper-case letters live, lower-case ones in the same block excluded) */
        unsigned cp = ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
        if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
            return 1;
        if (cp >= 0x100 && cp <= 0x17f)
            return !(cp & 1);
        if ((cp >= 0x391 && cp <= 0x3a9) || (cp >= 0x400 && cp <= 0x42f))
            return 1;
    }
    if (n >= 3 && !memcmp(p, "\xe2\x80\x9c", 3)) /* “ */
        return 1;
    if (n >= 2 && (!memcmp(p, "\xc2\xab", 2) || !memcmp(p, "\xc2\xbf", 2) || !memcmp(p, "\xc2\xa1", 2)))
        return 1; /* « ¿ ¡ */
    return 0;
}

/* Whether the word ending at END (the period's position) vetoes a break. */
static int vetoed(const char *t, size_t start, size_t end, const lang_abbrevs *la)
{
    size_t b = end;
    while (b > start && !is_space((unsigned char)t[b - 1]) && !strchr("([\"'", t[b - 1]))
        b--;
    size_t n = end - b;
    if (n == 0)
        return 0;
    if (n == 1 && t[b] >= 'A' && t[b] <= 'Z')
        return 1; /* an initial: "J. Smith" */
    int digits = 1;
    for (size_t i = b; i < end; i++)
        digits &= t[i] >= '0' && t[i] <= '9';
    if (digits && la && la->ordinals)
        return 1;
    if (la)
        return in_list(la->words, t + b, n);
    for (int i = 0; abbrevs[i].lang; i++)
        if (in_list(abbrevs[i].words, t + b, n))
            return 1;
    return 0;
}

size_t sentence_breaks(const char *text, size_t len, const char *lang, const fmt_code *codes, size_t n_codes,
                       size_t *breaks, size_t max)
{
    const lang_abbrevs *la = find_lang(lang);
    size_t n = 0, ci = 0;
    int open = 0; /* paired codes open at this point */
    for (size_t i = 0; i < len && n < max; i++) {
        while (ci < n_codes && codes[ci].end <= i) {
            if (codes[ci].pair >= 0)
                open += codes[ci].opens ? 1 : -1;
            ci++;
        }
        if (ci < n_codes && codes[ci].start <= i)
            continue; /* inside a code */
        const unsigned char *p = (const unsigned char *)text + i;
        size_t left = len - i, after;
        int cjk = left >= 3 && (!memcmp(p, "\xe3\x80\x82", 3) || !memcmp(p, "\xef\xbc\x81", 3) ||
                                !memcmp(p, "\xef\xbc\x9f", 3));
        if (cjk) {
            after = i + 3;
        } else if (*p == '.' || *p == '!' || *p == '?' || (left >= 3 && !memcmp(p, "\xe2\x80\xa6", 3))) {
            after = i + (*p == 0xe2 ? 3 : 1);
            while (after < len && strchr(".!?", text[after]) && text[after])
                after++;
        } else {
            continue;
        }
        /* closing quotes and brackets belong to the sentence */
        for (;;) {
            if (after < len && strchr("\"')]", text[after]) && text[after])
                after++;
            else if (after + 3 <= len && (!memcmp(text + after, "\xe2\x80\x9d", 3) ||
                                          !memcmp(text + after, "\xe2\x80\x99", 3)))
                after += 3;
            else if (after + 2 <= len && !memcmp(text + after, "\xc2\xbb", 2))
                after += 2;
            else
                break;
        }
        size_t next = after;
        if (!cjk) {
            while (next < len && is_space((unsigned char)text[next]))
                next++;
            if (next == after || next >= len)
                continue;
            if (!is_upper_start((const unsigned char *)text + next, len - next))
                continue;
            if (*p == '.' && vetoed(text, 0, i, la))
                continue;
        } else {
            while (next < len && is_space((unsigned char)text[next]))
                next++;
            if (next >= len)
                continue;
        }
        if (open > 0)
            continue; /* inside <b>...</b>: the pair stays in one piece */
        /* the next sentence must not start inside a code */
        int inside = 0;
        for (size_t k = ci; k < n_codes && codes[k].start < next; k++)
            inside |= codes[k].start < next && codes[k].end > next && codes[k].start != next;
        if (inside)
            continue;
        breaks[n++] = next;
        i = next - 1;
    }
    return n;
}
