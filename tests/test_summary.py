import pytest

from analyzer.summary import find_followups, plan_note, plan_panel, rank_requisition, role_named


def _spans(text, phrase):
    start = text.index(phrase)
    return [{"start": start, "end": start + len(phrase), "text": phrase}]


@pytest.mark.parametrize("text, expected", [
    ("Solid on APIs. Didn't get to system design.", "Didn't get to system design"),
    ("Good energy. Someone should check his references before an offer.",
     "Someone should check his references before an offer"),
    ("Rates build-up: not tested, ran out of time", "Rates build-up: not tested, ran out of time"),
    ("Knows the ward well. Her IV competency must be checked before she starts.",
     "Her IV competency must be checked before she starts"),
    ("Lovely manner on the phone. I'd want Sharon to ask him about the gap directly.",
     "I'd want Sharon to ask him about the gap directly"),
    ("Strong on Xero. Check refs, the last one was vague.", "Check refs, the last one was vague"),
    ("Good trial shift, quick on the pass\nHold until 2nd ref", "Hold until 2nd ref"),
    ("Open questions:\n- Would she relocate to Leeds?\nLean yes.", "Would she relocate to Leeds?"),
    ("Lean yes, but please check the SQL again in the next round.", "Lean yes, but please check the SQL again in the next round"),
])
def test_summary_finds_followups_left_open(text, expected):
    assert expected in [text[start:end] for start, end in find_followups(text)]


@pytest.mark.parametrize("text", [
    "Strong hire. Clear thinker, kind to the junior engineer on the panel.",
    "Calm under the follow-up questions; knew the product well.",
    "Took three years out to raise her children. Excellent on the case.",
    "Offer him the sous chef job without a second interview; he was superb.",
    "Says he wants to see a model running in a hospital, which is what we do.",
])
def test_summary_finds_no_followups_in_closed_notes(text):
    assert find_followups(text) == []


@pytest.mark.parametrize("passage, role", [
    ("She'd be a strong Product Marketing Manager, not a PM.", "Product Marketing Manager"),
    ("Better suited to our data engineering role than this one.", "data engineering"),
    ("Send her to the Head of Credit Analytics for a chat.", "Head of Credit Analytics"),
])
def test_summary_names_the_other_role(passage, role):
    assert role_named(passage) == role


def test_summary_plan_item_per_label_traces_to_the_note():
    text = ("Great communicator. Couldn't write the window function for the running total. "
            "Also felt she'd be happier as a Product Analyst. Didn't get to system design.")
    evidence = {"skill_gap": _spans(text, "Couldn't write the window function for the running total"),
                "alternate_role": _spans(text, "Also felt she'd be happier as a Product Analyst")}
    plan = plan_note(text, labels=["skill_gap", "alternate_role"], evidence=evidence)
    assert [item["label"] for item in plan] == ["skill_gap", "alternate_role", None]
    assert plan[1]["who"] == "the hiring manager for Product Analyst"
    assert plan[2]["kind"] == "followup" and plan[2]["cover"] == "Didn't get to system design"
    for item in plan:
        for detail in [item["source"], *item["details"]]:
            assert text[detail["start"]:detail["end"]] == detail["text"]


def test_summary_plan_adds_passages_after_evidence_without_repeating():
    text = "SQL was shaky. Joins were guesswork too. Nice person."
    evidence = {"skill_gap": _spans(text, "SQL was shaky")}
    passages = {"skill_gap": _spans(text, "SQL was shaky") + _spans(text, "Joins were guesswork too")}
    plan = plan_note(text, labels=["skill_gap"], evidence=evidence, passages=passages)
    assert [d["text"] for d in plan[0]["details"]] == ["SQL was shaky", "Joins were guesswork too"]


def test_summary_plan_marks_possible_concerns_after_the_raised_ones():
    text = "Fine on Excel. Not sure she'd enjoy the pace here. Yes."
    plan = plan_note(text, labels=[], evidence={}, possible={"fit_doubt": _spans(text, "Not sure she'd enjoy the pace here")})
    assert [(item["kind"], item["label"]) for item in plan] == [("possible", "fit_doubt")]


