"""The public catalogue: languages, skills and offices, named in the caller's language."""

import pytest

from labs.demo.network import seed_offices


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [("far", "fa"), ("Persisch", "fa"), ("فارسی", "fa"), ("Dari", "prs"), ("tigri", "ti")],
)
def test_it_finds_a_language_by_code_name_or_autonym(api_anonymous, query, expected_first):
    """A staff member or volunteer typing any of these finds the language at the top."""
    response = api_anonymous.get("/api/languages/", {"search": query})
    assert codes(response)[0] == expected_first


def test_it_names_languages_in_the_callers_language(api_anonymous):
    """German by default, English on request; the autonym either way."""
    german = api_anonymous.get("/api/languages/", {"search": "fa"}).json()["results"][0]
    english = api_anonymous.get(
        "/api/languages/", {"search": "fa"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()["results"][0]
    assert german == {"code": "fa", "name": "Persisch", "autonym": "فارسی"}
    assert english["name"] == "Persian"


def test_it_lists_kurdish_varieties_separately(api_anonymous):
    """Kurmanji and Sorani are different languages and both are offered."""
    found = codes(api_anonymous.get("/api/languages/", {"search": "Kurd", "page_size": 50}))
    assert {"kmr", "ckb"} <= set(found)


def test_it_answers_an_unknown_language_with_an_empty_list(api_anonymous):
    """Nonsense finds nothing; it is not an error."""
    response = api_anonymous.get("/api/languages/", {"search": "xyzqq"})
    assert response.json()["count"] == 0


def test_it_pages_the_whole_catalogue(api_anonymous):
    """Without a search, the catalogue is paginated, most spoken languages first."""
    body = api_anonymous.get("/api/languages/").json()
    assert body["count"] > 300
    assert len(body["results"]) == 50
    assert body["next"]
    assert "en" in [row["code"] for row in body["results"][:5]]


@pytest.mark.django_db
def test_it_lists_the_skill_catalogue_in_german_and_english(api_anonymous):
    """The ten seeded skills, with their German name by default and English on request."""
    german = api_anonymous.get("/api/skills/").json()["results"]
    english = api_anonymous.get("/api/skills/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert len(german) == 10
    assert german[0]["code"] == "interpreting"
    assert german[0]["name"] == "Sprachmittlung"
    assert english[0]["name"] == "Interpreting"
    assert {row["code"] for row in german} >= {"letters", "bike-repair", "homework-help"}


@pytest.mark.django_db
def test_it_lists_the_offices_publicly(api_anonymous):
    """Anyone can see the network's offices with address and districts; no login needed."""
    seed_offices()  # the network's offices, as the demo loads them
    results = api_anonymous.get("/api/offices/").json()["results"]
    assert len(results) == 7
    eving = next(o for o in results if o["name"] == "lokal willkommen Eving")
    assert eving["address"] == "Bayrische Straße 135, 44339 Dortmund"
    assert eving["districts"] == ["Eving"]
