"""Issue 14, handoff at scale (second round): what the commit entries link comes from the
commit index linking keeps, never over the store; the package's own templates render
outside the sandbox, to the same text.

The handoff reads no commit entry file of the range: the index (made for the session's
tip, checksummed) says which commit each entry names; only the entries it names with a
commit outside the range, or with a commit whose note does not name the session (whether
such an entry was rewritten decides whether it links the commit), are read, and each is
checked to be what the index says. Anything else falls back to reading every link from
the store, so the context is the one that reading gives, in every case below."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session import commitindex, handoff, paths, sandbox
from git_session.bounds import Limits
from git_session.errors import DataError, UserError
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.sessions import Found, Workspace
from git_session.store import Draft, Store
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
def linked(repo: Path) -> list[str]:
    """A session on ``main`` with three commits linked by the hooks, and a decision."""
    ok(repo, "install")
    ok(repo, "start", "Scale the handoff")
    ok(repo, "decision", "add", "Read what is shown")
    commits = [commit_file(repo, f"file{n}.txt") for n in range(3)]
    ok(repo, "status")  # links the commits the hooks recorded
    return commits


def found(repo: Path) -> tuple[Workspace, Found]:
    ws = Workspace.open(str(repo))
    return ws, ws.find(None)


def context(repo: Path) -> dict[str, Any]:
    ws, session = found(repo)
    return handoff.gather(ws, session, now=1_800_000_000)


def from_the_store(repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The context as reading every link from the store makes it (no index at all)."""
    with monkeypatch.context() as patch:
        patch.setattr(handoff, "_from_index", lambda *args: None)
        return context(repo)


def add_commit_entry(repo: Path, commit: str, text: str) -> str:
    ws, session = found(repo)
    fields = {"text": text, "commit": commit, "branch": "main"}
    _, ops = ws.store.append(session.handle.ref, lambda h, m: [Draft.add("commit", fields)], ws.ident, "link")
    return ops[0].id


def mark_rewritten(repo: Path, entry_id: str) -> None:
    ws, session = found(repo)
    rewritten = [Draft.update("commit", entry_id, {"rewritten": "0" * 40})]
    ws.store.append(session.handle.ref, lambda h, m: rewritten, ws.ident, "rewritten")


def index_path(repo: Path) -> Path:
    ws, session = found(repo)
    return paths.commit_index_file(ws.repo, session.handle.id)


