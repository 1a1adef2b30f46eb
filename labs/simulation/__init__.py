"""A synthetic Dortmund in memory, to measure Lotse's wave policy against simple baselines.

`manage.py simulate_matching` (and `make bench-matching`) runs it; a test runs a small one.

The world
    Volunteers are `labs.demo.volunteers.invent_volunteers` people (the BAMF-based language mix of
    docs/languages.md, real Dortmund postcodes, weekly windows by stage of life, skills,
    travel limits, monthly caps, pauses and absences), plus what the demo lacks: a registration
    date, a true home point (their postcode's area point moved by about a kilometre: Lotse only
    knows the postcode) and three hidden traits (below). Requests arrive on weekdays in office
    hours over the simulated period, for the skills and languages offices ask for (the demand
    mix below is derived from the BAMF first applications of 2024 in docs/languages.md, section A;
    the nationality → language step is an inference), at postcodes weighted towards the
    districts where newcomers live, 1 to 21 days ahead.

The volunteers' behaviour (hidden from Lotse; the same for every policy)
    A share of people state no weekly times, and a share of the others are strict (asked only
    in their stated times and within their limit); the rest are flexible. Stated times are
    imperfect: someone is free at an appointment with a chance that is high inside their times,
    lower outside them and in between without any (`Behaviour`). Someone free accepts with
    probability
        sigmoid(BASE + propensity − DISTANCE × true km / own limit − BEYOND × share above 1
                + OUTSIDE (outside stated times) − LOAD × tasks in 30 days
                − FATIGUE × log(1 + offers in the last 7 days) + hour of day + lead time),
    with a personal propensity ~ N(0, 1) nobody sees; someone not free never accepts. Whoever
    does not accept declines ("not my usual time" when asked outside their times and not free)
    or, with a personal probability, never answers (the offer expires when the appointment
    starts). Answers come after a personal, log-normal delay (eager people answer sooner): hours
    to an email, minutes to an SMS; none at night (23:00–07:00: the answer waits for the
    morning). A share of people get offers by SMS (some by email too); no SMS goes out in the
    quiet hours (21:00–08:00: it waits for the morning) unless the appointment is urgent and
    the person allows urgent SMS at night. A volunteer who would accept but
    has since taken an overlapping task or reached their monthly cap declines. Random draws are
    shared between policies (common random numbers per request and volunteer), so the policies
    differ by what they do, not by luck.

The policies (all on the same requests; the in-memory eligibility mirrors every hard constraint
of `matching.eligibility.eligible`, evaluated at the moment of each wave)
    - lotse: the real ranking (`features.matrix` → `scoring.rank`, tier by tier, with the prior
      or a learned model), the real `waves.plan_wave` (urgent when `waves.is_urgent`) and
      `waves.wave_timeout` (shorter when the whole wave went out by SMS), until filled, nobody
      is left or the appointment starts;
    - lotse_strict: the same over the exact tier only (today's reach before the tiers);
    - broadcast: everyone who passes the hard constraints at once;
    - random_k / nearest_k: waves of k random / nearest of broadcast's pool with the same wave
      timeout as Lotse.

The ranking runs in memory (no database): the same `features`, `scoring`, `model` and `waves`
functions `matching.rank` uses, fed by an eligibility filter and history counters that mirror
`matching.eligibility.eligible` and `matching.pool.gather`. That keeps a thousand requests and
tens of thousands of offers well within a minute.
"""

from labs.simulation.policies import (
    Broadcast,
    LotseWaves,
    NearestFirst,
    Policy,
    RandomK,
    baselines,
)
from labs.simulation.report import (
    POLICIES,
    ChannelRun,
    Goal,
    Report,
    as_json,
    channel_table,
    channels,
    goals,
    markdown,
    simulate,
    sms_goal,
    table,
    write_section,
)
from labs.simulation.run import Result, Run, compare, gini
from labs.simulation.world import Behaviour, Config, World, local, moment

__all__ = [
    "POLICIES",
    "Behaviour",
    "Broadcast",
    "ChannelRun",
    "Config",
    "Goal",
    "LotseWaves",
    "NearestFirst",
    "Policy",
    "RandomK",
    "Report",
    "Result",
    "Run",
    "World",
    "as_json",
    "baselines",
    "channel_table",
    "channels",
    "compare",
    "gini",
    "goals",
    "local",
    "markdown",
    "moment",
    "simulate",
    "sms_goal",
    "table",
    "write_section",
]
