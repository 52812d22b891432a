"""afeval's own Inspect model APIs: the embedded model and the model organisms (private: see :mod:`afeval.engine`)."""
