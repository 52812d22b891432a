"""``--shard i/n``: every run lands on exactly one shard, and adding runs never moves an existing one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afeval.sweep._shard import Shard


@dataclass(frozen=True)
class _Run:
    run_id: str


def _runs(n: int, prefix: str = "run") -> list[_Run]:
    return [_Run(f"{prefix}-{i}") for i in range(n)]


@given(st.lists(st.text(min_size=1), unique=True, max_size=60), st.integers(min_value=1, max_value=9))
def test_every_run_lands_on_exactly_one_shard(ids: list[str], count: int) -> None:
    runs = [_Run(run_id) for run_id in ids]
    shards = [Shard(i, count).select(runs) for i in range(1, count + 1)]
    assert sorted(r.run_id for shard in shards for r in shard) == sorted(ids)


def test_adding_runs_never_moves_an_existing_run() -> None:
    before = _runs(40)
    after = [*before[:20], *_runs(15, "new"), *before[20:]]
    for index in (1, 2, 3):
        kept = Shard(index, 3).select(before)
        assert set(kept) <= set(Shard(index, 3).select(after))


def test_shards_are_roughly_balanced_and_keep_order() -> None:
    runs = _runs(600)
    sizes = [len(Shard(i, 4).select(runs)) for i in range(1, 5)]
    assert min(sizes) > 100  # 150 expected each; a hash that sent everything to one shard would fail
    selected = Shard(2, 4).select(runs)
    assert list(selected) == [r for r in runs if r in selected]


def test_one_shard_is_everything() -> None:
    runs = _runs(7)
    assert Shard.parse("1/1").select(runs) == tuple(runs)


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "2/3/4", ""])
def test_bad_shard_specs_fail_clearly(text: str) -> None:
    with pytest.raises(ValueError, match="shard must"):
        Shard.parse(text)


def test_parse_and_str_round_trip() -> None:
    assert str(Shard.parse(" 2 / 5 ")) == "2/5"


def test_sweep_dry_run_shows_only_the_shards_runs_and_rejects_a_bad_shard() -> None:
    from typer.testing import CliRunner

    from afeval.cli import app
    from afeval.sweep import expand_grid, load_sweep

    runs = expand_grid(load_sweep("identity-deployments"))
    mine = Shard(1, 3).select(runs)
    result = CliRunner().invoke(app, ["sweep", "identity-deployments", "--dry-run", "--shard", "1/3"])
    assert result.exit_code == 0, result.output
    assert 0 < len(mine) < len(runs)
    assert f"{len(mine)} runs" in result.output
    bad = CliRunner().invoke(app, ["sweep", "identity-deployments", "--dry-run", "--shard", "4/3"])
    assert bad.exit_code == 2 and "shard must" in bad.output
