"""The warning signs: one table, the only place the rules are written.

Every page that warns reads it: an entry's page, the dashboard, the patient's log, the clinician's table and
visit report, the clinic list (through the stored summaries), the footer and the guide page
`when-to-see-a-clinician`. Each sign has a tier, the words a patient reads, the reason in plain words, the
guide page it links to and the source of the rule.

The rules look at an entry's facts as plain values (vocabulary slugs, minutes, the patient's diagnoses), so
that this module needs nothing from the tracker.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

WARNING_SIGNS_PAGE = "when-to-see-a-clinician"
LONG_CRAMP_SECONDS = 10 * 60

# Where a swollen, red or warm painful limb can be a clot in a deep vein; an entry without a place counts too,
# because a place not recorded is not a place that was not the leg.
LEG_PLACES = frozenset({"calf", "shin", "foot-toes", "thigh-front", "hamstring", "hip"})
# Carpopedal spasm, the hand and foot spasms of low calcium.
HAND_FOOT_PLACES = frozenset({"hand-fingers", "foot-toes", "forearm"})
NEUROPATHIES = frozenset({"peripheral-neuropathy", "diabetic-neuropathy"})
# The statins by their generic names: a pattern such as "*statin" would also match nystatin, an antifungal.
STATINS = ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin", "fluvastatin", "pitavastatin")
# And by the brand names on the box, which patients copy from it, alone or combined with another medicine
# (MedlinePlus drug information, medlineplus.gov/druginfo; NHS medicines A to Z; the EMA's list of nationally
# authorised products for the European names).
STATIN_BRANDS = {
    "atorvastatin": ("Lipitor", "Sortis", "Tahor", "Torvast", "Caduet", "Atorvaliq"),
    "simvastatin": ("Zocor", "Zocord", "Flolipid", "Vytorin", "Inegy"),
    "rosuvastatin": ("Crestor", "Ezallor", "Roszet"),
    "pravastatin": ("Pravachol", "Lipostat", "Elisor", "Vasten"),
    "lovastatin": ("Mevacor", "Altoprev", "Advicor"),
    "fluvastatin": ("Lescol", "Cranoc", "Lochol"),
    "pitavastatin": ("Livalo", "Livazo", "Zypitamag"),
}
STATIN_NAME = re.compile(
    rf"\b({'|'.join([*STATINS, *(brand for brands in STATIN_BRANDS.values() for brand in brands)])}|statin)\b",
    re.IGNORECASE,
)
RELIEF_THAT_EASED = frozenset({"lot", "complete"})


class Tier(IntEnum):
    """How soon to act, highest last so that `max` picks the most urgent."""

    SOON = 1
    SAME_DAY = 2
    EMERGENCY = 3

    @property
    def heading(self) -> str:
        return TIER_WORDS[self][0]

    @property
    def advice(self) -> str:
        return TIER_WORDS[self][1]

    @property
    def short(self) -> str:
        """The tier as a marker in a table or list: "Emergency", "Same day", "Soon"."""
        return TIER_WORDS[self][2]

    @property
    def anchor(self) -> str:
        """The id of the tier's section on the guide page."""
        return TIER_WORDS[self][3]


TIER_WORDS = {
    Tier.EMERGENCY: (
        "Get emergency help now",
        "Call your local emergency number now (for example 999 in the UK, 911 in the US, 112 in the EU). "
        "Do not drive yourself.",
        "Emergency",
        "emergency",
    ),
    Tier.SAME_DAY: (
        "Get urgent care today",
        "Get medical care today: call your doctor's surgery, an urgent care service or your local health "
        "advice line (111 in the UK).",
        "Same day",
        "same-day",
    ),
    Tier.SOON: (
        "Book a visit soon",
        "Contact your clinician in the next few days, and show them this entry.",
        "Soon",
        "soon",
    ),
}


