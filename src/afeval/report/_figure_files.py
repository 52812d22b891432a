"""How every figure is written: PNG and SVG at one resolution, the SVG with no creation date and fixed element
ids, so the same data writes the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from matplotlib import rc_context
from matplotlib.figure import Figure

FORMATS: Final = ("png", "svg")
_DPI: Final = 150


def save_figure(figure: Figure, out_dir: Path, stem: str) -> tuple[Path, ...]:
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = tuple(out_dir / f"{stem}.{fmt}" for fmt in FORMATS)
    with rc_context({"svg.hashsalt": "afeval"}):
        for path in paths:
            metadata = {"Date": None} if path.suffix == ".svg" else None
            figure.savefig(path, dpi=_DPI, metadata=metadata)
    return paths
