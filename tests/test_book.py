"""Tests of cnncourse.book: the table of contents and the repository links."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncourse import book

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
title: A book
repository:
  url: https://github.com/someone/some-book/
  path_to_book: docs
  branch: trunk
"""
TOC = """\
format: jb-book
root: intro
parts:
  - caption: Basics
    chapters:
      - file: chapters/01_a
        sections:
          - file: chapters/01b_a_more
  - caption: More
    chapters:
      - file: chapters/02_b.md
      - url: https://example.org
"""


@pytest.fixture
def tiny_book(tmp_path: Path) -> Path:
    (tmp_path / "_config.yml").write_text(CONFIG)
    (tmp_path / "_toc.yml").write_text(TOC)
    (tmp_path / "chapters").mkdir()
    for name in ("intro.md", "chapters/01_a.ipynb", "chapters/01b_a_more.ipynb",
                 "chapters/02_b.md"):
        (tmp_path / name).write_text("{}")
    return tmp_path


def test_toc_documents_in_reading_order(tiny_book: Path):
    names = [p.relative_to(tiny_book).as_posix() for p in book.toc_documents(tiny_book)]
    assert names == ["intro.md", "chapters/01_a.ipynb", "chapters/01b_a_more.ipynb",
                     "chapters/02_b.md"]
    assert [p.name for p in book.toc_notebooks(tiny_book)] == ["01_a.ipynb", "01b_a_more.ipynb"]


def test_missing_toc_entry_is_named(tiny_book: Path):
    (tiny_book / "chapters" / "02_b.md").unlink()
    with pytest.raises(FileNotFoundError, match="chapters/02_b.md"):
        book.toc_documents(tiny_book)


def test_find_root_walks_up(tiny_book: Path, tmp_path_factory: pytest.TempPathFactory):
    assert book.find_root(tiny_book / "chapters") == tiny_book.resolve()
    with pytest.raises(FileNotFoundError, match="_toc.yml"):
        book.find_root(tmp_path_factory.mktemp("elsewhere"))


def test_links_come_from_the_repository_block(tiny_book: Path):
    repo = book.repository(tiny_book)
    assert repo == book.Repository("https://github.com/someone/some-book", "trunk", "docs")
    assert repo.slug == "someone/some-book"
    notebook = tiny_book / "chapters" / "01_a.ipynb"
    assert book.colab_url(tiny_book, notebook) == (
        "https://colab.research.google.com/github/someone/some-book/blob/trunk/docs/"
        "chapters/01_a.ipynb")
    assert book.binder_url(tiny_book, "chapters/01_a.ipynb") == (
        "https://mybinder.org/v2/gh/someone/some-book/trunk?urlpath=tree/docs/chapters/01_a.ipynb")


def test_missing_repository_block_says_what_to_add(tiny_book: Path):
    (tiny_book / "_config.yml").write_text("title: A book\n")
    with pytest.raises(KeyError, match="repository"):
        book.repository(tiny_book)


def test_the_course_itself():
    """The real book: its toc resolves and its Colab links point at cnn-course/cnn-course."""
    documents = book.toc_documents(ROOT)
    assert documents[0].name == "intro.md"
    for notebook in book.toc_notebooks(ROOT):
        url = book.colab_url(ROOT, notebook)
        assert url == ("https://colab.research.google.com/github/cnn-course/cnn-course/blob/main/"
                       f"chapters/{notebook.name}")
