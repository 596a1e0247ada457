"""The fields of every session by the commit its ref points at: ``list`` without reading and
decoding 10,000 ``meta.json`` files.

A session's fields are its tip commit's ``meta.json``; a commit never changes, so what was
read once from a tip is what that tip holds for good. ``<common-dir>/git-session/session-metas``
keeps, for each tip read, the fields as ``codec.meta_from_bytes`` accepted them (checked when
they were read from the repository, not again). Derived data keyed by immutable ids: a
session that moved is read from its new tip, one removed is dropped at the next write, and a
missing, damaged or unknown file is only read again from the refs. The file carries the
SHA-1 of its content (a damaged one is ignored whole) and is replaced whole, never edited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from git_session import paths
from git_session.gitrepo import Repo, read_checksummed, write_checksummed
from git_session.model import Meta, Stamp

HEADER = b"git-session session metas 1 "


def load(repo: Repo) -> dict[str, Meta]:
    """The cached fields by tip commit id (empty when there is no file it can trust)."""
    body = read_checksummed(paths.session_metas_cache(repo), HEADER)
    if body is None:
        return {}
    try:
        return {tip: _meta(fields) for tip, fields in json.loads(body).items()}
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return {}


def save(repo: Repo, metas: Mapping[str, Meta]) -> None:
    """Replace the cache with ``metas`` (by tip); a repository that cannot be written to only
    stays without one."""
    body = json.dumps({tip: _fields(meta) for tip, meta in metas.items()}, separators=(",", ":")).encode()
    write_checksummed(paths.session_metas_cache(repo), HEADER, body)


def _fields(meta: Meta) -> list[Any]:
    stamps = {name: [stamp.clock, stamp.op] for name, stamp in meta.stamps.items()}
    return [meta.id, meta.created, meta.tz, meta.updated, meta.clock, meta.values, stamps, meta.authors, meta.counts]


def _meta(fields: list[Any]) -> Meta:
    sid, created, tz, updated, clock, values, stamps, authors, counts = fields
    return Meta(
        id=sid,
        created=created,
        tz=tz,
        updated=updated,
        clock=clock,
        values=values,
        stamps=_Stamps(stamps),
        authors=tuple(authors),
        counts=counts,
    )


class _Stamps(Mapping[str, Stamp]):
    """A session's stamps as the file holds them (``{field: [clock, op]}``), each made a
    ``Stamp`` when read: ``list`` never reads them, and 40,000 of them cost a tenth of it."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, list[Any]]) -> None:
        self._raw = raw

    def __getitem__(self, name: str) -> Stamp:
        clock, op = self._raw[name]
        return Stamp(clock, op)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)
