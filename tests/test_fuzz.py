"""Hostile session data from a remote, through ``pull`` and every read command (issue 9).

Random and hostile sessions (trees with odd entries, operation lines of random JSON, huge,
negative and fractional clocks and times, names with ``..``, ``/``, NUL and unicode, notes
lines, refs at blobs, trees and missing objects) are written into a bare remote with raw
object writes, pulled into a fresh clone, and read by every reading command; then the
clone runs ``install`` and a plain ``git commit`` through the hooks. None may crash (exit
70), hang, write outside the repository, or change what the good sessions show, and the
commit goes through.

Bounded: a fixed number of examples, derandomized (the same ones in every run), no
shrinking, and a watchdog that ends the run with a traceback if one command ever hangs.
To explore further by hand: GIT_SESSION_FUZZ_RANDOM=1 GIT_SESSION_FUZZ_EXAMPLES=200.
"""

from __future__ import annotations

import faulthandler
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
import pytest
from click.testing import Result
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import as_json, git, make_repo, ok, run

EXAMPLES = int(os.environ.get("GIT_SESSION_FUZZ_EXAMPLES", "12"))
COMMAND_SECONDS = 60  # a command that takes longer than this hangs: the watchdog ends the run
READS = (
    ("list",),
    ("list", "--all"),
    ("list", "--all", "--json"),
    ("status",),
    ("status", "--json"),
    ("show",),
    ("log",),
    ("brief",),
    ("handoff",),
    ("checkpoints",),
    ("doctor",),
)
ULID_CHARS = "0123456789abcdefghjkmnpqrstvwxyz"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "hostile"


# --- hostile values -----------------------------------------------------------------------

huge_numbers = st.sampled_from([2**53, 2**53 + 1, 2**63, 2**64 + 7, -1, -(2**63), 0, 1.5, 1e308, float("nan")])
hostile_texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "../../outside/x",
            "/etc/passwd",
            "..",
            "a/../../b",
            "nul\x00byte",
            "\u202eevil",
            "line\u2028sep",
            "\x85next",
            "lone\udcffsurrogate",
            "é" * 3,
            "../../hooks/pre-commit",
            "",
        ]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), huge_numbers, st.integers(), hostile_texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_texts, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def ulids(draw: st.DrawFn) -> str:
    return "".join(draw(st.lists(st.sampled_from(ULID_CHARS), min_size=26, max_size=26)))


