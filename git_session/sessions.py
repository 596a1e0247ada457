"""What the commands do, over the store: typed values in, handles and states out."""

from __future__ import annotations

import bisect
import contextlib
import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from git_session import choices, codec, gitcli, model, sessionids, trailers
from git_session.errors import (
    Advice,
    AmbiguousError,
    DataError,
    FileSystemError,
    NotFoundError,
    SessionError,
    UserError,
    file_system_error,
)
from git_session.gitrepo import Ident, Repo
from git_session.model import (
    ENDED_STATUSES,
    ENTRY_KINDS,
    ENTRY_STATUSES,
    Entry,
    EntryKind,
    Fields,
    FieldValue,
    Meta,
    Op,
    Transition,
)
from git_session.names import BranchName, Ulid, slug
from git_session.store import Draft, Handle, Store

AGENT_VARIABLE = "GIT_SESSION_AGENT"
MIN_ABBREV = 4  # ids are random in every character: 4 name one among ~1000 entries


def abbreviate(ids: Sequence[str], minimum: int = MIN_ABBREV, only: Iterable[str] | None = None) -> dict[str, str]:
    """The shortest prefix of each id (at least ``minimum`` long) that no other id shares.

    With ``only``, just those of them (that are among ``ids``) are abbreviated: a sort and
    a few comparisons, however many ids there are.
    """
    ordered = sorted(set(ids))
    if only is None and ordered:  # every id: each neighbouring pair compared once
        # A pair that differs within the first ``minimum`` characters lengthens neither id
        # (one comparison: 10,000 ids compared character by character cost a tenth of `list`).
        pairs = [_common_prefix(a, b) if a[:minimum] == b[:minimum] else 0 for a, b in itertools.pairwise(ordered)]
        before, after = [0, *pairs], [*pairs, 0]
        return {i: i[: max(minimum, b + 1, a + 1)] for i, b, a in zip(ordered, before, after, strict=True)}
    short: dict[str, str] = {}
    for index in _positions(ordered, only or ()):
        current = ordered[index]
        neighbours = ordered[max(index - 1, 0) : index] + ordered[index + 1 : index + 2]
        common = max((_common_prefix(current, other) for other in neighbours), default=0)
        short[current] = current[: max(minimum, common + 1)]
    return short


def short_among(ids: Iterable[str], one: str, minimum: int = MIN_ABBREV) -> str:
    """``one`` as the shortest prefix (at least ``minimum``) that none of ``ids`` shares."""
    return abbreviate([*ids, one], minimum, only=[one]).get(one, one)


def entry_abbrev(store: Store, handle: Handle, kinds: Iterable[EntryKind], only: Iterable[str]) -> dict[str, str]:
    """Short ids of entries of ``kinds``, each unique among the entries of its own kind
    (private ones too): the set ``find_entry`` resolves it in when a command names the kind,
    so one entry reads the same in every view. Only the kinds shown are read: a view's cost
    follows what it shows, not the session's thousands of notes."""
    wanted = set(only)
    short: dict[str, str] = {}
    for kind in dict.fromkeys(kinds):
        short.update(abbreviate(store.entry_ids(handle, kind, private=True), only=wanted))
    return short


def _positions(ordered: list[str], wanted: Iterable[str]) -> list[int]:
    """Where each wanted item is in a sorted list (those missing from it are left out)."""
    positions = []
    for item in set(wanted):
        index = bisect.bisect_left(ordered, item)
        if index < len(ordered) and ordered[index] == item:
            positions.append(index)
    return positions


def _common_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def is_typo_fix(old: str | None, new: str) -> bool:
    """A change of spacing, case or punctuation, or a one- or two-letter slip in a long text."""
    if not old:
        return False
    if _normalized(old) == _normalized(new):
        return True
    if len(old) < 12 or any(ch.isdigit() for ch in _changed_chars(old, new)):
        return False
    return len(_changed_chars(old, new)) <= 2


