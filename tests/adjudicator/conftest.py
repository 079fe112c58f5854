"""Test setup: the repository on sys.path (pytest without an installed package), quiet hypothesis."""

import sys
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Hypothesis must not write into the repository (other people work in it): no example database,
# and its caches go to the temp directory.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "hypothesis-adjudicator"))
settings.register_profile("adjudicator", database=None)
settings.load_profile("adjudicator")
