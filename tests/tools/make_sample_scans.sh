#!/usr/bin/env bash
# Regenerate the synthetic sample scans in sample_scans/.
# The generated JPEGs are checked in, so tests never need these fonts; this
# script is only for changing the samples. Fonts come from Debian packages
# (fonts-noto-cjk: Noto Sans/Serif CJK SC; fonts-arphic-uming: AR PL UMing).
#   PYTHON=/path/to/python tests/tools/make_sample_scans.sh [--only 01]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"

need_fonts() {
    local zh
    zh="$(fc-list :lang=zh 2>/dev/null || true)"
    ! grep -q "NotoSansCJK-Regular.ttc" <<<"$zh" \
        || ! grep -q "NotoSerifCJK-Bold.ttc" <<<"$zh" \
        || ! grep -q "uming.ttc" <<<"$zh"
}

if need_fonts; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "CJK fonts missing: run as root, or: apt-get install -y fonts-noto-cjk fonts-arphic-uming" >&2
        exit 1
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk fonts-arphic-uming
fi

exec "$PYTHON" "$here/make_sample_scans.py" "$@"
