"""The git config git-session wants: notes follow ``commit --amend`` and ``rebase``."""

from __future__ import annotations

from dataclasses import dataclass

from git_session.names import NOTES_REF


@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    multi: bool = False  # a multi-valued key: ours is added beside the others
    boolean: bool = False
    covers: str = ""  # what the value names (a glob of it): another value naming it does too


def one_ref_glob(ref: str) -> str:
    """A glob matching ``ref`` only (``refs/notes/session[s]``).

    git warns ``notes ref ... is invalid`` on every amend and rebase while a plain
    ``notes.rewriteRef`` names a ref that does not exist (git's notes.c,
    ``string_list_add_refs_by_glob``), and ours exists only once the first note is written.
    A glob that matches nothing is silent, and copies the notes once the ref exists.
    Creating an empty notes ref instead would give each clone a root of its own to merge."""
    return f"{ref[:-1]}[{ref[-1]}]"


REWRITE_REF = one_ref_glob(NOTES_REF)
LEGACY_CONFIG = (("notes.rewriteRef", NOTES_REF),)  # what older installs set: replaced, removed by uninstall

REWRITE_SETTING = Setting("notes.rewriteRef", REWRITE_REF, multi=True, covers=NOTES_REF)
NOTES_CONFIG = (
    REWRITE_SETTING,
    Setting("notes.rewrite.amend", "true", boolean=True),
    Setting("notes.rewrite.rebase", "true", boolean=True),
    Setting("notes.rewriteMode", "cat_sort_uniq"),
    Setting(f"notes.{NOTES_REF.removeprefix('refs/notes/')}.mergeStrategy", "cat_sort_uniq"),
)
OURS = frozenset({(setting.key, setting.value) for setting in NOTES_CONFIG} | set(LEGACY_CONFIG))
