"""The level format: grids of legend characters, refused with path, row and column when malformed."""

import numpy as np
import pytest

from envs.level import FileLevelSource, Level, LevelError, LevelListSource, coerce_level_source, load_level

LEGEND = "-XE"


def test_parse_and_query(tmp_path):
    p = tmp_path / "ok.txt"
    p.write_text("---\n-E-\nXXX\n")
    level = load_level(p, LEGEND)
    assert level.shape == (3, 3) and level.name == "ok"
    assert level[1, 1] == "E" and level.find("X") == [(2, 0), (2, 1), (2, 2)]
    assert level.replace({(1, 1): "-"}).find("E") == []


def test_unknown_tile_names_path_row_column(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("---\n-Z-\nXXX\n")
    with pytest.raises(LevelError, match=r"bad\.txt, row 2, column 2: unknown tile 'Z'") as err:
        load_level(p, LEGEND)
    assert (err.value.row, err.value.col) == (2, 2)


def test_ragged_rows_are_refused(tmp_path):
    p = tmp_path / "ragged.txt"
    p.write_text("---\n--\nXXX\n")
    with pytest.raises(LevelError, match=r"ragged\.txt, row 2: row has 2 tiles"):
        load_level(p, LEGEND)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(LevelError, match="empty"):
        load_level(tmp_path / "empty.txt", LEGEND)
    with pytest.raises(LevelError, match="no such level file"):
        load_level(tmp_path / "nope.txt", LEGEND)
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LevelError, match="bin.txt"):
        load_level(tmp_path / "bin.txt", LEGEND)


def test_sources_sample_deterministically(tmp_path):
    for i in range(3):
        (tmp_path / f"l{i}.txt").write_text("-" * (i + 1) + "\n")
    src = FileLevelSource(tmp_path, LEGEND)
    assert len(src) == 3
    draws = [src.sample(np.random.default_rng(5)).name for _ in range(2)]
    assert draws[0] == draws[1]


def test_coerce_level_source():
    level = Level(("-X",), "tiny")
    assert coerce_level_source(level, None, LEGEND, LevelListSource([level])).sample(np.random.default_rng(0)) == level
    with pytest.raises(ValueError, match="not both"):
        coerce_level_source(level, LevelListSource([level]), LEGEND, LevelListSource([level]))
    with pytest.raises(LevelError, match="unknown tiles"):
        coerce_level_source(Level(("-Q",)), None, LEGEND, LevelListSource([level]))
