/* The speculation governor (spec_govern.h): two averaged rates and a probe schedule. */
#include "spec_govern.h"

#define GOV_ALPHA 0.25     /* weight of the newest step in each average */
#define GOV_REFRESH 16     /* drafting: a plain step every this many while the gain is small */
#define GOV_REFRESH_WIN 64 /* ... and this many while drafting wins by GOV_CLEAR_WIN or more */
#define GOV_CLEAR_WIN 1.3
#define GOV_PROBE 4        /* paused: first wait before drafting is tried again */
#define GOV_PAUSE_BELOW 0.98  /* pause when drafting reaches less than this share of the plain rate */
#define GOV_RESUME_ABOVE 1.02 /* resume when a probe beats the plain rate by this much */
#define GOV_PROBE_BUDGET 0.02 /* a losing probe may cost this share of the plain steps till the next */

void spec_gov_init(spec_governor *g, int always)
{
    *g = (spec_governor){.always = always, .wait = GOV_REFRESH};
}

int spec_gov_want_draft(const spec_governor *g)
{
    if (g->always || g->rate_spec == 0.0)
        return 1; /* measure drafting first */
    if (g->rate_plain == 0.0)
        return 0; /* then one plain step */
    return g->paused ? g->since >= g->wait : g->since < g->wait;
}

/* The wait before the next probe: DOUBLED (capped at SPEC_GOV_DOUBLING_MAX), or longer when a probe
 * step loses so much against a plain one that the loss would exceed GOV_PROBE_BUDGET of the plain
 * steps in between (a probe costs about rate_plain / rate_spec - 1 plain steps more than a plain
 * step; capped at SPEC_GOV_MAX_WAIT). */
static int probe_wait(const spec_governor *g, int doubled)
{
    int w = doubled < SPEC_GOV_DOUBLING_MAX ? doubled : SPEC_GOV_DOUBLING_MAX;
    if (g->rate_spec > 0.0 && g->rate_plain > g->rate_spec) {
        const double by_cost = (g->rate_plain / g->rate_spec - 1.0) / GOV_PROBE_BUDGET;
        if (by_cost > w)
            w = by_cost < SPEC_GOV_MAX_WAIT ? (int)by_cost : SPEC_GOV_MAX_WAIT;
    }
    return w;
}

static void average(double *avg, double x)
{
    *avg = *avg == 0.0 ? x : (1.0 - GOV_ALPHA) * *avg + GOV_ALPHA * x;
}

void spec_gov_record(spec_governor *g, int drafted, int n_tokens, double seconds)
{
    if (g->always || seconds <= 0.0 || n_tokens <= 0)
        return;
    const double rate = (double)n_tokens / seconds;
    if (drafted) {
        average(&g->rate_spec, rate);
        if (g->paused) {
            g->since = 0;
            if (g->rate_plain > 0.0 && rate > GOV_RESUME_ABOVE * g->rate_plain) {
                g->paused = 0; /* the probe won: draft again */
                g->wait = GOV_REFRESH;
            } else {
                g->wait = probe_wait(g, 2 * g->wait);
            }
            return;
        }
        g->since++;
    } else {
        average(&g->rate_plain, rate);
        if (g->paused) {
            g->n_paused_steps++;
            g->since++;
            return;
        }
        g->since = 0;
    }
    if (g->rate_spec > 0.0 && g->rate_plain > 0.0) {
        if (g->rate_spec < GOV_PAUSE_BELOW * g->rate_plain) {
            g->paused = 1;
            g->since = 0;
            g->wait = probe_wait(g, GOV_PROBE);
        } else {
            g->wait = g->rate_spec >= GOV_CLEAR_WIN * g->rate_plain ? GOV_REFRESH_WIN : GOV_REFRESH;
        }
    }
}
