/* Terminal set-up for `tolk tui`: curses modes, color pairs (or plain attributes under NO_COLOR or
 * on monochrome terminals), signal handling that always gives the terminal back, and the OSC 52
 * clipboard escape. */
#include <config.h>

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tui.h"

static volatile sig_atomic_t quit_flag;
static int started, use_color;
static struct termios saved_tio;
static int have_tio;

static void on_quit_signal(int sig)
{
    (void)sig;
    quit_flag = 1; /* the main loop notices it within one poll tick and calls endwin */
}

/* A crash cannot run curses safely, so put the tty back with async-signal-safe calls only:
 * restore the saved termios, leave the alternate screen, show the cursor, then die as before. */
static void on_crash_signal(int sig)
{
    static const char reset[] = "\033[0m\033[?1049l\033[?25h\r\n";
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

int term_start(void)
{
    if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
        have_tio = 1;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
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
    set_escdelay(25); /* Esc must cancel at once, not after ncurses' default second */
    timeout(50);      /* the loop polls the generation thread at 20 Hz */
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
    }
}

int term_attr(int pair, int mono_attr)
{
    return use_color ? (int)COLOR_PAIR(pair) : mono_attr;
}

int term_quit_requested(void)
{
    return quit_flag != 0;
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
