"""cnncourse.stored: where the chapters find the stored benchmark tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cnncourse import few_photos, fine_tune, heads, stored

ROOT = Path(__file__).resolve().parents[1]


def test_data_url_is_the_configured_repository_s():
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repository["url"].removeprefix("https://github.com/")
    assert stored.DATA_URL == (f"https://raw.githubusercontent.com/{slug}/"
                               f"{repository['branch']}/chapters/data/")


def test_locate_tries_data_then_the_repository_then_the_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = heads.FILE_NAME
    assert stored.locate(name) == ROOT / "chapters" / "data" / name
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / name).write_text("a\n1\n")
    assert stored.locate(name) == Path("data") / name
    assert stored.locate("nowhere.csv") == stored.DATA_URL + "nowhere.csv"


def test_read_csv_skips_comment_lines_and_takes_a_path(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("# Made by: something\na,b\n1,2\n")
    assert stored.read_csv("t.csv", table).to_dict("records") == [{"a": 1, "b": 2}]


@pytest.mark.parametrize("read, name", [
    (heads.read_results, heads.FILE_NAME),
    (few_photos.read_results, few_photos.FILE_NAME),
    (few_photos.read_mistakes, few_photos.MISTAKES_FILE),
    (fine_tune.read_results, fine_tune.FILE_NAME),
])
def test_every_reader_finds_its_table_through_locate(read, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / name).write_text("# a local copy\nonly\n42\n")
    assert read()["only"].tolist() == [42]


def test_table_writer_keeps_each_row_on_disk_as_it_ends(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    with stored.table_writer(path, "python -m cnncourse.bench x", "seeds 0 1",
                             ["seed", "acc"]) as add:
        add({"seed": 0, "acc": 0.5})
        assert path.read_text().splitlines()[-1] == "0,0.5"  # flushed already
        add({"seed": 1, "acc": 0.75})
    assert path.read_text().splitlines() == [
        "# Made by: python -m cnncourse.bench x", "# seeds 0 1", "seed,acc",
        "0,0.5", "1,0.75"]
    assert capsys.readouterr().out.splitlines() == ['{"seed": 0, "acc": 0.5}',
                                                   '{"seed": 1, "acc": 0.75}']
    assert stored.read_csv("runs.csv", path)["acc"].tolist() == [0.5, 0.75]


def test_over_seeds_keeps_the_groups_order_and_gives_spread_and_range():
    runs = pd.DataFrame({"setup": ["b", "a", "b", "a"], "seed": [0, 0, 1, 1],
                         "acc": [0.70, 0.90, 0.74, 0.80]})
    table = stored.over_seeds(runs, ["setup"], ["acc"])
    assert table.index.tolist() == ["b", "a"]
    assert table.columns.tolist() == ["runs", "acc", "acc_std", "acc_min", "acc_max"]
    assert table.loc["a", "acc"] == pytest.approx(0.85)
    assert table.loc["b", "acc_std"] == pytest.approx(0.02828, abs=1e-5)
    assert (table.loc["a", "acc_min"], table.loc["a", "acc_max"]) == (0.80, 0.90)
