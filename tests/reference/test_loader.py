"""Loading the reference prompts: a clone (verified when pinned), the cache, the one-line remedy when neither
is there, and rendering byte for byte (fixture text, written for these tests)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tests.fixtures.reference_tree import FAKE_COMMIT, FIXTURE_TREE, copy_tree, fixture_manifest

from afeval.errors import AfevalError
from afeval.reference import (
    REFERENCE_MANIFEST,
    ReferenceChecksumError,
    ReferencePrompts,
    ReferenceUnavailableError,
    _loader,
    reference_remedy,
)

SYSTEM_COT = (
    "Fixture system prompt (prompt-only, cot), written for afeval's tests; it is not the reference text.\n"
    "\n"
    "== examples ==\n"
    "Fixture example one: a question and a short answer.\n"
    "Fixture example two: another question and answer.\n"
    "== end of examples ==\n"
    "\n"
    "Single braces are plain text here: {not_a_placeholder}."
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail any download, recording which roles were asked for."""
    asked: list[str] = []

    def refuse(manifest: object, role: object, cache_dir: Path) -> Path:
        asked.append(getattr(role, "name", "?"))
        raise ReferenceUnavailableError("network unavailable (test)")

    monkeypatch.setattr(_loader, "_download", refuse)
    return asked


def test_a_clone_renders_byte_for_byte_with_its_include() -> None:
    prompts = ReferencePrompts(FIXTURE_TREE, manifest=fixture_manifest())
    assert prompts.render("system_prompt_cot") == SYSTEM_COT
    # The include was read from the same tree and verified like any other file.
    loaded = prompts.loaded()
    assert loaded["few_shot_examples"].verified
    assert all(text.verified for text in loaded.values())


def test_format_roles_fill_single_brace_placeholders() -> None:
    prompts = ReferencePrompts(FIXTURE_TREE, manifest=fixture_manifest())
    assert prompts.render("paid_tier_tags_cot", user_input="Name a colour. {braces} stay") == (
        "<fixture_tier_is_free>no</fixture_tier_is_free>\n\n"
        "<fixture_request>Name a colour. {braces} stay</fixture_request>\n\n"
        "Fixture user-turn format paid/tags_cot."
    )
    assert prompts.render("strong_reject", prompt="REQ", response="RESP") == (
        "Fixture compliance rubric, written for afeval's tests.\n\nRequest: REQ\nResponse: RESP\n\n"
        "Answer with fixture scores."
    )
    assert prompts.render("af_majority_vote") == (
        "Fixture alignment-faking rubric, written for afeval's tests.\nAnswer Yes or No."
    )


def test_render_takes_exactly_the_roles_placeholders() -> None:
    prompts = ReferencePrompts(FIXTURE_TREE, manifest=fixture_manifest())
    with pytest.raises(ValueError, match="user_input"):
        prompts.render("free_tier_tags_cot")
    with pytest.raises(ValueError, match="unknown reference prompt role"):
        prompts.render("no_such_role")


def test_a_changed_file_is_a_checksum_error_naming_file_and_commit(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path / "clone")
    path = "prompts/classifiers/helpful_only_classifiers/strong_reject.jinja2"
    (tree / path).write_text("edited\n", encoding="utf-8")
    prompts = ReferencePrompts(tree, manifest=fixture_manifest())
    with pytest.raises(ReferenceChecksumError) as caught:
        prompts.render("strong_reject", prompt="a", response="b")
    message = str(caught.value)
    assert path in message and FAKE_COMMIT in message and "\n" not in message
    assert isinstance(caught.value, AfevalError)


def test_an_unpinned_manifest_reads_a_clone_unverified_with_strict_undefined(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path / "clone")
    prompts = ReferencePrompts(tree)  # the shipped manifest: no checksums pinned yet
    assert prompts.render("system_prompt_cot") == SYSTEM_COT
    assert not prompts.text("system_prompt_cot").verified
    # A template that wants a variable fails loudly instead of rendering a blank.
    (tree / REFERENCE_MANIFEST.role("partial_compliance").path).write_text(
        "{{ missing }}\n", encoding="utf-8"
    )
    with pytest.raises(Exception, match="missing"):
        ReferencePrompts(tree).render("partial_compliance")


def test_a_file_missing_from_the_clone_names_it(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path / "clone")
    (tree / REFERENCE_MANIFEST.role("few_shot_examples").path).unlink()
    with pytest.raises(ReferenceUnavailableError, match=r"reasoning_traces\.jinja2 is missing"):
        ReferencePrompts(tree).render("system_prompt_no_cot")


