"""About 200 invented demo volunteers, the first thing the network sees of Lotse.

`seed_volunteers` is called by `manage.py seed_demo` (and so by every `make run`). The people are
drawn from a seeded `random.Random`, so every machine gets the same volunteers, and each is saved
through `profiles.save_profile`, so the demo data obey the same rules as real registrations.
Demo volunteers are recognised by their address, `<slug>.<n>@demo.lotse.example`: a second run
reads those addresses in one query and creates nothing, changes nothing.

The mix follows the BAMF's asylum statistics for 2023/24 (Syria, Afghanistan, Turkey, Iraq, Somalia,
Iran, Russia, Eritrea) plus Ukrainians under temporary protection: long-time residents of Dortmund
alongside people from those countries, Kosovo and West Africa, each speaking their languages at
believable levels; the nationality → language step is an inference, not a statistic.

Every name is a random pairing of common first and last names of the community; surnames of
well-known people were left out of the lists, and `FAMOUS` rules out the pairings that remain.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from volunteers import consent, places
from volunteers.models import Level, Volunteer
from volunteers.profiles import Slot, Span, save_profile

EMAIL_DOMAIN = "demo.lotse.example"

# Weighted choices are written as ((value, weight), ...) to keep the tables readable.
Weighted = Sequence[tuple[Any, float]]

# A second language at one of these levels is good enough to interpret into or from.
MEDIATION_LEVELS = frozenset({Level.C1, Level.C2, Level.NATIVE})
# German at one of these levels is good enough to mediate with German-speaking officials.
MEDIATION_GERMAN_LEVELS = frozenset(Level.at_least(Level.B2))

NEWCOMER_GERMAN: Weighted = (("B1", 25), ("B2", 35), ("C1", 30), ("C2", 10))
# The heritage language of people who grew up in Germany is often weaker than their German.
SECOND_GENERATION: Weighted = (("native", 55), ("C1", 25), ("B2", 15), ("B1", 5))
FLUENT: Weighted = (("C1", 30), ("C2", 30), ("native", 40))
SCHOOL: Weighted = (("A2", 15), ("B1", 35), ("B2", 35), ("C1", 15))
GOOD: Weighted = (("B1", 20), ("B2", 40), ("C1", 30), ("C2", 10))
SOME: Weighted = (("A2", 35), ("B1", 40), ("B2", 20), ("C1", 5))

# Pairings from the lists below that name well-known people; they are drawn again.
FAMOUS = frozenset(
    {
        *("Hassan Mohamud", "Abdullahi Yusuf", "Said Samatar"),
        *("Cheikh Diop", "Moussa Sow", "Ousmane Sow", "Boubacar Barry", "Mamadou Sylla"),
        *("Andrii Melnyk", "Oleksandr Moroz", "Serhii Marchenko", "Oleksandr Tkachenko"),
        *("Burak Yılmaz", "Ali Koç", "Ahmet Kaya", "Ayşe Polat"),
        *("Firas Alkhatib", "Rami Khoury", "Reza Sadeghi"),
        *("James Marsh", "Patrick Doyle", "Guillaume Martin", "Julien Bernard"),
        "Christiane Hoffmann",
    }
)


@dataclass(frozen=True)
class Tongue:
    """A language people of a community may speak: how likely, and at which levels."""

    code: str
    chance: float
    levels: Weighted


@dataclass(frozen=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]


@dataclass(frozen=True)
class Community:
    """People who share names and languages, e.g. Syrians or long-time Dortmunders.

    `mother_tongues` are alternatives (one is picked, spoken natively by newcomers); `others`
    are added independently. `settled` is the share who grew up here and speak German natively;
    `refugee_language` says whether their languages are the ones offices need mediators for.
    """

    key: str
    weight: int
    names: Names
    mother_tongues: Weighted = ()
    others: tuple[Tongue, ...] = ()
    settled: float = 0.0
    refugee_language: bool = True
    settled_german: Weighted = (("native", 1),)


def _names(female: str, male: str, last: str) -> Names:
    return Names(tuple(female.split()), tuple(male.split()), tuple(last.split()))


GERMAN_NAMES = _names(
    "Anna Katharina Sabine Ursula Monika Petra Claudia Julia Laura Lea Hannah Marie "
    "Johanna Charlotte Gisela Heike Andrea Susanne Nicole Christiane Franziska Jana Carolin "
    "Annette Renate Ingrid Elke Dorothea Friederike Greta Ute Jutta Maren Insa",
    "Andreas Stefan Frank Jörg Klaus Peter Wolfgang Dieter Bernd Uwe Rainer Markus Christian "
    "Tim Jan Lukas Felix Moritz Niklas Matthias Sebastian Hendrik Ralf Volker Manfred "
    "Hans-Jürgen Karl-Heinz Florian Philipp Till Benedikt Ole Henning Detlef",
    "Schmitz Hoffmann Koch Klein Wolf Neumann Schwarz Zimmermann Braun Hofmann Hartmann Schmitt "
    "Werner Krause Meier Lehmann Herrmann König Peters Möller Fuchs Scholten Brinkmann Kemper "
    "Wessel Overbeck Hülsmann Bergmann Sander Tillmann Bruns Kuhlmann Wiegand Pohl Franke Haase "
    "Busch Jansen Evers Stratmann Grote Rieger Thiele Korte Pieper Niehaus Vollmer Schäfer",
)
ENGLISH_NAMES = _names(
    "Emily Sarah Rachel Siobhan Megan Rebecca Fiona Katie Lucy Abigail Harriet Niamh",
    "James Daniel Oliver Matthew Patrick Sean Ben Christopher Andrew Gareth Callum Rory",
    "Fletcher Holloway Pritchard Whitmore Carver Ashdown O'Connell Brennan Thornton Bradshaw "
    "Kendall Hughes Marsh Porter McAllister Doyle Sutton Jennings",
)
ARABIC_NAMES = _names(
    "Rania Lina Hiba Nour Rasha Dima Ghada Sawsan Maha Yasmin Reem Hala Lama Nisreen Ola Samar "
    "Aya Bushra Rahaf Fatima Safaa Duaa",
    "Ahmad Mohammad Khaled Omar Yousef Bassam Tarek Fadi Hussam Wael Anas Ammar Mahmoud Samer "
    "Ziad Rami Hassan Ibrahim Ayman Nabil Firas Moaz",
    "Alkhatib Alhussein Sabbagh Khoury Nassar Hamdan Al-Masri Zein Othman Kanaan Halabi Jaber "
    "Mansour Qassem Abboud Sleiman Rifai Al-Ahmad Barakat Hamoud Saleh Al-Obeidi Al-Jubouri "
    "Kareem Al-Hamwi Shalabi",
)
DARI_NAMES = _names(
    "Mariam Zahra Freshta Mursal Nilofar Shabnam Mahbooba Parwana Roya Farzana Lida Sadaf Tamana "
    "Wahida Hamida Masooda",
    "Farid Jawad Sayed Mustafa Rahim Alireza Bashir Nasir Habib Qais Javid Omid Sohail Shafiq "
    "Wahid Mansoor Hamidullah Elyas",
    "Rahimi Hakimi Sultani Azizi Haidari Sadat Noori Hashimi Jalali Rasuli Mohammadi Amiri "
    "Sharifi Karimi Hussaini Faizi Rezaie Sahak Nazari",
)
PASHTO_NAMES = _names(
    "Pashtana Zarmina Spogmai Palwasha Nazo Shaista Lailuma Zarghona Meena Gulpari Wagma Nazifa",
    "Wali Naqibullah Asadullah Rahmatullah Samiullah Hayatullah Zabihullah Ajmal Khalid Baryalai "
    "Mirwais Shahzad Noorullah",
    "Shinwari Mohmand Safi Popal Durrani Sherzad Khogyani Mangal Zadran Taniwal Wardak Baheer "
    "Jabarkhel Momand Barakzai",
)
PERSIAN_NAMES = _names(
    "Maryam Shirin Parisa Nasrin Azadeh Leila Niloufar Sepideh Golnaz Fereshteh Mina Elham "
    "Samira Negar Roxana Tara",
    "Reza Amir Behnam Kaveh Arash Babak Farhad Dariush Mehdi Hossein Saeed Navid Pouya Kourosh "
    "Siamak Peyman",
    "Ahmadi Hosseini Moradi Rahmani Kazemi Tehrani Shirazi Farahani Jafari Rostami Safavi "
    "Ebrahimi Nikpour Bagheri Sadeghi Heydari Mirzaei Asadi Golestani",
)
UKRAINIAN_NAMES = _names(
    "Olena Iryna Oksana Tetiana Nataliia Yuliia Kateryna Halyna Svitlana Anastasiia Daryna "
    "Viktoriia Liudmyla Khrystyna Sofiia Mariia",
    "Oleksandr Andrii Dmytro Serhii Mykola Vasyl Ihor Yurii Bohdan Taras Maksym Roman Artem "
    "Oleh Pavlo",
    "Kovalenko Bondarenko Tkachenko Kravchenko Oliinyk Shevchuk Polishchuk Lysenko Marchenko "
    "Savchenko Rudenko Moroz Melnyk Kovalchuk Pavlenko Hnatiuk Danylchuk Sydorenko Ivanyshyn "
    "Hrytsenko",
)
# Russian-speaking Dortmunders include many late repatriates (Spätaussiedler) with German,
# often Mennonite, surnames; the first names are spelled the German way.
RUSSIAN_NAMES = _names(
    "Swetlana Tatjana Natalja Olga Jelena Irina Marina Galina Ljudmila Anastasia Xenia "
    "Walentina Jekaterina Larissa",
    "Sergej Alexej Dmitri Andrej Nikolai Pawel Juri Igor Viktor Anatoli Michail Eduard "
    "Waldemar Artjom Konstantin",
    "Iwanow Petrow Smirnow Kusnezow Popow Wolkow Sokolow Lebedew Morosow Nowikow Fedorow "
    "Friesen Reimer Klassen Penner Dyck Wiens Janzen Funk",
)
TURKISH_NAMES = _names(
    "Ayşe Fatma Elif Zeynep Emine Hatice Merve Büşra Derya Gülsüm Sevda Esra Dilek Özlem "
    "Songül Melek Nurcan Sibel",
    "Mehmet Mustafa Ahmet Hüseyin Hasan Ali İbrahim Emre Burak Serkan Kemal Oğuz Volkan Tolga "
    "Yusuf Erkan Kadir Levent",
    "Yılmaz Kaya Çelik Yıldız Öztürk Arslan Doğan Koç Kurt Özkan Aksoy Polat Erdem Güneş Tekin "
    "Korkmaz Bulut Karaca Uçar Ateş Keskin",
)
KURDISH_NAMES = _names(
    "Rojda Berfin Zozan Dilan Hevin Rojin Jiyan Avesta Newroz Berivan Gulistan Lavin Shilan "
    "Chnar Kazhal",
    "Rojhat Azad Dilovan Serhat Baran Welat Diyar Reber Kawa Aram Hawar Shwan Karwan Dara Hemin",
    "Ekinci Tunç Aslan Bilgin Kılıç Amedi Sindi Hama Rashid Khalil Omer Hawrami Bapir Shexani "
    "Qadir",
)
TIGRINYA_NAMES = _names(
    "Senait Helen Selam Saba Mebrat Yodit Luwam Rahwa Winta Feven Semhar Hiwet Eden Tsega",
    "Yonas Dawit Filmon Robel Samuel Biniam Tesfay Mehari Kidane Habtom Yemane Merhawi Amanuel "
    "Natnael Henok",
    "Tesfamariam Ghebremedhin Tekle Berhane Woldu Ghirmay Habte Tsegay Asmerom Weldemichael "
    "Negash Abraha Andemariam Teklemariam Fessehaye",
)
SOMALI_NAMES = _names(
    "Hodan Amina Faduma Hibaaq Sahra Ifrah Asha Nimco Sagal Ubah Deeqa Hamdi Ladan Shukri",
    "Abdirahman Abdullahi Mohamed Hassan Yusuf Abdikarim Liban Guled Mahad Abdiaziz Jamal Said "
    "Bashir Osman",
    "Warsame Hussein Jama Abdi Nur Egal Mohamud Aden Duale Elmi Ismail Gedi Yusuf Roble Samatar",
)
ALBANIAN_NAMES = _names(
    "Arta Drita Blerta Valbona Fjolla Mimoza Luljeta Elira Besa Teuta Donika Arbnora Albana Shqipe",
    "Arben Besnik Driton Fatmir Valon Agim Ilir Gëzim Bujar Luan Artan Blerim Shkëlzen Dardan",
    "Krasniqi Gashi Shala Morina Bytyqi Kastrati Rexhepi Hasani Zeqiri Ahmeti Sylejmani Halili "
    "Kelmendi Hyseni Musliu Beqiri",
)
FRENCH_NAMES = _names(
    "Camille Chloé Manon Élodie Claire Juliette Margaux Pauline Sandrine Isabelle",
    "Julien Mathieu Nicolas Guillaume Antoine Pierre Olivier Benoît Yannick",
    "Martin Bernard Dubois Lefèvre Moreau Girard Fontaine Mercier Lambert Fournier Chevalier Roux",
)
WEST_AFRICAN_NAMES = _names(
    "Aminata Fatoumata Mariama Awa Kadiatou Aïssatou Ramatoulaye Coumba Ndeye Binta Oumou",
    "Mamadou Ousmane Ibrahima Moussa Cheikh Abdoulaye Souleymane Boubacar Seydou Modou Alpha",
    "Bah Barry Camara Sow Diop Ndiaye Fall Sylla Coulibaly Sangaré Diakité Baldé Sarr Faye Mbaye",
)

EN_GOOD = Tongue("en", 0.6, SOME)

COMMUNITIES: tuple[Community, ...] = (
    Community(
        "german",
        70,
        GERMAN_NAMES,
        others=(
            Tongue("en", 0.85, (("A2", 5), ("B1", 20), ("B2", 35), ("C1", 30), ("C2", 10))),
            Tongue("fr", 0.25, (("A2", 30), ("B1", 35), ("B2", 20), ("C1", 10), ("C2", 5))),
            Tongue("es", 0.12, SOME),
            Tongue("nl", 0.05, SOME),
            Tongue("ru", 0.05, SCHOOL),
            Tongue("it", 0.05, SOME),
            Tongue("tr", 0.04, (("A2", 60), ("B1", 40))),
            Tongue("ar", 0.03, (("A2", 30), ("B1", 30), ("B2", 25), ("C1", 15))),
        ),
        settled=1.0,
        refugee_language=False,
    ),
    Community(
        "english",
        7,
        ENGLISH_NAMES,
        (("en", 1),),
        (Tongue("fr", 0.2, SOME), Tongue("es", 0.15, SOME)),
        settled=0.3,
        refugee_language=False,
        settled_german=(("C1", 50), ("C2", 50)),
    ),
    Community(
        "syrian",
        22,
        ARABIC_NAMES,
        (("ar", 1),),
        (
            Tongue("apc", 0.45, (("native", 1),)),
            Tongue("kmr", 0.12, FLUENT),
            EN_GOOD,
            Tongue("tr", 0.1, (("A2", 60), ("B1", 40))),
            Tongue("fr", 0.06, SOME),
        ),
        settled=0.1,
    ),
    Community(
        "iraqi",
        5,
        ARABIC_NAMES,
        (("ar", 1),),
        (
            Tongue("acm", 0.5, (("native", 1),)),
            Tongue("ckb", 0.15, FLUENT),
            Tongue("kmr", 0.1, FLUENT),
            Tongue("en", 0.4, SOME),
        ),
        settled=0.15,
    ),
    Community(
        "afghan",
        12,
        DARI_NAMES,
        (("prs", 75), ("fa", 25)),
        (
            Tongue("fa", 0.3, FLUENT),
            Tongue("ps", 0.3, SOME),
            Tongue("en", 0.45, SOME),
            Tongue("ur", 0.05, SOME),
        ),
        settled=0.1,
    ),
    Community(
        "afghan-pashtun",
        5,
        PASHTO_NAMES,
        (("ps", 1),),
        (
            Tongue("prs", 0.8, FLUENT),
            Tongue("en", 0.35, SOME),
            Tongue("ur", 0.15, SOME),
        ),
        settled=0.05,
    ),
    Community(
        "iranian",
        11,
        PERSIAN_NAMES,
        (("fa", 1),),
        (Tongue("ckb", 0.2, FLUENT), Tongue("en", 0.6, GOOD), Tongue("tr", 0.08, SOME)),
        settled=0.3,
    ),
    Community(
        "ukrainian",
        18,
        UKRAINIAN_NAMES,
        (("uk", 1),),
        (
            Tongue("ru", 0.95, (("native", 60), ("C2", 30), ("C1", 10))),
            Tongue("en", 0.55, GOOD),
            Tongue("pl", 0.08, SOME),
        ),
        settled=0.05,
    ),
    Community(
        "russian",
        9,
        RUSSIAN_NAMES,
        (("ru", 1),),
        (Tongue("uk", 0.1, FLUENT), Tongue("en", 0.35, SOME)),
        settled=0.5,
    ),
    Community(
        "turkish",
        16,
        TURKISH_NAMES,
        (("tr", 1),),
        (
            Tongue("kmr", 0.15, FLUENT),
            Tongue("en", 0.45, GOOD),
            Tongue("zza", 0.03, FLUENT),
        ),
        settled=0.6,
    ),
    Community(
        "kurdish-kurmanji",
        5,
        KURDISH_NAMES,
        (("kmr", 1),),
        (Tongue("tr", 0.5, FLUENT), Tongue("ar", 0.35, FLUENT), Tongue("en", 0.3, SOME)),
        settled=0.3,
    ),
    Community(
        "kurdish-sorani",
        3,
        KURDISH_NAMES,
        (("ckb", 1),),
        (Tongue("ar", 0.4, GOOD), Tongue("fa", 0.4, FLUENT), Tongue("en", 0.4, SOME)),
        settled=0.2,
    ),
    Community(
        "eritrean",
        6,
        TIGRINYA_NAMES,
        (("ti", 1),),
        (
            Tongue("am", 0.3, GOOD),
            Tongue("ar", 0.2, SOME),
            Tongue("en", 0.6, SOME),
        ),
        settled=0.1,
    ),
    Community(
        "somali",
        5,
        SOMALI_NAMES,
        (("so", 1),),
        (Tongue("ar", 0.45, GOOD), Tongue("en", 0.65, GOOD)),
        settled=0.1,
    ),
    Community(
        "albanian",
        5,
        ALBANIAN_NAMES,
        (("sq", 1),),
        (Tongue("sr-Latn", 0.15, SOME), Tongue("en", 0.4, SOME), Tongue("it", 0.15, SOME)),
        settled=0.5,
    ),
    Community(
        "french",
        3,
        FRENCH_NAMES,
        (("fr", 1),),
        (Tongue("en", 0.7, GOOD), Tongue("es", 0.2, SOME)),
        settled=0.3,
        refugee_language=False,
        settled_german=(("C1", 50), ("C2", 50)),
    ),
    Community(
        "west-african",
        6,
        WEST_AFRICAN_NAMES,
        (("wo", 40), ("ff", 40), ("bm", 20)),
        (Tongue("fr", 1.0, FLUENT), Tongue("en", 0.3, SOME)),
        settled=0.2,
    ),
)

# The districts of the seven offices, where the network recruits; the Nordstadt has many
# newcomers, the south and east many long-time residents.
OFFICE_DISTRICTS = (
    *("Mengede", "Huckarde", "Eving", "Scharnhorst", "Lütgendortmund", "Brackel", "Aplerbeck"),
    *("Hörde", "Hombruch", "Innenstadt-Nord"),
)
NEWCOMER_DISTRICT_WEIGHT = {
    "Innenstadt-Nord": 6,
    **dict.fromkeys(("Eving", "Scharnhorst", "Mengede"), 4),
    **dict.fromkeys(("Huckarde", "Lütgendortmund"), 3),
}
RESIDENT_DISTRICT_WEIGHT = {
    **dict.fromkeys(("Hombruch", "Aplerbeck", "Brackel", "Hörde"), 4),
    **dict.fromkeys(("Mengede", "Lütgendortmund"), 3),
}
# Well-formed postcodes of neighbouring towns: stored, flagged as unknown.
NEIGHBOURING_POSTCODES = ("44575", "58452", "44532", "59174", "58239", "44623")
NEIGHBOURING_SHARE: Weighted = ((True, 3), (False, 97))
STATUSES: Weighted = (("active", 92), ("paused", 5), ("inactive", 3))

STAGES: dict[str, Weighted] = {
    "settled": (("retired", 30), ("working", 45), ("student", 15), ("parent", 10)),
    "newcomer": (("retired", 8), ("working", 40), ("student", 27), ("parent", 25)),
}

WEEKDAYS = (0, 1, 2, 3, 4)
# When people at each stage of life can help: the windows each weekday offers them.
WINDOWS: dict[str, dict[int, tuple[tuple[str, str], ...]]] = {
    "retired": {
        **dict.fromkeys(WEEKDAYS, (("09:00", "12:00"), ("10:00", "13:00"), ("14:00", "17:00"))),
        5: (("10:00", "13:00"),),
    },
    "working": {
        **dict.fromkeys(WEEKDAYS, (("17:30", "20:00"), ("18:00", "21:00"), ("17:00", "19:30"))),
        4: (("15:00", "19:00"), ("17:00", "20:00")),
        5: (("09:00", "13:00"), ("10:00", "14:00"), ("13:00", "17:00")),
        6: (("14:00", "18:00"),),
    },
    "student": {
        **dict.fromkeys(WEEKDAYS, (("13:00", "17:00"), ("14:00", "18:00"), ("12:00", "15:00"))),
        5: (("10:00", "14:00"),),
    },
    "parent": {
        **dict.fromkeys(WEEKDAYS, (("08:30", "12:00"), ("09:00", "11:30"))),
        5: (("10:00", "13:00"),),
    },
}
DAY_WEIGHTS: dict[str, dict[int, float]] = {
    "retired": {0: 3, 1: 3, 2: 3, 3: 3, 4: 2, 5: 1},
    "working": {0: 2, 1: 2, 2: 2, 3: 2, 4: 2, 5: 4, 6: 1},
    "student": {0: 3, 1: 3, 2: 3, 3: 3, 4: 2, 5: 1},
    "parent": {0: 3, 1: 3, 2: 3, 3: 3, 4: 2, 5: 2},
}
SLOT_COUNTS: Weighted = ((1, 15), (2, 30), (3, 30), (4, 15), (5, 10))
# How firm people's weekly times are: a quarter want to be asked only then, about one in seven
# give no times at all ("whenever you need me"), the rest name their usual times.
WEEKLY_TIMES: Weighted = (("only", 25), ("usual", 60), ("none", 15))

SKILL_LEVELS: Weighted = (("", 50), ("basic", 20), ("experienced", 25), ("professional", 5))
INTERPRETING_LEVELS: Weighted = (("", 40), ("basic", 15), ("experienced", 35), ("professional", 10))
DISTANCES: Weighted = ((3, 8), (5, 20), (8, 12), (10, 25), (15, 18), (20, 10), (25, 7))
TASKS_PER_MONTH: Weighted = ((1, 10), (2, 25), (3, 15), (4, 20), (5, 8), (6, 10), (7, 4), (8, 8))
# Invented mobile numbers, +49 15x/16x/17x then 0 and seven random digits: well-formed for
# libphonenumber (the tests run full_clean). Lotse never calls or texts anyone. The Federal Network
# Agency's fictional "drama numbers" are landlines in five other cities, odd for Dortmund mobiles.
MOBILE_PREFIXES = ("151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "178")


@dataclass(frozen=True)
class DemoVolunteer:
    """One invented person, in the shapes `profiles.save_profile` takes."""

    email: str
    name: str
    community: str
    status: str
    paused_until: dt.date | None
    email_language: str
    data: dict[str, Any] = field(hash=False)


def demo_email(*, name: str, number: int) -> str:
    """`Ayşe Yılmaz`, 7 → `ayse-yilmaz.7@demo.lotse.example`."""
    return f"{_slug(name)}.{number}@{EMAIL_DOMAIN}"


def invent_volunteers(*, count: int, seed: int, today: dt.date) -> list[DemoVolunteer]:
    """The demo people, the same for the same seed. Pure Python: no database.

    Person n depends only on the persons before it, so a larger `count` extends a smaller one.
    """
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not a secret
    decks = _Decks(rng)
    # The choice of weekly times came later; dealt from a deck of its own, it left everything
    # else about the people as it was.
    times = _Decks(random.Random(f"{seed}:weekly times"))  # noqa: S311 - as above
    used_names: set[str] = set()
    return [
        _invent(rng, decks, times, number=n, today=today, used_names=used_names)
        for n in range(1, count + 1)
    ]


def seed_volunteers(*, count: int = 200, seed: int = 2026) -> int:
    """Create the demo volunteers that do not exist yet; return how many demo volunteers exist.

    When all exist (every `make run` after the first) this is a single query and writes nothing.
    Existing demo volunteers are never changed, even when someone edited them in the demo.
    """
    now = timezone.now()
    people = invent_volunteers(count=count, seed=seed, today=timezone.localdate(now))
    existing = _demo_emails()
    if all(person.email in existing for person in people):
        return len(existing)
    with transaction.atomic():
        # Read again inside the transaction, in case another seeder ran in between.
        existing = _demo_emails()
        for person in people:
            if person.email in existing:
                continue
            volunteer = Volunteer(
                status=person.status,
                paused_until=person.paused_until,
                consent_version=consent.CURRENT_VERSION,
                consent_language=person.email_language,
                consent_at=now,
                confirmed_at=now,
            )
            save_profile(volunteer=volunteer, data=person.data)
            existing.add(person.email)
    return len(existing)


def _demo_emails() -> set[str]:
    emails = Volunteer.objects.filter(email__iendswith=f"@{EMAIL_DOMAIN}").values_list(
        "email", flat=True
    )
    return {email.lower() for email in emails}


def _slug(name: str) -> str:
    # German and Turkish letters first, so that "Müller" becomes "mueller" and "Yılmaz" "yilmaz"
    # rather than losing the letter; slugify then drops the remaining accents.
    text = name.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = text.replace("ı", "i").replace("'", "")
    return slugify(unicodedata.normalize("NFKD", text))


class _Decks:
    """Deals values in their exact shares, from one shuffled deck per kind of value.

    Independent draws left a single Eritrean and twice the paused people in a demo of 200;
    a deck holds every value `weight` times, so each share is met within each round of cards.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.decks: dict[str, list[Any]] = {}

    def deal(self, kind: str, weighted: Weighted) -> Any:
        deck = self.decks.setdefault(kind, [])
        if not deck:
            deck.extend(value for value, weight in weighted for _ in range(int(weight)))
            self.rng.shuffle(deck)
        return deck.pop()


