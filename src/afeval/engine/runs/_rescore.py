"""Re-scoring: run the judges again on a finished run's stored generations, never the model under test.

The responses of the model under test are the part of a run that cannot be had again for free: a new judge
model, more alignment-faking votes for a tighter majority vote, or another selection of classifiers should not
need them generated anew. Re-scoring reads a run directory (``summary.json``, ``samples.jsonl``,
``system_prompt.txt``), replays each stored response as its sample's output through a solver that makes no
model call, and runs the selected judge scorers on it through Inspect as a normal run would (cache, retries,
concurrency, batch mode, the ``--max-cost`` budget, an ``.eval`` log). The model under test is stood in for by
``afeval-replay/<model>``, a model API that needs no key and refuses every call, so a re-scoring pass cannot
reach it by accident. The follow-up questions, which ask the model under test again, are not available here.

The results go to a new directory (by default ``<run>/rescored-<judge>-<time>/``) in the usual format, with
``rescored_from`` in ``summary.json`` naming the run, judge and classifiers they replace.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    ModelAPI,
    ModelOutput,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver

from afeval._util.jsonl import json_objects
from afeval._util.slugs import slug
from afeval._util.text import error_line
from afeval.engine.models._providers import REPLAY_API
from afeval.engine.runs._config import RunConfig, RunResult
from afeval.engine.runs._executor import PartSource, RunPlan, execute
from afeval.engine.runs._preflight import (
    check_judge_reachable,
    load_env_file,
    preflight_budget,
    preflight_judge,
)
from afeval.engine.runs._records import sample_order
from afeval.engine.task._judge_calls import grader_roles
from afeval.engine.task._solver import RESPONSE_STORE_KEY
from afeval.engine.task._task import sample_metadata, scorers_of
from afeval.errors import AfevalError, ConfigError
from afeval.judges import select_classifiers
from afeval.reference import ReferencePrompts, load_reference
from afeval.results import (
    SAMPLES_FILE,
    SUMMARY_FILE,
    SYSTEM_PROMPT_FILE,
    RescoredFrom,
    RunSummaryDocument,
    SampleRecord,
    read_summary,
)
from afeval.scenario import ScenarioOptions, render_system_prompt
from afeval.settings import (
    LIBRARY_PRESET,
    DatasetChoice,
    GenerationSettings,
    Preset,
    SettingGroup,
    with_setting_keys,
)

RESCORE_TASK = "afeval_rescore"
JUDGING_GROUP: Final[tuple[SettingGroup, ...]] = ("judging",)
"""The settings a re-scoring changes: the stored responses fix every other."""


class RescoreError(AfevalError, RuntimeError):
    """A run directory that cannot be re-scored: one line saying what is missing or unreadable."""


class ReplayedModelCalled(RuntimeError):
    """Something asked the stand-in for the model under test to generate while re-scoring."""


class ReplayedModelAPI(ModelAPI):
    """The model under test of a re-scored run: it carries the original model's name, needs no API key and
    refuses every call (re-scoring reads the stored responses instead)."""

    async def generate(self, *args: Any, **kwargs: Any) -> ModelOutput:
        raise ReplayedModelCalled(f"re-scoring never calls the model under test ({self.model_name})")


@dataclass(frozen=True)
class RecordPlace:
    """Where one stored record is in ``samples.jsonl``: its sample id, the byte offset and length of its line."""

    sample_id: str
    offset: int
    length: int


@dataclass(frozen=True)
class StoredRun:
    """What re-scoring reads from a run directory: everything but the records themselves, which stay in
    ``samples.jsonl`` and are read a part at a time (:meth:`records`); ``places`` are in the order the results
    are written (that of :func:`~afeval.engine.runs._records.sample_order`), so the parts of a re-scoring
    write the rows one eval of them all would."""

    run_dir: Path
    summary: RunSummaryDocument
    places: tuple[RecordPlace, ...]
    system_prompt: str
    scenario: ScenarioOptions

    def records(self, places: Sequence[RecordPlace]) -> Iterator[SampleRecord]:
        """The records at ``places``, read from ``samples.jsonl`` one line at a time."""
        with (self.run_dir / SAMPLES_FILE).open("rb") as handle:
            for place in places:
                handle.seek(place.offset)
                yield SampleRecord.from_dict(json.loads(handle.read(place.length)))


def load_stored_run(run_dir: Path) -> StoredRun:
    """Read a run directory; raises :class:`RescoreError` (one line) when it is not a readable afeval run.

    Every record is read and checked here, before any call, but only its place in the file is kept: memory
    holds a few dozen bytes a sample, whatever the responses and votes weigh."""
    if not (run_dir / SUMMARY_FILE).is_file():
        raise RescoreError(f"{run_dir} is not an afeval run directory (no {SUMMARY_FILE})")
    try:
        summary = read_summary(run_dir)
        scenario = ScenarioOptions.from_dict(_required(summary.scenario_options, "scenario_options"))
        places = _record_places(run_dir / SAMPLES_FILE)
    except FileNotFoundError as exc:
        raise RescoreError(f"cannot re-score {run_dir}: {Path(exc.filename).name} is missing") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        what = f"missing field {exc}" if isinstance(exc, KeyError) else error_line(exc)
        raise RescoreError(f"cannot read the run in {run_dir}: {what}") from exc
    if not places:
        raise RescoreError(f"{run_dir} holds no samples to re-score")
    prompt_file = run_dir / SYSTEM_PROMPT_FILE
    system_prompt = (
        prompt_file.read_text(encoding="utf-8") if prompt_file.is_file() else render_system_prompt(scenario)
    )
    return StoredRun(
        run_dir=run_dir, summary=summary, places=places, system_prompt=system_prompt, scenario=scenario
    )


def _record_places(path: Path) -> tuple[RecordPlace, ...]:
    """The place of every record of ``samples.jsonl``, each record checked as it passes, in the order the
    results are written. Lines end at b"\\n" only (a JSON string written unescaped may hold U+2028)."""
    places: list[RecordPlace] = []
    offset = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                # Read whole once, so that a broken record fails now, in one line, before any paid call.
                row = next(json_objects([line.decode("utf-8")], path=path))[1]
                record = SampleRecord.from_dict(row)
                places.append(RecordPlace(record.sample_id, offset, len(line)))
            offset += len(line)
    return tuple(sorted(places, key=lambda place: sample_order((place.sample_id, 1))))


_T = TypeVar("_T")


def _required(value: _T | None, key: str) -> _T:
    # A field every run writes: one missing fails as the missing key of a dict always has here.
    if value is None:
        raise KeyError(key)
    return value


def default_rescore_dir(run_dir: Path, judge_model: str) -> Path:
    """``<run>/rescored-<judge>-<time>``: next to the results it re-judges."""
    return run_dir / f"rescored-{slug(judge_model)}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


class ReplayedResponse(Protocol):
    """What the replay solver needs of a stored record (a :class:`SampleRecord` is one)."""

    @property
    def response(self) -> str: ...
    @property
    def response_status(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class StoredResponse:
    """The part of a stored record the replay solver reads, kept for the samples of the running part only."""

    response: str
    response_status: str
    attempts: int
    error: str | None

    @classmethod
    def of(cls, record: SampleRecord) -> StoredResponse:
        return cls(record.response, record.response_status, record.attempts, record.error)


@solver
def replay_response(records: Mapping[str, ReplayedResponse], model: str) -> Solver:
    """Put the stored response back as the sample's output (no model call); a sample that failed in the
    original run fails again with its original error, so it stays out of every rate.

    ``records`` is read as each sample starts: a re-scoring fills it with the responses of the part being
    evaluated only."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        record = records[str(state.sample_id)]
        if record.response_status == "error" and not record.response:
            raise RuntimeError(record.error or "the sample failed in the original run")
        state.output = ModelOutput.from_content(model=model, content=record.response)
        state.messages.append(state.output.message)
        state.store.set(RESPONSE_STORE_KEY, {"attempts": record.attempts, "replayed": True})
        return state

    return solve


