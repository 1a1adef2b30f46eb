"""German postcodes, Dortmund's districts and the distances between them.

Pure Python, no ORM: the data are three CSV files in `volunteers/data/` (see `SOURCES.md` there),
read once per process: every German postcode's area point and town, and for Dortmund's own
postcodes the district they lie in. A postcode stands for an area, so its point is an *area point*
somewhere inside it (OpenGeoDB), not an address: every distance here is approximate, good to a
kilometre or two, and the postcode → district assignment is a heuristic for the codes that span two
districts (44143, 44149, 44269, 44379). Use both for ranking and grouping, never as a hard rule.

A postcode outside Dortmund (Castrop-Rauxel, 44575) has its point, and its town stands in for
the district. A well-formed code that exists nowhere (99999) makes `lookup` return None; callers
refuse it. A malformed one is refused with `InvalidPostcode`.
"""

import csv
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

DATA_DIR = Path(__file__).parent / "data"
POSTCODES_FILE = DATA_DIR / "dortmund_postcodes.csv"
DISTRICTS_FILE = DATA_DIR / "dortmund_districts.csv"
GERMANY_FILE = DATA_DIR / "germany_postcodes.csv"

# The mean Earth radius (IUGG). The sphere is off the ellipsoid by up to ~0.5 %, far less than
# the error of using area points in the first place.
EARTH_RADIUS_KM = 6371.0088

POSTCODE_LENGTH = 5

# Dortmund's wall clock. Appointments, weekly times, absences, reminders, months and payout
# lists are all reckoned by it, whatever zone the server or a phone is in: a fact of the place,
# not a setting. The one definition; everything that turns an instant into a local day or time
# takes it from here.
BERLIN = ZoneInfo("Europe/Berlin")


class InvalidPostcode(ValueError):
    """The text is not a well-formed German postcode (exactly five digits)."""


@dataclass(frozen=True, slots=True)
class Point:
    """A position in WGS 84 decimal degrees."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Place:
    """A known postcode: its area point, its town, and the district the data assign it to
    (in Dortmund one of `DISTRICTS`; elsewhere the town's name stands in)."""

    postcode: str
    point: Point
    district: str
    town: str = "Dortmund"


@cache
def _district_points() -> dict[str, Point]:
    """District name → its Wikipedia infobox point, in the order of the file."""
    with DISTRICTS_FILE.open(encoding="utf-8", newline="") as f:
        return {
            row["district"]: Point(float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(f)
        }


@cache
def _places() -> dict[str, Place]:
    """Postcode → Place. Fails loudly if the file names a district the districts file lacks."""
    districts = _district_points()
    places: dict[str, Place] = {}
    with POSTCODES_FILE.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            if row["district"] not in districts:
                raise ValueError(
                    f"{POSTCODES_FILE}:{line}: district {row['district']!r} is not in "
                    f"{DISTRICTS_FILE.name}; add it there or fix the spelling."
                )
            postcode = normalise_postcode(row["postcode"])
            point = Point(float(row["lat"]), float(row["lon"]))
            places[postcode] = Place(postcode=postcode, point=point, district=row["district"])
    return places


@cache
def _germany() -> dict[str, Place]:
    """Postcode → Place for every German postcode; Dortmund's carry their district."""
    dortmund = _places()
    places: dict[str, Place] = {}
    with GERMANY_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            postcode = normalise_postcode(row["postcode"])
            places[postcode] = dortmund.get(postcode) or Place(
                postcode=postcode,
                point=Point(float(row["lat"]), float(row["lon"])),
                district=row["town"],
                town=row["town"],
            )
    return places


DISTRICTS: tuple[str, ...] = tuple(_district_points())
"""The 12 Stadtbezirke in the order the city lists them (Innenstadt-West first, Mengede last)."""


def normalise_postcode(text: str) -> str:
    """Return the five-digit postcode in `text`, or raise `InvalidPostcode`.

    Whitespace anywhere is dropped (" 44 357 " → "44357"). Digits from other scripts, e.g. the
    Eastern Arabic "٤٤٣٥٧" a phone keyboard may produce, become ASCII digits. Anything else
    (letters, a country prefix such as "D-44357", four or six digits) is refused: only German
    postcodes are supported for now.
    """
    if not isinstance(text, str):
        raise InvalidPostcode(f"A postcode must be text, not {type(text).__name__}.")
    compact = "".join(text.split())
    if len(compact) != POSTCODE_LENGTH or not compact.isdecimal():
        raise InvalidPostcode(
            f"{text!r} is not a German postcode: enter exactly {POSTCODE_LENGTH} digits, "
            "e.g. 44357."
        )
    return "".join(str(unicodedata.decimal(char)) for char in compact)


def lookup(postcode: str) -> Place | None:
    """The place of `postcode`, or None if it is well-formed but exists nowhere in Germany.

    Raises `InvalidPostcode` if it is malformed.
    """
    return _germany().get(normalise_postcode(postcode))


def district_of(postcode: str) -> str | None:
    """The district the data assign to `postcode` (one of `DISTRICTS` in Dortmund, the town's
    name elsewhere), or None if unknown.

    For postcodes that span two districts this is one of them, chosen by a heuristic.
    Raises `InvalidPostcode` if it is malformed.
    """
    place = lookup(postcode)
    return place.district if place else None


def district_point(district: str) -> Point | None:
    """The representative point of a district (its Wikipedia infobox point), or None."""
    return _district_points().get(district)


def distance_km(a: Point, b: Point) -> float:
    """The great-circle distance between two points in kilometres (haversine, spherical Earth).

    Between postcode points the result is approximate: each point stands for a whole area.
    """
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    half_dlat = (lat_b - lat_a) / 2
    half_dlon = math.radians(b.lon - a.lon) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_dlon) ** 2
    # min() guards asin against a rounding error just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def shown_km(km: float) -> float:
    """A distance as every page shows it, staff's and volunteers' alike: to half a kilometre,
    never "0 km". Postcode area points are good to a kilometre or two, so a finer figure
    would claim more than is known."""
    return max(0.5, round(km * 2) / 2)


def postcode_distance_km(a: str, b: str) -> float | None:
    """The approximate distance between two postcodes' area points, or None if either is unknown.

    Raises `InvalidPostcode` if either is malformed.
    """
    place_a, place_b = lookup(a), lookup(b)
    if place_a is None or place_b is None:
        return None
    return distance_km(place_a.point, place_b.point)