def _pick(rng: random.Random, weighted: Weighted) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


@cache
def _postcodes_by_district() -> dict[str, tuple[str, ...]]:
    # Dortmund's postcodes all lie in 44100–44399; `places` knows which of them exist.
    found: dict[str, list[str]] = {}
    for number in range(44100, 44400):
        place = places.lookup(str(number))
        if place is not None:
            found.setdefault(place.district, []).append(place.postcode)
    return {district: tuple(codes) for district, codes in found.items()}


def _invent(
    rng: random.Random,
    decks: _Decks,
    times: _Decks,
    *,
    number: int,
    today: dt.date,
    used_names: set[str],
) -> DemoVolunteer:
    community = decks.deal("community", [(c, c.weight) for c in COMMUNITIES])
    settled = rng.random() < community.settled
    gender = _pick(rng, (("female", 49), ("male", 49), ("diverse", 2)))
    name = _invent_name(rng, community.names, gender=gender, used=used_names)

    german = _pick(rng, community.settled_german if settled else NEWCOMER_GERMAN)
    spoken = _invent_languages(rng, community, settled=settled)
    spoken.insert(0, ("de", german))

    stage = _pick(rng, STAGES["settled" if settled else "newcomer"])
    mediator = _may_interpret(spoken) and rng.random() < (
        0.5 if community.refugee_language else 0.12
    )
    skills = _invent_skills(rng, community=community, stage=stage, mediator=mediator)

    english = dict(spoken).get("en", "")
    if english == Level.NATIVE:
        prefers_english = 0.95
    elif german != Level.NATIVE and english in ("B1", "B2", "C1", "C2"):
        # Newcomers who read English well often prefer it for official-sounding mail.
        prefers_english = 0.85 if german in ("B1", "B2") else 0.6
    elif english in ("C1", "C2"):
        prefers_english = 0.2
    else:
        prefers_english = 0.03
    email_language = "en" if rng.random() < prefers_english else "de"

    status = decks.deal("status", STATUSES)
    paused_until = today + dt.timedelta(days=rng.randint(3, 21)) if status == "paused" else None

    works_with_children = any(
        code in {"childcare", "homework-help", "sports"} for code, _ in skills
    )
    certificate_date = None
    if rng.random() < (0.6 if works_with_children else 0.1):
        certificate_date = today - dt.timedelta(days=rng.randint(20, 4 * 365 - 1))

    phone = ""
    if rng.random() < 0.6:
        phone = f"+49{rng.choice(MOBILE_PREFIXES)}0{rng.randint(0, 9_999_999):07d}"

    weekly_times = times.deal("weekly times", WEEKLY_TIMES)

    data: dict[str, Any] = {
        "name": name,
        "email": demo_email(name=name, number=number),
        "phone": phone,
        "postcode": _invent_postcode(rng, decks, settled=settled),
        "max_distance_km": _pick(rng, DISTANCES[:4] if stage == "retired" else DISTANCES),
        "remote_ok": rng.random() < (0.5 if mediator else 0.22),
        "only_at_stated_times": weekly_times == "only",
        "gender": gender if rng.random() < 0.7 else "",
        "certificate_date": certificate_date,
        "max_tasks_per_month": _pick(rng, TASKS_PER_MONTH),
        "email_language": email_language,
        "languages": spoken,
        "skills": skills,
        "availability": _invent_slots(rng, stage),
        "absences": _invent_absences(rng, today),
    }
    if weekly_times == "none":
        # Drawn all the same, so that the people after this one stay who they were.
        data["availability"] = []
    return DemoVolunteer(
        email=data["email"],
        name=name,
        community=community.key,
        status=status,
        paused_until=paused_until,
        email_language=email_language,
        data=data,
    )


