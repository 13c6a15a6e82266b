"""The one place that knows Asia/Ho_Chi_Minh and the portal's date formats.

pytz zones must be attached with ``localize()`` (and re-normalized after arithmetic
with ``normalize()``).  Handing a pytz zone straight to a datetime as its tzinfo picks
the zone's first entry, local mean time, and gives ``+07:07``: never do that.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

import pytz
from pytz.tzfile import build_tzinfo

ZONE_NAME = "Asia/Ho_Chi_Minh"


def _zone(name: str) -> pytz.BaseTzInfo:
    """pytz's zone ``name``, read from pytz's own zone file by pytz's own loader, as
    ``pytz.timezone`` reads it, without its first look-up: that one builds pytz's set of
    every zone name, opening each of its ~600 zone files once to see that it is there
    (~9 ms at each start, for a name known to be there).  ``tests/test_timezone.py``:
    the same zone as ``pytz.timezone(name)``."""
    # ``open_resource``: where ``pytz.timezone`` opens it (``PYTZ_TZDATADIR`` honoured);
    # a public function of pytz that its type stubs leave out.
    with pytz.open_resource(name) as handle:  # type: ignore[attr-defined]
        return build_tzinfo(name, handle)


LOCAL = _zone(ZONE_NAME)


def named_zone(name: str) -> pytz.BaseTzInfo:
    """The pytz zone ``name``: ``LOCAL`` for the portal's own (no ``pytz.timezone`` look-up,
    see ``_zone``), else ``pytz.timezone``'s."""
    return LOCAL if name == ZONE_NAME else pytz.timezone(name)


#: The years a record's dates may fall in: every later stage (the store's microseconds,
#: offsets, RFC 822 and RFC 3339 writers, readers) handles these without overflow.
SUPPORTED_YEARS = (1970, 9998)

