"""Issue 15: links survive every forge's merge, without anyone running ``reattach``.

Alice works in a session on ``feature`` (hooks installed: trailers, notes), pushes the
branch and the session. A forge (a clone standing in for GitHub, GitLab, Bitbucket)
merges it as that forge writes it, onto a ``main`` that moved on meanwhile, beside two
decoys: a commit on main with Alice's first change in another file under the same
subject, and a branch with her second change grown by a line. A teammate's fresh clone
then runs ``git session pull`` only: every commit that carries the session's work is
linked, nothing else is, and ``git log --notes=sessions`` shows the session.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import as_json, git, make_repo, ok, run

FORGE_ENV = {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}
MESSAGES = ("Add a", "Add b", "Grow a")


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def commit_file(repo: Path, name: str, text: str, message: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return head(repo)


def sessions_of(repo: Path, commit: str) -> list[str]:
    """The sessions a commit's note names (none without a note)."""
    listed = git(repo, "notes", "--ref=sessions", "list")
    if commit not in listed:
        return []
    raw = git(repo, "notes", "--ref=sessions", "show", commit)
    return sorted({json.loads(line)["session"] for line in raw.splitlines()})


def linked_on(repo: Path, rev: str) -> dict[str, list[str]]:
    """Every commit of ``rev``'s history with a session note, and its sessions."""
    listed = {line.split()[1] for line in git(repo, "notes", "--ref=sessions", "list").splitlines()}
    found = {}
    for commit in git(repo, "rev-list", rev).split():
        if commit in listed:
            raw = git(repo, "notes", "--ref=sessions", "show", commit)
            found[commit] = sorted({json.loads(line)["session"] for line in raw.splitlines()})
    return found


class World:
    """The remote, Alice's clone with her session, the forge's clone."""

    def __init__(self, tmp: Path, amend: bool = False) -> None:
        self.tmp = tmp
        self.remote = tmp / "remote.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.remote))
        seed = make_repo(tmp, "seed")
        git(seed, "push", "-q", str(self.remote), "main")
        self.alice = tmp / "alice"
        git(tmp, "clone", "-q", str(self.remote), "alice")
        ok(self.alice, "install")
        git(self.alice, "switch", "-q", "-c", "feature")
        ok(self.alice, "start", "Parser", "-o", "Parse it")
        self.session = as_json(self.alice, "status")["id"]
        commit_file(self.alice, "a.txt", "one\n", "Add a")
        commit_file(self.alice, "b.txt", "two\n", "Add b")
        commit_file(self.alice, "a.txt", "one\nmore\n", "Grow a")
        if amend:
            git(self.alice, "commit", "-q", "--amend", "-m", "Grow a, reworded")
        ok(self.alice, "status")  # links them
        self.commits = git(self.alice, "rev-list", "--reverse", "main..feature").split()
        git(self.alice, "push", "-q", "origin", "feature")
        ok(self.alice, "push")
        self.forge = tmp / "forge"
        git(tmp, "clone", "-q", str(self.remote), "forge")
        commit_file(self.forge, "other.txt", "unrelated\n", "Meanwhile on main")
        self.decoy = commit_file(self.forge, "a2.txt", "one\n", "Add a")  # Alice's first change, elsewhere
        git(self.forge, "switch", "-q", "-c", "decoy")
        self.decoy_branch = commit_file(self.forge, "b.txt", "two\nthree\n", "Add b")  # her second, grown
        git(self.forge, "push", "-q", "origin", "main", "decoy")
        git(self.forge, "switch", "-q", "main")
        git(self.forge, "fetch", "-q", "origin")

    def message(self, commit: str) -> str:
        return git(self.alice, "log", "-1", "--format=%B", commit)

    def forge_commit(self, message: str) -> None:
        git(self.forge, "commit", "-q", "-m", message, env=FORGE_ENV)

    def publish(self) -> None:
        git(self.forge, "push", "-q", "origin", "main")

    def fresh_clone(self, name: str) -> Path:
        git(self.tmp, "clone", "-q", str(self.remote), name)
        return self.tmp / name


# --- the shapes, each as its forge writes it -------------------------------------------


def github_squash(w: World) -> list[str]:
    """GitHub: the PR's title (#n), then each commit's whole message as a bullet: the
    trailers end up in the body."""
    git(w.forge, "merge", "-q", "--squash", "origin/feature")
    body = "\n\n".join(f"* {w.message(c).strip()}" for c in w.commits)
    w.forge_commit(f"Parser (#1)\n\n{body}\n\nCo-authored-by: Bob <bob@example.com>\n")
    return [head(w.forge)]


def gitlab_squash(w: World) -> list[str]:
    """GitLab's default: the merge request's title only."""
    git(w.forge, "merge", "-q", "--squash", "origin/feature")
    w.forge_commit("Parser")
    return [head(w.forge)]


def gitlab_template(w: World) -> list[str]:
    """GitLab with a custom squash template: ``%{title} (%{reference})`` and the description."""
    git(w.forge, "merge", "-q", "--squash", "origin/feature")
    w.forge_commit("Parser (!1)\n\nParse the input with a table.\n\nMerge request: !1")
    return [head(w.forge)]


