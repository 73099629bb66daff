#!/bin/sh
# `tolk tui` driven through detached tmux sessions on a private socket, asserting on what
# `tmux capture-pane` shows: typing, translating, copy, save, swap, picker, history, resizing,
# help, settings and speculation, cancel, scrolling, quitting with the terminal restored; both
# panes wrap between words (a real translation, and words, CJK and combining marks restored from an
# autosave); kill -9 and restart keeps the typed text; invalid UTF-8, wide and combining
# characters, a long paragraph and an empty source do no harm; NO_COLOR and monochrome; SIGTERM and
# a crash signal give the terminal back; the matches panel of --tm and --glossary. Skips (77, tests/lib.sh) without tmux 3, a UTF-8 locale,
# ncursesw or the default model.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
model=$DEFAULT_MODEL

tui_test_setup

# Everything the app writes (autosave, saved sessions) stays under $TMPD.
SOCK=tolk-test-$$
unset TMUX
tm() { timeout 10 tmux -L "$SOCK" -f /dev/null "$@"; }
# On exit: end the tmux server (its panes get SIGHUP), give the apps a moment to finish their last
# autosave, then remove the files.
cleanup() {
    tm kill-server >/dev/null 2>&1
    for f in "$TMPD"/*.pid; do
        [ -f "$f" ] || continue
        n=20
        while [ $n -gt 0 ] && kill -0 "$(cat "$f")" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
    done
    rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# Every wait gives up once the whole test has run this long, so a broken setup fails in bounded time.
deadline=$(($(date +%s) + 140))
in_time() { [ "$(date +%s)" -lt "$deadline" ] || { echo "the test's time budget is spent"; return 1; }; }
mkdir -p "$TMPD/home" "$TMPD/state"

# The pane runs wrap.sh: it notes the tty settings, runs the app (recording its pid), and after it
# exits prints whether the settings came back and the exit status, then idles so the pane stays.
cat >"$TMPD/wrap.sh" <<'EOF'
pidf=$1
shift
before=$(stty -g)
sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@"
rc=$?
after=$(stty -g)
if [ "$before" = "$after" ]; then echo "TTY-RESTORED"; else echo "TTY-CHANGED"; fi
echo "EXIT=$rc"
exec sleep 600
EOF

# start NAME COLS ROWS [ENV=VALUE...] -- [tui options...]
start() {
    name=$1 cols=$2 rows=$3
    shift 3
    envs=
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    [ "${1:-}" = "--" ] && shift
    rm -f "$TMPD/$name.pid"
    tm new-session -d -s "$name" -x "$cols" -y "$rows" \
        "env HOME=$TMPD/home XDG_STATE_HOME=$TMPD/state TERM=tmux-256color LC_ALL=$utf8 $envs \
         sh $TMPD/wrap.sh $TMPD/$name.pid $T tui -m $model -t 2 $*"
}
screen() { tm capture-pane -p -t "$1"; }
keys() { s=$1; shift; tm send-keys -t "$s" "$@"; }
text() { tm send-keys -t "$1" -l "$2"; }
pid_of() { cat "$TMPD/$1.pid" 2>/dev/null; }
alive() { p=$(pid_of "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# wait_for NAME TEXT SECONDS: polls the pane until TEXT shows; 1 on time-out (screen saved).
wait_for() {
    n=$(($3 * 10))
    while [ "$n" -gt 0 ] && in_time; do
        screen "$1" >"$TMPD/last" 2>/dev/null
        grep -qF -- "$2" "$TMPD/last" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    echo "--- pane $1 while waiting for '$2':"
    cat "$TMPD/last"
    return 1
}
# wait_gone NAME TEXT SECONDS: the opposite.
wait_gone() {
    n=$(($3 * 10))
    while [ "$n" -gt 0 ] && in_time; do
        screen "$1" >"$TMPD/last" 2>/dev/null
        grep -qF -- "$2" "$TMPD/last" || return 0
        sleep 0.1
        n=$((n - 1))
    done
    echo "--- pane $1 still shows '$2':"
    cat "$TMPD/last"
    return 1
}
# wait_cmd SECONDS COMMAND...: polls until COMMAND succeeds.
wait_cmd() {
    n=$(($1 * 10))
    shift
    while [ "$n" -gt 0 ] && in_time; do
        "$@" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
# started NAME TEXT: the app in NAME came up showing TEXT, or the test stops here (nothing after
# it could pass).
started() {
    if wait_for "$1" "$2" 30; then ok; else bad "$1 did not start"; finish; exit 1; fi
}
line() { screen "$1" | sed -n "$2p"; }  # line N (1-based) of the pane
# The target pane: the lines after the "Translation" header, minus the message and help lines.
target_text() { screen "$1" | sed -n '/ Translation (/,$p' | sed '1d;$d' | sed '$d' | tr -s ' \n' ' '; }
# The rows of the target pane, and of the source pane, as captured (one screen line each).
target_rows() { screen "$1" | sed -n '/ Translation (/,$p' | sed '1d;$d' | sed '$d'; }
source_rows() { screen "$1" | sed -n '/ Source (/,/ Translation (/p' | sed '1d;$d'; }
# Text as its words, one space apart: a word split across two rows shows as two words.
words() { tr '\n\t' '  ' | tr -s ' ' | sed 's/^ //;s/ $//'; }
out_of() { tm display-message -p -t "$1" "$2"; }
cursor_at() { [ "$(out_of "$1" '#{cursor_x},#{cursor_y}')" = "$2" ]; }
target_shown() { [ -n "$(target_text "$1" | tr -d ' ')" ]; }

# ---- 0. errors before the screen is taken: one line, status 1 -------------------------------------
"$T" tui -m "$model" --to klingonese </dev/null >/dev/null 2>"$TMPD/err"
check "unknown language exits 1" test $? -eq 1
check "unknown language: one line naming it" sh -c "test \$(wc -l <'$TMPD/err') -eq 1 && grep -q '^tolk: error: .*klingonese' '$TMPD/err'"
"$T" tui -m "$model" </dev/null >/dev/null 2>"$TMPD/err"
check "no terminal exits 1" test $? -eq 1
check "no terminal: one line" sh -c "test \$(wc -l <'$TMPD/err') -eq 1 && grep -q '^tolk: error: .*terminal' '$TMPD/err'"
"$T" tui -m "$TMPD/missing.gguf" </dev/null >/dev/null 2>"$TMPD/err"
check "missing model exits 1" test $? -eq 1
check "missing model: one line" test "$(wc -l <"$TMPD/err")" -eq 1
"$T" tui --bogus 2>"$TMPD/err"
check "unknown option exits 1" test $? -eq 1
"$T" tui -m "$model" --spec draft </dev/null 2>"$TMPD/err"
check "--spec draft without --draft exits 1" test $? -eq 1
check "--spec draft without --draft: one line" sh -c "test \$(wc -l <'$TMPD/err') -eq 1 && grep -q -- '--draft' '$TMPD/err'"
"$T" tui -m "$model" --draft "$TMPD/missing-draft.gguf" </dev/null 2>"$TMPD/err"
check "missing draft model exits 1" test $? -eq 1
check "missing draft model: one line naming it" sh -c "test \$(wc -l <'$TMPD/err') -eq 1 && grep -q missing-draft '$TMPD/err'"
"$T" tui -m "$model" --spec sometimes </dev/null 2>"$TMPD/err"
check "unknown --spec mode exits 1" test $? -eq 1

# ---- 1. start, type, translate ------------------------------------------------------------------
start s1 100 30 -- --from en --to de
started s1 "en -> de | ready"
check "source pane header" wait_for s1 "Source (en English)" 5
check "target pane header" wait_for s1 "Translation (de German)" 5
check "key help on the last line" contains "$(line s1 30)" "^T/F5 Translate"
check "help line names the settings key" contains "$(line s1 30)" "F7 Settings"
check "model on the status bar" contains "$(line s1 1)" "Gemma"
text s1 "The weather is nice today."
check "typed text shows in the source pane" wait_for s1 "The weather is nice today." 5
keys s1 F5
check "translation finishes" wait_for s1 "| done" 60
tgt=$(target_text s1)
check "translation streamed into the target pane ($tgt)" contains "$tgt" "Wetter"
st=$(line s1 1)
check "status bar: tok/s ($st)" contains "$st" "tok/s"
check "status bar: time to first token" contains "$st" "TTFT"
check "status bar: memory" contains "$st" "MiB"
check "colors are used by default" sh -c "tmux -L $SOCK capture-pane -e -p -t s1 | grep -q '\[[0-9;]*4[0-7]m'"

# ---- 2. copy, save, swap, history ---------------------------------------------------------------
tm set-option -s set-clipboard on # OSC 52 from the app lands in a tmux paste buffer
keys s1 F6
check "F6 copies" wait_for s1 "translation copied" 5
check "OSC 52 carried the translation" wait_cmd 5 sh -c "tmux -L $SOCK show-buffer 2>/dev/null | grep -q Wetter"
keys s1 C-o
check "Ctrl-O saves the session" wait_for s1 "saved $TMPD/home/tolk-session-" 5
check "the session file holds the segment" sh -c "grep -q 'The weather is nice today.' $TMPD/home/tolk-session-*.txt && grep -q Wetter $TMPD/home/tolk-session-*.txt"

keys s1 F3
check "F3 swaps the pair on the status bar" wait_for s1 "de -> en" 5
check "F3 swaps the pane headers" wait_for s1 "Source (de German)" 5
keys s1 F4
check "F4 opens the history" wait_for s1 "History:" 5
check "history lists the segment" wait_for s1 "en>de  The weather is nice today." 5
keys s1 Enter
check "Enter reopens the segment" wait_for s1 "segment reopened" 5
check "reopening restores its language pair" wait_for s1 "en -> de" 5
check "history box closed" wait_gone s1 "History:" 5
keys s1 F2
check "F2 opens the language picker" wait_for s1 "Target language" 5
text s1 "fren"
check "typing filters the list" wait_for s1 "fr    French" 5
keys s1 Enter
check "picking French" wait_for s1 "en -> fr |" 5
check "target header follows the pick" wait_for s1 "Translation (fr French)" 5
keys s1 F2
wait_for s1 "Target language" 5 >/dev/null
text s1 "pt-BR"
check "a code outside the list can be typed" wait_for s1 "Enter tries it as typed" 5
keys s1 Enter
check "pt-BR accepted" wait_for s1 "en -> pt-BR |" 5
keys s1 F2
wait_for s1 "Target language" 5 >/dev/null
text s1 "zzzz"
keys s1 Enter
check "an unknown code is refused with a message" wait_for s1 "unknown language 'zzzz'" 5
check "the pair stays" wait_for s1 "en -> pt-BR |" 5
keys s1 F2
wait_for s1 "Target language" 5 >/dev/null
text s1 "German"
keys s1 Enter
check "back to German" wait_for s1 "en -> de |" 5

# ---- 3. resize -----------------------------------------------------------------------------------
tm resize-window -t s1 -x 80 -y 24
check "80x24: narrow key help" wait_for s1 "F5 Go Esc Stop F2 Lang" 5
check "80x24: help on the new last line" contains "$(line s1 24)" "^Q Quit"
check "80x24: status bar still on top" contains "$(line s1 1)" "en -> de"
check "80x24: status bar keeps speed, TTFT and memory ($(line s1 1))" sh -c "tmux -L $SOCK capture-pane -p -t s1 | head -1 | grep -q 'tok/s.*TTFT.*MiB'"
check "80x24: source text still shown" contains "$(screen s1)" "The weather is nice today."
check "80x24: both panes" contains "$(screen s1)" "Translation (de German)"
check "80x24: nothing past 24 lines" test "$(screen s1 | wc -l)" -eq 24
keys s1 F2
wait_for s1 "Target language" 5 >/dev/null
tm resize-window -t s1 -x 100 -y 30
check "resizing with the picker open redraws the layout" wait_for s1 "^T/F5 Translate Esc Cancel" 5
check "  ... on the new last line" contains "$(line s1 30)" "^Q Quit"
keys s1 Escape
tm resize-window -t s1 -x 132 -y 40
check "132x40: wide key help" wait_for s1 "F2 Language  F3 Swap" 5
check "132x40: help on line 40" contains "$(line s1 40)" "^Q Quit"
check "132x40: target kept" contains "$(target_text s1)" "Wetter"
tm resize-window -t s1 -x 25 -y 6
check "a tiny window says it is too small" wait_for s1 "terminal too small" 5
tm resize-window -t s1 -x 132 -y 40
check "and the layout comes back" wait_for s1 "F2 Language  F3 Swap" 5

# ---- 4. help, settings --------------------------------------------------------------------------
keys s1 F1
check "F1 shows the help" wait_for s1 "tolk tui: keys" 5
keys s1 Space
check "any key closes the help" wait_gone s1 "tolk tui: keys" 5
keys s1 F7
check "F7 opens the settings" wait_for s1 "Settings:" 5
check "settings show the temperature" wait_for s1 "Temperature" 5
keys s1 Right Right
check "Right raises the temperature" wait_for s1 "0.10" 5
keys s1 Enter
check "Enter applies the settings" wait_for s1 "settings applied: temperature 0.10" 5
keys s1 F7
wait_for s1 "Settings:" 5 >/dev/null
keys s1 BSpace 0 Enter
check "typed temperature applied" wait_for s1 "settings applied: temperature 0.00" 5

# ---- 4b. a translation long enough to wrap in an 80-column pane wraps between words -------------
tm resize-window -t s1 -x 80 -y 24
wait_for s1 "F5 Go Esc Stop F2 Lang" 5 >/dev/null
keys s1 F2 # French: the small model's German for this sentence is a short line
wait_for s1 "Target language" 5 >/dev/null
text s1 "French"
keys s1 Enter
wait_for s1 "en -> fr |" 5 >/dev/null
keys s1 C-n
text s1 "The meeting was moved from Thursday afternoon to Friday morning because the director had to travel to the regional office before the end of the week."
keys s1 F5
check "a long translation finishes" wait_for s1 "| done" 60
tm show-buffer >"$TMPD/old-buffer" 2>/dev/null
keys s1 F6
check "  ... and is copied whole" wait_cmd 5 sh -c "tmux -L $SOCK show-buffer >'$TMPD/long' 2>/dev/null && ! cmp -s '$TMPD/long' '$TMPD/old-buffer'"
full=$(words <"$TMPD/long")
shown=$(target_rows s1 | words)
# The pane is 78 cells wide inside its border: a longer translation must take two rows or more, a
# shorter one a single row (what the model writes varies with the numerics; section 12 checks
# wrapping on fixed text).
rows_needed=1
[ "$(printf %s "$full" | wc -m)" -gt 78 ] && rows_needed=2
check "the translation takes the rows its length needs at 80 columns ($(target_rows s1 | grep -c '[^ ]') for $(printf %s "$full" | wc -m) characters)" test "$(target_rows s1 | grep -c '[^ ]')" -ge "$rows_needed"
check "no word of the translation is split across rows: shown '$shown', translated '$full'" contains " $full " " $shown "
check "the source pane wraps between words too" contains " The meeting was moved from Thursday afternoon to Friday morning because the director had to travel to the regional office before the end of the week. " " $(source_rows s1 | words) "
keys s1 F2
wait_for s1 "Target language" 5 >/dev/null
text s1 "German"
keys s1 Enter
check "back to German after the long translation" wait_for s1 "en -> de |" 5
tm resize-window -t s1 -x 132 -y 40
wait_for s1 "F2 Language  F3 Swap" 5 >/dev/null

# ---- 5. wide characters, combining marks, right-to-left; empty source, invalid UTF-8, long paragraph
keys s1 C-n
text s1 "$(printf '\346\227\245\346\234\254\350\252\236 e\314\201 \327\251\327\234\327\225\327\235')"
check "CJK, a combining mark and Hebrew shown" wait_for s1 "$(printf '\346\227\245\346\234\254\350\252\236 e\314\201 \327\251\327\234\327\225\327\235')" 5
# 3 wide characters (6 cells), space, e + combining acute (1 cell), space, 4 Hebrew letters
check "cursor column counts wide and combining characters" wait_cmd 5 cursor_at s1 "13,2"
keys s1 Left Left Left Left Left Left Left
check "cursor moves by character over a combining mark" wait_cmd 5 cursor_at s1 "6,2"
keys s1 BSpace
check "Backspace removes a whole wide character" wait_for s1 "$(printf '\346\227\245\346\234\254 e\314\201')" 5
text s1 "$(printf '\344\270\255')"
check "typing a wide character in the middle" wait_for s1 "$(printf '\346\227\245\346\234\254\344\270\255 e\314\201')" 5
keys s1 C-n
text s1 "$(printf 'pasted\ttab')"
check "a Tab inside a paste is text, not a pane switch" wait_for s1 "pasted tab" 5
keys s1 C-n
check "Ctrl-N empties the panes" wait_for s1 "new segment" 5
keys s1 C-t
check "empty source: a message, no crash" wait_for s1 "nothing to translate" 5
keys s1 C-n
wait_for s1 "new segment" 5 >/dev/null
keys s1 Space Enter Space
keys s1 F5
check "blank source: a message" wait_for s1 "nothing to translate" 5
check "alive after an empty source" alive s1
tm send-keys -t s1 -H ff fe c3 28 80 e2 82 41
text s1 "after-garbage"
# each bad byte shows as U+FFFD and the text right after it is kept
check "typing works right after invalid UTF-8" wait_for s1 "$(printf '(\357\277\275\357\277\275Aafter-garbage')" 5
check "alive after invalid UTF-8" alive s1
keys s1 C-t
check "invalid UTF-8 source translates" wait_for s1 "| done" 60
keys s1 C-n
para=
i=0
while [ $i -lt 40 ]; do
    para="${para}The committee discussed the proposal for a long time before it agreed on a new plan. "
    i=$((i + 1))
done
text s1 "$para"
check "long paragraph: its end is shown" wait_for s1 "agreed on a new plan." 10
check "alive after a long paragraph" alive s1
keys s1 F5
check "long paragraph translating" wait_for s1 "| translating" 10
check "the translation streams in while it runs" wait_cmd 60 target_shown s1
check "still translating while text streams" contains "$(line s1 1)" "| translating"
keys s1 Escape
check "Esc cancels at once" wait_for s1 "| cancelled" 2
check "the partial translation stays" target_shown s1
check "alive after the cancel" alive s1
keys s1 F5
check "translating again after a cancel" wait_for s1 "| translating" 60
keys s1 Escape
check "second cancel" wait_for s1 "| cancelled" 2

# ---- 6. quit ------------------------------------------------------------------------------------
keys s1 C-q
check "Ctrl-Q quits with status 0" wait_for s1 "EXIT=0" 30
check "Ctrl-Q gives the tty settings back" wait_for s1 "TTY-RESTORED" 5
check "alternate screen left" test "$(out_of s1 '#{alternate_on}')" = 0
check "cursor visible again" test "$(out_of s1 '#{cursor_flag}')" = 1
check "cursor keys back to normal mode" test "$(out_of s1 '#{keypad_cursor_flag}')" = 0

# ---- 7. kill -9 during a translation, restart, the autosave holds the text ----------------------
start s2 90 26 -- --from en --to fr
started s2 "en -> fr | ready"
check "second run restores the first one's text" wait_for s2 "restored the autosaved text" 5
keys s2 C-n
text s2 "Autosave survives a hard kill. $para"
keys s2 F5
check "translating before the kill" wait_for s2 "| translating" 10
kill -9 "$(pid_of s2)" 2>/dev/null
check "killed" wait_for s2 "EXIT=137" 10
start s3 90 26
check "restart restores the autosave" wait_for s3 "restored the autosaved text" 30
check "restart shows the end of the typed text" wait_for s3 "agreed on a new plan." 5
keys s3 Home
check "restart holds the start of the typed text" wait_for s3 "Autosave survives a hard kill." 5
check "restart keeps the saved language pair" wait_for s3 "en -> fr" 5
keys s3 F4
check "restart keeps the history of earlier runs" wait_for s3 "en>de  The weather is nice today." 5
keys s3 Escape
wait_gone s3 "History:" 5 >/dev/null

# ---- 8. SIGTERM while translating gives the terminal back ---------------------------------------
keys s3 F5
check "translating before SIGTERM" wait_for s3 "| translating" 10
kill -TERM "$(pid_of s3)" 2>/dev/null
check "SIGTERM: exits as terminated" wait_for s3 "EXIT=143" 30
check "SIGTERM: tty settings restored" wait_for s3 "TTY-RESTORED" 5
check "SIGTERM: alternate screen left" test "$(out_of s3 '#{alternate_on}')" = 0

# ---- 9. a damaged autosave is kept aside, not lost or trusted ----------------------------------
printf 'tolk-tui-autosave 1\nfrom en\nto de\nsource 999999\nshort\n' >"$TMPD/state/tolk/autosave.txt"
start s6 120 24
started s6 "| ready"
check "damaged autosave: says where it went" wait_for s6 "kept as $TMPD/state/tolk/autosave.txt.bad" 5
check "damaged autosave: kept aside" test -f "$TMPD/state/tolk/autosave.txt.bad"
# typed, never translated, killed: the autosave written when typing paused holds it
text s6 "Typed but never translated."
check "typing is autosaved within moments" wait_cmd 5 grep -q "Typed but never translated." "$TMPD/state/tolk/autosave.txt"
kill -9 "$(pid_of s6)" 2>/dev/null
check "killed while idle" wait_for s6 "EXIT=137" 10
start s8 120 24
started s8 "restored the autosaved text"
check "the typed text is back" wait_for s8 "Typed but never translated." 5
keys s8 C-q
check "quits cleanly" wait_for s8 "EXIT=0" 30

# ---- 10. speculative decoding from the command line and the settings ------------------------------
start s7 100 30 -- --spec ngram --from en --to de
started s7 "| ready"
check "status bar names the speculation" contains "$(line s7 1)" "spec ngram"
keys s7 C-n
text s7 "The weather is nice today. The weather is nice today."
keys s7 F5
check "speculative translation finishes" wait_for s7 "| done" 60
check "speculative translation streamed ($(target_text s7))" contains "$(target_text s7)" "Wetter"
check "acceptance rate on the status bar" sh -c "tmux -L $SOCK capture-pane -p -t s7 | head -1 | grep -q 'spec ngram [0-9]*%'"
keys s7 F7
check "settings show the speculative mode" wait_for s7 "< ngram >" 5
keys s7 Down Down Down Down Left
check "Left picks the draft mode" wait_for s7 "< draft >" 5
keys s7 Down
text s7 "$TMPD/no-such-draft.gguf"
keys s7 Enter
check "a missing draft model is refused on the message line" wait_for s7 "settings not applied: $TMPD/no-such-draft.gguf" 5
check "the session keeps its speculation" contains "$(line s7 1)" "spec ngram"
keys s7 F7
check "the refused settings come back for fixing" wait_for s7 "no-such-draft.gguf" 5
bs=
i=0
while [ $i -lt 120 ]; do bs="$bs BSpace"; i=$((i + 1)); done
keys s7 Up $bs
text s7 "$model" # the default model drafts for itself: same vocabulary, not larger
keys s7 Enter
check "a draft model is loaded from the settings" wait_for s7 "speculation draft" 30
check "status bar: spec draft" wait_for s7 "| spec draft" 5
keys s7 C-n # the state goes back to ready: the "| done" below is this translation's
text s7 "The weather is nice today. The weather is nice today."
keys s7 F5
check "translation with a draft model finishes" wait_for s7 "| done" 60
check "draft acceptance on the status bar" sh -c "tmux -L $SOCK capture-pane -p -t s7 | head -1 | grep -q 'spec draft [0-9]*%'"
check "translation with a draft model streamed" contains "$(target_text s7)" "Wetter"
keys s7 F7
wait_for s7 "Settings:" 5 >/dev/null
keys s7 Down Down Down Down Left
check "Left again: off" wait_for s7 "< off >" 5
keys s7 Enter
check "speculation off applied" wait_for s7 "speculation off" 5
check "status bar no longer names it" wait_gone s7 "spec ngram" 5
keys s7 C-q
check "spec run quits with status 0" wait_for s7 "EXIT=0" 30

# ---- 11. NO_COLOR at 80x24, Ctrl-C, a crash ------------------------------------------------------
start s4 80 24 NO_COLOR=1
started s4 "| ready"
check "NO_COLOR: no color escapes" sh -c "! tmux -L $SOCK capture-pane -e -p -t s4 | grep -q '\[[0-9;]*[34][0-7]m'"
check "NO_COLOR: status bar still highlighted" sh -c "tmux -L $SOCK capture-pane -e -p -t s4 | grep -q '\[7m'"
# a translation longer than the 80x24 target pane: Tab, then Home scrolls back to its start
keys s4 C-n
for w in Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May; do
    text s4 "I like $w."
    keys s4 Enter
done
keys s4 F5
check "many lines translated" wait_for s4 "| done" 90
tail_view=$(target_text s4)
keys s4 Tab
check "Tab moves the keys to the target pane" wait_for s4 "Translation: arrows/PgUp/PgDn scroll" 5
keys s4 Home
check "Home shows the start of a long translation" wait_for s4 " more v" 5
check "  ... which differs from its tail" test "$(target_text s4)" != "$tail_view"
keys s4 End
check "End follows the tail again" wait_gone s4 " more v" 5
keys s4 Tab
check "Tab goes back to the source" wait_gone s4 "Translation: arrows" 5
keys s4 C-c
check "Ctrl-C quits with status 0" wait_for s4 "EXIT=0" 30
check "Ctrl-C: tty settings restored" wait_for s4 "TTY-RESTORED" 5
start s5 80 24 TERM=xterm-mono
started s5 "| ready"
check "monochrome: no color escapes" sh -c "! tmux -L $SOCK capture-pane -e -p -t s5 | grep -q '\[[0-9;]*[34][0-7]m'"
keys s5 C-g
check "Ctrl-G shows the help too" wait_for s5 "tolk tui: keys" 5
keys s5 q
kill -SEGV "$(pid_of s5)" 2>/dev/null
check "crash: dies of the signal" wait_for s5 "EXIT=139" 10
check "crash: tty settings restored" wait_for s5 "TTY-RESTORED" 5
check "crash: alternate screen left" test "$(out_of s5 '#{alternate_on}')" = 0

# ---- 12. word wrap of both panes: words, CJK and combining marks, at 80 and 64 columns ------------
# Both panes are filled from an autosave, so what they hold does not depend on the model.
cjk3=$(printf '\346\227\245\346\234\254\350\252\236') # three wide characters
cjk=
i=0
while [ $i -lt 15 ]; do cjk="$cjk$cjk3"; i=$((i + 1)); done # 45 of them, 90 cells
src_en="The committee discussed the proposal for a long time before it finally agreed upon a completely new plan."
src="$src_en
AB $cjk"
tgt_fr="Nous avons deplace la reunion de jeudi apres-midi a vendredi matin, avant le vendredi saint, parce que le directeur doit se rendre au bureau regional avant la fin de la semaine."
# decomposed accents (e + U+0301), with a word across column 80 (where a cut by cells would split it)
tgt_marks=$(printf 'Le comite\314\201 a e\314\201tudie\314\201 le re\314\201sume\314\201 de la re\314\201union et a approuve\314\201 le nouveau calendrier propose\314\201 par le secre\314\201tariat ge\314\201ne\314\201ral.')
tgt="$tgt_fr
$tgt_marks"
{
    printf 'tolk-tui-autosave 1\nfrom en\nto fr\n'
    printf 'source %s\n%s\n' "$(printf %s "$src" | wc -c | tr -d ' ')" "$src"
    printf 'target %s\n%s\n' "$(printf %s "$tgt" | wc -c | tr -d ' ')" "$tgt"
} >"$TMPD/state/tolk/autosave.txt"
start s9 80 24
started s9 "restored the autosaved text"
check "80 columns: the translation wraps between words ($(target_rows s9 | grep -c '[^ ]') rows)" test "$(target_rows s9 | words)" = "$(printf %s "$tgt" | words)"
check "  ... over several rows" test "$(target_rows s9 | grep -c '[^ ]')" -ge 4
check "  ... a row ends before 'vendredi', not inside it" sh -c "tmux -L $SOCK capture-pane -p -t s9 | grep -q ' vendredi matin, avant le\$'"
check "80 columns: the source wraps between words" test "$(source_rows s9 | sed '/^AB /,$d' | words)" = "$(printf %s "$src_en" | words)"
check "  ... 'upon' (across column 80) starts the next row" test "$(source_rows s9 | sed -n 1p | sed 's/ *$//')" = "The committee discussed the proposal for a long time before it finally agreed"
# 'AB ' (3 cells) and 38 wide characters fill 79 of 80 cells; the 39th starts the next row
check "CJK rows break between characters" test "$(source_rows s9 | grep -F AB | sed 's/ *$//')" = "AB $(printf %s "$cjk" | cut -b1-114)"
check "  ... and go on in the next row" contains "$(screen s9)" "$(printf %s "$cjk" | cut -b115-)"
check "the cursor ends after the last wide character" wait_cmd 5 cursor_at s9 "14,5"
tm resize-window -t s9 -x 64 -y 24
check "64 columns: the translation rewraps between words" wait_cmd 5 sh -c "test \"\$(tmux -L $SOCK capture-pane -p -t s9 | sed -n '/ Translation (/,\$p' | sed '1d;\$d' | sed '\$d' | tr '\n' ' ' | tr -s ' ' | sed 's/^ //;s/ \$//')\" = '$(printf %s "$tgt" | words)'"
keys s9 C-q
check "the wrap run quits with status 0" wait_for s9 "EXIT=0" 30

# The matches panel (--tm, --glossary) at 80x24: the fuzzy match with its percent, the word that
# differs from the source highlighted, its target; glossary terms highlighted in the source and
# checked in the translation (a missing one marked); F9 inserts the match, Ctrl-J confirms to the TM.
if "$T" tm add --tm "$TMPD/tm.sqlite" --from en --to de "Press the red button to start the machine." \
    "Drücken Sie die rote Taste, um die Maschine zu starten." >/dev/null 2>&1; then
    printf 'button\tTaste\nmachine\tMaschine\nstart\tInbetriebnahme\n' >"$TMPD/g.tsv"
    rm -f "$TMPD/state/tolk/autosave.txt" # an empty source to type into
    start s10 80 24 -- --from en --to de --tm "$TMPD/tm.sqlite" --glossary "$TMPD/g.tsv"
    started s10 "Matches: F8 next"
    text s10 "Press the green button to start the machine."
    check "panel: the fuzzy match with its percent" wait_for s10 "1/1  88% Press the red button to start the machine." 10
    check "panel: its target" contains "$(screen s10)" "-> Drücken Sie die rote Taste, um die Maschine zu starten."
    esc=$(printf '\033')
    check "panel: the differing word highlighted" sh -c "tmux -L $SOCK capture-pane -p -e -t s10 | grep -qF '${esc}[7mred'"
    check "panel: the terms of the source" contains "$(screen s10)" "Terms: button=Taste start=Inbetriebnahme machine=Maschine"
    check "source: the terms highlighted" sh -c "tmux -L $SOCK capture-pane -p -e -t s10 | sed -n 3p | grep -qF '${esc}[1;4mbutton'"
    keys s10 F9
    check "F9: the match inserted" wait_for s10 "inserted the TM match (88%)" 5
    check "  ... into the translation pane" contains "$(target_text s10)" "Drücken Sie die rote Taste, um die Maschine zu starten."
    check "terms checked in the translation, the missing one marked" contains "$(screen s10)" \
        "button=Taste ok start=Inbetriebnahme MISSED machine=Maschine ok"
    keys s10 C-j
    check "Ctrl-J: confirmed to the TM" wait_for s10 "confirmed: added to the translation memory" 5
    check "  ... the TM has the new pair" test "$("$T" tm stats --tm "$TMPD/tm.sqlite" | sed -n 's/^total	//p')" = 2
    check "  ... shown as a 100% match" wait_for s10 "100% Press the green button to start the machine." 5
    keys s10 C-q
    check "the matches run quits with status 0" wait_for s10 "EXIT=0" 10
else
    skip_optional "this tolk has no translation memory (SQLite): the matches panel is not checked"
fi

finish
