"""Review of round 24 (edges24): the read of a message's last byte, bounded.

The awk program reads the file back as one record to find its last byte (``ended``): mawk,
the awk the hooks take where there is one, reads a record in time growing with the square
of its length (8 s of CPU for 40 MB, against 0.6 s for the whole program on main). A message
of over 1 MB is now written beside, as a line of over 4,096 bytes is: read by lines, in time
linear in its length. Told here by how the message file is opened (strace), not timed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import test_trailers
from tests.test_hooks21 import message_writes
from tests.test_i17_hooks import fresh, linked
from tests.test_i19_hooks import has_strace
from tests.test_trailers import Session, message

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["has_strace"]  # (a fixture)

PARAGRAPHS = 3  # (more than one: the awk program's, not the shell's)


@pytest.mark.usefixtures("has_strace")
@pytest.mark.parametrize(("size", "writes"), [(4_000, ["trunc", "append"]), (1_100_000, ["trunc", "trunc"])])
def test_a_message_of_over_a_megabyte_is_written_beside_not_appended_to(
    session: Session, tmp_path: Path, size: int, writes: list[str]
) -> None:
    """git's write, then the hook's: an append, or the copy beside (renamed in place)."""
    linked(session)
    line = "a line of the message, as long as most\n"
    paragraph = line * (size // PARAGRAPHS // len(line))
    text = "subject\n\n" + "\n".join([paragraph] * PARAGRAPHS)
    file = tmp_path / "message"
    file.write_text(text)
    assert message_writes(session.repo, "commit", "-q", "-F", str(file)) == writes
    assert message(session.repo) == fresh(session, text.rstrip("\n"))
