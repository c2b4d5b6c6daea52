"""Sharding a coach's trackers: each in exactly one shard, stable, roughly balanced."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.config import TrackerConfig
from syncer.errors import ConfigError
from syncer.shard import parse_shard, select_shard, shard_of


def trackers(count: int, prefix: str = "client") -> list[TrackerConfig]:
    return [
        TrackerConfig(source=f"/coach/{prefix}-{i:03}.xlsx", name=f"{prefix} {i}")
        for i in range(count)
    ]


@given(
    st.lists(st.text(min_size=1, max_size=30), max_size=40, unique=True),
    st.integers(min_value=1, max_value=9),
)
def test_every_tracker_is_in_exactly_one_shard(sources: list[str], count: int) -> None:
    configs = [TrackerConfig(source=source) for source in sources]
    shards = [select_shard(configs, index, count) for index in range(1, count + 1)]
    seen = Counter(config.source for shard in shards for config in shard)
    assert seen == Counter(sources)
    for shard in shards:  # each shard keeps the config's order
        assert shard == [config for config in configs if config in shard]


def test_the_split_does_not_depend_on_position_or_on_other_clients() -> None:
    base = trackers(100)
    before = {t.source: shard_of(t.source, 4) for t in base}
    grown = [*reversed(base), *trackers(10, prefix="new")]
    after = {t.source: shard_of(t.source, 4) for t in grown}
    assert all(after[source] == shard for source, shard in before.items())


def test_one_more_shard_moves_few_trackers() -> None:
    sources = [t.source for t in trackers(400)]
    moved = sum(shard_of(s, 4) != shard_of(s, 5) for s in sources)
    assert moved < len(sources) * 0.3  # about 1/5 expected; plain modulo would move ~4/5


def test_the_split_is_stable_across_processes() -> None:
    sources = [t.source for t in trackers(20)]
    here = [shard_of(s, 3) for s in sources]
    code = (
        "import sys; from syncer.shard import shard_of; "
        "print(','.join(str(shard_of(s, 3)) for s in sys.argv[1:]))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, *sources], capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == ",".join(map(str, here))


def test_shards_are_roughly_balanced() -> None:
    configs = trackers(500)
    sizes = [len(select_shard(configs, index, 4)) for index in range(1, 5)]
    assert sum(sizes) == 500
    assert all(95 <= size <= 155 for size in sizes), sizes


@pytest.mark.parametrize(("text", "expected"), [("2/4", (2, 4)), (" 1 / 1 ", (1, 1))])
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2", "expected I/N"),
        ("a/b", "expected I/N"),
        ("-1/4", "expected I/N"),
        ("0/4", "between 1 and 4"),
        ("5/4", "between 1 and 4"),
        ("1/0", "at least 1"),
    ],
)
def test_parse_shard_refuses_bad_input_clearly(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_shard(text)


def test_select_shard_refuses_an_index_out_of_range() -> None:
    with pytest.raises(ConfigError, match="between 1 and 3"):
        select_shard(trackers(3), 4, 3)
