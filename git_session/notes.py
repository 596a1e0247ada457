"""Session notes: ``refs/notes/sessions``, one JSON object per line on each linked commit.

A note's lines are kept sorted and unique, the way git's ``cat_sort_uniq`` combines
notes, so that notes written here, merged by ``git notes merge -s cat_sort_uniq`` or
carried by git's notes rewriting (``commit --amend``, ``rebase``) agree line for line.

Every write is a new notes commit on top of the tip it read, moved into place by a
compare-and-swap and rebuilt and retried on a race: ``git notes add`` and libgit2's
``create_note`` move the ref unconditionally and lose notes under concurrency.

The notes tree is read as git reads it: the note of ``abcdef…`` is a blob named by the
whole id at the top, or below fan-out folders named by its leading hex pairs (``ab/cdef…``,
``ab/cd/ef…``), and git accepts both layouts at once. A note is rewritten where it is; a
new one goes where git would put it: flat in a small tree, below ``ab/`` in a fanned-out
one. A flat tree that reaches ``FANOUT_AT`` notes is fanned out in one go, as git does
(it fans out at about a hundred), so that a write never rewrites one huge tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from git_session import codec
from git_session.errors import DataError, UserError
from git_session.gitrepo import MAX_DATA_FILE, MERGE_IDENT, Ident, Repo, TreeItem
from git_session.names import NOTES_REF, SHA1_HEX, ObjectId

FANOUT_AT = 256
MERGE_MESSAGE = "Merge two histories of the session notes\n"
_HEX = re.compile(r"[0-9a-f]+")

# Where a note is: (path in the notes tree, blob). Normally one place; git tolerates two
# (flat and fanned out) and reads them as one note, and so do we.
Located = list[tuple[str, ObjectId]]


# --- lines -------------------------------------------------------------------------------


def canonical_line(value: Mapping[str, Any]) -> bytes:
    """One note line: canonical JSON (sorted keys, no spaces, UTF-8), no newline.

    Every caller passes JSON of valid Unicode (texts are checked when they come in, and
    lines read back are parsed by ``codec.loads``, which refuses a lone surrogate): a value
    that is not is a bug, left as the ``TypeError`` or ``ValueError`` it raises, not
    reported as the user's mistake."""
    return codec.dumps(value).encode("utf-8")


def split_lines(data: bytes) -> list[bytes]:
    """A note's lines, empty ones left out (as git's ``cat_sort_uniq`` does)."""
    return [line for line in data.split(b"\n") if line]


def combine(*notes: Iterable[bytes]) -> bytes:
    """The sorted, unique union of notes' lines, each ending in a newline: ``cat_sort_uniq``."""
    return b"".join(line + b"\n" for line in sorted({line for note in notes for line in note if line}))