@st.composite
def operations(draw: st.DrawFn, session_id: str, first: bool) -> Any:
    """A well-formed operation with some of its fields replaced by hostile values, or junk."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    op: dict[str, Any] = {
        "v": 1,
        "id": session_id if first else draw(ulids()),
        "clock": draw(st.integers(1, 5)),
        "at": 1700000000,
        "tz": "+0000",
        "author": "Mallory <m@example.com>",
        "agent": None,
        "action": "create" if first else draw(st.sampled_from(["set", "add", "update"])),
        "data": {"fields": {"title": "hostile", "branch": draw(hostile_texts), "status": "active"}},
        "minor": False,
    }
    if op["action"] in ("add", "update"):
        op["data"] = {"kind": draw(st.sampled_from(["note", "objective", "checkpoint"])), "fields": {"text": "x"}}
        if op["action"] == "update":
            op["data"]["entry"] = draw(ulids())
    for key in draw(st.lists(st.sampled_from(sorted(op)), max_size=3)):
        op[key] = draw(json_values)
    return op


@st.composite
def message_lines(draw: st.DrawFn, session_id: str, first: bool) -> str:
    lines = [
        json.dumps(draw(operations(session_id, first)), ensure_ascii=False) for _ in range(draw(st.integers(0, 3)))
    ]
    if draw(st.booleans()):
        lines.append("[" * 5000 + "]" * 5000)  # deeper than json.loads recurses
    return "subject\n\n" + "\n".join(lines) + "\n"


@st.composite
def meta_blobs(draw: st.DrawFn, session_id: str) -> bytes:
    meta = {
        "v": draw(st.sampled_from([1, 1, 2, "1", None])),
        "id": session_id,
        "created": draw(st.one_of(st.just(1700000000), huge_numbers)),
        "tz": "+0000",
        "updated": draw(st.one_of(st.just(1700000000), huge_numbers)),
        "clock": draw(st.one_of(st.just(1), huge_numbers)),
        "values": {"title": "hostile", "branch": draw(hostile_texts), "status": "active"},
        "stamps": {},
        "authors": [],
        "counts": draw(st.one_of(st.just({}), json_values)),
    }
    return draw(st.one_of(st.just(json.dumps(meta).encode()), st.binary(max_size=64)))


# --- raw objects in the remote ------------------------------------------------------------


def raw_tree(odb: pygit2.Odb, entries: list[tuple[str, bytes, str]]) -> str:
    """A tree written byte for byte: any names, any modes, any order (git's checks bypassed)."""
    data = b"".join(mode.encode() + b" " + name + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)
    return str(odb.write(pygit2.enums.ObjectType.TREE, data))


def raw_commit(odb: pygit2.Odb, tree: str, parents: list[str], message: str) -> str:
    head = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
    head += "author Mallory <m@example.com> 1700000000 +0000\ncommitter Mallory <m@example.com> 1700000000 +0000\n"
    return str(odb.write(pygit2.enums.ObjectType.COMMIT, (head + "\n" + message).encode("utf-8", "surrogatepass")))


@st.composite
def hostile_sessions(draw: st.DrawFn, odb: pygit2.Odb) -> tuple[str, str]:
    """(ref name, target) of one hostile session written into ``odb``."""
    session_id = draw(st.one_of(ulids(), st.sampled_from(["notaulid", "01.-.02", "é" * 26, "Z" * 26])))
    key = draw(st.sampled_from(["main-b28b7af693", "x", "sub-dir-0123456789", "naïve-1234567890"]))
    blob = str(odb.write(pygit2.enums.ObjectType.BLOB, draw(meta_blobs(session_id))))
    odd_name = draw(st.sampled_from([b"..", b".", b"a/b", b"entries", b".git", "é".encode(), b"\xff"]))
    odd_mode = draw(st.sampled_from(["100644", "120000", "160000", "40000", "100755"]))
    # Every entry names an object of its own type, so that git can still send the tree.
    sub = raw_tree(odb, [("100644", b"note.json", blob), ("100644", b"..", blob)])
    entries = [("100644", b"meta.json", blob), (odd_mode, odd_name, sub if odd_mode == "40000" else blob)]
    if draw(st.booleans()):
        entries.append(("40000", b"entries", raw_tree(odb, [("40000", b"note", sub)])))
    tree = raw_tree(odb, sorted(entries, key=lambda e: e[1]) if draw(st.booleans()) else entries)
    commit = raw_commit(odb, tree, [], draw(message_lines(session_id, True)))
    if draw(st.booleans()):
        commit = raw_commit(odb, tree, [commit], draw(message_lines(session_id, False)))
    target = draw(st.sampled_from(["commit", "commit", "commit", "tree", "blob"]))
    return f"refs/sessions/{key}/{session_id}", {"commit": commit, "tree": tree, "blob": blob}[target]


@st.composite
def hostile_notes(draw: st.DrawFn, odb: pygit2.Odb, annotated: str) -> str:
    lines = [json.dumps(draw(json_values)).encode() for _ in range(draw(st.integers(0, 3)))]
    lines += [*draw(st.lists(st.binary(max_size=20), max_size=2)), b"[" * 5000]
    blob = str(odb.write(pygit2.enums.ObjectType.BLOB, b"\n".join(lines)))
    name = draw(st.sampled_from([annotated.encode(), annotated[:2].encode(), b"zz", b"..", annotated[:39].encode()]))
    mode = draw(st.sampled_from(["100644", "40000", "160000"]))
    inner = raw_tree(odb, [("100644", name, blob)])
    tree = raw_tree(odb, [(mode, name, inner if mode == "40000" else blob)])
    what = draw(st.sampled_from(["commit", "commit", "tree", "blob"]))
    return {"commit": raw_commit(odb, tree, [], "notes\n"), "tree": tree, "blob": blob}[what]


# --- the world: a remote with good sessions, and a sentinel outside -----------------------


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.remote = root / "remote.git"
        self.sentinel = root / "outside"
        self.sentinel.mkdir()
        git(root, "init", "-q", "--bare", "-b", "main", str(self.remote))
        author = make_repo(root, "author")
        git(author, "remote", "add", "origin", str(self.remote))
        ok(author, "start", "good one", "-o", "stay the same")
        ok(author, "decision", "add", "keep it", "--rationale", "because")
        ok(author, "checkpoint", "-m", "first")
        git(author, "switch", "-q", "-c", "other")
        ok(author, "start", "good two")
        git(author, "push", "-q", "origin", "main", "other")
        git(author, "notes", "--ref=sessions", "add", "-m", '{"session":"good"}', "main")
        ok(author, "push")
        self.head = git(author, "rev-parse", "main").strip()
        self.good = {s["id"]: as_json(author, "show", s["id"]) for s in as_json(author, "list", "--all")}
        self.good_refs = set(git(self.remote, "for-each-ref", "--format=%(refname)").split())

    def reset(self) -> None:
        """The remote as it was: hostile refs out (their objects stay, unreachable)."""
        for ref in git(self.remote, "for-each-ref", "--format=%(refname)").split():
            if ref not in self.good_refs:
                git(self.remote, "update-ref", "-d", ref)

    def outside(self) -> list[str]:
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in self.inside]
            found += [os.path.relpath(os.path.join(folder, name), self.root) for name in files]
        return sorted(found)

    @property
    def inside(self) -> set[str]:
        return {str(self.remote), str(self.root / "author"), str(self.root / "clone")}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield World(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """A hang (even inside libgit2, where Python's signals do not reach) ends the run, loudly."""
    faulthandler.dump_traceback_later(COMMAND_SECONDS * len(READS) * 3, exit=True, file=sys.stderr)
    yield
    faulthandler.cancel_dump_traceback_later()


def check(world: World, *args: str) -> Result:
    """A command in the clone: any clear outcome, never a crash."""
    result = run(world.root / "clone", *args)
    assert result.exit_code != 70, f"git session {' '.join(args)} crashed:\n{result.stderr}"
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith(("git-session: ", "hint: ", "warning: ")) for line in lines), result.stderr
    return result


