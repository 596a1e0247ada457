"""`git session search`: every session's titles and entries, ended ones, private entries
and teammates' fetched copies included, searched offline with no index.

git does the scanning: one ``git grep`` is given every session's tip at once (in batches
that fit a command line) and lists the files that hold every word of the query, in
``meta.json`` (the title, TL;DR and current step) and ``entries/<kind>/`` (an entry's text,
rationale and alternatives). Only those files are decoded, and a hit is kept when each word
is in one of those fields (the file also holds ids, authors and keys). The stored JSON
escapes only ``"``, ``\\`` and control characters, so the query's words are given to git as
JSON would write them. git ignores case for ASCII letters only: a word with other letters is
looked for by its longest ASCII part, or not by git at all (then every file of the searched
kinds is decoded: slower, never wrong).

Filters that ref names answer (``--branch``: the branch key in every session ref) act before
git runs; the others (``--author``, ``--since``) on the hits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from git_session import codec, gitcli
from git_session.errors import DataError, UserError
from git_session.gitrepo import Repo
from git_session.model import ENTRY_KINDS, Entry, EntryKind, Meta
from git_session.names import PRIVATE_PREFIX, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, BranchName, ObjectId, SessionRef
from git_session.sessions import abbreviate, entry_abbrev
from git_session.store import META_PATH, Handle, Store

# What is searched: the kinds a person or an agent records, checkpoints (their labels) and
# commits (their subjects); handoff documents and acknowledged fingerprints are not.
SEARCHED_KINDS: tuple[EntryKind, ...] = tuple(kind for kind in ENTRY_KINDS if kind not in ("handoff", "allow"))
SESSION_KIND = "session"  # a hit in the session's own fields
KIND_CHOICES: tuple[str, ...] = (SESSION_KIND, *SEARCHED_KINDS)
MAX_TIPS_PER_RUN = 2000  # tree-ishes given to one git grep (about 82 KB of command line)
_ASCII_RUN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class Query:
    text: str
    kinds: tuple[str, ...] = KIND_CHOICES
    branch: str | None = None
    author: str | None = None
    since: int | None = None  # seconds since the epoch

    @property
    def words(self) -> list[str]:
        return [w.casefold() for w in self.text.split()]


@dataclass(frozen=True)
class Hit:
    session: str  # the session's id
    short_session: str
    branch: str
    title: str
    copy: str | None  # None: this repository's; "private": its private layer; else the remote's name
    kind: str  # an entry kind, or "session"
    id: str  # the entry's id (the session's for a "session" hit)
    short_id: str
    text: str
    fields: tuple[str, ...]  # where the words are: text, rationale, alternatives, title, tldr, current
    author: str
    created: int
    tz: str
    entry: Entry | None
    found_in: Handle  # the tip it was found in, named by the local ref it stands for


@dataclass(frozen=True)
class _Tip:
    """A tree-ish git grep is given: a session's tip, and what it is a copy of."""

    handle: Handle  # named by the local ref the copy stands for
    copy: str | None


def search(repo: Repo, query: Query, short_ids: bool = True) -> list[Hit]:
    """The hits, newest first; one per entry (this repository's copy before a remote's);
    with ``short_ids``, each with the short ids the other views show (reading the ids of
    the hits' kinds in each session hit: a machine reader given the full ids skips that)."""
    if not query.words:
        raise UserError("nothing to search for", "give one or more words")
    tips = _tips(repo, query.branch)
    # git is given the words as typed: case folding can turn a letter into ASCII ones (ß: ss)
    files = grep_files(repo, [t.handle.tip for t in tips], _patterns(query.text.split()), _pathspecs(query.kinds))
    by_tip: dict[str, list[_Tip]] = {}
    for tip in tips:
        by_tip.setdefault(tip.handle.tip, []).append(tip)
    store = Store(repo)
    hits = _hits(store, query, ((copy, path) for tip, path in files for copy in by_tip.get(tip, ())))
    return _named(store, hits) if short_ids else hits


