"""``git session doctor``: every integration's findings, then the repository's own data.

Each integration of the registry diagnoses itself (hooks missing, outdated or replaced,
core.hooksPath and hook managers, notes config); then lock files left by a writer that died
and sessions whose history lost objects. With ``fix``, each integration repairs its fixable
findings, stale locks are removed and broken sessions restored from their reflog (never
over a commit git still reads: see ``repair``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from git_session.errors import Advice, SessionError
from git_session.gitrepo import STALE_LOCK_SECONDS, Repo
from git_session.integrations.base import Finding
from git_session.integrations.record import install_lock
from git_session.integrations.record import path as install_record
from git_session.integrations.registry import INTEGRATIONS
from git_session.names import NOTES_REF, SESSIONS_PREFIX


@dataclass(frozen=True)
class DoctorReport:
    """``installed``: false where install never ran, or was undone: no record of an install
    and every integration finding only a part that install puts in place. Those findings
    are then left out of ``findings`` (each would only say that install has not run);
    ``fix`` still repairs them, which installs."""

    findings: tuple[Finding, ...]
    fixed: tuple[str, ...] = ()
    installed: bool = True

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "problem")


def doctor(repo: Repo, *, fix: bool = False, now: float | None = None) -> DoctorReport:
    """Check every integration, lock files and history; with ``fix``, repair what is safe.
    Each check runs once, and once more only after a repair."""
    found = _integration_findings(repo)
    shared = _shared_findings(repo, now)
    findings = (*_own(found), *shared)
    if not fix or not any(f.fixable for f in findings):
        return _report(repo, found, shared)
    with install_lock(repo):
        fixed, failed = _repair(repo, found, findings, now)
    found = _integration_findings(repo)
    report = _report(repo, found, _shared_findings(repo, now), fixed)
    return replace(report, findings=(*failed, *_unrepairable(report.findings, found, failed)))


def _unrepairable(
    findings: Sequence[Finding], found: dict[str, list[Finding]], failed: Sequence[Finding]
) -> tuple[Finding, ...]:
    """``findings`` where those of an integration whose repair just failed are no longer
    fixable: ``doctor --fix`` would fail again, and the summary must not promise it."""
    unrepaired = {finding for name in {f.subject for f in failed} for finding in found.get(name, [])}
    return tuple(_unfixable(f) if f in unrepaired else f for f in findings)


_FIX_PROMISES = (Advice.FIX_CHAINS, Advice.FIX_REPLACES, Advice.FIX_RESTORES)  # "(--fix chains it)"


def _unfixable(finding: Finding) -> Finding:
    advice = None if finding.advice in _FIX_PROMISES else finding.advice
    return replace(finding, fixable=False, advice=advice)


def _report(
    repo: Repo, found: dict[str, list[Finding]], shared: tuple[Finding, ...], fixed: tuple[str, ...] = ()
) -> DoctorReport:
    if _installed(repo, found):
        return DoctorReport((*_own(found), *shared), fixed)
    return DoctorReport(shared, fixed, installed=False)


def _installed(repo: Repo, found: dict[str, list[Finding]]) -> bool:
    own = _own(found)
    plain = all(f.level == "problem" and f.fixable for f in own)  # nothing of ours, nothing in the way
    return os.path.exists(install_record(repo)) or not own or not plain


def _integration_findings(repo: Repo) -> dict[str, list[Finding]]:
    return {name: _diagnose(repo, name) for name in INTEGRATIONS}


def _diagnose(repo: Repo, name: str) -> list[Finding]:
    """One integration's findings; one that cannot check itself (a file of the user's now
    unreadable) is one finding, and the others still run."""
    try:
        return INTEGRATIONS[name].diagnose(repo)
    except (SessionError, OSError) as exc:
        return [Finding("problem", name, f"could not be checked: {_reason(exc)}")]


def _reason(exc: SessionError | OSError) -> str:
    return exc.message if isinstance(exc, SessionError) else str(exc.strerror or exc)


def _own(found: dict[str, list[Finding]]) -> tuple[Finding, ...]:
    return tuple(f for findings in found.values() for f in findings)


def _shared_findings(repo: Repo, now: float | None) -> tuple[Finding, ...]:
    """What is checked whether git-session is installed or not: lock files and histories."""
    return (*_lock_findings(repo, now), *_history_findings(repo))


def _repair(
    repo: Repo, found: dict[str, list[Finding]], findings: Sequence[Finding], now: float | None
) -> tuple[tuple[str, ...], tuple[Finding, ...]]:
    """What was repaired, and a problem for each integration whose repair failed."""
    fixed: list[str] = []
    failed: list[Finding] = []
    for name, own in found.items():
        if any(f.fixable for f in own):
            try:
                fixed += INTEGRATIONS[name].fix(repo, own)
            except (SessionError, OSError) as exc:
                failed.append(Finding("problem", name, f"not repaired: {_reason(exc)}"))
    for path in stale_locks(repo, now):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        fixed.append(f"removed {os.path.relpath(path, repo.common_dir)}")
    if any(f.fixable and f.subject.startswith("refs/") for f in findings):
        from git_session.repair import broken_refs, repair

        # a ref --fix leaves for a reason (git still reads it) is named by its finding only
        fixed += [repair(repo, broken) for broken in broken_refs(repo) if broken.fixable or broken.tip is None]
    return tuple(fixed), tuple(failed)


def _history_findings(repo: Repo) -> list[Finding]:
    from git_session.repair import broken_refs, unfollowed

    found = [
        Finding("problem", broken.ref, broken.problem, fixable=True, advice=Advice.FIX_RESTORES)
        if broken.fixable
        else Finding("problem", broken.ref, f"{broken.problem}; {broken.why}" if broken.why else broken.problem)
        for broken in broken_refs(repo)
    ]
    return found + [
        Finding(
            "warning",
            ref,
            "git reads its history through refs/replace/, which git-session's own reads (its log) "
            f"do not follow: {problem}",
        )
        for ref, problem in unfollowed(repo)
    ]


def stale_locks(repo: Repo, now: float | None = None) -> list[str]:
    """Lock files of our refs left by a writer that died (older than STALE_LOCK_SECONDS)."""
    limit = (time.time() if now is None else now) - STALE_LOCK_SECONDS
    candidates = [repo.lock_path(NOTES_REF)]
    for root, _, files in os.walk(os.path.join(repo.common_dir, *SESSIONS_PREFIX.strip("/").split("/"))):
        candidates += [os.path.join(root, name) for name in files if name.endswith(".lock")]
    return sorted(path for path in candidates if (_mtime(path) or limit) < limit)


def _mtime(path: str) -> float | None:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return None


def _lock_findings(repo: Repo, now: float | None) -> list[Finding]:
    locks = stale_locks(repo, now)
    return [
        Finding("problem", "lock", f"{os.path.relpath(p, repo.common_dir)} left by a writer that died", fixable=True)
        for p in locks
    ]
