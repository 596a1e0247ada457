"""The least a first ``report`` can spend reading the sessions' states in Python: every session's
``meta.json`` and the files of the entry kinds whose figures are more than counts (objectives,
blockers, linked commits), read as bytes through libgit2 and nothing else (not decoded, not
checked), the files through libgit2's pack reader alone as the report's quick read does
(``Repo.quick_blobs``), a loose one (not in a pack) the usual way. ``bench_report.py --floors``
times it in the repository it is run in; the Python floor (``import pygit2``) is part of it,
and is taken off in the ratio.

Run: ``python bench/report_inputs.py`` in a repository; prints the number of files read.
"""

from __future__ import annotations

import sys

import pygit2

KINDS = ("objective", "blocker", "commit")  # git_session.metrics.READ_KINDS (not imported: no import cost)


def read_folder(repo: pygit2.Repository, packs: pygit2.Odb, tree: pygit2.Object) -> int:
    """Every blob below ``tree``, read; how many."""
    assert isinstance(tree, pygit2.Tree)
    count = 0
    for item in tree:
        if item.type == pygit2.enums.ObjectType.TREE:
            count += read_folder(repo, packs, repo[item.id])
        else:
            read_blob(repo, packs, item.id)
            count += 1
    return count


def read_blob(repo: pygit2.Repository, packs: pygit2.Odb, oid: pygit2.Oid) -> bytes:
    try:
        return packs.read(oid)[1]
    except KeyError:  # loose
        return repo.odb.read(oid)[1]


def read_states(repo: pygit2.Repository) -> int:
    packs = pygit2.Odb()
    packs.add_backend(pygit2.OdbBackendPack(f"{repo.path}objects"), 1)
    count = 0
    for ref in repo.references.iterator(pygit2.enums.ReferenceFilter.ALL):
        if not ref.name.startswith("refs/sessions/"):
            continue
        tree = repo[ref.target].tree
        read_blob(repo, packs, tree["meta.json"].id)
        count += 1
        for kind in KINDS:
            try:
                folder = tree[f"entries/{kind}"]
            except KeyError:
                continue
            count += read_folder(repo, packs, repo[folder.id])
    return count


def main() -> int:
    print(read_states(pygit2.Repository(".")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
