#!/bin/sh
# Lets libtool drive nvcc: libtool adds -fPIC/-DPIC and host-compiler flags nvcc does not know,
# so they are forwarded to the host compiler with -Xcompiler. usage: nvcc-pic.sh NVCC ARGS...
nvcc=$1; shift
for a in "$@"; do
    shift
    case $a in
        -fPIC|-fpic|-pthread|-fopenmp) set -- "$@" -Xcompiler "$a" ;;
        -W*) set -- "$@" -Xcompiler "$a" ;;
        *) set -- "$@" "$a" ;;
    esac
done
exec "$nvcc" "$@"
