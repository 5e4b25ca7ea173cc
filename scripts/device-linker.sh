#!/bin/sh
# Linker of the aarch64 handheld in the `device` profile (scripts/cross.sh
# sets it for those builds only).
#  - Debian's lld 16 packs the relative relocations (DT_RELR, glibc 2.36 and
#    newer): about 1 MB less than RELA. Binutils 2.40's ld cannot do that for
#    aarch64.
#  - The unwind tables go after the link (1.4 MB): the device profile aborts
#    on a panic, so nothing unwinds. A panic still logs its message and
#    source location to the journal; only the backtrace is lost.
set -e
aarch64-linux-gnu-gcc -B/usr/lib/llvm-16/bin -fuse-ld=lld "$@" -Wl,-z,pack-relative-relocs
out=""
prev=""
for arg in "$@"; do
  [ "$prev" = "-o" ] && out=$arg
  prev=$arg
done
if [ -n "$out" ]; then
  aarch64-linux-gnu-objcopy --remove-section=.eh_frame --remove-section=.eh_frame_hdr "$out"
fi
