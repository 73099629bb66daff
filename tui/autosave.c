/* Autosave and session export. The autosave file is length-prefixed (any bytes survive a round
 * trip) and written to a temporary file renamed over the old one, so a kill -9 at any moment
 * leaves either the previous or the new state, never half of one. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"

#define AUTOSAVE_MAGIC "tolk-tui-autosave 1"
#define AUTOSAVE_MAX_FIELD (64u << 20) /* refuse absurd lengths from a damaged file */

/* mkdir -p for the folders of PATH (the last component is a file). */
static int make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc && errno != EEXIST)
            return -1;
    }
    return 0;
}

int autosave_path(char *out, size_t outsize)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, outsize, "%s/tolk/autosave.txt", xdg);
    else if (home && *home)
        n = snprintf(out, outsize, "%s/.local/state/tolk/autosave.txt", home);
    else
        return -1;
    if (n < 0 || (size_t)n >= outsize)
        return -1;
    return make_parents(out);
}

static void put_field(FILE *f, const char *tag, const char *s, size_t len)
{
    fprintf(f, "%s %zu\n", tag, len);
    fwrite(s, 1, len, f);
    fputc('\n', f);
}

int autosave_write(const char *path, const char *from, const char *to, const char *src, size_t src_len,
                   const char *tgt, const tui_history *h)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    fprintf(f, "%s\nfrom %s\nto %s\n", AUTOSAVE_MAGIC, from, to);
    put_field(f, "source", src, src_len);
    put_field(f, "target", tgt ? tgt : "", tgt ? strlen(tgt) : 0);
    for (size_t i = 0; i < h->n; i++) {
        fprintf(f, "segment %s %s\n", h->v[i].from[0] ? h->v[i].from : "-", h->v[i].to);
        put_field(f, "source", h->v[i].src, strlen(h->v[i].src));
        put_field(f, "target", h->v[i].tgt, strlen(h->v[i].tgt));
    }
    int bad = ferror(f);
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Reads "TAG LEN\nBYTES\n" into a malloc'd string; NULL on a malformed field. */
static char *get_field(FILE *f, const char *tag)
{
    char line[128], want[64];
    if (!fgets(line, sizeof line, f))
        return NULL;
    size_t len;
    snprintf(want, sizeof want, "%s %%zu", tag);
    if (sscanf(line, want, &len) != 1 || len > AUTOSAVE_MAX_FIELD)
        return NULL;
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    if (fread(s, 1, len, f) != len || fgetc(f) != '\n') {
        free(s);
        return NULL;
    }
    s[len] = '\0';
    return s;
}

static void read_lang(const char *line, const char *key, char *out, size_t size)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) || line[k] != ' ')
        return;
    char v[32];
    if (sscanf(line + k + 1, "%31s", v) == 1 && size)
        snprintf(out, size, "%s", v);
}

int autosave_read(const char *path, char *from, char *to, size_t lang_size, char **src, char **tgt,
                  tui_history *h)
{
    *src = *tgt = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char line[128];
    int rc = -1;
    if (!fgets(line, sizeof line, f) || strncmp(line, AUTOSAVE_MAGIC, strlen(AUTOSAVE_MAGIC)))
        goto out;
    if (!fgets(line, sizeof line, f))
        goto out;
    read_lang(line, "from", from, lang_size);
    if (!fgets(line, sizeof line, f))
        goto out;
    read_lang(line, "to", to, lang_size);
    if (!(*src = get_field(f, "source")) || !(*tgt = get_field(f, "target")))
        goto out;
    while (fgets(line, sizeof line, f)) {
        char sf[16] = "", st[16] = "";
        if (sscanf(line, "segment %15s %15s", sf, st) != 2)
            break;
        char *s = get_field(f, "source"), *t = s ? get_field(f, "target") : NULL;
        if (s && t)
            history_add(h, strcmp(sf, "-") ? sf : "", st, s, t);
        free(s);
        free(t);
        if (!s || !t)
            break;
    }
    rc = 0;
out:
    fclose(f);
    if (rc) {
        free(*src);
        free(*tgt);
        *src = *tgt = NULL;
    }
    return rc;
}

int session_export(const tui_history *h, const char *from, const char *to, const char *src, const char *tgt,
                   char *out, size_t outsize)
{
    const char *home = getenv("HOME");
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    if (!home || !*home || !localtime_r(&now, &tm) || !strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm))
        return -1;
    int n = snprintf(out, outsize, "%s/tolk-session-%s.txt", home, stamp);
    if (n < 0 || (size_t)n >= outsize)
        return -1;
    FILE *f = fopen(out, "w");
    if (!f)
        return -1;
    fprintf(f, "# tolk tui session, %zu segment%s\n\n", h->n, h->n == 1 ? "" : "s");
    int last_is_current = 0;
    for (size_t i = 0; i < h->n; i++) {
        const tui_segment *g = &h->v[i];
        fprintf(f, "[%s]\n%s\n[%s]\n%s\n\n", g->from[0] ? g->from : "auto", g->src, g->to, g->tgt);
        last_is_current = !strcmp(g->src, src) && tgt && !strcmp(g->tgt, tgt);
    }
    if (!last_is_current && src[0]) /* the pair on screen, if not translated into history yet */
        fprintf(f, "[%s]\n%s\n[%s]\n%s\n\n", from[0] ? from : "auto", src, to, tgt ? tgt : "");
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}