def replay_sample(record: SampleRecord, stored: StoredRun) -> Sample:
    """The sample of one stored record, with the metadata the scorers read."""
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=stored.system_prompt),
        ChatMessageUser(content=record.user_prompt),
    ]
    metadata = sample_metadata(
        record.request_id, record.request, record.tier, record.user_prompt, stored.scenario
    )
    return Sample(id=record.sample_id, input=messages, metadata=metadata)


def replay_parts(stored: StoredRun, responses: dict[str, ReplayedResponse]) -> PartSource:
    """The parts of a re-scoring, each read from ``samples.jsonl`` when its turn comes: ``responses`` is
    refilled with that part's stored responses (the replay solver's lookup), so memory holds one part."""

    def parts(part_size: int) -> Iterator[list[Sample]]:
        for start in range(0, len(stored.places), part_size):
            records = list(stored.records(stored.places[start : start + part_size]))
            responses.clear()
            responses.update((record.sample_id, StoredResponse.of(record)) for record in records)
            yield [replay_sample(record, stored) for record in records]
        responses.clear()

    return parts


def judges_reference(config: RunConfig) -> ReferencePrompts | None:
    """The reference prompts where the judges get them (the model's wording is the stored run's, never
    rendered again)."""
    return load_reference(config.reference_dir) if config.judging.prompts == "reference" else None


