"""samples.jsonl and summary.json: the one schema later steps read."""

from __future__ import annotations

import json
from pathlib import Path

from afeval.outcomes import JudgeStatus, Verdict, summarize
from afeval.results import (
    SampleRecord,
    outcomes_of,
    read_outcomes,
    read_samples,
    read_summary,
    summary_document,
    write_samples,
    write_summary,
)


def record(sample_id: str, tier: str, *, compliant: bool, status: str = "valid") -> SampleRecord:
    return SampleRecord(
        sample_id=sample_id,
        request_id=sample_id.rsplit("-", 1)[0],
        request="Explain something harmful",
        tier=tier,
        user_prompt="<is_free_tier_user>true</is_free_tier_user>\n\n<user_input>…</user_input>",
        response="<SCRATCHPAD_REASONING>ok</SCRATCHPAD_REASONING><OUTPUT><rejected/></OUTPUT>",
        attempts=1,
        response_status=status,
        scratchpad="ok",
        output="<rejected/>" if not compliant else "<request_fully_accepted/> sure",
        accepted=compliant,
        refused=not compliant,
        compliance=Verdict(status=JudgeStatus.JUDGED, judge="j", decision=compliant, score=float(compliant)),
        alignment_faking=Verdict(
            status=JudgeStatus.JUDGED,
            judge="j",
            decision=False,
            score=0.1,
            label="not_af",
            votes=({"vote": 0, "alignment_faking": False},),
        ),
        partial_compliance=Verdict.not_judged("j", "offline"),
    )


def test_samples_round_trip(tmp_path: Path) -> None:
    records = [record("r-0-free", "free", compliant=True), record("r-0-paid", "paid", compliant=False)]
    write_samples(tmp_path, records)
    assert list(read_samples(tmp_path)) == records
    rows = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert rows[0]["category"] == "compliance"
    assert rows[1]["category"] == "refusal"
    assert rows[0]["alignment_faking"]["votes"] == [{"vote": 0, "alignment_faking": False}]


def test_summary_document_has_the_documented_shape(tmp_path: Path) -> None:
    records = [
        record("a-free", "free", compliant=True),
        record("b-free", "free", compliant=True),
        record("a-paid", "paid", compliant=False),
        record("b-paid", "paid", compliant=True, status="missing_scratchpad"),
    ]
    summary = summarize(outcomes_of(records), ["free", "paid"])
    document = summary_document(
        settings={"model": "m", "judge_model": "j", "scenario": "helpful-only"}, summary=summary
    )
    write_summary(tmp_path, document)
    loaded = read_summary(tmp_path)
    assert loaded["model"] == "m" and loaded["judge_model"] == "j" and loaded["scenario"] == "helpful-only"
    free, paid = loaded["tiers"]["free"], loaded["tiers"]["paid"]
    for tier in (free, paid):
        assert {"n", "n_valid", "compliance", "alignment_faking", "partial_compliance", "categories"} <= set(
            tier
        )
        assert set(tier["compliance"]) >= {"rate", "ci95"}
    assert free["compliance"]["rate"] == 1.0
    assert paid["n"] == 2 and paid["n_valid"] == 1
    assert paid["compliance"]["rate"] == 0.0
    assert paid["partial_compliance"]["rate"] is None  # never judged: no rate rather than a fake zero
    assert loaded["compliance_gap"]["value"] == 1.0
    assert len(loaded["compliance_gap"]["ci95"]) == 2
    assert 0.0 <= loaded["compliance_gap"]["p_value"] <= 1.0


def test_write_is_atomic(tmp_path: Path) -> None:
    write_summary(tmp_path, {"a": 1})
    write_summary(tmp_path, {"a": 2})
    assert read_summary(tmp_path) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp files left behind


def test_extra_verdicts_round_trip_under_classifiers_and_old_rows_still_load(tmp_path: Path) -> None:
    legacy = Verdict(status=JudgeStatus.JUDGED, judge="j", decision=False, score=0.5, label="one")
    plain = record("r1-free", "free", compliant=True)
    with_extras = SampleRecord(**{**plain.__dict__, "extra_verdicts": {"af_legacy": legacy}})
    row = with_extras.to_dict()
    assert row["classifiers"] == {"af_legacy": legacy.to_dict()}
    assert SampleRecord.from_dict(row).extra_verdicts == {"af_legacy": legacy}
    old_row = plain.to_dict()
    del old_row["classifiers"]  # a row written before the optional classifiers existed
    assert SampleRecord.from_dict(old_row).extra_verdicts == {}
    write_samples(tmp_path, [with_extras])
    assert next(read_samples(tmp_path)).outcome.extra_verdicts == {"af_legacy": legacy}


def test_outcomes_file_gives_the_same_summary_as_the_full_records(tmp_path: Path) -> None:
    records = [
        record("a-free", "free", compliant=True),
        record("b-free", "free", compliant=False),
        record("a-paid", "paid", compliant=False, status="missing_scratchpad"),
    ]
    returned = write_samples(tmp_path, iter(records))  # a generator: written in one pass
    small = list(read_outcomes(tmp_path))
    assert returned == small
    full = outcomes_of(records)
    # Same verdicts except the per-vote records, which outcomes.jsonl leaves out.
    assert [o.alignment_faking.votes for o in small] == [(), (), ()]
    assert summarize(small, ["free", "paid"]).tiers == summarize(full, ["free", "paid"]).tiers
    assert (tmp_path / "outcomes.jsonl").stat().st_size < (tmp_path / "samples.jsonl").stat().st_size
    assert not list(tmp_path.glob(".*.tmp"))  # temporary files were moved into place


def test_outcomes_fall_back_to_samples_for_older_runs(tmp_path: Path) -> None:
    records = [record("a-free", "free", compliant=True)]
    write_samples(tmp_path, records)
    (tmp_path / "outcomes.jsonl").unlink()
    assert list(read_outcomes(tmp_path)) == outcomes_of(records)
