"""The matching knobs of the environment: a value out of range stops start-up, naming it."""

import pytest

from tests.test_settings import load_settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MATCHING_FAIRNESS_RECENT_PENALTY", "1.5"),
        ("MATCHING_FAIRNESS_OFFER_STEP", "a little"),
        ("MATCHING_MODEL_MIN_OFFERS", "10"),
        ("MATCHING_MODEL_HOLDOUT_SHARE", "0.9"),
    ],
)
def test_it_refuses_a_bad_matching_setting_naming_it(variable, value):
    """A fairness penalty above 0.95, a minimum history below 50 or a hold-out above half the
    offers would quietly break ranking or learning; start-up refuses them."""
    result = load_settings({variable: value})
    assert result.returncode != 0, f"settings accepted {variable}={value}: {result.stdout}"
    assert variable in result.stderr.splitlines()[-1]


def test_it_keeps_models_under_the_var_directory_unless_told_otherwise(tmp_path):
    """Models live outside git: VAR_DIR/models by default, or where MATCHING_MODEL_DIR says."""
    default = load_settings({"LOTSE_VAR_DIR": str(tmp_path)}, name="MATCHING_MODEL_DIR")
    assert default.stdout.strip() == repr(tmp_path / "models")
    chosen = load_settings(
        {"LOTSE_VAR_DIR": str(tmp_path), "MATCHING_MODEL_DIR": str(tmp_path / "elsewhere")},
        name="MATCHING_MODEL_DIR",
    )
    assert chosen.stdout.strip() == repr(tmp_path / "elsewhere")
