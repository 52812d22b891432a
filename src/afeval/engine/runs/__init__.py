"""The run drivers (run, rescore, sweep, selfcheck, generate) and their support (private: see :mod:`afeval.engine`)."""
