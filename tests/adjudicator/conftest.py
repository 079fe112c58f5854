"""Hypothesis runs without an example database: a property test must not depend on earlier runs."""

from hypothesis import settings

settings.register_profile("adjudicator", database=None)
settings.load_profile("adjudicator")