def _note(row, interviewer, stated, labels=(), covers=None, followups=()):
    covers = covers or {}
    plan = [{"kind": "concern", "label": label, "cover": covers.get(label, label), "format": "f", "who": "w",
             "source": {"text": covers.get(label, label), "start": 0, "end": 1}, "details": []} for label in labels]
    plan += [{"kind": "followup", "label": None, "cover": text, "format": "f", "who": "w",
              "source": {"text": text, "start": 0, "end": 1}, "details": []} for text in followups]
    return {"row": row, "status": "ok", "interviewer": interviewer, "role": "Analyst", "requisition": "R1",
            "labels": list(labels), "scores": {label: 0.9 for label in labels},
            "recommendation": {"stated": stated, "inferred": None, "mismatch": False}, "next_round": plan}


def test_summary_panel_flags_conflicting_reports_with_sides_and_point():
    notes = [_note(1, "Ana", "yes"), _note(2, "Tom", "strong_yes"),
             _note(3, "Priya", "no", ["skill_gap"], {"skill_gap": "couldn't write the window function"})]
    panel = plan_panel("c1", notes)
    conflict = panel["conflicting_reports"]
    assert conflict["conflict"] is True
    assert conflict["yes_side"] == ["Ana", "Tom"] and conflict["no_side"] == ["Priya"]
    assert "couldn't write the window function" in conflict["points"][0]
    assert panel["decision"] == "call back"


def test_summary_panel_merges_a_concern_raised_twice_and_puts_it_first():
    notes = [_note(1, "Ana", "yes", ["fit_doubt"]),
             _note(2, "Tom", "no", ["skill_gap", "arrogance"]),
             _note(3, "Priya", "no", ["skill_gap"], followups=["check references"])]
    panel = plan_panel("c1", notes)
    assert panel["concerns"][0]["label"] == "skill_gap"
    assert panel["concerns"][0]["count"] == 2 and panel["concerns"][0]["raised_by"] == ["Tom", "Priya"]
    assert [item["label"] for item in panel["next_round"]] == ["skill_gap", "arrogance", "fit_doubt", None]
    assert [item["priority"] for item in panel["next_round"]] == [1, 2, 3, 4]
    assert panel["spread"]["no"] == 2 and panel["spread"]["yes"] == 1


def test_summary_panel_without_disagreement_is_not_a_conflict():
    panel = plan_panel("c1", [_note(1, "Ana", "yes"), _note(2, "Tom", "strong_yes")])
    assert panel["conflicting_reports"]["conflict"] is False
    assert panel["decision"] == "advance"


def test_summary_panel_uses_the_inferred_recommendation_when_none_is_stated():
    note = _note(1, "Ana", None)
    note["recommendation"]["inferred"] = "no"
    panel = plan_panel("c1", [note])
    assert panel["recommendations"][0] == {"interviewer": "Ana", "recommendation": "no", "source": "inferred", "row": 1}


def test_summary_requisition_marks_the_runner_up_second_in_line():
    panels = [plan_panel("weak", [_note(1, "A", "no", ["skill_gap"]), _note(2, "B", "no")]),
              plan_panel("best", [_note(3, "A", "strong_yes"), _note(4, "B", "yes")]),
              plan_panel("close", [_note(5, "A", "yes", ["fit_doubt"], {"fit_doubt": "wants remote"}),
                                   _note(6, "B", "yes")])]
    ranking = rank_requisition("R1", panels)["ranking"]
    assert [entry["candidate"] for entry in ranking] == ["best", "close", "weak"]
    assert [entry["status"] for entry in ranking] == ["preferred", "second in line", None]
    assert ranking[1]["recheck"] == ["fit_doubt: wants remote"]


def test_summary_requisition_never_puts_a_declined_candidate_second_in_line():
    panels = [plan_panel("best", [_note(1, "A", "yes")]), plan_panel("declined", [_note(2, "A", "no")])]
    ranking = rank_requisition("R1", panels)["ranking"]
    assert [entry["status"] for entry in ranking] == ["preferred", None]


def test_summary_plan_formats_give_a_teams_category_its_description():
    from analyzer.summary import GENERIC_FORMAT, plan_formats

    formats = plan_formats({"leadership_gap": "leading a team through change.", "skill_gap": "ignored", "blank": " "})
    assert formats == {"leadership_gap": ("a focused conversation on leading a team through change", GENERIC_FORMAT[1])}
    text = "Never led anyone through a reorg; unclear how she would handle it."
    spans = [{"start": 0, "end": text.index(";")}]
    item = plan_note(text, labels=["leadership_gap"], evidence={"leadership_gap": spans}, formats=formats)[0]
    assert item["format"] == formats["leadership_gap"][0] and item["cover"] == text[:text.index(";")]
    generic = plan_note(text, labels=["other_thing"], evidence={"other_thing": spans})[0]
    assert generic["format"] == GENERIC_FORMAT[0]
