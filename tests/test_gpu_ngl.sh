#!/bin/sh
# -ngl N / --gpu-layers N on the model-running subcommands: bad counts are refused; in a build
# without CUDA any N > 0 is refused with one line saying how to build with CUDA and a non-zero exit;
# in a CUDA build the option is accepted and, without a device, one line says the CPU runs every
# layer. 0 is always accepted. tolk info shows the backend and devices.
. "${TOLK_SRCDIR:-.}/tests/lib.sh"

bin=$TOLK_BIN
backend=$("$bin" --version | sed -n 's/^gpu backend: \([a-z]*\),.*/\1/p')
n_dev=$("$bin" --version | sed -n 's/^gpu backend: [a-z]*, \([0-9]*\) device.*/\1/p')
check "tolk --version names the gpu backend" [ -n "$backend" ]

for cmd in run translate bench; do
    check "$cmd -ngl 0 is accepted" "$bin" $cmd -ngl 0 --help
    out=$("$bin" $cmd --gpu-layers=-1 2>&1) && bad "$cmd --gpu-layers=-1 was accepted"
    check "$cmd: a negative count names the option" contains "$out" "--gpu-layers"
    out=$("$bin" $cmd -ngl many 2>&1) && bad "$cmd -ngl many was accepted"
    check "$cmd: a non-number is refused" contains "$out" "got 'many'"
    if [ "$backend" = none ]; then
        out=$("$bin" $cmd -ngl 99 -m /nonexistent/model.gguf 2>&1)
        rc=$?
        check "$cmd -ngl 99 fails in a build without CUDA" [ "$rc" -ne 0 ]
        check "$cmd -ngl 99: says CUDA is missing" contains "$out" "built without CUDA"
        check "$cmd -ngl 99: says how to build with it" contains "$out" "--with-cuda"
        check "$cmd -ngl 99: one line" [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
        out=$("$bin" $cmd --gpu-layers 999 --help 2>&1) && bad "$cmd --gpu-layers 999 was accepted"
        check "$cmd --gpu-layers 999: the same refusal" contains "$out" "built without CUDA"
    else
        out=$("$bin" $cmd -ngl 99 --help 2>&1 >/dev/null)
        check "$cmd -ngl 99 is accepted in a CUDA build" [ $? -eq 0 ]
        if [ "$n_dev" = 0 ]; then
            check "$cmd -ngl 99 without a device: one line about the CPU" contains "$out" \
                "no CUDA device or driver found: every layer runs on the CPU"
        else
            check "$cmd -ngl 99 with a device: says the layers stay on the CPU" contains "$out" "runs on the CPU"
        fi
        check "$cmd -ngl 99: one line" [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
    fi
done

# tolk info names the backend and the devices beside the model (the default model, when present)
if need_default_model part; then
    out=$("$bin" info "$DEFAULT_MODEL" 2>&1)
    check "tolk info shows the gpu backend and device count" contains "$out" "gpu:           $backend, $n_dev device"
fi
finish