def _invent_name(rng: random.Random, names: Names, *, gender: str, used: set[str]) -> str:
    while True:
        firsts = {"female": names.female, "male": names.male}.get(gender)
        first = rng.choice(firsts or rng.choice((names.female, names.male)))
        name = f"{first} {rng.choice(names.last)}"
        # Two people of the same name would look like a bug in a list of 200.
        if name not in used and name not in FAMOUS:
            used.add(name)
            return name


def _invent_languages(
    rng: random.Random, community: Community, *, settled: bool
) -> list[tuple[str, str]]:
    spoken: dict[str, str] = {}
    if community.mother_tongues:
        mother = _pick(rng, community.mother_tongues)
        spoken[mother] = _pick(rng, SECOND_GENERATION) if settled else Level.NATIVE
    for tongue in community.others:
        if tongue.code not in spoken and rng.random() < tongue.chance:
            spoken[tongue.code] = _pick(rng, tongue.levels)
    return [(code, str(level)) for code, level in spoken.items()]


def _may_interpret(spoken: list[tuple[str, str]]) -> bool:
    """German at B2 or better and another language at C1 or better: able to mediate."""
    german = dict(spoken)["de"]
    return german in MEDIATION_GERMAN_LEVELS and any(
        code != "de" and level in MEDIATION_LEVELS for code, level in spoken
    )


