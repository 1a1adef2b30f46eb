"""The matching settings as one typed object, read from Django's settings.

`config/settings.py` reads every MATCHING_* knob from the environment and checks its range; this
module is the only place in `matching` that looks them up, so each rule reads a named, typed
field (`matching_settings().wave_max`) instead of a string. Read once and kept until a setting
changes (tests and the simulation override settings; Django's `setting_changed` clears it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@dataclass(frozen=True)
class MatchingSettings:
    # Least level in every needed language: interpreting, and any other task.
    interpreting_min_level: str
    min_level: str
    # A certificate of conduct older than this does not count.
    certificate_max_age_years: int
    # CLDR language distance up to which a language stands in for another.
    language_closeness: int
    # Waves: the chance that enough accept, and the fewest and most people asked at once.
    wave_target: float
    wave_min: int
    wave_max: int
    # How long a wave waits: a share of the time left, within these bounds.
    wave_timeout_share: float
    wave_timeout_min: dt.timedelta
    wave_timeout_max: dt.timedelta
    # Appointments this close are urgent: every tier at once, larger waves, shorter waits.
    urgent_within: dt.timedelta
    urgent_wave_target: float
    # Score factors: busy people and recently asked people move down.
    load_step: float
    fairness_offer_step: float
    fairness_recent_penalty: float
    fairness_half_life_days: float
    # Reliability: a sign-off after accepting this close to the start counts as not coming.
    late_dropout: dt.timedelta
    # The acceptance model: where it is saved, the least history to train, the hold-out share.
    model_dir: Path
    model_min_offers: int
    model_holdout_share: float


@cache
def matching_settings() -> MatchingSettings:
    """The current matching settings (see config/settings.py for each knob's meaning)."""
    return MatchingSettings(
        interpreting_min_level=settings.MATCHING_INTERPRETING_MIN_LEVEL,
        min_level=settings.MATCHING_MIN_LEVEL,
        certificate_max_age_years=int(settings.MATCHING_CERTIFICATE_MAX_AGE_YEARS),
        language_closeness=int(settings.MATCHING_LANGUAGE_CLOSENESS),
        wave_target=float(settings.MATCHING_WAVE_TARGET),
        wave_min=int(settings.MATCHING_WAVE_MIN),
        wave_max=int(settings.MATCHING_WAVE_MAX),
        wave_timeout_share=float(settings.MATCHING_WAVE_TIMEOUT_SHARE),
        wave_timeout_min=dt.timedelta(minutes=settings.MATCHING_WAVE_TIMEOUT_MIN_MINUTES),
        wave_timeout_max=dt.timedelta(hours=settings.MATCHING_WAVE_TIMEOUT_MAX_HOURS),
        urgent_within=dt.timedelta(hours=settings.MATCHING_URGENT_HOURS),
        urgent_wave_target=float(settings.MATCHING_URGENT_WAVE_TARGET),
        load_step=float(settings.MATCHING_LOAD_STEP),
        fairness_offer_step=float(settings.MATCHING_FAIRNESS_OFFER_STEP),
        fairness_recent_penalty=float(settings.MATCHING_FAIRNESS_RECENT_PENALTY),
        fairness_half_life_days=float(settings.MATCHING_FAIRNESS_HALF_LIFE_DAYS),
        late_dropout=dt.timedelta(hours=settings.MATCHING_LATE_DROPOUT_HOURS),
        model_dir=Path(settings.MATCHING_MODEL_DIR),
        model_min_offers=int(settings.MATCHING_MODEL_MIN_OFFERS),
        model_holdout_share=float(settings.MATCHING_MODEL_HOLDOUT_SHARE),
    )


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("MATCHING_"):
        matching_settings.cache_clear()