def bitbucket_squash(w: World) -> list[str]:
    """Bitbucket: "Merged in BRANCH (pull request #n)", the title, the commits' subjects."""
    git(w.forge, "merge", "-q", "--squash", "origin/feature")
    subjects = "\n".join(f"* {w.message(c).splitlines()[0]}" for c in w.commits)
    w.forge_commit(
        f"Merged in feature (pull request #1)\n\nParser\n\n{subjects}\n\nApproved-by: Bob <bob@example.com>\n"
    )
    return [head(w.forge)]


def rebase_merge(w: World) -> list[str]:
    """GitHub's "Rebase and merge": each commit replayed onto main, its message kept."""
    git(w.forge, "switch", "-q", "-c", "replay", "origin/feature")
    git(w.forge, "rebase", "-q", "main", env=FORGE_ENV)
    git(w.forge, "switch", "-q", "main")
    git(w.forge, "merge", "-q", "--ff-only", "replay")
    return git(w.forge, "rev-list", "--reverse", "origin/main..main", "--no-merges").split()[-3:]


def merge_commit(w: World) -> list[str]:
    """A merge commit: Alice's own commits arrive on main."""
    git(w.forge, "merge", "-q", "--no-ff", "-m", "Merge pull request #1 from alice/feature", "origin/feature")
    return list(w.commits)


def local_squash(w: World) -> list[str]:
    """`git merge --squash` and a commit with the message git prepared, by a teammate."""
    git(w.forge, "merge", "-q", "--squash", "origin/feature")
    git(w.forge, "commit", "-q", "--no-edit")
    return [head(w.forge)]


SHAPES: dict[str, Callable[[World], list[str]]] = {
    "github-squash": github_squash,
    "gitlab-squash": gitlab_squash,
    "gitlab-template": gitlab_template,
    "bitbucket-squash": bitbucket_squash,
    "rebase-merge": rebase_merge,
    "merge-commit": merge_commit,
    "local-merge-squash": local_squash,
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_teammates_pull_links_every_forge_shape_and_nothing_else(tmp_path: Path, shape: str) -> None:
    w = World(tmp_path)
    copies = SHAPES[shape](w)
    w.publish()
    bob = w.fresh_clone("bob")

    result = run(bob, "pull")

    assert result.exit_code == 0, result.output
    expected = {c: [w.session] for c in copies}
    assert linked_on(bob, "origin/main") == expected  # all copies, and not the decoy on main
    assert linked_on(bob, "origin/decoy") == {}  # nor the branch with a grown change
    assert w.session in git(bob, "log", "-1", "--notes=sessions", "--format=%N", copies[-1])
    if shape != "merge-commit":  # there, Alice's own commits arrived: nothing was reattached
        short = as_json(bob, "show", "--session", w.session)["id"]
        assert short == w.session
        shown = [c["sha"] for c in as_json(bob, "show", "--session", w.session)["commits"]]
        assert set(copies) <= set(shown)


@pytest.mark.slow
def test_an_amend_with_m_keeps_the_trailer_and_the_squash_is_linked(tmp_path: Path) -> None:
    w = World(tmp_path, amend=True)
    last = w.commits[-1]
    assert f"Session-Id: {w.session}" in w.message(last)
    assert sessions_of(w.alice, last) == [w.session]
    (squash,) = github_squash(w)
    w.publish()
    bob = w.fresh_clone("bob")

    ok(bob, "pull")

    assert linked_on(bob, "origin/main") == {squash: [w.session]}


@pytest.mark.slow
def test_the_author_links_after_git_pull_and_a_fresh_clone_sees_it(tmp_path: Path) -> None:
    """The forge deleted the branch: only Alice has her commits. Her `git pull` and next
    `git session pull` link the squash; pushed, a fresh clone's pull shows it."""
    w = World(tmp_path)
    (squash,) = gitlab_squash(w)
    w.publish()
    git(w.forge, "push", "-q", "origin", "--delete", "feature")
    git(w.alice, "switch", "-q", "main")
    git(w.alice, "pull", "-q", "--prune")

    result = run(w.alice, "pull")

    assert result.exit_code == 0, result.output
    assert linked_on(w.alice, "main") == {squash: [w.session]}
    git(w.alice, "branch", "-q", "-D", "feature")
    assert run(w.alice, "status", "--session", w.session).stderr == ""  # matched: no link at risk
    ok(w.alice, "push")
    carol = w.fresh_clone("carol")
    ok(carol, "pull")
    assert git(carol, "log", "-1", "--notes=sessions", "--format=%N", squash).count(w.session) == 1


@pytest.mark.slow
def test_a_clone_that_never_fetched_the_notes_is_told_so(tmp_path: Path) -> None:
    w = World(tmp_path)
    gitlab_squash(w)
    w.publish()
    bob = w.fresh_clone("bob")
    told = (
        "commits here name sessions, but this clone never fetched the session notes of origin: "
        "a pull of the sessions fetches them (and links the squashed commits)"
    )

    listed = run(bob, "list")
    doctor = run(bob, "doctor")

    assert listed.stderr == f"git-session: warning: {told}\n"
    assert doctor.stdout.splitlines()[-1] == (
        "warning: notes: this clone never fetched the session notes: git session pull origin"
    )
    pulled = run(bob, "pull")
    assert pulled.stderr.count("never fetched") == 0
    assert "never fetched" not in run(bob, "doctor").stdout
