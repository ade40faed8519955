#!/bin/sh
# Make sure latexmk and pdflatex are installed. As root on Debian/Ubuntu, install TeX Live
# from the distribution's packages; otherwise print the exact command and fail.
set -eu
PKGS="texlive-latex-recommended texlive-pictures texlive-science latexmk bubblewrap poppler-utils"
if command -v latexmk >/dev/null 2>&1 && command -v pdflatex >/dev/null 2>&1 && command -v bwrap >/dev/null 2>&1 \
   && command -v pdftotext >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "latexmk, bwrap or pdftotext not found: installing TeX Live, bubblewrap and poppler-utils ($PKGS) with apt-get..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS lmodern >/dev/null
    exit 0
fi
if command -v latexmk >/dev/null 2>&1 && command -v pdflatex >/dev/null 2>&1; then
    # TeX is there, only the jail is missing: builds still run (one warning line per run)
    echo "warning: bwrap not found; TeX runs without its filesystem jail. Install it with:" >&2
    echo "  sudo apt-get install bubblewrap" >&2
    exit 0
fi
echo "error: latexmk/pdflatex not found. Install TeX Live, then run make again:" >&2
echo "  sudo apt-get install $PKGS" >&2
exit 1
