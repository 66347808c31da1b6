"""The grading admin, by subject: the approval queue of proposals (proposals.py), the read-only
records (records.py), the administrator's policy (policy.py)."""

from . import policy, proposals, records

__all__ = ["policy", "proposals", "records"]
