/* Terminal set-up for `tolk tui`: curses modes, color pairs (or plain attributes under NO_COLOR or
 * on monochrome terminals), signal handling that always gives the terminal back, key input with
 * our own UTF-8 decoding, and the OSC 52 clipboard escape. */
#include <config.h>

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tui.h"

static volatile sig_atomic_t quit_signal;
static int started, use_color;
static struct termios saved_tio;
static int have_tio;

static void on_quit_signal(int sig)
{
    quit_signal = sig; /* the main loop notices it within one poll tick and calls endwin */
}

/* A crash cannot run curses safely, so put the tty back with async-signal-safe calls only:
 * restore the saved termios, reset attributes, leave the alternate screen, turn the cursor keys
 * back to normal mode, show the cursor, then die as before (the pending signal is re-raised with
 * its default action when the handler returns). */
static void on_crash_signal(int sig)
{
    static const char reset[] = "\033[0m\033[?1049l\033[?1l\033>\033[?25h\r\n";
    if (have_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    if (write(STDOUT_FILENO, reset, sizeof reset - 1) < 0) {
        /* nothing else can be done from a crash handler */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit_endwin(void)
{
    term_stop();
}

int term_is_tty(void)
{
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

int term_start(void)
{
    if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
        have_tio = 1;
    if (!term_is_tty())
        return -1;
    if (!newterm(NULL, stdout, stdin))
        return -1;
    started = 1;
    atexit(at_exit_endwin);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_crash_signal;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    raw(); /* Ctrl-Q, Ctrl-O, Ctrl-T reach us instead of flow control / the tty driver */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    meta(stdscr, TRUE); /* all 8 bits of every byte: UTF-8 is decoded in term_getkey */
    set_escdelay(25); /* Esc must cancel at once, not after ncurses' default second */
    const char *nc = getenv("NO_COLOR");
    use_color = has_colors() && !(nc && *nc);
    if (use_color) {
        start_color();
        use_default_colors();
        init_pair(TUI_C_STATUS, COLOR_BLACK, COLOR_CYAN);
        init_pair(TUI_C_HEADER, COLOR_YELLOW, -1);
        init_pair(TUI_C_HELP, COLOR_BLACK, COLOR_WHITE);
        init_pair(TUI_C_SEL, COLOR_BLACK, COLOR_YELLOW);
        init_pair(TUI_C_ERR, COLOR_WHITE, COLOR_RED);
    }
    return 0;
}

void term_stop(void)
{
    if (started) {
        started = 0;
        endwin();
        /* the screen is back: while a translation still winds down, a second Ctrl-C or SIGTERM
         * ends the process at once */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
    }
}

int term_attr(int pair, int mono_attr)
{
    return use_color ? (int)COLOR_PAIR(pair) : mono_attr;
}

int term_quit_requested(void)
{
    return quit_signal;
}

/* ncurses' own get_wch drops a run of valid text after an invalid byte, so keys are read as bytes
 * and decoded here: each bad byte becomes U+FFFD and decoding resumes at the next byte. */
int term_getkey(void *vwin, wint_t *ch, int wait_ms)
{
    WINDOW *win = vwin;
    wtimeout(win, wait_ms);
    int c = wgetch(win);
    if (c == ERR)
        return ERR;
    if (c >= KEY_MIN) {
        *ch = (wint_t)c;
        return KEY_CODE_YES;
    }
    *ch = (wint_t)c;
    if (c < 0x80)
        return OK;
    int need;
    unsigned cp, min;
    if ((c & 0xE0) == 0xC0)
        need = 1, min = 0x80, cp = (unsigned)c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        need = 2, min = 0x800, cp = (unsigned)c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        need = 3, min = 0x10000, cp = (unsigned)c & 0x07;
    else {
        *ch = 0xFFFD;
        return OK;
    }
    /* the rest of a character comes in the same write; wait a little in case a slow link splits it */
    wtimeout(win, 20);
    int bad = 0;
    for (int i = 0; i < need; i++) {
        int b = wgetch(win);
        if (b == ERR) {
            bad = 1;
            break;
        }
        if (b >= KEY_MIN || (b & 0xC0) != 0x80) {
            ungetch(b); /* not part of this character: it is read next on its own */
            bad = 1;
            break;
        }
        cp = (cp << 6) | ((unsigned)b & 0x3F);
    }
    if (bad || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    *ch = (wint_t)cp;
    return OK;
}

void term_osc52(const char *bytes, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fputs("\033]52;c;", stdout);
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)bytes[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)bytes[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)bytes[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < len ? b64[(v >> 6) & 63] : '=',
                     i + 2 < len ? b64[v & 63] : '='};
        fwrite(q, 1, 4, stdout);
    }
    fputs("\a", stdout);
    fflush(stdout);
}