def parse_lines(lines: Iterable[bytes], where: str, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """The lines that are JSON objects; each other one is skipped and described in ``problems``."""
    parsed = []
    for number, line in enumerate(lines, 1):
        try:
            value = codec.loads(line.decode("utf-8"))
        except ValueError:  # not UTF-8, not JSON, not valid Unicode, nested too deep
            value = None
        if isinstance(value, dict):
            parsed.append(value)
        elif problems is not None:
            problems.append(f"{where}: line {number} is not a JSON object")
    return parsed


SETTLED = ("done", "dropped", "resolved")  # an objective's status a later "open" line does not undo


def one_line_per_session(lines: Sequence[bytes]) -> list[bytes]:
    """A note's lines with each session's merged into one: an amend, a squash or git's own
    note copying (``notes.rewriteMode cat_sort_uniq``) leave a commit one line per state
    the session was in, and the commit is one commit of the session.

    The merged line keeps the first line's fields, with the objectives and decisions of
    every line, one per id: a later line's state wins, but never ``open`` over a settled
    one (lines are stored sorted, not in the order they were written). Lists of other
    fields (a squash's commits) are joined. A line that names no session, or is no JSON
    object, stays as it is; a session with one line keeps its line byte for byte."""
    groups: dict[str, list[tuple[bytes, dict[str, Any]]]] = {}
    kept: list[bytes] = []
    for line in lines:
        parsed = parse_lines([line], "")
        session = parsed[0].get("session") if parsed else None
        if isinstance(session, str):
            groups.setdefault(session, []).append((line, parsed[0]))
        else:
            kept.append(line)
    for group in groups.values():
        if len({raw for raw, _ in group}) == 1:
            kept.append(group[0][0])
        else:
            kept.append(canonical_line(merge_session_lines([value for _, value in group])))
    return kept


def merge_session_lines(values: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Lines of one session as one (see ``one_line_per_session``)."""
    merged: dict[str, Any] = {}
    for value in values:
        for key, item in value.items():
            if key in ("objectives", "decisions") and isinstance(item, list):
                merged[key] = _merge_items(merged.get(key), item)
            elif isinstance(item, list) and isinstance(merged.get(key), list):
                merged[key] = list(merged[key]) + [x for x in item if x not in merged[key]]
            elif key not in merged or merged[key] in (None, "", []):
                merged[key] = item
    return merged


def _merge_items(old: object, new: list[Any]) -> list[Any]:
    items: dict[str, Any] = {}
    for item in [*(old if isinstance(old, list) else []), *new]:
        key = str(item["id"]) if isinstance(item, dict) and "id" in item else codec.dumps({"item": item})
        before = items.get(key)
        if (
            isinstance(before, dict)
            and isinstance(item, dict)
            and before.get("status") in SETTLED
            and item.get("status") not in SETTLED
        ):
            continue
        items[key] = item
    return list(items.values())


# --- reading -----------------------------------------------------------------------------


class Notes:
    """The session notes as one notes commit has them (``tip`` ``None``: no notes yet)."""

    def __init__(self, repo: Repo, tip: ObjectId | None) -> None:
        self.repo = repo
        self.tip = tip
        self.tree = None if tip is None else _notes_tree(repo, tip)
        self._index: dict[ObjectId, Located] | None = None
        self._folders: dict[str, list[TreeItem]] = {}
        self._lines: dict[str, list[bytes]] = {}  # read once: a notes commit never changes

    @classmethod
    def current(cls, repo: Repo) -> Notes:
        return cls(repo, repo.ref_target(NOTES_REF))

    def located(self, target: ObjectId) -> Located:
        """Where the note of ``target`` is, looked up along its fan-out path."""
        if self._index is not None or self.tree is None:
            return (self._index or {}).get(target, [])
        found: Located = []
        folder, used = "", 0
        while True:
            item = self.repo.entry_at(self.tree, folder + target[used:])
            if item is not None and not item.is_tree:
                found.append((folder + target[used:], item.id))
            if used + 2 >= len(target):
                return found
            sub = self.repo.entry_at(self.tree, folder + target[used : used + 2])
            if sub is None or not sub.is_tree:
                return found
            folder, used = f"{folder}{target[used : used + 2]}/", used + 2

    def index(self) -> dict[ObjectId, Located]:
        """Every note in the tree, by the object it annotates."""
        if self._index is None:
            found: dict[ObjectId, Located] = {}
            if self.tree is not None:
                self._collect(self.tree, "", found)
            self._index = found
        return self._index

    def _collect(self, tree: ObjectId, folder: str, found: dict[ObjectId, Located]) -> None:
        prefix = folder.replace("/", "")
        for item in self.repo.tree_items(tree):
            name = prefix + item.name
            if not _HEX.fullmatch(item.name):
                continue  # not a note: git keeps such files in a notes tree, so do we
            if not item.is_tree and len(name) == SHA1_HEX:
                found.setdefault(ObjectId(name), []).append((folder + item.name, item.id))
            elif item.is_tree and len(item.name) == 2 and len(name) < SHA1_HEX:
                self._collect(item.id, f"{folder}{item.name}/", found)

    def raw_lines(self, target: ObjectId) -> list[bytes]:
        """The note's lines as stored (several places: one after the other, as git reads them)."""
        if target not in self._lines:
            blobs = [self.repo.read_blob(blob, MAX_DATA_FILE) for _, blob in self.located(target)]
            self._lines[target] = [line for data in blobs for line in split_lines(data)]
        return list(self._lines[target])

    def lines(self, target: ObjectId, problems: list[str] | None = None) -> list[dict[str, Any]]:
        return parse_lines(self.raw_lines(target), f"note on {target[:12]}", problems)

    # --- writing into a new tree ---------------------------------------------------------

    def tree_changes(self, wanted: Mapping[ObjectId, ObjectId | None]) -> dict[str, ObjectId | None]:
        """The tree edits that give each target the note blob wanted (``None``: no note)."""
        changes: dict[str, ObjectId | None] = {}
        fan_out = self._must_fan_out(wanted)
        if fan_out:
            for item in self._items(""):
                if not item.is_tree and len(item.name) == SHA1_HEX and _HEX.fullmatch(item.name):
                    changes[item.name] = None
                    changes[f"{item.name[:2]}/{item.name[2:]}"] = item.id
        for target, blob in wanted.items():
            located = self.located(target)
            stays = bool(located) and not (fan_out and "/" not in located[0][0])
            if stays and blob is not None and _blobs(located) == (blob,):
                continue
            for path, _ in located:
                changes[path] = None
            if blob is not None:
                changes[located[0][0] if stays else self._new_path(target, fan_out)] = blob
        return changes

    def _must_fan_out(self, wanted: Mapping[ObjectId, ObjectId | None]) -> bool:
        """A flat tree reaching FANOUT_AT notes is fanned out (a fanned-out one already is)."""
        top = self._items("")
        if any(_is_fanout(item) for item in top):
            return False
        flat = sum(1 for item in top if not item.is_tree and len(item.name) == SHA1_HEX)
        added = sum(1 for target, blob in wanted.items() if blob is not None and not self.located(target))
        return flat + added >= FANOUT_AT

    def _new_path(self, target: ObjectId, fan_out: bool) -> str:
        """Where git would put a new note: down the fan-out folders that exist, then flat,
        or in a new folder in a fanned-out one."""
        folder, used = "", 0
        while used + 2 < len(target):
            pair = target[used : used + 2]
            items = self._items(folder)
            if any(item.name == pair and item.is_tree for item in items):
                folder, used = f"{folder}{pair}/", used + 2
                continue
            if (fan_out and not folder) or any(_is_fanout(item) for item in items):
                return f"{folder}{pair}/{target[used + 2 :]}"
            break
        return folder + target[used:]

    def _items(self, folder: str) -> list[TreeItem]:
        if folder not in self._folders:
            if self.tree is None:
                self._folders[folder] = []
            else:
                self._folders[folder] = self.repo.tree_items(self.tree, folder.rstrip("/"))
        return self._folders[folder]


def _is_fanout(item: TreeItem) -> bool:
    return item.is_tree and len(item.name) == 2 and _HEX.fullmatch(item.name) is not None


def _notes_tree(repo: Repo, tip: ObjectId) -> ObjectId:
    try:
        return repo.commit(tip).tree
    except (UserError, DataError, KeyError, ValueError) as exc:
        raise DataError(f"the notes at {tip[:12]} cannot be read: {getattr(exc, 'message', exc)}") from None


def read_note(repo: Repo, commit: ObjectId, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """The lines of a commit's session note that are JSON objects, in stored order.

    A malformed line never raises: it is skipped and described in ``problems`` if given.
    """
    return Notes.current(repo).lines(commit, problems)


def read_all(repo: Repo, problems: list[str] | None = None) -> dict[ObjectId, list[dict[str, Any]]]:
    """Every session note, by the commit it is on."""
    notes = Notes.current(repo)
    return {target: notes.lines(target, problems) for target in notes.index()}


# --- writing -----------------------------------------------------------------------------


def add_note_lines(
    repo: Repo,
    commits_to_lines: Mapping[ObjectId, Sequence[Mapping[str, Any]]],
    ident: Ident,
    message: str,
    one_per_session: bool = False,
) -> ObjectId | None:
    """Add lines to commits' notes, all in one notes commit: each note becomes the sorted,
    unique union of its lines and the new ones (``one_per_session``: see ``add_raw_lines``).
    Returns the notes tip (``None`` only when there are no notes and nothing to add);
    adding lines already there writes nothing."""
    additions = {commit: [canonical_line(line) for line in lines] for commit, lines in commits_to_lines.items()}
    return add_raw_lines(repo, lambda notes: additions, ident, message, one_per_session)


def copy_note(repo: Repo, source: ObjectId, target: ObjectId, ident: Ident, message: str) -> ObjectId | None:
    """Give ``target`` the lines of ``source``'s note too (for a cherry-pick)."""
    return copy_notes(repo, {target: [source]}, ident, message)


def copy_notes(
    repo: Repo,
    targets_to_sources: Mapping[ObjectId, Sequence[ObjectId]],
    ident: Ident,
    message: str,
    one_per_session: bool = False,
) -> ObjectId | None:
    """Give each target the lines of its sources' notes, in one notes commit; the sources
    are read again from the tip each attempt, so a line added meanwhile is copied too
    (``one_per_session``: see ``add_raw_lines``)."""

    def additions(notes: Notes) -> dict[ObjectId, list[bytes]]:
        return {
            target: [line for source in sources for line in notes.raw_lines(source)]
            for target, sources in targets_to_sources.items()
        }

    return add_raw_lines(repo, additions, ident, message, one_per_session)


def add_raw_lines(
    repo: Repo,
    additions: Callable[[Notes], Mapping[ObjectId, Sequence[bytes]]],
    ident: Ident,
    message: str,
    one_per_session: bool = False,
) -> ObjectId | None:
    """The lines ``additions`` gives (computed from the notes at the tip) added to the
    notes, union-wise, by a compare-and-swap retried on a race; ``one_per_session``: each
    note given lines then has one line per session (``one_line_per_session``), the lines
    already there merged too."""

    def next_commit(tip: ObjectId | None) -> ObjectId | None:
        notes = Notes(repo, tip)
        wanted: dict[ObjectId, ObjectId | None] = {}
        for target, new in additions(notes).items():
            old = notes.raw_lines(target)
            if one_per_session:
                note = combine(one_line_per_session(split_lines(combine(old, new))))
                if note != b"".join(line + b"\n" for line in old):
                    wanted[ObjectId.of(target)] = repo.write_blob(note)
            elif set(new) - set(old):
                wanted[ObjectId.of(target)] = repo.write_blob(combine(old, new))
        return _commit_changes(repo, notes, wanted, [tip] if tip else [], message, ident)

    return _update(repo, next_commit, message.splitlines()[0] if message else "notes")


class Pending:
    """The notes as a series of changes leaves them, before anything is written: each
    change reads what those before it made, as if each had been its own notes commit.
    Every note changed gets one line per session (see ``one_line_per_session``)."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self.changed: dict[ObjectId, bytes] = {}

    def raw_lines(self, target: ObjectId) -> list[bytes]:
        return split_lines(self.changed[target]) if target in self.changed else self.notes.raw_lines(target)

    def lines(self, target: ObjectId) -> list[dict[str, Any]]:
        return parse_lines(self.raw_lines(target), f"note on {target[:12]}")

    def add(self, target: ObjectId, new: Sequence[bytes]) -> None:
        """``new`` lines added to the target's note (a union, then one line per session)."""
        old = self.raw_lines(target)
        if len(old) == 1 and all(line == old[0] for line in new):
            return  # the one line there already (a note git copied on a rebase): kept byte for byte
        note = combine(one_line_per_session(split_lines(combine(old, new))))
        if note != b"".join(line + b"\n" for line in old):
            self.changed[ObjectId.of(target)] = note

    def copy(self, targets_to_sources: Mapping[ObjectId, Sequence[ObjectId]]) -> None:
        """Each target given its sources' lines, all read before any is added (``copy_notes``)."""
        additions = {
            target: [line for source in sources for line in self.raw_lines(source)]
            for target, sources in targets_to_sources.items()
        }
        for target, lines in additions.items():
            self.add(target, lines)

    def snapshot(self) -> dict[ObjectId, bytes]:
        return dict(self.changed)

    def restore(self, snapshot: Mapping[ObjectId, bytes]) -> None:
        self.changed = dict(snapshot)


def write_pending(
    repo: Repo,
    changes: Sequence[Callable[[Pending], None]],
    ident: Ident,
    message: str,
    planned: Pending | None = None,
) -> ObjectId | None:
    """The changes made to the notes in one notes commit, by a compare-and-swap retried
    on a race (each attempt makes them again, on the notes it finds). ``planned``: the
    same changes made already, on the notes then read: used as they are while the notes
    have not moved since."""

    def next_commit(tip: ObjectId | None) -> ObjectId | None:
        if planned is not None and planned.notes.tip == tip:
            notes, pending = planned.notes, planned
        else:
            notes = Notes(repo, tip)
            pending = Pending(notes)
            for change in changes:
                change(pending)
        wanted = {target: repo.write_blob(note) for target, note in pending.changed.items()}
        return _commit_changes(repo, notes, wanted, [tip] if tip else [], message, ident)

    return _update(repo, next_commit, message.splitlines()[0] if message else "notes")


def merge_notes(repo: Repo, their_tip: ObjectId) -> ObjectId:
    """Bring another history of the notes in, as ``git notes merge -s cat_sort_uniq`` does.

    Per annotated object, against the histories' merge base: a note changed on one side
    only is taken from that side (a removal too); one changed on both becomes the sorted
    union of both sides' lines. Histories that never diverged fast-forward. The merge
    commit depends only on the two tips, so clones merging the same pair agree.
    Returns the new tip.
    """
    Notes(repo, their_tip).index()  # a tip that is not a notes commit, or a tree that is junk, stays theirs

    def merged(ours: ObjectId | None) -> ObjectId | None:
        if ours is None or repo.is_ancestor(ours, their_tip):
            return their_tip
        if repo.is_ancestor(their_tip, ours):
            return ours
        return _merge_commit(repo, ours, their_tip)

    tip = _update(repo, merged, "notes: merge")
    assert tip is not None
    return tip


def _merge_commit(repo: Repo, ours: ObjectId, theirs: ObjectId) -> ObjectId:
    first, second = (Notes(repo, tip) for tip in sorted([ours, theirs]))
    base = Notes(repo, repo.merge_base(ours, theirs))
    a, b, o = first.index(), second.index(), base.index()
    wanted: dict[ObjectId, ObjectId | None] = {}
    for target in a.keys() | b.keys():
        mine, other, old = (_blobs(side.get(target)) for side in (a, b, o))
        if mine == other or other == old:
            continue  # the first side's note is the result, and it is there already
        if mine == old:
            wanted[target] = _single_blob(repo, second, target, other)
        else:
            wanted[target] = repo.write_blob(combine(first.raw_lines(target), second.raw_lines(target)))
    parents = sorted([ours, theirs])
    ident = Ident(*MERGE_IDENT, max(repo.commit(p).time for p in parents), "+0000")
    merge = _commit_changes(repo, first, wanted, parents, MERGE_MESSAGE, ident, always=True)
    assert merge is not None
    return merge


def _blobs(located: Located | None) -> tuple[ObjectId, ...]:
    return tuple(blob for _, blob in located or [])


def _single_blob(repo: Repo, notes: Notes, target: ObjectId, blobs: tuple[ObjectId, ...]) -> ObjectId | None:
    if len(blobs) <= 1:
        return blobs[0] if blobs else None
    return repo.write_blob(combine(notes.raw_lines(target)))


def _commit_changes(
    repo: Repo,
    notes: Notes,
    wanted: Mapping[ObjectId, ObjectId | None],
    parents: Sequence[ObjectId],
    message: str,
    ident: Ident,
    always: bool = False,
) -> ObjectId | None:
    """A notes commit whose tree is ``notes``' with the wanted notes; without a change,
    the tip as it was (unless ``always``)."""
    changes = notes.tree_changes(wanted)
    if not changes and not always:
        return notes.tip
    tree = repo.edit_tree(notes.tree, changes)
    if tree == notes.tree and not always:
        return notes.tip
    return repo.write_commit(tree, parents, message if message.endswith("\n") else message + "\n", ident)


# --- rewriting the history ---------------------------------------------------------------

# How a note changes when the history is rewritten: (its path in the notes tree, its
# content) -> its new content, or ``None`` to remove it.
NoteFix = Callable[[str, bytes], bytes | None]


def note_target(path: str) -> str:
    """The object a note annotates, from its path in the notes tree (``ab/cdef…``)."""
    return path.replace("/", "")


def rewrite_history(repo: Repo, fix: NoteFix, keep: Sequence[ObjectId], reflog: str) -> tuple[ObjectId | None, int]:
    """Rewrite the notes commits that ``keep`` (commits others have) cannot reach, every
    note they add or change passed through ``fix``, so that what ``fix`` takes out is
    no longer reachable from the notes ref. Commits keep their messages, authors and
    times; the ref moves by compare-and-swap. Returns the new tip and how many commits
    were rewritten. (The notes ref's reflog still names the commits rewritten: see
    ``Repo.forget_unreachable_reflog_entries``.)"""
    replaced: dict[ObjectId, ObjectId] = {}

    def build(tip: ObjectId | None) -> ObjectId | None:
        if tip is None:
            return None
        replaced.clear()
        replaced.update(_rewritten(repo, tip, fix, keep)[0])
        return replaced.get(tip, tip)

    return _update(repo, build, reflog), len(replaced)


def _rewritten(
    repo: Repo, tip: ObjectId, fix: NoteFix, keep: Sequence[ObjectId]
) -> tuple[dict[ObjectId, ObjectId], int]:
    hide = [k for k in keep if repo.has_object(k)]
    mapping: dict[ObjectId, ObjectId] = {}
    fixed: dict[tuple[str, ObjectId], ObjectId | None] = {}
    for commit in reversed(list(repo.walk(tip, hide))):  # parents first
        parents = [mapping.get(p, p) for p in commit.parents]
        old_base = repo.commit(commit.parents[0]).tree if commit.parents else None
        new_base = repo.commit(parents[0]).tree if parents else None
        changes: dict[str, ObjectId | None] = {}
        for path, blob in repo.tree_changes(old_base, commit.tree):
            if blob is not None and (path, blob) not in fixed:
                content = repo.read_blob(blob)
                new = fix(path, content)
                fixed[path, blob] = blob if new == content else None if new is None else repo.write_blob(new)
            changes[path] = None if blob is None else fixed[path, blob]
        tree = repo.edit_tree(new_base, changes) if changes or new_base != old_base else commit.tree
        if tree != commit.tree or parents != list(commit.parents):
            mapping[commit.id] = repo.copy_commit(commit.id, tree, parents)
    return mapping, len(mapping)


def pushed_versions(repo: Repo, tips: Sequence[ObjectId], changed: Callable[[str, bytes], bool]) -> bool:
    """Whether any notes commit reachable from ``tips`` (what remotes have) holds a note
    that ``changed`` picks."""
    seen: set[ObjectId] = set()
    for commit in repo.walk_all([t for t in tips if repo.has_object(t)]):
        for parent in commit.parents or (None,):
            old = repo.commit(parent).tree if parent is not None else None
            for path, blob in repo.changed_blobs(old, commit.tree):
                if blob not in seen:
                    seen.add(blob)
                    if changed(path, repo.read_blob(blob)):
                        return True
    return False


def _update(repo: Repo, build: Callable[[ObjectId | None], ObjectId | None], reflog: str) -> ObjectId | None:
    """Move the notes ref to what ``build`` makes of its tip (see ``Repo.update_ref``): git's
    own notes commands may hold its lock too."""
    return repo.update_ref(NOTES_REF, build, f"git-session: {reflog}", what=NOTES_REF, writers="git")
