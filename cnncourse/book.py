"""The book's structure: its table of contents and where it lives online.

The workshop commands (``python -m cnncourse student``, ``timings``) and the
site's browser test act on the chapters that ``_toc.yml`` lists, in its
order, and derive every link to the repository from the one ``repository:``
block of ``_config.yml``. Nothing here lists chapters by hand.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "Repository",
    "binder_url",
    "colab_url",
    "find_root",
    "repository",
    "toc_documents",
    "toc_notebooks",
]

_SUFFIXES = (".ipynb", ".md")


class Repository(NamedTuple):
    """Where the book's sources live: ``_config.yml``'s ``repository:`` block."""

    url: str  # e.g. https://github.com/cnn-course/cnn-course
    branch: str
    path_to_book: str  # the book's folder inside the repository, "" for its root

    @property
    def slug(self) -> str:
        """``owner/name`` of a GitHub repository."""
        return "/".join(self.url.rstrip("/").split("/")[-2:])


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Return the book's folder: ``start`` or the nearest parent holding ``_toc.yml``.

    Parameters
    ----------
    start : path, optional
        Where to start looking; the current directory by default.

    Raises
    ------
    FileNotFoundError
        When neither ``start`` nor any parent holds ``_toc.yml`` and ``_config.yml``.

    Examples
    --------
    >>> (find_root() / "_toc.yml").is_file()  # doctest: +SKIP
    True
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "_config.yml").is_file():
            return folder
    raise FileNotFoundError(
        f"no _toc.yml and _config.yml in {here} or any folder above it; run this "
        "from the course's folder (the clone of its repository) or pass --root"
    )


def _read_yaml(path: Path) -> dict:
    import yaml  # installed with jupyter-book; only needed in a clone of the course

    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _entries(items: list[dict]) -> list[str]:
    """Depth-first ``file:`` entries of a toc list, with their ``sections``."""
    files: list[str] = []
    for item in items or []:
        if "file" in item:
            files.append(str(item["file"]))
        files.extend(_entries(item.get("sections", [])))
    return files


def _resolve(root: Path, entry: str) -> Path:
    path = root / entry
    if path.suffix in _SUFFIXES and path.is_file():
        return path
    for suffix in _SUFFIXES:
        if path.with_name(path.name + suffix).is_file():
            return path.with_name(path.name + suffix)
    raise FileNotFoundError(
        f"_toc.yml lists {entry!r} but there is no {entry}.ipynb or {entry}.md in {root}"
    )


def toc_documents(root: str | os.PathLike) -> list[Path]:
    """Every page ``_toc.yml`` lists, in reading order, root page first.

    Understands Jupyter Book's ``jb-book`` and ``jb-article`` formats,
    ``parts``, ``chapters`` and nested ``sections``; ``url:`` and ``glob:``
    entries are not pages of this book and are skipped.

    Raises
    ------
    FileNotFoundError
        When an entry has no ``.ipynb`` or ``.md`` file.

    Examples
    --------
    >>> [p.name for p in toc_documents(find_root())][:2]  # doctest: +SKIP
    ['intro.md', '01_images_as_arrays.ipynb']
    """
    root = Path(root)
    toc = _read_yaml(root / "_toc.yml")
    entries = [str(toc["root"])]
    for part in toc.get("parts", []):
        entries.extend(_entries(part.get("chapters", [])))
    entries.extend(_entries(toc.get("chapters", [])))
    entries.extend(_entries(toc.get("sections", [])))
    return [_resolve(root, entry) for entry in entries]


def toc_notebooks(root: str | os.PathLike) -> list[Path]:
    """The notebooks (``.ipynb``) among :func:`toc_documents`, in reading order.

    Examples
    --------
    >>> [p.name for p in toc_notebooks(find_root())][:1]  # doctest: +SKIP
    ['01_images_as_arrays.ipynb']
    """
    return [p for p in toc_documents(root) if p.suffix == ".ipynb"]


def repository(root: str | os.PathLike) -> Repository:
    """Read the ``repository:`` block of the book's ``_config.yml``.

    Raises
    ------
    KeyError
        When ``_config.yml`` has no ``repository: url:``.

    Examples
    --------
    >>> repository(find_root()).branch  # doctest: +SKIP
    'main'
    """
    config = _read_yaml(Path(root) / "_config.yml")
    block = config.get("repository") or {}
    if not block.get("url"):
        raise KeyError("_config.yml has no `repository: url:`; add the course repository's URL")
    return Repository(str(block["url"]).rstrip("/"), str(block.get("branch") or "main"),
                      str(block.get("path_to_book") or "").strip("/"))


def _repo_path(root: Path, notebook: str | os.PathLike) -> str:
    """The notebook's path inside the repository, with ``/`` separators."""
    repo = repository(root)
    relative = Path(notebook)
    if relative.is_absolute():
        try:
            relative = relative.relative_to(Path(root))
        except ValueError:
            relative = relative.resolve().relative_to(Path(root).resolve())
    return "/".join(p for p in (repo.path_to_book, relative.as_posix()) if p)


def colab_url(root: str | os.PathLike, notebook: str | os.PathLike) -> str:
    """The address that opens ``notebook`` of the book on Google Colab.

    Parameters
    ----------
    root : path
        The book's folder.
    notebook : path
        The notebook, absolute or relative to ``root``.

    Examples
    --------
    >>> colab_url(find_root(), "chapters/01_images_as_arrays.ipynb")  # doctest: +SKIP
    'https://colab.research.google.com/github/cnn-course/cnn-course/blob/main/chapters/01_images_as_arrays.ipynb'
    """
    repo = repository(root)
    return (f"https://colab.research.google.com/github/{repo.slug}/blob/{repo.branch}/"
            f"{_repo_path(Path(root), notebook)}")


def binder_url(root: str | os.PathLike, notebook: str | os.PathLike) -> str:
    """The address that opens ``notebook`` of the book on mybinder.org.

    Examples
    --------
    >>> binder_url(find_root(), "chapters/01_images_as_arrays.ipynb")  # doctest: +SKIP
    'https://mybinder.org/v2/gh/cnn-course/cnn-course/main?urlpath=tree/chapters/01_images_as_arrays.ipynb'
    """
    repo = repository(root)
    return (f"https://mybinder.org/v2/gh/{repo.slug}/{repo.branch}"
            f"?urlpath=tree/{_repo_path(Path(root), notebook)}")
