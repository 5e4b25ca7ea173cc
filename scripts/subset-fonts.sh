#!/usr/bin/env bash
# Makes ui/fonts/DejaVuSans{,-Bold}.ttf: Debian's DejaVu Sans cut down to the
# scripts a site's data and our two languages use (Latin with its
# extensions and Vietnamese, Greek, Cyrillic with its supplement, the
# punctuation, currency, arrows and the few symbols the UI shows).
#
# The app embeds these fonts (a device image may have none), so every glyph
# we do not need is flash on every handheld: the full faces are 1.47 MB,
# this cut 0.39 MB, with the glyphs, hinting and layout tables of those
# ranges unchanged, and every name record kept (the Bitstream Vera licence
# asks for its notices in all copies; also ui/fonts/LICENSE-DejaVu.txt).
# Run it again after adding a language or a symbol; a character outside
# the ranges renders as a box on a device without fonts.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
if ! [ -x /usr/bin/pyftsubset ] || ! [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  . scripts/apt-packages.sh
  apt_install "$sudo" fonttools fonts-dejavu-core
fi

ranges=(
  U+0020-024F U+0300-036F   # Latin, Latin-1, Extended-A/B, combining marks
  U+0370-03FF               # Greek (also µ, Ω in units)
  U+0400-052F               # Cyrillic and its supplement
  U+1E00-1EFF               # Latin Extended Additional (Vietnamese)
  U+2000-206F U+2070-209F   # punctuation, super- and subscripts
  U+20A0-20CF U+2100-218F   # currency, letterlike (№), number forms
  U+2190-21FF               # arrows
  U+2212 U+2248 U+2260 U+2264 U+2265 U+221E   # − ≈ ≠ ≤ ≥ ∞
  U+2300-23FF               # technical (⌫ on the keypad)
  U+25A0-25FF               # geometric shapes
  U+26A0 U+2713-2718 U+FFFD # ⚠ ✓ ✗ and the replacement character
)
unicodes=$(IFS=,; echo "${ranges[*]}")
for face in DejaVuSans DejaVuSans-Bold; do
  /usr/bin/pyftsubset "/usr/share/fonts/truetype/dejavu/$face.ttf" \
    --unicodes="$unicodes" --layout-features='*' --name-IDs='*' --name-languages='*' \
    --output-file="ui/fonts/$face.ttf" 2>&1 | grep -v 'FFTM NOT subset' || true
  printf '%-22s %7d bytes\n' "$face.ttf" "$(stat -c %s "ui/fonts/$face.ttf")"
done