# --- what git is given ---------------------------------------------------------------------


def _tips(repo: Repo, branch: str | None) -> list[_Tip]:
    """Every session's tip: local ones, their private layers, fetched copies (``--branch``:
    only the sessions whose ref names that branch's key)."""
    key = BranchName(branch).key() + "/" if branch is not None else ""
    found: list[_Tip] = []
    for prefix, copy in ((SESSIONS_PREFIX, None), (PRIVATE_PREFIX, "private")):
        for name, tip in repo.refs_with_prefix(prefix + key):
            ref = _session_ref(SESSIONS_PREFIX + name.removeprefix(prefix))
            found += [_Tip(Handle(ref, tip), copy)] if ref else []
    for name, tip in repo.refs_with_prefix(REMOTE_SESSIONS_PREFIX):
        remote, _, rest = name.removeprefix(REMOTE_SESSIONS_PREFIX).partition("/")
        if not rest.startswith("sessions/" + key):
            continue
        ref = _session_ref(SESSIONS_PREFIX + rest.removeprefix("sessions/"))
        found += [_Tip(Handle(ref, tip), remote.replace("%2F", "/").replace("%25", "%"))] if ref else []
    return found


def _session_ref(name: str) -> SessionRef | None:
    try:
        return SessionRef.of(name)
    except UserError:  # not ours in shape: no session
        return None


def _patterns(words: Sequence[str]) -> list[str]:
    """What git looks for: each word as the stored JSON writes it (ASCII words), or its
    longest ASCII part; a word with none is left to the decoding."""
    patterns = []
    for word in words:
        escaped = json.dumps(word, ensure_ascii=False)[1:-1]
        if escaped.isascii():
            patterns.append(escaped)
            continue
        parts = sorted(_ASCII_RUN.findall(escaped), key=len, reverse=True)
        if parts:
            patterns.append(parts[0])
    return patterns


def _pathspecs(kinds: Iterable[str]) -> list[str]:
    chosen = set(kinds)
    specs = [META_PATH] if SESSION_KIND in chosen else []
    return specs + [f"entries/{kind}/" for kind in SEARCHED_KINDS if kind in chosen]


def grep_files(
    repo: Repo, tips: Sequence[str], patterns: Sequence[str], pathspecs: Sequence[str]
) -> list[tuple[str, str]]:
    """``(tip, path)`` of each file below the tips that holds every pattern (ASCII case
    ignored): one ``git grep`` per ``MAX_TIPS_PER_RUN`` tips; with no pattern, every file."""
    unique = list(dict.fromkeys(tips))
    if not unique or not pathspecs:
        return []
    words = [arg for p in patterns for arg in ("-e", p)] or ["-e", ""]
    found: list[tuple[str, str]] = []
    for start in range(0, len(unique), MAX_TIPS_PER_RUN):
        batch = unique[start : start + MAX_TIPS_PER_RUN]
        args = ["grep", "-l", "-z", "-I", "-i", "-F", "--all-match", "--no-color", *words, *batch, "--", *pathspecs]
        result = gitcli.run(["-c", "grep.fallbackToNoIndex=false", *args], git_dir=repo.git_dir, check=False)
        if result.returncode not in (0, 1):
            gitcli.run(args, git_dir=repo.git_dir)  # raises the GitError that says why
        for item in result.stdout.split("\0"):
            tip, sep, path = item.partition(":")
            if sep:
                found.append((tip, path))
    return found


# --- the hits -----------------------------------------------------------------------------


