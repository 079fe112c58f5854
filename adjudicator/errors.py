"""Finer-grained errors of the adjudicator, all subclasses of the pipeline's typed errors."""

from pipeline.errors import BadInputError, PlanError


class UnknownKeyError(BadInputError):
    """A claim carries a key the API contract does not define."""

    code = "UNKNOWN_KEY"


class NoPlanError(PlanError):
    """No plan file is in force for the claim's policy year."""

    code = "NO_PLAN"


class UnknownClauseError(PlanError):
    """A clause ID that the manual's clause texts do not hold."""

    code = "UNKNOWN_CLAUSE"


__all__ = ["BadInputError", "PlanError", "UnknownKeyError", "NoPlanError", "UnknownClauseError"]