_SITE_FORM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s+(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_NAIVE_FORMS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def last_transition(zone: pytz.BaseTzInfo) -> tuple[datetime, timedelta] | None:
    """(the naive UTC time of a pytz zone's last transition, the UTC offset of every
    instant from then on: pytz's ``fromutc`` finds an instant's period by bisecting these
    times), or None for a zone without transitions."""
    times = getattr(zone, "_utc_transition_times", None)
    periods = getattr(zone, "_transition_info", None)
    if not times or not periods or len(times) != len(periods):
        return None
    return times[-1], periods[-1][0]


# The zone has kept one offset since its last transition (+07 since 13 June 1975).  pytz's
# ``localize`` weighs the offsets in force a day either side of a wall time; from a day
# after that transition both are that one offset, so a wall time there is the instant
# that offset before it, which pytz converts (``astimezone``) 15 times faster.
_LAST = last_transition(LOCAL)
_FIXED_SINCE = _LAST[0] + timedelta(days=1) if _LAST else datetime.max  # a local wall time
_FIXED_OFFSET = _LAST[1] if _LAST else None
#: ``_FIXED_SINCE`` as an instant, to compare with aware times.
_FIXED_SINCE_INSTANT = (
    (_FIXED_SINCE - _FIXED_OFFSET).replace(tzinfo=UTC)
    if _FIXED_OFFSET is not None
    else datetime.max.replace(tzinfo=UTC)
)
#: The tzinfo pytz gives every instant from then on (the store's, the adapters' times).
_FIXED_ZONE = (
    (_LAST[0] + timedelta(days=1)).replace(tzinfo=UTC).astimezone(LOCAL).tzinfo if _LAST else None
)


def localize(naive: datetime) -> datetime:
    """Attach Asia/Ho_Chi_Minh to a naive local wall time, with the offset of that date."""
    if naive.tzinfo is not None:
        raise ValueError(f"localize() wants a naive datetime, got {naive!r}")
    if naive >= _FIXED_SINCE and _FIXED_OFFSET is not None:
        return (naive - _FIXED_OFFSET).replace(tzinfo=UTC).astimezone(LOCAL)
    return LOCAL.localize(naive)


def to_local(moment: datetime) -> datetime:
    """The same instant in Asia/Ho_Chi_Minh (aware input only)."""
    if moment.tzinfo is None:
        raise ValueError(f"to_local() wants an aware datetime, got {moment!r}")
    if (
        moment.tzinfo is _FIXED_ZONE
        and moment.fold == 0
        and type(moment) is datetime
        and moment >= _FIXED_SINCE_INSTANT
    ):
        # Already pytz's own for its instant (a wall time of the last period's one offset,
        # on or after ``_FIXED_SINCE``): ``astimezone`` would give these very fields back.
        return moment
    if moment.tzinfo is LOCAL:  # the zone's first entry (see above): astimezone keeps it
        return LOCAL.normalize(moment)
    return moment.astimezone(LOCAL)  # pytz's own conversion gives the period's offset


@functools.lru_cache(maxsize=1 << 15)
def from_iso(text: str) -> datetime:
    """An ISO 8601 time with its offset (as the store writes one) in Asia/Ho_Chi_Minh.
    Remembered: a run reads an article's times once per document that shows it."""
    return to_local(datetime.fromisoformat(text))


def local_offset(moment: datetime) -> timedelta:
    """The Asia/Ho_Chi_Minh UTC offset in force at that instant."""
    offset = to_local(moment).utcoffset()
    assert offset is not None
    return offset


def check_supported(moment: datetime) -> datetime:
    """``moment`` when its local year is within ``SUPPORTED_YEARS``, else ValueError."""
    first, last = SUPPORTED_YEARS
    if not first <= moment.year <= last:
        raise ValueError(f"{moment.isoformat()} is outside the years {first} to {last}")
    return moment


def parse_time(text: str) -> datetime:
    """Read a time in any of the record's forms and return it aware, in Asia/Ho_Chi_Minh.

    Accepted: ISO 8601 with an offset (``2022-06-17T20:22:00+07:00``, ``...Z``), naive
    local ISO (``2022-06-17 20:22``) and the site's own ``20:22 17/06/2022``.  Naive
    times are local.  Raises ValueError naming the text when it is none of these, or
    when the date does not exist (31/02) or cannot be shown in Asia/Ho_Chi_Minh (year 1
    or 9999 moved across an offset).
    """
    try:
        return _parse_time(text)
    except OverflowError:
        raise ValueError(f"date out of range {text.strip()!r}") from None


def _parse_time(text: str) -> datetime:
    raw = text.strip()
    if not raw:
        raise ValueError("empty date")
    site = _SITE_FORM.match(raw)
    if site:
        hour, minute, day, month, year = (int(g) for g in site.groups())
        try:
            return localize(datetime(year, month, day, hour, minute))
        except ValueError as exc:
            raise ValueError(f"impossible date {raw!r}: {exc}") from None
    parsed = _parse_iso(raw)
    if parsed.tzinfo is None:
        return localize(parsed)
    return to_local(parsed)


def _parse_iso(raw: str) -> datetime:
    iso = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        return datetime.fromisoformat(iso)
    except ValueError as exc:
        reason = str(exc)
    for form in _NAIVE_FORMS:
        try:
            return datetime.strptime(raw, form)
        except ValueError:
            continue
    if re.match(r"^\d{4}-\d{2}-\d{2}", raw):
        raise ValueError(f"impossible date {raw!r}: {reason}")
    raise ValueError(
        f"unreadable date {raw!r}: expected ISO 8601, 'YYYY-MM-DD HH:MM' or 'HH:MM DD/MM/YYYY'"
    )


def rfc3339(moment: datetime) -> str:
    """``2022-06-17T20:22:00+07:00``: Atom and JSON Feed dates, local offset written out;
    with its fraction of a second when it has one (an edit's ``updated``, RFC 3339 §5.6)."""
    local = to_local(moment)
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822(moment: datetime) -> str:
    """``Fri, 17 Jun 2022 20:22:00 +0700``: RSS 2.0 dates, local offset written out; in
    English whatever the locale, as ``email.utils.format_datetime`` writes them (which
    loads the email package and socket, ~10 ms of a cron run: tests/test_timezone.py)."""
    local = to_local(moment)
    return (
        f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]}"
        f" {local.year:04d} {local:%H:%M:%S %z}"
    )


def site_form(moment: datetime) -> str:
    """The portal's own ``20:22 17/06/2022``, for pages meant for people."""
    return to_local(moment).strftime("%H:%M %d/%m/%Y")
