#!/usr/bin/env bash
# Regenerate the labelled evaluation set in tests/eval_set/ (see make_eval_set.py).
# Same CJK fonts as make_sample_scans.sh (fonts-noto-cjk, fonts-arphic-uming);
# electronic receipts are written with fpdf2 (dev dependency: pip install fpdf2).
#   PYTHON=/path/to/python tests/tools/make_eval_set.sh [--only r05]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"

zh="$(fc-list :lang=zh 2>/dev/null || true)"
if ! grep -q "NotoSansCJK-Regular.ttc" <<<"$zh" || ! grep -q "NotoSerifCJK-Bold.ttc" <<<"$zh" \
        || ! grep -q "uming.ttc" <<<"$zh"; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "CJK fonts missing: run as root, or: apt-get install -y fonts-noto-cjk fonts-arphic-uming" >&2
        exit 1
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk fonts-arphic-uming
fi
"$PYTHON" -c "import fpdf" 2>/dev/null || { echo "fpdf2 missing: $PYTHON -m pip install fpdf2" >&2; exit 1; }

exec "$PYTHON" "$here/make_eval_set.py" "$@"