def pull_and_read(world: World, monkeypatch: pytest.MonkeyPatch, missing: str | None = None) -> None:
    clone = world.root / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    git(world.root, "clone", "-q", str(world.remote), str(clone))
    if missing is not None:  # a ref at an object this clone does not have
        path = clone / ".git" / "refs" / "sessions" / "x" / missing
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("1" * 40 + "\n")
    monkeypatch.setenv("TMPDIR", str(world.sentinel))  # a crash log would land here
    before = world.outside()
    pulled = check(world, "pull")
    assert pulled.exit_code in (0, 3), pulled.output
    for args in READS:
        check(world, *args)
    for session_id in world.good:
        check(world, "show", session_id)
        assert as_json(clone, "show", session_id) == world.good[session_id]
    for ref in git(clone, "for-each-ref", "--format=%(refname)", "refs/sessions/").split():
        check(world, "log", ref.rsplit("/", 1)[1])
    check(world, "push")
    commit_through_the_hooks(world, monkeypatch)
    assert world.outside() == before, "a file appeared outside the repositories"


def commit_through_the_hooks(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """``install`` after the hostile pull, a session of our own, then a plain ``git commit``:
    the hooks never block it, never hang, and no pulled name turns into a path (issue 9,
    item 1)."""
    clone = world.root / "clone"
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    assert check(world, "install").exit_code == 0
    git(clone, "switch", "-q", "-c", "fuzz-work")
    assert check(world, "start", "mine").exit_code == 0  # so that the hooks have a session to write to
    (clone / "work.txt").write_text("work\n")
    git(clone, "add", "work.txt")
    committed = subprocess.run(
        ["git", "commit", "-q", "-m", "work"], cwd=clone, capture_output=True, text=True, timeout=COMMAND_SECONDS
    )
    assert committed.returncode == 0, committed.stderr
    assert "Traceback" not in committed.stderr, committed.stderr
    check(world, "status")
    hooks = clone / ".git" / "hooks"
    assert all(path.is_file() for path in hooks.iterdir()), sorted(p.name for p in hooks.iterdir())


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="GIT_SESSION_FUZZ_RANDOM" not in os.environ,  # CI: the same examples every run
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: its time has no bound
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_sessions_and_notes_from_a_remote(world: World, monkeypatch: pytest.MonkeyPatch, data: Any) -> None:
    odb = pygit2.Repository(str(world.remote)).odb
    world.reset()
    for _ in range(data.draw(st.integers(1, 3))):
        ref, target = data.draw(hostile_sessions(odb))
        git(world.remote, "update-ref", ref, target)
    if data.draw(st.booleans()):
        git(world.remote, "update-ref", "refs/notes/sessions", data.draw(hostile_notes(odb, world.head)))
    missing = data.draw(st.one_of(st.none(), ulids()))
    pull_and_read(world, monkeypatch, missing)


@pytest.mark.slow
@pytest.mark.parametrize("sample", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_hostile_operation_samples(world: World, monkeypatch: pytest.MonkeyPatch, sample: str) -> None:
    """The fixtures: one commit message each, as a session's only commit."""
    odb = pygit2.Repository(str(world.remote)).odb
    world.reset()
    session_id = "01hzzzzzzzzzzzzzzzzzzzzzzz"
    meta = (FIXTURES / "session-meta.json").read_bytes().replace(b"SESSION", session_id.encode())
    blob = str(odb.write(pygit2.enums.ObjectType.BLOB, meta))
    tree = raw_tree(odb, [("100644", b"meta.json", blob)])
    message = (FIXTURES / sample).read_text("utf-8").replace("SESSION", session_id)
    commit = raw_commit(odb, tree, [], message)
    git(world.remote, "update-ref", f"refs/sessions/main-b28b7af693/{session_id}", commit)
    pull_and_read(world, monkeypatch)
