"""Local files as sources: links out of an ingested directory are never followed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from knowledge.errors import FileProblem
from knowledge.files import expand, read_document
from knowledge.service import Knowledge
from tests.conftest import SEED


def test_links_out_of_the_directory_are_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" * 20)
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    (folder / "story.txt").write_bytes(SEED.read_bytes())
    (folder / "leak.txt").symlink_to(secret)
    (folder / "sub" / "leak-dir").symlink_to(secret.parent, target_is_directory=True)
    (folder / "alias.txt").symlink_to(folder / "story.txt")  # stays inside: read
    (folder / "broken.txt").symlink_to(tmp_path / "gone.txt")
    with caplog.at_level(logging.WARNING):
        found = [p.name for p in expand(str(folder))]
    assert found == ["alias.txt", "story.txt"]
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "leak.txt" in warned and "outside" in warned


async def test_directory_ingest_never_reads_the_linked_file(kb: Knowledge, tmp_path: Path) -> None:
    secret = tmp_path / "passwd.txt"
    secret.write_text("The secret ferry timetable says the boat leaves at 7:15 from pier nine. " * 5)
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "leak.txt").symlink_to(secret)
    results = await kb.ingest(str(folder))
    assert [r.status for r in results] == ["failed"]  # an empty directory, said so
    assert [a async for a in kb.export()] == []


def test_a_named_link_is_the_users_choice(tmp_path: Path) -> None:
    (tmp_path / "link.txt").symlink_to(SEED)
    assert read_document(next(expand(str(tmp_path / "link.txt")))).data == SEED.read_bytes()


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("htps://example.com/x", "did you mean https://example.com/x?"),
        ("hptts://example.com/x", "only http:// and https:// links can be fetched"),
        ("ftp://example.com/x.txt", "only http:// and https:// links can be fetched."),
        ("HTTPS://example.com/x", "write the scheme in lower case: https://example.com/x"),
        ("file:///etc/passwd", "give the file's path itself (/etc/passwd)"),
        ("missing.txt", "missing.txt: no such file or directory."),
    ],
)
def test_missing_paths_that_look_like_links(source: str, words: str) -> None:
    with pytest.raises(FileProblem) as error:
        read_document(next(expand(source)))
    assert words in str(error.value)
