"""``python -m afeval.cli``."""

import sys

from afeval.cli.main import app

sys.exit(app())
