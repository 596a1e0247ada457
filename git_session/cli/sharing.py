"""Sessions between clones: fetch, pull, push; what must not leave (redact, secrets);
notes re-linked after a squash or a cherry-pick (reattach)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from git_session import render
from git_session.cli import hints as cli_hints
from git_session.cli.base import echo, json_option, print_json, session_option, warn, workspace
from git_session.errors import DataError
from git_session.sessions import Workspace

if TYPE_CHECKING:  # imported where used: each command pays for its own
    from git_session.reattach import Report
    from git_session.sharing import MergeReport


@click.command("reattach")
@click.option("--onto", default="HEAD", show_default=True, metavar="REV", help="The history whose commits to re-link.")
@click.option(
    "--limit",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="N",
    help="How many of REV's most recent commits to look at.",
)
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be linked; write nothing.")
@json_option
def reattach_command(onto: str, limit: int, dry_run: bool, as_json: bool) -> None:
    """Re-link session notes to cherry-picked or squash-merged commits, by patch-id.

    After a squash merge, a cherry-pick without notes or a forge's rebase, the recent
    commits of REV that have no session note are compared (`git patch-id --stable`)
    with the linked commits elsewhere. A commit with the change of one linked commit
    gets a copy of its note. A commit with the combined change of a branch's linked
    commits gets one line per session, with their objectives and decisions. Each
    session also gets a commit entry. A commit that matches more than one session, or
    a change found in more than one commit, is not linked but reported, and the
    command then exits 1. Every other command does this on its own for the commits
    the branches gained since the last one (`git fetch`, `git pull`): this one looks at
    REV's recent commits whatever was examined before.
    """
    from git_session.errors import UserError
    from git_session.reattach import reattach

    ws = workspace(reattach=False)  # this one reports what it links
    report = reattach(ws, onto, limit=limit, dry_run=dry_run)
    for problem in report.problems:
        click.echo(f"git-session: warning: {render.safe(problem)}", err=True)
    if as_json:
        print_json(report.view())
    else:
        _echo_reattach(ws, report)
    if report.ambiguous:
        raise UserError(
            f"{len(report.ambiguous)} commit(s) matched ambiguously and were not linked",
            "link one by hand if you know its session: git notes --ref=sessions copy SOURCE COMMIT",
        )


def _echo_reattach(ws: Workspace, report: Report) -> None:
    verb = "would link" if report.dry_run else "linked"
    for link in report.linked:
        sessions = ", ".join(ws.short_session_id(s) for s in link.sessions)
        if link.how == "patch":
            how = f"same change as {', '.join(c[:12] for c in link.sources)}"
        else:
            how = f"squash of {len(link.sources)} linked commit(s) {link.sources[0][:12]}..{link.sources[-1][:12]}"
        echo(f"{verb} {link.commit[:12]} {render.safe(link.subject)}: {how} -> session {sessions}")
    for item in report.ambiguous:
        echo(f"ambiguous {item.commit[:12]} {render.safe(item.subject)}: {render.safe(item.reason)}; not linked")
    if not report.linked and not report.ambiguous:
        echo(f"nothing to reattach ({report.examined} commit(s) examined)")


def _progress_meter() -> Callable[[str, int, int], None]:
    """Progress on standard error when it is a terminal (and there is much to do); silence otherwise."""
    if not render.on_terminal(sys.stderr):
        return lambda label, done, total: None

    def show(label: str, done: int, total: int) -> None:
        if total >= 20 and (done == total or done % 10 == 0):
            end = "\n" if done == total else "\r"
            click.echo(f"{label}: {100 * done // total}% ({done}/{total}){end}", err=True, nl=False)

    return show


def _merge_summary(report: MergeReport) -> str:
    parts = [
        f"{report.count(outcome)} {label}"
        for outcome, label in (
            ("created", "new"),
            ("fast-forward", "fast-forwarded"),
            ("merged", "merged"),
            ("up-to-date", "up to date"),
        )
        if report.count(outcome)
    ]
    notes = {"none": "", "up-to-date": "", "merged": "; notes merged"}.get(report.notes, f"; notes {report.notes}")
    return (", ".join(parts) or "no sessions") + notes


def _report_skipped(report: MergeReport) -> None:
    for line in report.skipped:
        warn(f"skipped {line}")


@click.command()
@click.argument("remote", required=False)
def fetch(remote: str | None) -> None:
    """Copy a remote's sessions and notes to refs/session-remotes/REMOTE/ (nothing is merged).

    See them with `git session list --remote REMOTE`; `git session pull` merges them.
    REMOTE defaults to session.remote, the branch's upstream remote, origin, or the only remote.
    """
    from git_session import sharing

    ws = workspace()
    target = sharing.resolve_remote(ws.repo, remote)
    sharing.fetch(ws.repo, target, show_progress=render.on_terminal(sys.stderr))
    count = len(ws.repo.ref_names(target.sessions_prefix))
    echo(f"Fetched {count} session(s) from {render.safe(target.name)} into {target.sessions_prefix}")


@click.command()
@click.argument("remote", required=False)
def pull(remote: str | None) -> None:
    """Fetch a remote's sessions and notes and merge them into yours.

    New sessions are copied, those behind fast-forwarded, diverged ones joined by a
    merge of both histories; notes merge as a union of lines. Every session is
    validated first: one that is not valid is reported and skipped, the others merge.
    Then the commits of the default branches that carry linked commits' changes (a
    forge's squash or rebase merge) are linked to their sessions, as `reattach` does.
    """
    from git_session import effects

    # Reattached after the pull (``effects.pull``), with the notes it brings.
    target, report = effects.pull(workspace(reattach=False), remote, render.on_terminal(sys.stderr), _progress_meter())
    _report_skipped(report)
    echo(f"Pulled from {render.safe(target.name)}: {_merge_summary(report)}")
    if report.skipped:
        raise DataError(f"{len(report.skipped)} session(s) from {target.name} were not valid and were skipped")


@click.command()
@click.argument("remote", required=False)
def push(remote: str | None) -> None:
    """Push your sessions and the commit notes to a remote, never forcing.

    Before anything is sent, what would leave is scanned for secrets (tokens, private
    keys, passwords, high-entropy strings): new operations, new notes commits, and the
    files of checkpoints the remote does not have already. A finding stops the push and
    names the entry and the finding's fingerprint; `git session secrets allow` acknowledges
    one that is no secret. Entries added with --private are never pushed. If the remote moved on, its sessions are
    fetched and merged and the push is tried again (a few times at most). A session
    pushed whose commits are on no branch any more, unmatched, is warned about.
    """
    from git_session import sharing

    ws = workspace()
    target = sharing.resolve_remote(ws.repo, remote)
    report = sharing.push(ws.repo, target, sharing.scan_secrets, render.on_terminal(sys.stderr), _progress_meter())
    if report.merged is not None:
        _report_skipped(report.merged)
        echo(f"Merged what {render.safe(target.name)} had meanwhile: {_merge_summary(report.merged)}")
    for ref, problem in sorted(report.unreadable.items()):
        warn(f"not pushed: {ref}: {cli_hints.noted(problem.text, problem.advice)}")
    notes = " and the notes" if report.notes_pushed else ""
    if not report.pushed and not notes:
        echo(f"Everything up to date on {render.safe(target.name)}")
    else:
        echo(f"Pushed {len(report.pushed)} session(s){notes} to {render.safe(target.name)}")
    _warn_at_risk(ws, report.pushed)
    if report.unreadable:
        raise DataError(f"{len(report.unreadable)} ref(s) were not pushed: they cannot be read", "git session doctor")


def _warn_at_risk(ws: Workspace, refs: list[str]) -> None:
    """The sessions pushed whose commits no branch reaches any more, unmatched."""
    from git_session import atrisk

    pushed = set(refs)
    handles = [h for h in ws.store.handles() if h.ref in pushed] if refs else []
    for line in atrisk.warnings(ws, handles):
        warn(line)


@click.command()
@click.argument("entry_id", metavar="[ENTRY]", required=False)
@click.option("--note", "note_commit", metavar="COMMIT", help="Take the lines holding a secret out of COMMIT's note.")
@session_option
def redact(entry_id: str | None, note_commit: str | None, session: str | None) -> None:
    """Remove an entry from the session's history, or a secret from a commit's note, before it is pushed.

    Every operation on the entry is taken out and the session's history is rewritten
    locally from where the entry first appears (the commits before stay as they are, so
    a push that merges sends no second copy of what was pushed); the lines of the commit
    notes that quote the entry lose it too. With --note COMMIT, the lines of COMMIT's
    session note that hold a secret are taken out of every version of that note in the
    notes' history. The reflog entries of the session's ref (`git reflog
    refs/sessions/KEY/ID`) and of refs/notes/sessions that name a commit no longer in
    its history (the old one) are dropped too, by `git reflog expire --rewrite` (the
    others are kept, each starting where the one before it ended; a reflog another
    writer held meanwhile is left, and a warning says so). The old objects then stay on this disk, unreachable, until
    `git gc` prunes them (`git gc --prune=now` to do it now); a copy of the repository
    made before (a backup, another clone) keeps them. If a remote already has what would
    be taken out, nothing is rewritten: what was pushed cannot be taken back, so rotate
    the secret.
    """
    from git_session import redact as redaction

    if (entry_id is None) == (note_commit is None):
        raise click.UsageError("name an ENTRY or a --note COMMIT (one of them)")
    ws = workspace()
    if note_commit is not None:
        done = redaction.redact_note(ws.repo, note_commit)
        echo(
            f"Redacted {done.lines} line(s) holding a secret from the note on {done.target[:12]} "
            f"({done.rewritten} notes commit(s) rewritten)"
        )
        _warn_reflogs_kept(done.reflogs_kept)
        return
    assert entry_id is not None
    found = ws.find(session)
    result = redaction.redact(ws, found, entry_id)
    echo(f"Redacted {result.entry.kind} {result.short} from session {ws.short_session_id(found.handle.id)}")
    if result.notes_rewritten:
        echo(f"and from the commit notes that quoted it ({result.notes_rewritten} notes commit(s) rewritten)")
    for where in result.also_in:
        warn(f"its text also appears in {where}: redact that too before pushing")
    for commit in result.quoting_commits:
        warn(f"the message of commit {commit[:12]} quotes it in its trailers: rewrite it before pushing its branch")
    _warn_reflogs_kept(result.reflogs_kept)


def _warn_reflogs_kept(refs: tuple[str, ...]) -> None:
    for ref in refs:
        warn(
            f"the reflog of {ref} still names the old history (git could not rewrite it: another writer held it); "
            f"to drop it: git reflog expire --expire=never --expire-unreachable=now --rewrite {ref}"
        )


@click.group()
def secrets() -> None:
    """The secret scan that runs before a push: acknowledge what is no secret."""


@secrets.command("allow")
@click.argument("fingerprints", nargs=-1, required=True, metavar="FINGERPRINT...")
@session_option
def secrets_allow(fingerprints: tuple[str, ...], session: str | None) -> None:
    """Acknowledge findings of the scan as no secret, by the fingerprints a stopped push showed.

    The acknowledgement is an entry of the session (it is pushed with it, and its log
    says who made it): a later push leaves that finding alone in this session, and in
    the commit notes. A fingerprint is a hash of the finding: it does not reveal it.
    """
    from git_session import allowlist

    ws = workspace()
    found, added = allowlist.allow(ws, session, fingerprints)
    short = ws.short_session_id(found.handle.id)
    for fingerprint in fingerprints:
        state = "acknowledged" if fingerprint.strip().lower() in added else "already acknowledged"
        echo(f"{render.safe(fingerprint.strip().lower())}: {state} in session {short}")
