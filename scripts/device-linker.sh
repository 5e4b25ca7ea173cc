#!/bin/sh
# Linker of the handheld in the `device` profile (scripts/cross.sh and
# scripts/cross-armv7.sh set it for those builds only). DEVICE_TOOLS names
# the target's GNU tools: aarch64-linux-gnu unless set (armv7:
# arm-linux-gnueabihf).
#  - Debian's lld 16 packs the relative relocations (DT_RELR, glibc 2.36 and
#    newer): about 1 MB less than RELA on aarch64, 0.3 MB less than REL on
#    armv7. Binutils 2.40's ld cannot do that for either.
#  - The unwind tables go after the link (aarch64: 1.4 MB of .eh_frame):
#    the device profile aborts on a panic, so nothing unwinds. A panic still
#    logs its message and source location to the journal; only the
#    backtrace is lost. (armv7 unwinds through .ARM.exidx, which a program
#    header points at: it stays.)
set -e
tools=${DEVICE_TOOLS:-aarch64-linux-gnu}
"$tools-gcc" -B/usr/lib/llvm-16/bin -fuse-ld=lld "$@" -Wl,-z,pack-relative-relocs
out=""
prev=""
for arg in "$@"; do
  [ "$prev" = "-o" ] && out=$arg
  prev=$arg
done
if [ -n "$out" ]; then
  "$tools-objcopy" --remove-section=.eh_frame --remove-section=.eh_frame_hdr "$out"
fi