@dataclass(frozen=True)
class EntryFacts:
    """What the rules read of one entry and its patient: vocabulary slugs, and the patient's diagnoses.

    `new_symptoms` are the entry's symptoms that no earlier entry of the patient noted. `spinal_injury_level`
    is "t6_or_above", "below_t6" or "" (not said). `medicines` are the names of the medicines taken that day.
    """

    symptoms: frozenset[str] = frozenset()
    triggers: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    # What the patient said it was: "cramp", "spasm", "twitch", "unsure" or "" (not said; tracker's EventKind).
    event_kind: str = ""
    duration_seconds: int | None = None
    relief_effect: str = ""
    conditions: frozenset[str] = frozenset()
    spinal_injury_level: str = ""
    medicines: tuple[str, ...] = ()
    new_symptoms: frozenset[str] = frozenset()

    def has(self, *symptoms: str) -> bool:
        """Whether the entry notes any of `symptoms`."""
        return not self.symptoms.isdisjoint(symptoms)

    def place_in(self, places: frozenset[str]) -> bool:
        return not self.places or not self.places.isdisjoint(places)

    @property
    def on_statin(self) -> bool:
        return any(STATIN_NAME.search(name) for name in self.medicines)


@dataclass(frozen=True)
class Sign:
    key: str
    tier: Tier
    words: str
    why: str
    page: str
    source: str
    applies: Callable[[EntryFacts], bool]
    # Diagnoses that explain the sign: for a patient with one, it warns once, on the entry where one of
    # `symptoms` first appears, and not on every entry after.
    explained_by: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()

    @property
    def anchor(self) -> str:
        """Where on its page the sign is explained: its tier's section of the warning-signs page."""
        return self.tier.anchor if self.page == WARNING_SIGNS_PAGE else ""

    @property
    def in_sentence(self) -> str:
        """The words inside a sentence: "trouble breathing or swallowing" (names such as T6 keep their case)."""
        return self.words[0].lower() + self.words[1:]

    def warns(self, facts: EntryFacts) -> bool:
        if not self.applies(facts):
            return False
        if facts.conditions.isdisjoint(self.explained_by):
            return True
        return not facts.new_symptoms.isdisjoint(self.symptoms)


GUIDE = "CrampApp guide: When to see a clinician"
NHS_DVT = "NHS: Deep vein thrombosis (nhs.uk/conditions/deep-vein-thrombosis-dvt)"
NHS_STROKE = "NHS: Stroke, symptoms (nhs.uk/conditions/stroke)"
NHS_LEG_CRAMPS = "NHS: Leg cramps (nhs.uk/conditions/leg-cramps)"


# Entries the patient said were not cramps: a long spasm or stiffness (spasticity) or long twitching is no sign
# that a cramp is something else. An entry that does not say, or is "not sure", may be a cramp.
NOT_CRAMPS = frozenset({"spasm", "twitch"})


def _long_cramp(facts: EntryFacts) -> bool:
    if facts.event_kind in NOT_CRAMPS:
        return False
    lasted = facts.duration_seconds is not None and facts.duration_seconds > LONG_CRAMP_SECONDS
    return lasted and facts.relief_effect not in RELIEF_THAT_EASED