def rescore_task(stored: StoredRun, config: RunConfig, responses: Mapping[str, ReplayedResponse]) -> Task:
    """The Inspect task that replays the stored responses (looked up in ``responses``) and runs only the judge
    scorers; its samples are set a part at a time (:func:`replay_parts`)."""
    dataset = stored.summary.dataset or {}
    # Inspect refuses a task without samples: the run's first one stands in until each part's are set.
    (first,) = stored.records(stored.places[:1])
    return Task(
        name=RESCORE_TASK,
        dataset=MemoryDataset([replay_sample(first, stored)], name=dataset.get("name")),
        solver=replay_response(responses, config.model),
        scorer=scorers_of(config.judging, judges_reference(config)),
        metadata={
            "scenario": stored.scenario.name,
            "dataset": dataset.get("name"),
            "dataset_source": dataset.get("source"),
            "dataset_revision": dataset.get("revision"),
            "smoke_set": stored.summary.smoke_set,
            "judge_model": config.judge_model,
            "rescored_from": str(stored.run_dir),
        },
    )


def rescore_run(
    run_dir: Path,
    settings: Mapping[str, Any] | None = None,
    *,
    out_dir: Path | None = None,
    max_cost: float | None = None,
    max_connections: int | None = None,
    display: str | None = None,
    reference_dir: Path | None = None,
) -> RunResult:
    """Re-run only the judges of the run in ``run_dir`` and write the results into a new directory.

    The run's own settings, read back from its ``summary.json``, are kept, its judges' wording (``prompts``)
    included; ``settings`` overrides them by setting key (the judging keys of
    :data:`afeval.settings.SETTING_KEYS`: ``judge_model``, ``classifiers``, ``af_votes``, ``prompts``, ...; a
    value of None keeps the run's). ``out_dir`` defaults to ``<run_dir>/rescored-<judge>-<time>``;
    ``reference_dir`` is where the reference templates are read from when the judges get them. Raises
    :class:`RescoreError` for a directory that is not a readable run, :class:`~afeval.engine.ConfigError` for a
    judge that cannot be used, a classifier that needs the model under test, or a budget with an unpriced
    judge; all before any paid call.
    """
    stored = load_stored_run(run_dir)
    summary = stored.summary
    try:
        # A field older files lack takes the settings' default: the value a run without it had.
        recorded = Preset(
            summary.preset or LIBRARY_PRESET.name,
            "the re-scored run's settings",
            summary.dataset_choice or DatasetChoice(),
            summary.generation_settings or GenerationSettings(),
            _required(summary.judging_settings, "judges"),
        )
    except (KeyError, ValueError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise RescoreError(f"cannot read the run in {run_dir}: {what}") from exc
    _required(summary.judge_model, "judge_model")
    judging = with_setting_keys(recorded, settings or {}, groups=JUDGING_GROUP).judging
    asks_model = [spec.name for spec in select_classifiers(judging.classifiers) if spec.subject_calls > 0]
    if asks_model:
        raise ConfigError(
            f"{', '.join(asks_model)} asks the model under test further questions, and re-scoring never calls "
            "it: leave it out of --classifiers"
        )
    # Recorded as the run's settings; the stored responses are replayed, never generated again (so neither
    # batch nor prompt caching applies).
    config = RunConfig(
        model=str(_required(summary.model, "model")),
        out_dir=out_dir or default_rescore_dir(stored.run_dir, judging.judge_model),
        dataset=recorded.dataset,
        scenario=stored.scenario,
        tiers=tuple(summary.tiers) or None,
        generation=replace(recorded.generation, cache=judging.cache, batch=False, cache_prompt=None),
        judging=judging,
        max_connections=max_connections,
        display=display,
        max_cost=max_cost,
        preset=summary.preset,
        reference_dir=reference_dir,
    )
    return _judge_again(stored, config)


def _judge_again(stored: StoredRun, config: RunConfig) -> RunResult:
    """Check the judge, then run the judges of ``config`` on the stored responses and write the results."""

    def checks() -> None:
        judges_reference(config)  # loaded first: a missing reference stops the rescore before anything else
        load_env_file()
        preflight_judge(config.judge_model)
        preflight_budget(config, include_model=False)
        check_judge_reachable(config.judge_model)

    responses: dict[str, ReplayedResponse] = {}
    return execute(
        RunPlan(
            config=config,
            task=lambda: rescore_task(stored, config, responses),
            model=f"{REPLAY_API}/{config.model}",
            checks=checks,
            eval_arguments={
                "max_connections": config.max_connections,
                "model_roles": grader_roles(config.judge_model),
            },
            parts=replay_parts(stored, responses),
            rescored_from=RescoredFrom.of(stored.run_dir, stored.summary),
            system_prompt=stored.system_prompt,
        )
    )
