"""What prune finds besides unlinked archives (those are tested end to end in tests/cli)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from puffin.cache import Cache
from puffin.cache.prune import BUILD_ENVIRONMENT_COMPLETE, unused_entries
from puffin.commands.build_env import COMPLETE_MARKER


def relative(paths: list[Path], root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in paths}


def test_old_temp_dirs_and_a_crashed_clean_s_leftovers_go_fresh_temp_dirs_stay(
    tmp_path: Path,
) -> None:
    cache = Cache(tmp_path)
    now = time.time()
    for name, age in ((".tmp-old", 2 * 3600), (".tmp-new", 60)):
        (tmp_path / ".tmp" / name).mkdir(parents=True)
        os.utime(tmp_path / ".tmp" / name, (now - age, now - age))
    (tmp_path / ".tmp-removing-0123abcd").mkdir()
    assert relative(unused_entries(cache, now=now), tmp_path) == {
        ".tmp/.tmp-old",
        ".tmp-removing-0123abcd",
    }


def test_buckets_of_other_format_versions_go(tmp_path: Path) -> None:
    for name in ("simple-v0", "simple-v1", "wheels-v7", "my-notes"):
        (tmp_path / name).mkdir()
    assert relative(unused_entries(Cache(tmp_path), now=time.time()), tmp_path) == {
        "simple-v0",
        "wheels-v7",
    }


def test_an_interrupted_build_environment_goes_a_complete_one_stays(tmp_path: Path) -> None:
    environments = tmp_path / "build-environments-v0"
    for name in ("complete", "interrupted"):
        (environments / name / "bin").mkdir(parents=True)
    (environments / "complete" / BUILD_ENVIRONMENT_COMPLETE).write_text("setuptools==80.0\n")
    (environments / "complete.lock").write_text("")
    assert relative(unused_entries(Cache(tmp_path), now=time.time()), tmp_path) == {
        "build-environments-v0/interrupted"
    }


def test_prune_knows_the_build_environment_marker_build_env_writes() -> None:
    assert BUILD_ENVIRONMENT_COMPLETE == COMPLETE_MARKER


def test_a_wheel_record_without_its_link_goes(tmp_path: Path) -> None:
    name_dir = tmp_path / "wheels-v0" / "pypi" / "alpha"
    name_dir.mkdir(parents=True)
    (name_dir / "alpha-1.0-py3-none-any.json").write_text("{}")
    assert relative(unused_entries(Cache(tmp_path), now=time.time()), tmp_path) == {
        "wheels-v0/pypi/alpha/alpha-1.0-py3-none-any.json"
    }
