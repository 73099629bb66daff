#!/bin/sh
# The TUI marks a translation that fails a segment check (tolk_check_translation, the checks of
# docs/FORMATS.md): driven through a detached tmux session of 80x24 on a private socket with the
# default model. The settings screen lowers "Max tokens per segment" to its minimum (16), a long
# sentence then runs into that bound, and the target header shows "! check: length" and the
# message line says why; the mark goes when the next translation starts. Skips without tmux 3,
# a UTF-8 locale, ncursesw or the default model.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
model=$DEFAULT_MODEL

tui_test_setup

SOCK=tolk-marks-$$
unset TMUX
tm() { timeout 10 tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
    tm kill-server > /dev/null 2>&1
    sleep 0.3
    rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
deadline=$(($(date +%s) + 150))
in_time() { [ "$(date +%s)" -lt "$deadline" ] || { echo "the test's time budget is spent"; return 1; }; }
mkdir -p "$TMPD/home" "$TMPD/state"

screen() { tm capture-pane -p -t "$1"; }
keys() { s=$1; shift; tm send-keys -t "$s" "$@"; }
text() { tm send-keys -t "$1" -l "$2"; }
# wait_for NAME TEXT SECONDS: polls the pane until TEXT shows; 1 on time-out (the screen shown).
wait_for() {
    n=$(($3 * 10))
    while [ "$n" -gt 0 ] && in_time; do
        screen "$1" > "$TMPD/last" 2> /dev/null
        grep -qF -- "$2" "$TMPD/last" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    echo "--- pane $1 while waiting for '$2':"
    cat "$TMPD/last"
    return 1
}

tm new-session -d -s m -x 80 -y 24 \
    "env HOME=$TMPD/home XDG_STATE_HOME=$TMPD/state TERM=tmux-256color LC_ALL=$utf8 \
     $T tui -m $model -t 2 --from en --to de; sleep 600"
if ! wait_for m "F5 Go" 30; then bad "the TUI did not start"; finish; exit 1; fi

# Max tokens per segment (the fourth row) down to its minimum, 16
keys m F7
wait_for m "Settings:" 5 > /dev/null
keys m Down Down Down BSpace 1 6 Enter
check "settings: max tokens 16 applied" wait_for m "settings applied" 5
check "settings: the message names 16 tokens" grep -q "16" "$TMPD/last"

text m "The committee will meet on Tuesday afternoon to discuss the budget for next year, the new office building, the hiring plan and the travel policy."
keys m F5
check "a translation that hits its bound is marked in the target header" wait_for m "! check: length" 90
check "the message line says it needs a look" grep -q "check: length - this translation needs a look" "$TMPD/last"
# the header with the mark is one line of at most 80 cells
hdr=$(grep -n "! check: length" "$TMPD/last" | head -1)
check "the mark is on the Translation header" sh -c "printf '%s' '$hdr' | grep -q 'Translation'"
keys m F5
check "the mark goes when the next translation starts" sh -c "
    n=50; while [ \$n -gt 0 ]; do
        s=\$(timeout 10 tmux -L '$SOCK' -f /dev/null capture-pane -p -t m)
        case \$s in *translating*) case \$s in *'! check:'*) ;; *) exit 0 ;; esac ;; esac
        sleep 0.1; n=\$((n - 1))
    done; exit 1"
wait_for m "! check: length" 90 > /dev/null
keys m C-q

finish
