"""Dortmund postcodes, districts and distances (`volunteers.places`): pure Python, no database.

Expected values are copied by hand from the shared research data (`dortmund_plz.csv`,
`dortmund_plz_to_district.csv`), not computed with the code under test.
"""

import pytest

from volunteers import places
from volunteers.places import (
    DISTRICTS,
    InvalidPostcode,
    Place,
    Point,
    distance_km,
    district_of,
    lookup,
    normalise_postcode,
    postcode_distance_km,
)

# The 27 regular Dortmund postcodes and the district `assigned_district_derived` gives each.
EXPECTED_DISTRICTS = {
    "44135": "Innenstadt-West",
    "44137": "Innenstadt-West",
    "44139": "Innenstadt-West",
    "44141": "Innenstadt-Ost",
    "44143": "Innenstadt-Ost",
    "44145": "Innenstadt-Nord",
    "44147": "Innenstadt-Nord",
    "44149": "Lütgendortmund",
    "44225": "Hombruch",
    "44227": "Hombruch",
    "44229": "Hombruch",
    "44263": "Hörde",
    "44265": "Hörde",
    "44267": "Hörde",
    "44269": "Hörde",
    "44287": "Aplerbeck",
    "44289": "Aplerbeck",
    "44309": "Brackel",
    "44319": "Brackel",
    "44328": "Scharnhorst",
    "44329": "Scharnhorst",
    "44339": "Eving",
    "44357": "Mengede",
    "44359": "Mengede",
    "44369": "Huckarde",
    "44379": "Lütgendortmund",
    "44388": "Lütgendortmund",
}


def test_it_looks_up_a_known_postcode() -> None:
    """44357 (Westerfilde) is in Mengede, at its OpenGeoDB point."""
    place = lookup("44357")

    assert place == Place(
        postcode="44357",
        point=Point(lat=51.554623019586, lon=7.3657226199253),
        district="Mengede",
    )
    assert district_of("44357") == "Mengede"


def test_it_assigns_every_postcode_the_district_of_the_research_data() -> None:
    """Each of the 27 Dortmund postcodes resolves to the district the shared data assign it."""
    assert {code: district_of(code) for code in EXPECTED_DISTRICTS} == EXPECTED_DISTRICTS


def test_it_knows_the_twelve_districts_in_the_city_order() -> None:
    """DISTRICTS lists the 12 Stadtbezirke once each, Innenstadt-West first and Mengede last."""
    assert DISTRICTS == (
        "Innenstadt-West",
        "Innenstadt-Nord",
        "Innenstadt-Ost",
        "Eving",
        "Scharnhorst",
        "Brackel",
        "Aplerbeck",
        "Hörde",
        "Hombruch",
        "Lütgendortmund",
        "Huckarde",
        "Mengede",
    )


def test_it_resolves_every_postcode_to_a_district_and_uses_every_district() -> None:
    """All 27 postcodes map into DISTRICTS, and each of the 12 districts has at least one."""
    used = {district_of(code) for code in EXPECTED_DISTRICTS}

    assert used <= set(DISTRICTS)
    assert used == set(DISTRICTS)


def test_it_knows_postcodes_beyond_dortmund_by_their_town() -> None:
    """Castrop-Rauxel (44575), next to Mengede, has its point, and its town stands in for the
    district; Bochum and Witten too."""
    place = lookup("44575")
    assert place is not None and (place.town, place.district) == (
        "Castrop-Rauxel",
        "Castrop-Rauxel",
    )
    assert district_of("44787") == "Bochum"
    assert district_of("58453") == "Witten"
    assert 3 < postcode_distance_km("44575", "44357") < 6


def test_it_returns_none_for_a_well_formed_postcode_that_exists_nowhere() -> None:
    assert lookup("99999") is None
    assert district_of("99999") is None
    assert postcode_distance_km("99999", "44357") is None


@pytest.mark.parametrize("text", ["4435", "443570", "44 357 x", "ABCDE", "", "   ", "D-44357"])
def test_it_refuses_a_malformed_postcode(text: str) -> None:
    """Anything but exactly five digits raises InvalidPostcode, a ValueError naming the input."""
    with pytest.raises(InvalidPostcode, match="5 digits") as excinfo:
        normalise_postcode(text)

    assert isinstance(excinfo.value, ValueError)
    assert repr(text) in str(excinfo.value)
    with pytest.raises(InvalidPostcode):
        lookup(text)


def test_it_refuses_a_postcode_that_is_not_text() -> None:
    """A number (leading zeros lost) or None is refused, not silently converted."""
    with pytest.raises(InvalidPostcode):
        normalise_postcode(44357)  # type: ignore[arg-type]
    with pytest.raises(InvalidPostcode):
        normalise_postcode(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [" 44 357 ", "44357", "\t44357\n", "44\u00a0357"])
def test_it_normalises_whitespace_in_a_postcode(text: str) -> None:
    """Whitespace anywhere in the input is dropped."""
    assert normalise_postcode(text) == "44357"
    assert lookup(text) == lookup("44357")


def test_it_normalises_digits_from_other_scripts() -> None:
    """Eastern Arabic and Persian digits, as phone keyboards type them, become ASCII digits."""
    assert normalise_postcode("٤٤٣٥٧") == "44357"
    assert normalise_postcode("۴۴۳۵۷") == "44357"


def test_it_gives_zero_distance_from_a_place_to_itself() -> None:
    """A postcode is 0 km from itself."""
    assert postcode_distance_km("44357", "44357") == 0.0
    point = Point(51.5, 7.4)
    assert distance_km(point, point) == 0.0


def test_it_measures_distance_symmetrically() -> None:
    """The distance from a to b equals the distance from b to a."""
    assert postcode_distance_km("44135", "44357") == postcode_distance_km("44357", "44135")
    a, b = Point(51.4429, 7.4904), Point(51.5716, 7.5388)
    assert distance_km(a, b) == pytest.approx(distance_km(b, a), abs=1e-12)


def test_it_measures_a_hand_checked_distance_between_two_postcodes() -> None:
    """44135 (city centre) to 44357 (Westerfilde) is 8.67 km between their area points.

    Expected value computed independently with the spherical law of cosines (R = 6371.0088 km)
    and, as a rough check, the equirectangular approximation: 7.450 km west, 4.440 km north,
    sqrt(7.450² + 4.440²) = 8.673 km.
    """
    assert postcode_distance_km("44135", "44357") == pytest.approx(8.6725, abs=0.01)


def test_it_measures_a_known_long_distance() -> None:
    """One degree of latitude along a meridian is about 111.2 km on the mean sphere."""
    assert distance_km(Point(51.0, 7.0), Point(52.0, 7.0)) == pytest.approx(111.195, abs=0.01)


def test_it_reads_the_data_files_once_per_process() -> None:
    """Repeated lookups reuse the loaded table instead of reading the CSV again."""
    lookup("44135")
    before = places._places.cache_info()

    lookup("44137")
    district_of("44139")

    after = places._places.cache_info()
    assert after.misses == before.misses
    assert after.currsize == 1