def _hits(store: Store, query: Query, files: Iterable[tuple[_Tip, str]]) -> list[Hit]:
    words = query.words
    metas: dict[str, Meta | None] = {}
    trees: dict[str, ObjectId] = {}
    seen: set[tuple[str, str]] = set()
    hits: list[Hit] = []
    for tip, path in sorted(files, key=lambda f: _order(f[0])):
        meta = _meta(store, tip.handle, metas, trees)
        if meta is None:
            continue  # a session that cannot be read: nothing of it is shown
        hit = _hit(store, tip, path, meta, words, trees)
        if hit is None or (hit.session, hit.id) in seen or not _wanted(hit, meta, query):
            continue
        seen.add((hit.session, hit.id))
        hits.append(hit)
    return sorted(hits, key=lambda h: (h.created, h.session, h.id), reverse=True)


def _order(tip: _Tip) -> tuple[int, str]:
    """This repository's copies first, then its private layers, then remotes'."""
    return (0 if tip.copy is None else 1 if tip.copy == "private" else 2), tip.copy or ""


def _meta(store: Store, handle: Handle, known: dict[str, Meta | None], trees: dict[str, ObjectId]) -> Meta | None:
    """A session's fields, read once (a private layer's: from the session it belongs to)."""
    if handle.tip not in known:
        local = store.repo.ref_target(handle.ref)
        try:
            known[handle.tip] = _read_meta(store, handle, trees) or (
                _read_meta(store, Handle(handle.ref, local), trees) if local else None
            )
        except (DataError, UserError):
            known[handle.tip] = None
    return known[handle.tip]


def _tree(repo: Repo, tip: str, known: dict[str, ObjectId]) -> ObjectId:
    """A tip's tree, read once for all its hits."""
    if tip not in known:
        known[tip] = repo.commit(ObjectId(tip)).tree
    return known[tip]


def _read_meta(store: Store, handle: Handle, trees: dict[str, ObjectId]) -> Meta | None:
    tree = _tree(store.repo, handle.tip, trees)
    data = store.repo.blob_at(tree, META_PATH)
    return None if data is None else codec.meta_from_bytes(data, f"session {handle.id}")


def _hit(
    store: Store, tip: _Tip, path: str, meta: Meta, words: Sequence[str], trees: dict[str, ObjectId]
) -> Hit | None:
    if path == META_PATH:
        fields = {"title": meta.title, "tldr": str(meta.get("tldr") or ""), "current": str(meta.get("current") or "")}
        where = _matched(fields, words)
        author = meta.authors[0] if meta.authors else ""
        return None if where is None else _made(tip, meta, None, where, author, meta.updated, meta.tz)
    try:
        data = store.repo.blob_at(_tree(store.repo, tip.handle.tip, trees), path)
        entry = codec.entry_from_bytes(data or b"", f"{path} of session {meta.id}")
    except (DataError, UserError):
        return None
    fields = {"text": entry.text, "rationale": entry.rationale, "alternatives": "\n".join(entry.alternatives)}
    where = _matched(fields, words)
    return None if where is None else _made(tip, meta, entry, where, entry.author, entry.created, entry.tz)


def _made(
    tip: _Tip, meta: Meta, entry: Entry | None, where: tuple[str, ...], author: str, created: int, tz: str
) -> Hit:
    return Hit(
        session=meta.id,
        short_session="",
        branch=meta.branch,
        title=meta.title,
        copy=tip.copy,
        kind=entry.kind if entry else SESSION_KIND,
        id=entry.id if entry else meta.id,
        short_id="",
        text=entry.text if entry else meta.title,
        fields=where,
        author=author,
        created=created,
        tz=tz,
        entry=entry,
        found_in=tip.handle,
    )


def _matched(fields: Mapping[str, str], words: Sequence[str]) -> tuple[str, ...] | None:
    """The fields that hold a word, when every word is in one of them."""
    folded = {name: value.casefold() for name, value in fields.items()}
    where: dict[str, None] = {}
    for word in words:
        holding = [name for name, value in folded.items() if word in value]
        if not holding:
            return None
        where.update(dict.fromkeys(holding))
    return tuple(name for name in fields if name in where)


