"""Fixtures of the review app's tests: the processed sample packets (a copy), users, a client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from review.app import create_app
from review.users import create_user
from tests.samples import db_url_of
from tests.review.helpers import CLERK, SECRET, SUPERVISOR, ReviewHome


@pytest.fixture
def review_home(copied_samples_home) -> ReviewHome:
    """The processed samples (a copy) with a clerk and a supervisor."""
    db_url = db_url_of(copied_samples_home)
    create_user(db_url, *CLERK, "clerk")
    create_user(db_url, *SUPERVISOR, "supervisor")
    return ReviewHome(copied_samples_home, db_url)


@pytest.fixture
def client(review_home) -> TestClient:
    return TestClient(create_app(review_home.db_url, review_home.home, secret=SECRET))
