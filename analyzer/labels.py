"""The label contract in code: the callback categories and the recommendation scale."""

LABELS = ("skill_gap", "fit_doubt", "arrogance", "alternate_role")

RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")

KINDS = ("plain", "negation", "hedge", "mixed")

FLAGS = ("protected_characteristic",)

LABEL_DESCRIPTIONS = {
    "skill_gap": "doubt about depth in a skill, knowledge area or qualification the job needs",
    "fit_doubt": "doubt about working style, communication, motivation, values or team fit",
    "arrogance": "confidence tipping into cockiness: dismissing others, blaming, talking down",
    "alternate_role": "may suit another position, level, team or track better",
}


def recommendation_direction(recommendation):
    """+1 for a hire call, -1 for a no-hire call, 0 for none.

    >>> recommendation_direction("strong_no")
    -1
    """
    if recommendation in ("yes", "strong_yes"):
        return 1
    if recommendation in ("no", "strong_no"):
        return -1
    return 0