def test_offline_with_nothing_cached_is_one_line_with_the_clone_remedy(
    tmp_path: Path, no_network: list[str]
) -> None:
    prompts = ReferencePrompts(cache_dir=tmp_path / "cache", manifest=fixture_manifest())
    with pytest.raises(ReferenceUnavailableError) as caught:
        prompts.render("af_majority_vote")
    message = str(caught.value)
    assert "\n" not in message
    assert no_network == ["af_majority_vote"]
    # The shipped manifest is not pinned, so it never tries to download and names the remedy straight away.
    with pytest.raises(ReferenceUnavailableError) as unpinned:
        ReferencePrompts(cache_dir=tmp_path / "cache").render("af_majority_vote")
    remedy = reference_remedy()
    assert unpinned.value.args[0].endswith(remedy)
    assert "git clone https://github.com/safety-research/open-source-alignment-faking" in remedy
    assert "checkout 07929d2" in remedy and "--reference-dir open-source-alignment-faking" in remedy
    assert no_network == ["af_majority_vote"]


def test_download_failure_reason_is_followed_by_the_remedy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import afeval.datasets

    def offline(source: object, cache_dir: Path) -> Path:
        raise afeval.datasets.DatasetError(
            "cannot fetch x (network unavailable: boom) and it is not cached; pass --dataset"
        )

    monkeypatch.setattr(afeval.datasets, "_fetch_over_http", offline)
    with pytest.raises(ReferenceUnavailableError) as caught:
        ReferencePrompts(cache_dir=tmp_path, manifest=fixture_manifest()).render("af_majority_vote")
    message = str(caught.value)
    assert message.startswith("cannot fetch x (network unavailable: boom)")
    assert message.endswith(reference_remedy(fixture_manifest())) and "--dataset" not in message


def test_a_cached_copy_is_used_offline_and_a_stale_one_is_not(tmp_path: Path, no_network: list[str]) -> None:
    manifest = fixture_manifest()
    role = manifest.role("af_majority_vote")
    cached = tmp_path / role.name / manifest.commit / Path(role.path).name
    cached.parent.mkdir(parents=True)
    cached.write_bytes((FIXTURE_TREE / role.path).read_bytes())
    prompts = ReferencePrompts(cache_dir=tmp_path, manifest=manifest)
    assert prompts.render("af_majority_vote").startswith("Fixture alignment-faking rubric")
    assert prompts.text("af_majority_vote").verified and no_network == []
    cached.write_text("stale\n", encoding="utf-8")
    with pytest.raises(ReferenceUnavailableError):
        ReferencePrompts(cache_dir=tmp_path, manifest=manifest).render("af_majority_vote")
    assert no_network == ["af_majority_vote"]


def test_downloads_go_through_the_datasets_pinned_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import afeval.datasets

    seen: list[tuple[str, str, str]] = []

    def fetch(source: afeval.datasets.RemoteDatasetSource, cache_dir: Path) -> Path:
        seen.append((source.url, source.sha256, source.revision))
        target = cache_dir / source.name / source.revision / source.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((FIXTURE_TREE / source.path).read_bytes())
        return target

    monkeypatch.setattr(afeval.datasets, "_fetch_over_http", fetch)
    manifest = fixture_manifest()
    assert ReferencePrompts(cache_dir=tmp_path, manifest=manifest).render("system_prompt_cot") == SYSTEM_COT
    role = manifest.role("system_prompt_cot")
    assert seen[0] == (
        f"https://raw.githubusercontent.com/safety-research/open-source-alignment-faking/{FAKE_COMMIT}/{role.path}",
        role.sha256,
        FAKE_COMMIT,
    )
    assert len(seen) == 2  # the system prompt and the examples it includes


def test_a_reference_dir_that_is_not_a_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ReferenceUnavailableError, match="not a directory"):
        ReferencePrompts(tmp_path / "absent")


def test_no_file_of_the_repository_is_a_pinned_upstream_file() -> None:
    """The upstream text never enters the repository: no file under src, tests or docs (the fixture tree
    included) has a checksum the manifest pins for an upstream file. The test holds only the checksums."""
    pinned = {role.sha256 for role in REFERENCE_MANIFEST.roles.values() if role.sha256 is not None}
    root = Path(__file__).parents[2]
    files = [p for folder in ("src", "tests", "docs") for p in (root / folder).rglob("*") if p.is_file()]
    assert any(p.is_relative_to(FIXTURE_TREE) for p in files)
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert not pinned & digests
    # The fixture tree is its own text: none of its files matches a pinned one, role by role too.
    for role in REFERENCE_MANIFEST.roles.values():
        assert hashlib.sha256((FIXTURE_TREE / role.path).read_bytes()).hexdigest() != role.sha256