def rewrite_index(repo: Path, change: Any) -> None:
    """The index made for the tip, its lines changed by ``change``, with a valid checksum."""
    ws, session = found(repo)
    lines = commitindex.commit_index(ws.store, session.handle).lines
    index_path(repo).write_bytes(commitindex.index_bytes(session.handle.tip, change(lines)))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The folders of session trees read whole, and every reading of all the links."""
    seen: list[str] = []
    blobs_under, commit_links = Repo.blobs_under, Store.commit_links

    def spy_blobs(self: Repo, tree: ObjectId, path: str) -> Iterator[tuple[str, bytes]]:
        seen.append(path)
        return blobs_under(self, tree, path)

    def spy_links(self: Store, handle: Any) -> Any:
        seen.append("commit_links")
        return commit_links(self, handle)

    monkeypatch.setattr(Repo, "blobs_under", spy_blobs)
    monkeypatch.setattr(Store, "commit_links", spy_links)
    yield seen


def test_the_handoff_reads_no_commit_entry_file_of_the_range(repo: Path, linked: list[str], reads: list[str]) -> None:
    shown = context(repo)["deliverables"]["commits"]
    assert [(c["sha"], c["linked"], c["in_history"]) for c in shown] == [(sha, True, True) for sha in linked]
    assert "commit_links" not in reads
    assert not [path for path in reads if path.startswith("entries/commit")]


def test_the_index_gives_the_context_reading_the_store_gives(
    repo: Path, linked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = git(repo, "rev-parse", f"{linked[0]}~1").strip()  # the base: not in base..tip
    add_commit_entry(repo, outside, "Kept from before")
    add_commit_entry(repo, "abc123", "A commit named by a short id")
    gathered = context(repo)
    assert gathered == from_the_store(repo, monkeypatch)
    shown = [(c["sha"], c["subject"], c["in_history"]) for c in gathered["deliverables"]["commits"]]
    assert shown[3:] == [(outside, "Kept from before", False), ("abc123", "A commit named by a short id", False)]


def test_whether_an_unnoted_commit_is_linked_is_read_from_its_entries(
    repo: Path, linked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits made without the hooks carry no note: an entry links them, unless rewritten."""
    ok(repo, "uninstall")
    kept, dropped, other = (commit_file(repo, f"plain{n}.txt") for n in range(3))
    add_commit_entry(repo, kept, "Linked by its entry")
    mark_rewritten(repo, add_commit_entry(repo, dropped, "Rewritten since"))
    gathered = context(repo)
    assert gathered == from_the_store(repo, monkeypatch)
    assert [c["sha"] for c in gathered["deliverables"]["commits"]] == [*linked, kept]
    assert gathered["deliverables"]["left_out"] == 2  # the rewritten one's commit, and the other
    assert other not in {c["sha"] for c in gathered["deliverables"]["commits"]}


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.unlink(), id="missing"),
        pytest.param(lambda path: path.write_bytes(b"not an index\n"), id="garbage"),
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:-20]), id="truncated"),
    ],
)
def test_a_missing_or_damaged_index_is_made_again(
    repo: Path, linked: list[str], monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    expected = from_the_store(repo, monkeypatch)
    assert context(repo) == expected
    damage(index_path(repo))
    assert context(repo) == expected
    assert index_path(repo).read_bytes().startswith(commitindex.MAGIC)


def swapped(lines: bytes, one: str, other: str) -> bytes:
    """The index's lines with the entries of two commits swapped."""
    pairs = dict(line.split(b" ") for line in lines.splitlines())
    pairs[one.encode()], pairs[other.encode()] = pairs[other.encode()], pairs[one.encode()]
    return b"".join(b"%s %s\n" % pair for pair in pairs.items())


def test_an_index_naming_the_wrong_entries_is_not_trusted(
    repo: Path, linked: list[str], monkeypatch: pytest.MonkeyPatch, reads: list[str]
) -> None:
    """Swapped behind a valid checksum: the entry read for the commit outside the range names
    another commit. (The checksum guards against damage, not against a forger: an index naming
    the outside entry with a commit of the range that its note links, where no entry is read,
    would hide it, as an index that leaves a line out hides a duplicate from linking.)"""
    outside = git(repo, "rev-parse", f"{linked[0]}~1").strip()
    add_commit_entry(repo, outside, "Kept from before")
    expected = from_the_store(repo, monkeypatch)
    reads.clear()
    rewrite_index(repo, lambda lines: swapped(lines, outside, linked[1]))
    assert context(repo) == expected
    assert reads.count("commit_links") == 1  # the index failed a check: every link read from the store


def test_an_index_naming_an_entry_the_store_lacks_is_not_trusted(
    repo: Path, linked: list[str], monkeypatch: pytest.MonkeyPatch, reads: list[str]
) -> None:
    expected = from_the_store(repo, monkeypatch)
    reads.clear()
    rewrite_index(repo, lambda lines: lines.replace(linked[0].encode(), b"f" * 40))
    assert context(repo) == expected
    assert reads.count("commit_links") == 1


def test_a_damaged_commit_entry_met_while_the_index_is_made_is_the_same_error(
    repo: Path, linked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session tip whose tree holds a commit entry that is not JSON: making the index reads
    it, and fails as reading the links from the store fails."""
    _, session = found(repo)
    listing = git(repo, "ls-tree", "-r", session.handle.tip, "--", "entries/commit").splitlines()
    path = listing[0].split("\t")[1]
    blob = git(repo, "hash-object", "-w", "--stdin", input="{not json").strip()
    env = {"GIT_INDEX_FILE": str(repo / ".git" / "crafted-index")}
    git(repo, "read-tree", session.handle.tip, env=env)
    git(repo, "update-index", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    tip = git(repo, "commit-tree", tree, "-p", session.handle.tip, "-m", "crafted").strip()
    git(repo, "update-ref", session.handle.ref, tip)
    index_path(repo).unlink()
    with pytest.raises(DataError) as from_store:
        from_the_store(repo, monkeypatch)
    with pytest.raises(DataError) as from_index:
        context(repo)
    assert from_index.value.message == from_store.value.message
    assert from_index.value.message.startswith(f"session {session.handle.id}: {path.rsplit('/', 1)[1]}: ")


# --- the package's own templates --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_shipped_templates_render_as_the_sandbox_renders_them(repo: Path, linked: list[str], fmt: str) -> None:
    ws, _ = found(repo)
    gathered = context(repo)
    ours = sandbox.find_template(ws.repo, fmt)
    assert ours.shipped
    boxed = sandbox.Template(ours.source, ours.origin, ours.html, ours.cache)
    assert sandbox.render_template(ours, gathered) == sandbox.render_template(boxed, gathered)
    assert json.loads(json.dumps(gathered)) == gathered  # plain values only: what the JSON format prints


def test_a_template_of_the_repository_is_never_served_the_code_compiled_for_ours(repo: Path, linked: list[str]) -> None:
    """Both kinds are cached in the same folder, keyed alike: code compiled without the bounds'
    checks is kept under another name, so the sandbox never loads it."""
    ws, _ = found(repo)
    gathered = context(repo)
    ours = sandbox.find_template(ws.repo, "markdown")
    sandbox.render_template(ours, gathered)  # ours compiled, and cached
    same = sandbox.Template(ours.source, ours.origin, ours.html, ours.cache)  # the same text, untrusted
    with pytest.raises(UserError) as refused:  # the bounds' code ticks in every loop: past its deadline at once
        sandbox.render_template(same, gathered, Limits(seconds=0))
    assert refused.value.message == "template handoff.md.j2 was refused by the sandbox: it ran longer than 0 seconds"
    assert len(list(Path(str(ours.cache)).glob("__git_session_shipped_*.cache"))) == 1


def test_the_json_format_imports_no_jinja2(repo: Path, linked: list[str]) -> None:
    """jinja2 is imported to render a template only (about a sixth of the command's start-up)."""
    script = (
        "import sys\n"
        "from git_session.cli import main\n"
        "sys.argv = ['git-session', 'handoff', '--format', 'json']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] == 'jinja2'), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["deliverables"]["commits"][0]["sha"] == linked[0]
    assert result.stderr == "[]\n"
