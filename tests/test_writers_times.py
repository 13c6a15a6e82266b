"""The writers' times, remembered by instant: never one instant's text for another."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hnp_feeds.writers.common import moment, stamp

LONDON = ZoneInfo("Europe/London")


def test_a_wall_time_repeated_at_a_dst_end_is_two_instants() -> None:
    # 01:30 on 30 October 2022 happened twice in London (BST, then GMT); the two compare
    # equal (one zone, fold ignored) and hash alike, yet are an hour apart.
    first = datetime(2022, 10, 30, 1, 30, tzinfo=LONDON)
    second = first.replace(fold=1)
    assert first == second
    assert stamp(first) == "2022-10-30T07:30:00+07:00"
    assert stamp(second) == "2022-10-30T08:30:00+07:00"
    assert moment(second).isoformat() == "2022-10-30T08:30:00+07:00"
    assert moment(first).isoformat() == "2022-10-30T07:30:00+07:00"


def test_one_instant_in_any_zone_is_one_local_time() -> None:
    in_utc = datetime(2022, 6, 17, 13, 22, 0, 500, tzinfo=UTC)
    assert stamp(in_utc) == "2022-06-17T20:22:00.000500+07:00"
    assert stamp(in_utc.astimezone(LONDON)) == stamp(in_utc)
    assert moment(in_utc.astimezone(LONDON)).utcoffset() == moment(in_utc).utcoffset()
