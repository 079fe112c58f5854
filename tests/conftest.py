"""Fixtures shared by the test modules."""

import pytest

from tests.samples import CALIBRATION


@pytest.fixture(scope="session")
def calibration_receipts():
    receipts = sorted(CALIBRATION.glob("*.jpg"))
    if not receipts:
        pytest.skip("../shared/calibration is not beside this checkout")
    return receipts
