"""timezone.py: Asia/Ho_Chi_Minh with its real offsets and the record's three date forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.timezone import (
    LOCAL,
    local_offset,
    localize,
    named_zone,
    parse_time,
    rfc822,
    rfc3339,
    site_form,
    to_local,
)

SEVEN = timedelta(hours=7)


@pytest.mark.parametrize(
    "text",
    [
        "2022-06-17T20:22:00+07:00",
        "2022-06-17T13:22:00Z",
        "2022-06-17T13:22:00+00:00",
        "2022-06-17 20:22",
        "2022-06-17 20:22:00",
        "2022-06-17T20:22",
        "20:22 17/06/2022",
        " 20:22  17/6/2022 ",
    ],
)
def test_three_forms_give_the_same_local_time(text: str) -> None:
    moment = parse_time(text)
    assert moment.isoformat() == "2022-06-17T20:22:00+07:00"
    assert moment.utcoffset() == SEVEN


def test_naive_time_is_plus_seven_not_local_mean_time() -> None:
    moment = localize(datetime(2022, 6, 17, 20, 22))
    assert rfc3339(moment) == "2022-06-17T20:22:00+07:00"
    # What replace(tzinfo=...) gives with pytz, and what we must never publish:
    wrong = datetime(2022, 6, 17, 20, 22).replace(tzinfo=LOCAL)
    assert wrong.utcoffset() != SEVEN


def test_historical_dates_keep_their_offsets() -> None:
    assert parse_time("1960-01-01 12:00").isoformat() == "1960-01-01T12:00:00+08:00"
    assert local_offset(parse_time("1960-01-01 12:00")) == timedelta(hours=8)


@pytest.mark.parametrize("text", ["2023-02-30 10:00", "10:00 30/02/2023", "2023-13-01T00:00:00"])
def test_impossible_dates_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="impossible date"):
        parse_time(text)


@pytest.mark.parametrize("text", ["", "  ", "hôm qua", "17/06/2022", "20:22"])
def test_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


def test_to_local_and_formats() -> None:
    utc = datetime(2022, 6, 17, 13, 22, tzinfo=UTC)
    local = to_local(utc)
    assert local.isoformat() == "2022-06-17T20:22:00+07:00"
    assert rfc822(utc) == "Fri, 17 Jun 2022 20:22:00 +0700"
    assert site_form(utc) == "20:22 17/06/2022"


def test_aware_and_naive_are_checked() -> None:
    with pytest.raises(ValueError):
        localize(datetime(2022, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        to_local(datetime(2022, 1, 1))


def test_other_zones_are_converted() -> None:
    tokyo = pytz.timezone("Asia/Tokyo").localize(datetime(2022, 6, 17, 22, 22))
    assert rfc3339(tokyo) == "2022-06-17T20:22:00+07:00"


def test_the_zone_read_by_pytz_loader_is_pytz_own() -> None:
    """``LOCAL`` is read by pytz's loader, not through ``pytz.timezone``: the same zone,
    offset for offset on each side of every transition it knows, and a local time pickled
    (as a render worker sends one back) comes back the same instant and offset."""
    import pickle

    own = pytz.timezone("Asia/Ho_Chi_Minh")
    assert LOCAL.zone == own.zone and LOCAL is not own
    transitions = [t for t in own._utc_transition_times if t.year > 1]  # pytz keeps them so
    assert len(transitions) > 5
    for moment in transitions:
        for step in (timedelta(seconds=-1), timedelta(0), timedelta(days=1)):
            instant = (moment + step).replace(tzinfo=UTC)
            ours, theirs = instant.astimezone(LOCAL), instant.astimezone(own)
            assert (ours.utcoffset(), ours.tzname()) == (theirs.utcoffset(), theirs.tzname())
            back = pickle.loads(pickle.dumps(ours))
            assert back == ours and back.utcoffset() == ours.utcoffset()
    wall = localize(datetime(1959, 12, 31, 23, 30))
    assert wall.utcoffset() == own.localize(datetime(1959, 12, 31, 23, 30)).utcoffset()


def test_a_zone_by_name_is_the_portal_s_own_or_pytz_s() -> None:
    """``named_zone``: the portal's zone is ``LOCAL`` itself (no ``pytz.timezone`` look-up
    at each start of the validator), any other pytz's."""
    assert named_zone("Asia/Ho_Chi_Minh") is LOCAL
    assert named_zone("Asia/Tokyo") is pytz.timezone("Asia/Tokyo")
    with pytest.raises(pytz.UnknownTimeZoneError):
        named_zone("Asia/Atlantis")


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30)))
def test_an_rss_date_is_written_as_email_utils_writes_it(naive: datetime) -> None:
    """``rfc822`` without the email package: the same text as ``format_datetime``, for
    every year the store holds, each side of the zone's transitions."""
    from email.utils import format_datetime

    instant = naive.replace(tzinfo=UTC)
    assert rfc822(instant) == format_datetime(to_local(instant))
