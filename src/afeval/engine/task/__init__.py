"""The Inspect task, its solver, scorers, votes, judge calls and follow-ups (private: see :mod:`afeval.engine`)."""