def _normalized(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def _changed_chars(old: str, new: str) -> str:
    import difflib  # only when a title is compared

    changed = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.append(old[i1:i2] + new[j1:j2])
    return "".join(changed)


# What a front end renders from a session whenever it changes (the agents' hook answers).
Renderer = Callable[["Workspace", BranchName], None]


class Found(NamedTuple):
    """A session located for a command, with its fields read once."""

    handle: Handle
    meta: Meta


class Switched(NamedTuple):
    """What ``switch`` did: the session it paused, the arriving branch's open session (and
    whether it was paused and resumed, or active already), git's own messages."""

    paused: Found | None
    arriving: Found | None
    resumed: bool
    git_output: str


class Changed(NamedTuple):
    """What a state change left: the session, and the entry changed (none for the session's own)."""

    found: Found
    entry: Entry | None


class Workspace:
    """A repository opened for one command."""

    def __init__(self, repo: Repo, warn: Callable[[str], None] = lambda message: None) -> None:
        self.repo = repo
        self.store = Store(repo)
        self.warn = warn
        self.notices: list[str] = []  # what a command did on its own, for the person to read
        # What else is rendered from a branch's session whenever it changes, beside the commit
        # trailers: set by a front end (the agents' caches live in the output layer, which
        # the core does not import). Each is called with this workspace and the branch.
        self.renderers: list[Renderer] = []

    @classmethod
    def open(cls, start: str | None = None, warn: Callable[[str], None] = lambda message: None) -> Workspace:
        return cls(Repo.discover(start), warn)

    @classmethod
    def open_linked(
        cls, warn: Callable[[str], None], link_wait: float | None = None, renderers: Sequence[Renderer] = ()
    ) -> Workspace:
        """The repository, with the commits the hooks recorded linked to their sessions first
        (waiting ``link_wait`` seconds for another process linking them; by default long).
        A problem linking them is warned about: the command goes on. ``renderers`` are
        registered before, so that the links they make are rendered too."""
        ws = cls.open(warn=warn)
        ws.renderers.extend(renderers)
        for problem in ws.link_recorded_commits(link_wait):
            warn(problem)
        return ws

    @property
    def ident(self) -> Ident:
        """Who is writing, and when: read afresh on every use, never kept.

        A workspace may serve many commands in one process (a server): each write takes
        the time (and identity) of that write, as ``GIT_AUTHOR_DATE`` or the clock says then.
        """
        return self.repo.ident()

    def now(self) -> int:
        """The time git would stamp a commit with (GIT_AUTHOR_DATE honoured), for reads too.

        Reading commands show times relative to now; they must work without an identity.
        Without ``GIT_AUTHOR_DATE`` (unset or empty) git takes the clock: no git process is
        started to say so (ISSUE14: a handoff's start-up).
        """
        if not os.environ.get("GIT_AUTHOR_DATE"):
            return int(time.time())
        try:
            return self.ident.time
        except UserError:
            return int(time.time())

    @property
    def agent(self) -> str | None:
        agent = os.environ.get(AGENT_VARIABLE) or None
        if agent is not None and ("\n" in agent or "\r" in agent or len(agent) > 200):
            raise UserError(f"{AGENT_VARIABLE} must be one line of at most 200 characters")
        return None if agent is None else codec.check_text(agent, AGENT_VARIABLE)

    # --- finding sessions ------------------------------------------------------------

    def branch(self) -> BranchName:
        if self.repo.is_bare:
            raise UserError("this is a bare repository: it has no current branch", advice=Advice.PASS_SESSION)
        branch = self.repo.head_branch()
        if branch is None:
            raise UserError(
                "HEAD is detached: there is no current branch to find a session for",
                advice=Advice.SWITCH_OR_PASS_SESSION,
            )
        return branch

    def branch_sessions(self, branch: BranchName, strict: bool = True) -> list[Found]:
        handles = self.store.branch_handles(branch)
        found = [f for f in self._readable(handles, strict) if f.meta.branch == branch]
        return sorted(found, key=lambda f: (f.meta.created, f.handle.id), reverse=True)

    def _readable(self, handles: Iterable[Handle], strict: bool = True) -> list[Found]:
        """The sessions whose data can be read; the others are reported and skipped.

        When none can be read, the first problem is the error (unless not ``strict``).
        """
        found, problems = [], []
        for handle in handles:
            try:
                found.append(Found(handle, self.store.meta(handle)))
            except DataError as exc:
                problems.append(exc)
        if strict and problems and not found:
            raise problems[0]
        for problem in problems:
            self.warn(f"skipped a session: {problem.message}")
        return found

    def open_session(self, branch: BranchName) -> Found | None:
        """This clone's active or paused session on the branch, if it has one (one that cannot
        be read is reported, and does not keep the branch from getting a new one)."""
        return next((f for f in self.own_sessions(branch, strict=False) if f.meta.is_open), None)

    def own_sessions(self, branch: BranchName, strict: bool = True) -> list[Found]:
        """The branch's sessions that are this clone's, the one to use by default first:
        those it started or chose (``resume``), latest choice first.

        A session that came with a pull is never the default by itself, whatever its
        ``created`` time says: working in it is a choice (``--session`` for one command,
        ``resume`` or ``start --from`` for good). In a clone older than the record of
        choices, the sessions its user wrote in are taken as its own.
        """
        sessions = self.branch_sessions(branch, strict)
        chosen = choices.read(self.repo)
        if chosen is None:
            return self._authored(sessions)
        return sorted((f for f in sessions if f.handle.id in chosen), key=lambda f: -chosen[f.handle.id])

    def _authored(self, sessions: list[Found]) -> list[Found]:
        me = self._person()
        return [f for f in sessions if me is not None and me in f.meta.authors]

    def choose(self, session_id: str) -> None:
        """Make a session this clone's choice on its branch. The first choice recorded also
        records the sessions that were this clone's before there was a record."""
        earlier = [] if choices.read(self.repo) is not None else self._authored(self.all_sessions())
        choices.record(self.repo, [*(f.handle.id for f in reversed(earlier)), session_id])

    def others_open(self, found: Found) -> list[Found]:
        """The other active or paused sessions on the session's branch (a teammate's, say)."""
        sessions = self.branch_sessions(BranchName(found.meta.branch))
        return [f for f in sessions if f.meta.is_open and f.handle.id != found.handle.id]

    def _person(self) -> str | None:
        try:
            return self.ident.person
        except UserError:
            return None

    @contextlib.contextmanager
    def held_warnings(self) -> Iterator[list[str]]:
        """Warnings made meanwhile are held (the list yielded), and said once each when the
        block succeeds: a block that fails (a session not found) is its one error line, not
        warnings about other sessions first."""
        held: list[str] = []
        said, self.warn = self.warn, held.append
        try:
            yield held
        finally:
            self.warn = said
        for message in dict.fromkeys(held):
            said(message)

    def find(self, spec: str | None) -> Found:
        """A session named by id prefix, branch or title slug; by default the branch's. The
        sessions skipped while looking (unreadable) are warned about only when one is found."""
        with self.held_warnings() as held:
            try:
                return self._find(spec)
            except NotFoundError as exc:
                raise _skipped(exc, held) from None

    def _find(self, spec: str | None) -> Found:
        if spec is None:
            return self._default_session()
        spec = spec.strip()
        by_branch = self.branch_sessions(BranchName(spec)) if spec else []
        if by_branch:  # one's own session of the branch, ended too, before a teammate's open one
            ranked = self.own_sessions(BranchName(spec)) or by_branch
            return next((f for f in ranked if f.meta.is_open), ranked[0])
        handles = self.store.handles()
        lowered = spec.lower()
        by_id = [h for h in handles if Ulid.looks_like_prefix(lowered) and h.id.startswith(lowered)]
        if len(by_id) == 1:
            return Found(by_id[0], self.store.meta(by_id[0]))
        if len(by_id) > 1:
            raise AmbiguousError(
                f"session id prefix {spec!r} is ambiguous",
                "candidates: " + ", ".join(sorted(h.id for h in by_id)[:5]),
            )
        return self._find_by_slug(spec, handles)

    def _default_session(self) -> Found:
        branch = self.branch()
        own = self.own_sessions(branch)
        if not own:
            self._refuse_others(branch)
            raise NotFoundError(f"no session on branch {branch!r}", advice=Advice.START_ONE)
        opened = [f for f in own if f.meta.is_open]
        if len(opened) > 1 and choices.read(self.repo) is None:  # several written in, none chosen
            raise AmbiguousError(
                f"{len(opened)} open sessions on branch {branch!r} could be yours",
                "candidates: " + ", ".join(self.short_session_id(f.handle.id) for f in opened[:5]),
                advice=Advice.CHOOSE_ONE,
            )
        return next(iter(opened), own[0])

    def _refuse_others(self, branch: BranchName) -> None:
        """Sessions on the branch, none of them this clone's: using one is a choice."""
        others = self.branch_sessions(branch)
        if not others:
            return
        opened = [f for f in others if f.meta.is_open] or others
        short = self.short_session_id(opened[0].handle.id)
        raise NotFoundError(
            f"no session of yours on branch {branch!r}; {len(others)} of others (e.g. {short}, "
            f"{opened[0].meta.status}, by {', '.join(opened[0].meta.authors)[:80]})",
            advice=Advice.THEIRS_OR_YOURS,
            data={"short": short},
        )

    def _find_by_slug(self, spec: str, handles: list[Handle]) -> Found:
        wanted = slug(spec)
        matches = [f for f in self._readable(handles) if slug(f.meta.title) == wanted]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise AmbiguousError(
                f"{len(matches)} sessions are titled {spec!r}",
                "name one by id: " + ", ".join(sorted(self.short_session_id(f.handle.id) for f in matches)[:5]),
            )
        raise NotFoundError(f"no session matches {spec!r} (by id, branch or title)", advice=Advice.LIST_ALL_SESSIONS)

    def all_sessions(self, copied_under: str | None = None) -> list[Found]:
        """Every session here, or with ``copied_under`` those fetched from a remote. The
        fields of the sessions here come from ``metacache`` when their tip was read before."""
        fetched = self._readable(self.store.handles(copied_under)) if copied_under else None
        found = self._cached(self._local_handles()) if fetched is None else fetched
        return sorted(found, key=lambda f: (f.meta.created, f.meta.id), reverse=True)  # meta.id: handle.id, read

    def _local_handles(self) -> list[Handle]:
        """``Store.handles()``, from the index of the session refs (``sessionids``)."""
        return [Handle(ref, tip) for ref, tip in sessionids.session_refs(self.repo)]

    def _cached(self, handles: list[Handle]) -> list[Found]:
        """``_readable``, each session's fields from the cache of its tip when there (and
        naming that session: the same commit under another id's ref is read, and refused)."""
        from git_session import metacache  # only the commands that list sessions

        by_tip: dict[str, Handle] = {}

        def read(tip: str) -> Meta | None:  # the fields of a session whose cached rest cannot be decoded
            by_tip.update(by_tip or {h.tip: h for h in handles})
            try:
                return self.store.meta(by_tip[tip])
            except (DataError, KeyError):
                return None

        cached = metacache.load(self.repo, read)
        metas = [cached.get(h.tip) for h in handles]
        hits = [Found(h, m) for h, m in zip(handles, metas, strict=True) if m is not None and m.id == h.id]
        hit = {f.handle.ref for f in hits}
        found = self._readable([h for h in handles if h.ref not in hit], strict=not hits)
        kept: dict[str, Meta] = {f.handle.tip: f.meta for f in hits}
        if found or len(kept) != len(cached):
            metacache.save(self.repo, {**kept, **{f.handle.tip: f.meta for f in found}})
            from git_session.commitindex import forget_others  # sessions gone: their indexes too

            forget_others(self.repo, {h.id for h in handles})
        return [*hits, *found]

    def short_session_id(self, session_id: str) -> str:
        """The shortest prefix (at least 4) that no local session shares; one that is not
        here (a parent, a fetched or deleted one) is cut the same way among them. The ids come
        from an index checked against the folders that can change this one
        (``sessionids.ids_sharing``), not from listing every session."""
        return short_among(sessionids.ids_sharing(self.repo, session_id, MIN_ABBREV), session_id)

    def short_entry_id(self, found: Found, kind: EntryKind, entry_id: str) -> str:
        return entry_abbrev(self.store, found.handle, (kind,), [entry_id]).get(entry_id, entry_id)

    def find_entry(self, found: Found, kind: EntryKind | None, prefix: str) -> Entry:
        """An entry of a kind (``None``: of any kind) named by any unambiguous prefix of its id."""
        lowered = prefix.strip().lower()
        kinds = ENTRY_KINDS if kind is None else (kind,)
        ids = [(k, i) for k in kinds for i in self.store.entry_ids(found.handle, k, private=True)]
        matches = [(k, i) for k, i in ids if lowered and i.startswith(lowered)]
        label = kind or "entry"
        if not matches:
            raise NotFoundError(
                f"no {label} {prefix!r} in session {self.short_session_id(found.handle.id)}",
                advice=Advice.LIST_ENTRIES if kind else Advice.SHOW_SESSION,
                data={"kind": kind} if kind else None,
            )
        if len(matches) > 1:
            candidates = sorted(f"{k} {i}" if kind is None else i for k, i in matches)[:5]
            raise AmbiguousError(f"{label} id prefix {prefix!r} is ambiguous", "candidates: " + ", ".join(candidates))
        entry = self.store.entry(found.handle, *matches[0], private=True)
        assert entry is not None
        return entry

    # --- writing ---------------------------------------------------------------------

    def start(
        self,
        title: str | None,
        objectives: Sequence[str] = (),
        tasks: Sequence[str] = (),
        agent: str | None = None,
        model: str | None = None,
        parent: str | None = None,
    ) -> Found:
        branch = self.branch()
        if not _is_utf8(branch):
            raise UserError(
                f"the branch name {branch!r} is not valid UTF-8: a session cannot record it",
                "rename the branch (git branch -m NEW) to start a session on it",
            )
        self._refuse_open_session(branch, None, advice=Advice.PAUSE_END_OR_WORK_IN_IT)
        continued = self._continued(parent) if parent else None
        fields: dict[str, FieldValue] = {
            "title": codec.check_text(title or (continued.meta.title if continued else branch), "title"),
            "branch": str(branch),
            "status": "active",
            "base": self.repo.head_commit(),
            "tasks": codec.check_texts(list(tasks), "tasks"),
            "agent": agent,
            "model": model,
            "parent": continued.handle.id if continued else None,
        }
        fields = {k: v for k, v in fields.items() if v not in (None, [])}
        drafts = [Draft.create(fields, agent=self.agent)]
        if continued is not None:
            drafts += self._carried_over(continued)
        drafts += [self._add_draft("objective", text, {}) for text in objectives]
        handle = self.store.create(branch, drafts, self.ident, f"start: {fields['title']}")
        found = Found(handle, self.store.meta(handle))
        self._choose_or_warn(handle.id)
        self._refresh_after_write(branch)
        return found

    def _continued(self, spec: str) -> Found:
        """The session ``start --from`` continues: one of this repository's, else a copy
        fetched from a remote (``fetch``), which is then merged in as ``pull`` merges it."""
        with self.held_warnings() as held:  # as find holds them: said once found, here or fetched
            try:
                chosen: Found | tuple[str, Handle] = self._find(spec)
            except NotFoundError as exc:
                copy = self._fetched_match(spec)
                if copy is None:
                    raise _skipped(exc, held) from None
                chosen = copy
        if isinstance(chosen, Found):
            return chosen
        from git_session import sharing

        key, handle = chosen
        try:
            sharing.copy_fetched(self.store, handle)
            found = Found(self.store.handle(handle.ref), self.store.meta(self.store.handle(handle.ref)))
        except (DataError, UserError) as exc:
            raise DataError(
                f"the copy of session {handle.id} fetched from {key} cannot be used: {exc.message}"
            ) from exc
        short = self.short_session_id(found.handle.id)
        self.notices.append(
            f"Copied session {short} {found.meta.title[:80]!r} from the sessions fetched from {key} "
            "into this repository's sessions"
        )
        return found

    def _fetched_match(self, spec: str) -> tuple[str, Handle] | None:
        """The one session fetched from a remote that ``spec`` names by id prefix (or, failing
        that, by title): its remote's folder and handle. Copies of one session fetched from
        several remotes are one match (the first remote's, by name)."""
        from git_session import sharing

        lowered = spec.strip().lower()
        copies = sharing.fetched_copies(self.store)
        by_id = [c for c in copies if Ulid.looks_like_prefix(lowered) and c[1].id.startswith(lowered)]
        if not by_id:
            wanted = slug(spec)
            for key, handle in copies:
                try:
                    if wanted and slug(self.store.meta(handle).title) == wanted:
                        by_id.append((key, handle))
                except DataError:
                    continue
        ids = sorted({h.id for _, h in by_id})
        if len(ids) > 1:
            raise AmbiguousError(
                f"{len(ids)} sessions fetched from remotes match {spec!r}", "name one by id: " + ", ".join(ids[:5])
            )
        return by_id[0] if by_id else None

    def _carried_over(self, parent: Found) -> list[Draft]:
        """What a continued session takes over: summary, step and everything still open."""
        drafts = []
        # As stored, whatever they hold: the new session's journal carries the same values.
        carried = {k: parent.meta.get(k) for k in ("tldr", "current", "tasks") if parent.meta.get(k)}
        if carried:
            drafts.append(Draft.set(carried, agent=self.agent))
        for kind in ENTRY_STATUSES:
            for entry in self.store.open_entries(parent.handle, kind):
                fields = {k: v for k, v in entry.values.items() if k != "status"}
                drafts.append(Draft.add(kind, {**fields, "status": "open"}, agent=self.agent))
        return drafts

    def add(
        self, spec: str | None, kind: EntryKind, text: str, extra: Fields | None = None, private: bool = False
    ) -> tuple[Found, Op]:
        """Add an entry; a ``private`` one goes to the session's private layer, never pushed."""
        draft = self._add_draft(kind, text, {**(extra or {}), "private": True} if private else extra or {})
        found, ops = self._append(spec, lambda handle, meta: [draft], f"{kind}: {text}", private=private)
        return found, ops[0]

    def record(
        self, spec: str | None, kind: str, text: str, fields: Fields | None = None, private: bool = False
    ) -> tuple[Found, Op]:
        """Add an entry as a person or an agent records one: of a kind of
        ``model.RECORDED_KINDS``, with only the fields beside its text that the kind takes
        (what the command line and the MCP server call; ``add`` takes any fields)."""
        recorded = next((k for k in model.RECORDED_KINDS if k == kind), None)
        if recorded is None:
            raise UserError(f"kind {kind!r} is none of: {', '.join(model.RECORDED_KINDS)}")
        codec.check_given(text)
        _check_fields(recorded, fields or {})
        return self.add(spec, recorded, text, fields, private)

    def _add_draft(self, kind: EntryKind, text: str, extra: Fields) -> Draft:
        fields = {"text": codec.check_text(text), **{k: v for k, v in extra.items() if v not in (None, [])}}
        if kind in ENTRY_STATUSES:
            fields["status"] = "open"
        return Draft.add(kind, fields, agent=self.agent)

    def transition(
        self,
        spec: str | None,
        subject: model.Subject,
        verb: str,
        entry: str | None = None,
        note: str | None = None,
        reason: str | None = None,
        extra: Callable[[Handle, Meta], Sequence[Draft]] | None = None,
    ) -> Changed:
        """Make a state change of the table (``model.TRANSITIONS``): of the entry of kind
        ``subject`` named by ``entry`` (any unambiguous prefix of its id), or, for ``SESSION``,
        of the session itself, if it is in a status the change is allowed from.

        ``note``: for an entry, the text of its ``note_field``; for the session, a note entry
        added in the same write. ``extra`` adds drafts to a session's write (it sees the
        session as it is just before, and is called again if the write is retried).
        """
        change = model.transition(subject, verb)
        if subject == model.SESSION:
            return Changed(self._change_session(spec, change, reason, note, extra), None)
        if entry is None or reason is not None or extra is not None or (note and change.note_field is None):
            raise ValueError(f"{subject} {verb} takes an entry, and a note only into its note field")
        return Changed(*self._change_entry(spec, change, entry, note))

    def change_entry(self, spec: str | None, verb: str, prefix: str, note: str | None = None) -> Changed:
        """The state change ``verb`` of the entry named by ``prefix``, whatever its kind: the
        id is looked up among the kinds that have that change (``model.TRANSITIONS``)."""
        kinds = [model.entry_kind(t) for t in model.TRANSITIONS if t.verb == verb and t.subject != model.SESSION]
        if not kinds:
            verbs = sorted({t.verb for t in model.TRANSITIONS if t.subject != model.SESSION})
            raise UserError(f"no entry can be made {verb!r}; the changes of entries: {', '.join(verbs)}")
        found = self.find(spec)
        entry = self._entry_of_kinds(found, kinds, prefix)
        if note and model.transition(entry.kind, verb).note_field is None:
            raise UserError(f"{entry.kind} {verb} takes no note (only a change that records one does: resolve)")
        return self.transition(found.handle.id, entry.kind, verb, entry.id, note=note)

    def _entry_of_kinds(self, found: Found, kinds: Sequence[EntryKind], prefix: str) -> Entry:
        """The entry of one of ``kinds`` that ``prefix`` names; one of another kind is refused
        by name, with the changes it has."""
        matches = []
        for kind in kinds:
            with contextlib.suppress(NotFoundError):
                matches.append(self.find_entry(found, kind, prefix))
        if len(matches) > 1:
            candidates = ", ".join(sorted(f"{e.kind} {e.id}" for e in matches))
            raise AmbiguousError(f"entry id prefix {prefix!r} is ambiguous", f"candidates: {candidates}")
        if matches:
            return matches[0]
        other = self.find_entry(found, None, prefix)  # none at all, or several: said so
        changes = ", ".join(t.verb for t in model.transitions_of(other.kind)) or "none"
        short = self.short_entry_id(found, other.kind, other.id)
        raise UserError(f"{other.kind} {short} has no such change (its changes: {changes})")

    def _change_entry(self, spec: str | None, change: Transition, prefix: str, note: str | None) -> tuple[Found, Entry]:
        kind = model.entry_kind(change)
        found = self.find(spec)
        entry = self.find_entry(found, kind, prefix)
        target = entry.id
        changes: dict[str, FieldValue] = {"status": change.to}
        if note and change.note_field is not None:
            changes[change.note_field] = codec.check_text(note, "note")

        def build(handle: Handle, meta: Meta) -> list[Draft]:
            current = self.store.entry(handle, kind, target)  # the handle of the layer holding it
            if current is None:
                raise NotFoundError(f"{kind} {target} is gone")
            if current.status not in change.allowed_from:
                raise UserError(f"{kind} {self.short_entry_id(found, kind, target)} is already {current.status}")
            return [Draft.update(kind, target, changes, agent=self.agent)]

        private = entry.private
        found, _ = self._append(
            found.handle.id, build, f"{kind} {change.to}: {entry.text}", found=found, private=private
        )
        updated = self.store.entry(found.handle, kind, target, private=True)
        assert updated is not None
        return found, updated

    def set_fields(self, spec: str | None, changes: Fields, subject: str) -> Found:
        """Set session fields; a mere typo fix does not move ``updated``."""
        for name, value in changes.items():
            if isinstance(value, str):
                codec.check_text(value, name)

        def build(handle: Handle, meta: Meta) -> list[Draft]:
            minor = all(isinstance(v, str) and is_typo_fix(_text(meta.get(k)), v) for k, v in changes.items())
            return [Draft.set(changes, agent=self.agent, minor=minor)]

        found, _ = self._append(spec, build, subject)
        return found

    def _change_session(
        self,
        spec: str | None,
        change: Transition,
        reason: str | None,
        note: str | None,
        extra: Callable[[Handle, Meta], Sequence[Draft]] | None,
    ) -> Found:
        found = self.find(spec)
        short = self.short_session_id(found.handle.id)
        if found.meta.status not in change.allowed_from:
            ended = found.meta.status in ENDED_STATUSES and change.to in ("active", "paused")  # to work in it again
            raise UserError(
                f"session {short} is {found.meta.status}; cannot make it {change.to}",
                advice=Advice.CONTINUE_IN_NEW if ended else None,
                data={"short": short} if ended else None,
            )
        if change.needs_reason and not reason:
            raise UserError(f"session {short}: {change.verb} needs a reason")
        if change.to == "active":
            self._refuse_open_session(BranchName(found.meta.branch), found.handle.id, hint="pause or end it first")
        if change.to == found.meta.status and reason is None and note is None and extra is None:
            return found
        changes: dict[str, FieldValue] = {"status": change.to}
        if reason is not None:
            changes["reason"] = codec.check_text(reason, "reason")

        def build(handle: Handle, meta: Meta) -> list[Draft]:
            if meta.status not in change.allowed_from:
                raise UserError(f"session {self.short_session_id(handle.id)} became {meta.status} meanwhile")
            drafts = [Draft.set(changes, agent=self.agent)]
            if note:
                drafts.append(self._add_draft("note", note, {}))
            if extra is not None:
                drafts.extend(extra(handle, meta))
            return drafts

        subject = f"{change.to}: {found.meta.title}"
        found, _ = self._append(found.handle.id, build, subject, found=found, allow_ended=True)
        return found

    def _refuse_open_session(
        self, branch: BranchName, allowed: str | None, hint: str | None = None, advice: Advice | None = None
    ) -> None:
        """A branch has at most one active or paused session."""
        other = self.open_session(branch)
        if other is not None and other.handle.id != allowed:
            short = self.short_session_id(other.handle.id)
            raise UserError(f"session {short} is already {other.meta.status} on branch {branch!r}", hint, advice=advice)

    def resume(self, spec: str | None) -> Found:
        """Make a session active and this clone's default on its branch (a teammate's too)."""
        found = self.transition(spec, model.SESSION, "resume").found
        self._choose_or_warn(found.handle.id)
        return found

    def _choose_or_warn(self, session_id: str) -> None:
        """After the write: the session exists, failing to record it as this clone's only warns."""
        try:
            self.choose(session_id)
        except OSError as exc:
            self.warn(f"cannot record the session as this clone's: {file_system_error(exc).message}")

    def switch(self, branch: str, create: bool = False, start_point: str | None = None) -> Switched:
        """Check out another branch (with ``create``, a new one made at ``start_point`` or
        HEAD, as ``git switch -c`` does): pause this branch's active session, resume that
        branch's paused one. A new branch has no session, and none is started."""
        leaving = self.open_session(self.branch()) if self.repo.head_branch() else None
        args = ["switch", "-c", branch, *([start_point] if start_point else [])] if create else ["switch", "--", branch]
        result = gitcli.run(args, cwd=self.repo.workdir)
        paused = None
        if leaving is not None and leaving.meta.status == "active":
            paused = self.transition(leaving.handle.id, model.SESSION, "pause").found
        arriving = self.open_session(BranchName(branch))
        resumed = False
        if arriving is not None and arriving.meta.status == "paused":
            arriving = self.transition(arriving.handle.id, model.SESSION, "resume").found
            resumed = True
        return Switched(paused, arriving, resumed, result.stderr)

    def _append(
        self,
        spec: str | None,
        build: Callable[[Handle, Meta], Sequence[Draft]],
        subject: str,
        found: Found | None = None,
        allow_ended: bool = False,
        private: bool = False,
    ) -> tuple[Found, list[Op]]:
        found = found or self.find(spec)
        if not allow_ended and found.meta.status in ENDED_STATUSES:
            raise UserError(
                f"session {self.short_session_id(found.handle.id)} is {found.meta.status}: it takes no more entries",
                advice=Advice.CONTINUE_IN_NEW,
                data={"short": self.short_session_id(found.handle.id)},
            )
        if private:
            _, ops = self.store.append_private(found.handle, build, self.ident, subject)
            return Found(found.handle, found.meta), ops
        handle, ops = self.store.append(found.handle.ref, build, self.ident, subject)
        written = Found(handle, self.store.meta(handle))
        self._refresh_after_write(BranchName(written.meta.branch))
        return written, ops

    def _refresh_after_write(self, branch: BranchName) -> None:
        """The write is done: failing to render the trailers for it only deserves a warning
        (the commit hook then leaves them out)."""
        try:
            self.refresh_trailers(branch)
        except OSError as exc:
            self.warn(f"the commit trailers stay as they were: {file_system_error(exc).message}")
        except FileSystemError as exc:
            self.warn(f"the commit trailers stay as they were: {exc.message}")

    def link_recorded_commits(self, wait: float | None = None) -> tuple[str, ...]:
        """Link the commits the hooks recorded since the last command; returns the problems.

        ``wait``: how long to wait for another process linking them (the hooks: not at all).
        """
        if not trailers.queued_work(self.repo):
            return ()
        from git_session import linking  # only when there is something to link

        try:
            drained = linking.drain(self.repo, wait)
            for branch in drained.branches:
                self.refresh_trailers(BranchName(branch))
        except OSError as exc:  # a read-only repository, a full disk: the records wait, reading goes on
            return (f"recorded commits stay unlinked: {file_system_error(exc).message}",)
        except SessionError as exc:
            return (f"recorded commits stay unlinked: {exc.message}",)
        return drained.problems

    def refresh_active_trailers(self) -> None:
        """Sessions active before the hooks existed get their pre-rendered trailers now (a
        failure only warns: the hooks render the trailers themselves when needed)."""
        try:
            branches = {f.meta.branch for f in self.all_sessions() if f.meta.status == "active"}
            for branch in sorted(branches):
                self.refresh_trailers(BranchName(branch))
        except SessionError as exc:
            self.warn(exc.message)
        except OSError as exc:
            self.warn(file_system_error(exc).message)

    def refresh_trailers(self, branch: BranchName, force: bool = False) -> None:
        """Render the trailers the commit hooks will use on ``branch`` (when they are installed),
        and what the front end's ``renderers`` render from the session."""
        for render in self.renderers:
            render(self, branch)
        if not (force or trailers.hooks_installed(self.repo)):
            return
        if not (self.repo.is_branch_name(branch) and trailers.has_cache(branch)):
            return  # stored data naming a branch git could never check out (or one too long): no trailers
        current = self.open_session(branch)
        if current is None or current.meta.status != "active":
            trailers.write_cache(self.repo, branch, None)
            return
        head = self.repo.ref_target(f"refs/heads/{branch}")
        try:
            rendered = trailers.render(self.store, current.handle, head)
        except DataError as exc:  # what was written stays written; the hooks render it themselves
            self.warn(f"commit trailers not refreshed: {exc.message}")
            trailers.write_cache(self.repo, branch, None)
            return
        changed = bool(rendered.withheld) and trailers.values_changed(self.repo, branch, rendered.text)
        trailers.write_cache(self.repo, branch, rendered.text, rendered.includes)
        for problem in rendered.withheld if changed else ():
            self.warn(problem)


def _skipped(exc: NotFoundError, held: Sequence[str]) -> NotFoundError:
    """A lookup's failure, with the count of the sessions it skipped (``held``: their
    warnings) in its one line."""
    if not held:
        return exc
    skipped = len(dict.fromkeys(held))
    return NotFoundError(
        f"{exc.message}; {skipped} session(s) that cannot be read skipped", exc.hint, advised=exc.advised
    )


def _text(value: FieldValue) -> str | None:
    """A field's value if it is a text."""
    return value if isinstance(value, str) else None


def _is_utf8(text: str) -> bool:
    """Whether ``text`` (a name from git or the environment, surrogate-escaped) is UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_fields(kind: EntryKind, extra: Fields) -> None:
    """The fields beside an entry's text must be its kind's (``model.RECORDED_KINDS``), a
    priority one of ``model.PRIORITIES``, each text one git can keep (``codec.check_text``);
    an empty one (``None``, ``[]``) is as if not given."""
    takes = model.RECORDED_KINDS.get(kind, ())
    for name, value in extra.items():
        if value in (None, []) or name == "private":
            continue
        if name not in takes:
            also = f" (it takes: {', '.join(takes)})" if takes else ""
            raise UserError(f"a {kind} entry takes no {name}{also}")
        if name == "priority" and value not in model.PRIORITIES:
            raise UserError(f"priority {value!r} is none of: {', '.join(model.PRIORITIES)}")
        if isinstance(value, list):
            codec.check_texts(value, name)
        elif isinstance(value, str):  # kept as the entry's text is (checkpoint's rationale too)
            codec.check_text(value, name)
