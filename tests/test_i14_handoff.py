"""Issue 14, handoff at scale: the handoff decodes no commit entry whole. The range's
commits come from its one git log; of the commit entries only what they link is read,
and only the entries of linked commits outside the range (shown from the entry) are
decoded."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from git_session import codec, handoff
from git_session.model import Entry
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import git, ok


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit hooks run `git-session` from PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def commit_file(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"Add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[Entry]:
    """Every entry decoded whole (``codec.entry_from_bytes``) from now on."""
    entries: list[Entry] = []
    real = codec.entry_from_bytes

    def spy(data: bytes, where: str) -> Entry:
        entry = real(data, where)
        entries.append(entry)
        return entry

    monkeypatch.setattr(codec, "entry_from_bytes", spy)
    return entries


@pytest.fixture
def linked(repo: Path) -> list[str]:
    """A session on ``main`` with three commits linked by the hooks, and a decision."""
    ok(repo, "install")
    ok(repo, "start", "Scale the handoff")
    ok(repo, "decision", "add", "Read what is shown")
    commits = [commit_file(repo, f"file{n}.txt") for n in range(3)]
    ok(repo, "status")  # links the commits the hooks recorded
    return commits


def test_the_handoff_decodes_no_commit_entry_of_the_range(repo: Path, linked: list[str], decoded: list[Entry]) -> None:
    ws = Workspace.open(str(repo))
    assert len(ws.store.entries(ws.find(None).handle, "commit")) == 3
    decoded.clear()
    context = handoff.gather(ws, ws.find(None))
    assert [c["sha"] for c in context["deliverables"]["commits"]] == linked
    assert all(c["linked"] and c["in_history"] for c in context["deliverables"]["commits"])
    assert [d["text"] for d in context["decisions"]] == ["Read what is shown"]
    assert [e.kind for e in decoded if e.kind == "commit"] == []
    assert {e.kind for e in decoded} == {"decision"}


def test_only_the_linked_commits_outside_the_range_are_decoded(
    repo: Path, linked: list[str], decoded: list[Entry]
) -> None:
    outside = git(repo, "rev-parse", f"{linked[0]}~1").strip()  # the base: not in base..tip
    ws = Workspace.open(str(repo))
    found = ws.find(None)
    fields = {"text": "Kept from before", "commit": outside, "branch": "main"}
    ws.store.append(found.handle.ref, lambda h, m: [Draft.add("commit", fields)], ws.ident, "link")
    decoded.clear()
    context = handoff.gather(ws, ws.find(None))
    shown = [(c["sha"], c["subject"], c["in_history"]) for c in context["deliverables"]["commits"]]
    assert shown == [
        *((sha, f"Add file{n}.txt", True) for n, sha in enumerate(linked)),
        (outside, "Kept from before", False),
    ]
    assert [e.text for e in decoded if e.kind == "commit"] == ["Kept from before"]


def test_a_rewritten_commit_entry_links_nothing(repo: Path, linked: list[str]) -> None:
    ws = Workspace.open(str(repo))
    handle = ws.find(None).handle
    links = {link.commit: link for link in ws.store.commit_links(handle)}
    assert set(links) == set(linked) and not any(link.rewritten for link in links.values())
    entry = next(e for e in ws.store.entries(handle, "commit") if e.values["commit"] == linked[0])
    ws.store.append(handle.ref, lambda h, m: [Draft.update("commit", entry.id, {"rewritten": "0" * 40})], ws.ident, "x")
    links = {link.commit: link for link in ws.store.commit_links(ws.find(None).handle)}
    assert links[linked[0]].rewritten and links[linked[0]].entry_id == entry.id