SIGNS: tuple[Sign, ...] = (
    Sign(
        key="clot-in-lungs",
        tier=Tier.EMERGENCY,
        words="A swollen, red or warm painful leg with chest pain or breathlessness",
        why="A clot in a leg vein may have moved to the lungs.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; {NHS_DVT}",
        applies=lambda f: f.has("swelling-redness") and f.place_in(LEG_PLACES) and f.has("chest-pain-breathless"),
    ),
    Sign(
        key="breathing-swallowing",
        tier=Tier.EMERGENCY,
        words="Trouble breathing or swallowing",
        why="The muscles used to breathe and swallow may be affected.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; NINDS: Amyotrophic lateral sclerosis fact sheet",
        applies=lambda f: f.has("trouble-breathing-swallowing"),
    ),
    Sign(
        key="one-side-or-speech",
        tier=Tier.EMERGENCY,
        words="Sudden weakness of one side, or trouble speaking",
        why="These can be signs of a stroke.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; {NHS_STROKE}",
        applies=lambda f: f.has("one-side-weakness-speech"),
    ),
    Sign(
        key="weakness-spreading",
        tier=Tier.EMERGENCY,
        words="Weakness spreading over hours",
        why="Weakness that spreads quickly, as in Guillain-Barré syndrome, can reach the breathing muscles.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; NHS: Guillain-Barré syndrome (nhs.uk/conditions/guillain-barre-syndrome)",
        applies=lambda f: f.has("weakness-spreading"),
    ),
    Sign(
        key="dark-urine",
        tier=Tier.EMERGENCY,
        words="Dark, cola-coloured urine after cramps or muscle pain",
        why="Damaged muscle may be releasing its contents into the blood (rhabdomyolysis), which can harm the kidneys.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; Torres PA et al., Rhabdomyolysis: pathogenesis, diagnosis, and treatment, Ochsner J 2015 "
        "(PubMed 25829882)",
        applies=lambda f: f.has("dark-urine"),
    ),
    Sign(
        key="dysreflexia",
        tier=Tier.EMERGENCY,
        words="A pounding headache, flushing or sweating above the injury, with spasms (spinal cord injury at T6 "
        "or above)",
        why="This can be autonomic dysreflexia, a sudden rise in blood pressure.",
        page="autonomic-dysreflexia",
        source="Consortium for Spinal Cord Medicine: Acute management of autonomic dysreflexia, clinical "
        "practice guideline (2nd ed., 2001)",
        # A level not said may be T6 or above: not recorded is not "below".
        applies=lambda f: (
            f.has("headache-flushing") and "spinal-cord-injury" in f.conditions and f.spinal_injury_level != "below_t6"
        ),
    ),
    Sign(
        key="long-cramp",
        tier=Tier.SAME_DAY,
        words="A cramp that lasted more than 10 minutes and did not ease",
        why="An ordinary cramp eases within minutes; one that does not may be something else, such as a clot "
        "or a muscle injury.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; {NHS_LEG_CRAMPS}",
        applies=_long_cramp,
    ),
    Sign(
        key="clot",
        tier=Tier.SAME_DAY,
        words="A swollen, red or warm painful leg",
        why="This can be a blood clot in a deep vein (DVT), not a cramp.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; {NHS_DVT}",
        applies=lambda f: f.has("swelling-redness") and f.place_in(LEG_PLACES) and not f.has("chest-pain-breathless"),
    ),
    Sign(
        key="tetanus",
        tier=Tier.SAME_DAY,
        words="Cramps or stiffness after a dirty wound, or a locked jaw",
        why="This can be tetanus, a serious infection.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; NHS: Tetanus (nhs.uk/conditions/tetanus)",
        applies=lambda f: "dirty-wound" in f.triggers or f.has("locked-jaw"),
    ),
    Sign(
        key="low-calcium",
        tier=Tier.SAME_DAY,
        words="Tingling around the lips or in the fingers, with hand or foot spasms",
        why="This can be tetany from a low calcium level in the blood.",
        page="cramp-look-alikes",
        source=f"{GUIDE}; Cooper MS, Gittoes NJL, Diagnosis and management of hypocalcaemia, BMJ 2008 "
        "(PubMed 18535072)",
        applies=lambda f: f.has("tingling-lips-fingers") and f.place_in(HAND_FOOT_PLACES),
    ),
    Sign(
        key="sudden-weakness",
        tier=Tier.SAME_DAY,
        words="Weakness, muscle wasting or bladder or bowel problems that came on suddenly",
        why="A sudden change in the nerves or spinal cord needs checking the same day.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; NHS: Cauda equina syndrome (nhs.uk/conditions/cauda-equina-syndrome)",
        applies=lambda f: f.has("came-on-suddenly") and f.has("weakness", "muscle-wasting", "bladder-bowel"),
    ),
    Sign(
        key="new-weakness",
        tier=Tier.SOON,
        words="New or increasing weakness",
        why="Weakness with cramps can mean a nerve or muscle problem needs checking.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; Katzberg HD, Neurogenic muscle cramps, J Neurol 2015 (doi 10.1007/s00415-015-7659-x)",
        applies=lambda f: f.has("weakness") and not f.has("came-on-suddenly"),
        explained_by=frozenset({"als-mnd", "multiple-sclerosis", "spinal-cord-injury"}),
        symptoms=frozenset({"weakness"}),
    ),
    Sign(
        key="wasting",
        tier=Tier.SOON,
        words="Muscle wasting (a muscle getting smaller)",
        why="A shrinking muscle can mean its nerve supply is damaged.",
        page="als-and-motor-neuron-disease",
        source=f"{GUIDE}; Katzberg HD, Neurogenic muscle cramps, J Neurol 2015 (doi 10.1007/s00415-015-7659-x)",
        applies=lambda f: f.has("muscle-wasting") and not f.has("came-on-suddenly"),
        explained_by=frozenset({"als-mnd"}),
        symptoms=frozenset({"muscle-wasting"}),
    ),
    Sign(
        key="bladder-bowel",
        tier=Tier.SOON,
        words="New bladder or bowel problems",
        why="Changes in bladder or bowel control can come from the spinal cord or its nerves.",
        page=WARNING_SIGNS_PAGE,
        source=f"{GUIDE}; NHS: Cauda equina syndrome (nhs.uk/conditions/cauda-equina-syndrome)",
        applies=lambda f: f.has("bladder-bowel") and not f.has("came-on-suddenly"),
        explained_by=frozenset({"multiple-sclerosis", "spinal-cord-injury"}),
        symptoms=frozenset({"bladder-bowel"}),
    ),
    Sign(
        key="twitching-or-numbness-spreading",
        tier=Tier.SOON,
        words="Twitching, or numbness and tingling, that is spreading",
        why="On their own, twitches and tingling are common and often harmless; spreading is worth checking.",
        page="cramp-spasm-or-twitch",
        source=f"{GUIDE}; NHS: Peripheral neuropathy (nhs.uk/conditions/peripheral-neuropathy)",
        applies=lambda f: f.has("symptoms-spreading"),
        explained_by=NEUROPATHIES | {"als-mnd", "multiple-sclerosis", "spinal-cord-injury", "spinal-stenosis"},
        symptoms=frozenset({"symptoms-spreading", "twitching", "numbness-tingling"}),
    ),
    Sign(
        key="claudication",
        tier=Tier.SOON,
        words="Calf pain that comes on when walking and eases at rest",
        why="This can be poor blood flow to the legs (claudication), not a cramp.",
        page="cramp-look-alikes",
        source=f"{GUIDE}; NHS: Peripheral arterial disease (nhs.uk/conditions/peripheral-arterial-disease-pad)",
        applies=lambda f: f.has("calf-pain-walking"),
    ),
    Sign(
        key="statin",
        tier=Tier.SOON,
        words="Muscle pain or weakness while taking a statin",
        why="Statins can affect the muscles; the prescriber may want to check. Do not stop a medicine on your own.",
        page="medicines-that-can-cause-cramps",
        source=f"{GUIDE}; NHS: Statins, side effects (nhs.uk/medicines/statins)",
        applies=lambda f: f.on_statin and f.has("muscle-pain", "weakness"),
    ),
)


@dataclass(frozen=True)
class EntryWarning:
    """The signs one entry carries, most urgent first."""

    signs: tuple[Sign, ...]

    @property
    def tier(self) -> Tier:
        return self.signs[0].tier

    @property
    def lower_signs(self) -> tuple[Sign, ...]:
        return tuple(sign for sign in self.signs if sign.tier < self.tier)

    @property
    def top_signs(self) -> tuple[Sign, ...]:
        return tuple(sign for sign in self.signs if sign.tier == self.tier)


def warning_for(facts: EntryFacts) -> EntryWarning | None:
    """The entry's warning: every sign it carries, the most urgent tier first; None when there is none."""
    signs = sorted((sign for sign in SIGNS if sign.warns(facts)), key=lambda sign: -sign.tier)
    return EntryWarning(signs=tuple(signs)) if signs else None


def signs_in_tier(tier: Tier) -> list[Sign]:
    """The signs of one tier, as the guide page and the footer list them."""
    return [sign for sign in SIGNS if sign.tier == tier]


def tiers() -> list[tuple[Tier, list[Sign]]]:
    """Every tier with its signs, the most urgent first."""
    return [(tier, signs_in_tier(tier)) for tier in sorted(Tier, reverse=True)]