def _wanted(hit: Hit, meta: Meta, query: Query) -> bool:
    if query.since is not None and hit.created < query.since:
        return False
    if query.author is not None:
        authors = [hit.author] if hit.entry is not None else list(meta.authors)
        return any(query.author.casefold() in a.casefold() for a in authors)
    return True


def _named(store: Store, hits: list[Hit]) -> list[Hit]:
    """The hits with the short ids every view shows: a session's among this repository's,
    an entry's among its kind in its session."""
    if not hits:
        return hits
    sessions = abbreviate([*store.session_ids(), *(h.session for h in hits)], only={h.session for h in hits})
    entries: dict[tuple[str, str], str] = {}
    for session, group in _by_session(hits).items():
        handle = _local_handle(store, session, group)
        if handle is None:
            continue
        kinds: list[EntryKind] = [h.entry.kind for h in group if h.entry is not None]
        for entry_id, short in entry_abbrev(store, handle, kinds, [h.id for h in group]).items():
            entries[(session, entry_id)] = short
    return [_short(h, sessions, entries) for h in hits]


def _by_session(hits: Iterable[Hit]) -> dict[str, list[Hit]]:
    grouped: dict[str, list[Hit]] = {}
    for hit in hits:
        grouped.setdefault(hit.session, []).append(hit)
    return grouped


def _local_handle(store: Store, session: str, group: Sequence[Hit]) -> Handle | None:
    """Where the entries' short ids are counted: this repository's session, else the copy."""
    with_entry = next((h for h in group if h.entry is not None), None)
    if with_entry is None:
        return None
    ref = with_entry.found_in.ref
    tip = store.repo.ref_target(ref)
    return Handle(ref, tip) if tip else with_entry.found_in


def _short(hit: Hit, sessions: Mapping[str, str], entries: Mapping[tuple[str, str], str]) -> Hit:
    short_id = entries.get((hit.session, hit.id), hit.id[:4] if hit.entry else "")
    return replace(hit, short_session=sessions.get(hit.session, hit.session), short_id=short_id)


_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
_AGO = re.compile(r"(\d{1,6})\s*(minute|hour|day|week|month|year)s?(\s+ago)?")
_SINCE_HINT = "e.g. 2026-11-01, 2026-11-01T09:00+01:00, '2 weeks ago', yesterday"


def since_epoch(text: str, now: float) -> int:
    """A date: ISO 8601 (a date alone is its midnight UTC), ``N days|weeks|… [ago]``,
    ``yesterday`` or ``today``; in seconds since the epoch."""
    word = " ".join(text.lower().split())
    if word in ("today", "yesterday"):
        midnight = int(now) - int(now) % 86400
        return midnight - (86400 if word == "yesterday" else 0)
    relative = _AGO.fullmatch(word)
    if relative:
        return int(now) - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"not a date: {text!r}", _SINCE_HINT) from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())


def as_json(hit: Hit) -> dict[str, object]:
    entry = hit.entry
    return {
        "session": hit.session,
        "branch": hit.branch,
        "title": hit.title,
        "copy": hit.copy,
        "kind": hit.kind,
        "id": hit.id,
        "text": hit.text,
        "rationale": entry.rationale if entry else None,
        "alternatives": entry.alternatives if entry else None,
        "status": entry.status if entry else None,
        "author": hit.author,
        "created": hit.created,
        "matched": list(hit.fields),
    }


def lines(hits: Sequence[Hit]) -> Iterator[str]:
    """One line per hit: session, branch, kind, entry, date, text (and where else it matched)."""
    from git_session.plaintext import clip, safe, when

    for hit in hits:
        copy = f" ({hit.copy})" if hit.copy else ""
        entry = f" {hit.short_id}" if hit.short_id else ""
        head = f"{hit.short_session} {safe(hit.branch)}{copy} {hit.kind}{entry} {when(hit.created, hit.tz)}"
        extra = [f for f in hit.fields if f not in ("text", "title")]
        yield f"{head}  {clip(safe(hit.text), 100)}" + (f"  [{', '.join(extra)}]" if extra else "")