def _invent_skills(
    rng: random.Random, *, community: Community, stage: str, mediator: bool
) -> list[tuple[str, str]]:
    local = community.key == "german"
    chances = {
        "accompaniment": 0.5 if mediator else (0.3 if local else 0.15),
        "letters": 0.45 if local else (0.25 if mediator else 0.08),
        "homework-help": {"student": 0.35, "retired": 0.25, "parent": 0.25}.get(stage, 0.12),
        "language-cafe": 0.3 if local else 0.15,
        "childcare": 0.35 if stage == "parent" else 0.08,
        "sports": {"student": 0.2, "working": 0.12}.get(stage, 0.05),
        "it-help": {"student": 0.25, "working": 0.15}.get(stage, 0.05),
        "bike-repair": 0.15 if stage == "retired" else 0.08,
        "moving-help": 0.15 if stage in ("working", "student") else 0.04,
    }
    skills = [("interpreting", _pick(rng, INTERPRETING_LEVELS))] if mediator else []
    skills += [(code, _pick(rng, SKILL_LEVELS)) for code, p in chances.items() if rng.random() < p]
    if not skills:
        skills.append((rng.choice(("language-cafe", "accompaniment", "moving-help")), ""))
    return skills


def _invent_postcode(rng: random.Random, decks: _Decks, *, settled: bool) -> str:
    if decks.deal("neighbouring town", NEIGHBOURING_SHARE):
        return rng.choice(NEIGHBOURING_POSTCODES)
    preferred = RESIDENT_DISTRICT_WEIGHT if settled else NEWCOMER_DISTRICT_WEIGHT
    by_district = _postcodes_by_district()
    weights = [
        (d, preferred.get(d, 2 if d in OFFICE_DISTRICTS else 1)) for d in sorted(by_district)
    ]
    return rng.choice(by_district[_pick(rng, weights)])


def _invent_slots(rng: random.Random, stage: str) -> list[Slot]:
    windows, day_weights = WINDOWS[stage], DAY_WEIGHTS[stage]
    days: list[int] = []
    # One window per chosen day, so slots never overlap.
    for _ in range(_pick(rng, SLOT_COUNTS)):
        day = _pick(rng, [(d, w) for d, w in day_weights.items() if d not in days])
        days.append(day)
    slots = []
    for day in sorted(days):
        start, end = rng.choice(windows[day])
        slots.append(Slot(day, dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
    return slots


def _invent_absences(rng: random.Random, today: dt.date) -> list[Span]:
    absences = []
    for _ in range(_pick(rng, ((0, 84), (1, 13), (2, 3)))):
        start = today + dt.timedelta(days=rng.randint(2, 50))
        absences.append(Span(start, start + dt.timedelta(days=rng.randint(1, 14))))
    return absences
