"""Tests of cnncourse.needs: each chapter's data, in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncourse import book, datasets, needs

ROOT = Path(__file__).resolve().parents[1]


def test_every_chapter_in_the_toc_says_what_data_it_needs():
    for notebook in book.toc_notebooks(ROOT):
        assert needs.chapter_number(notebook) in needs.CHAPTER_DATA, (
            f"{notebook.name} is in _toc.yml but not in cnncourse.needs.CHAPTER_DATA; "
            "add the data sets it loads")


def test_every_needed_dataset_is_known():
    for chapter, names in needs.CHAPTER_DATA.items():
        assert set(names) <= set(needs.DATASETS), chapter


def test_chapter_number():
    assert needs.chapter_number("chapters/06_cats_vs_dogs.ipynb") == "06"
    with pytest.raises(ValueError, match="starts with its number"):
        needs.chapter_number("chapters/intro.md")


def test_url_follows_the_mirror_variable(monkeypatch: pytest.MonkeyPatch):
    dataset = needs.DATASETS["fashion-mnist"]
    monkeypatch.delenv(dataset.url_env, raising=False)
    assert dataset.url == datasets.FASHION_MNIST_URL
    monkeypatch.setenv(dataset.url_env, "http://mirror.local/fmnist/")
    assert dataset.url == "http://mirror.local/fmnist/"


def test_find_calls_the_datasets_finder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    calls = []
    monkeypatch.setattr(datasets, "find_dogs_vs_cats",
                        lambda *, download: calls.append(download) or tmp_path)
    assert needs.DATASETS["dogs-vs-cats"].find(download=False) == tmp_path
    assert calls == [False]
