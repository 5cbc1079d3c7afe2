"""Next-round plans: for one note, for a candidate's panel, and for an opening's shortlist.

Plans are built only from what the notes say: every specific in a plan item is a span of a
note, carried with its offsets, so a reader can always trace it back. Standard library only:
planning never waits on spaCy or scikit-learn.

>>> items = plan_note("Didn't get to system design.", labels=[], evidence={})
>>> items[0]["kind"], items[0]["cover"]
('followup', "Didn't get to system design")
"""

import re
from bisect import bisect_right
from collections import defaultdict

from .labels import LABELS, recommendation_direction

#: For each label: what the next round should do about it, and who should be in the room.
PLAN_FORMATS = {
    "skill_gap": ("a technical deep-dive with a hands-on exercise on this skill",
                  "someone who uses this skill every day"),
    "fit_doubt": ("a conversation with the team about how the work is really done, day to day",
                  "the hiring manager and a future teammate"),
    "arrogance": ("behavioural questions on collaboration and taking feedback: a time they were wrong, "
                  "a time they changed their mind",
                  "a future peer and someone the role would work for"),
    "alternate_role": ("a conversation about the other role with its hiring manager",
                       "the hiring manager of the other role"),
}
GENERIC_FORMAT = ("a focused conversation on this point", "the hiring manager")
FOLLOWUP_FORMAT = ("pick up what the interviewer left open", "whoever the interviewer named, or the hiring manager")

#: Importance of each label when ordering a panel's plan; a concern raised by more
#: interviewers always comes first.
LABEL_WEIGHT = {"skill_gap": 3, "arrogance": 3, "fit_doubt": 2, "alternate_role": 1}
RECOMMENDATION_VALUE = {"strong_no": -2, "no": -1, "yes": 1, "strong_yes": 2}
MAX_DETAILS = 3

# Phrases an interviewer uses to leave something open for the next round.
_FOLLOWUP = re.compile(
    # Every alternative starts a word with a letter; saying so up front lets the engine skip
    # most positions at once.
    r"""\b(?=[a-z])(?:
    \b(?:didn'?t|did\ not|couldn'?t|could\ not|never|no\ time\ to|not\ enough\ time\ to)\s+
        (?:get|got|have\ time|manage)\s+(?:to|round\ to|into|through)\b
  | \bran\ out\ of\ time | \bout\ of\ time\b | \bno\ time\ for\b
  | \bnot\ (?:yet\ )?(?:tested|covered|assessed|probed|explored|discussed|checked|verified|asked)\b
  | \b(?:couldn'?t|could\ not|unable\ to|can'?t|cannot)\s+(?:assess|judge|tell|verify|confirm|evaluate)\b
  | \b(?:in|at|for|during|before)\s+(?:the\ |a\ )?(?:next|final|second|third|later|follow[- ]?up)\s+
        (?:round|panel|stage|interview|conversation|call|session)s?\b
  | \b(?:next|final|second)\s+(?:round|panel|stage|interview|interviewer)s?\s+(?:should|to|must|needs?|can|could|will)\b
  | \b(?:should|must|needs?\ to|need\ to|shd)\s+(?:probe|check|verify|test|explore|dig|confirm|follow\ up|ask|assess|
        see|meet|talk|discuss|review|watch|validate|hear|look|get|form)\b
  | \bto\ (?:probe|verify|follow\ up\ on|dig\ into)\b
  | \bworth\b(?!\ (?:it|every|the\ wait|having|hiring))
  | \b(?:please|pls|plz)\s+(?:check|probe|verify|confirm|test|route|ask|look|send|pass|flag|review|share|introduce)\b
  | \bfollow[- ]?up\s+(?:on|with|call|conversation|needed|required)\b | \bto\ follow\ up\b
  | \bopen\ questions?\b | \btbc\b | \bto\ be\ confirmed\b
  | \b(?:pending|subject\ to|unless|provided\ (?:that|she|he|they|we))\b
  | \b(?:pass|send|refer|route)\s+(?:\w+\s+){0,3}?(?:to|for)\b
  | \b(?:check|take|chase|call|verify|get)\w*\s+(?:\w+\s+){0,2}?references?\b
  | \breferences?\s+(?:to\ |still\ )?(?:check|chase|pending|outstanding|needed|not|first)
  | \b(?:i'?d|i\ would|we'?d|we\ would|i'?ll|let'?s|we\ should|i\ should)\s+
        (?:want\ (?:someone|to\ see|to\ hear|the|a|an)|like\ (?:someone|to\ see|to\ hear|the|a|an|us|him|her|them)|
         suggest|recommend\ (?:a|an|the|we|that)|ask|push|share|send|pass|flag|raise|introduce|mention|check|talk|discuss)\b
  | \bwould\ (?:want|like)\ (?:to\ see|to\ hear|someone)\b
  | \bneeds?\s+(?:checking|testing|probing|verifying|confirming|a\ (?:proper|second|closer|further|deeper|real)|
        to\ be\ (?:checked|tested|probed|verified|confirmed|explored))
  | \b(?:leave|defer|hand)\s+(?:the\ decision|it|this|that)\s+to\b | \bhear\ what\b
  | \b(?:want|need|get|hear|like|awaiting|pending|without)\s+(?:\w+\s+){0,3}?\w+'s\s+(?:view|read|opinion|take)\b
  | \b(?:keen|want|wanting)\ to\ (?:hear|know)\b
  | \b(?:discuss|talk|speak|chat)\s+(?:it\ |this\ |that\ )?(?:with|to)\b | \bcheck\ with\b | \brevisit\b | \bmake\ sure\b
  | \bput\ (?:him|her|them)\ in\ front\ of\b
  | \bbefore\ (?:an\ |any\ |the\ )?(?:offer|decision|next\ step)\b | \bin\ the\ final\b
  | \b(?:flag|flagging)\b | \braise\s+(?:it|this|that)\b | \b(?:forward|fwd)\s+(?:her|his|their|the)\s+(?:cv|details|name|profile)\b
  | \b(?:introduce|loop\ in|have\ a\ word|keep\ (?:him|her|them)\ warm)\b
  | \b(?:hm|hiring\ manager|panel|client|[a-z]+)\ to\ (?:decide|discuss|confirm|check|review|judge|assess)\b
  | \bif\ (?:we|she|he|they)\ (?:can|is|are|'s|'re)\b
  | \b(?:suggest|suggests|propose)\s+(?:a|an|the|we|that|someone)\b
  | \b(?:yes|advance|recommend|proceed|hire|lean\ yes|approve)\b[^.\n]{0,20}?\bwith\s+(?:a|an|the|some|more)\b
  | \b(?:can|could|should)\ we\b | \bwould\ (?:he|she|they)\ (?:consider|take|want|accept)\b
  | \b(?:remains?|still)\ open\b | \bnot\ yet\ (?:in|done|seen|received)\b
  | \bat\ (?:panel|final|the\ panel|the\ final|onsite)\b
  | \b(?:must|should|needs?\ to|has\ to|to)\s+be\s+(?:properly\ |further\ |better\ )?
        (?:checked|tested|discussed|probed|explored|verified|confirmed|covered|resolved|looked\ at|picked\ up)\b
  | \b(?:need|needs)\s+(?:picking\ up|a\ look|looking\ at|covering)\b
  | \b(?:i'?d|i\ would|we'?d|we\ would)\s+(?:want|like)\s+(?:\w+\s+){1,3}?to\s+
        (?:ask|talk|see|meet|test|check|probe|spend|give|run|hear|walk|take|try|show|redo|sit|shadow|cover|do)\b
  | \b(?:i|we|i'?d|we'?d|would)\s+(?:\w+\s+)?(?:want|like)\ to\ (?:see|know|understand)\b
  | \bsomeone\s+(?:should\s+|to\s+|must\s+|could\s+|needs?\ to\s+)?
        (?:check|probe|verify|test|ask|look|call|talk|review|cover|see|chase)\b
  | \b(?:check|chase|take\ up|get)\s+(?:\w+\s+)?refs?\b
  | \bhold\s+(?:until|for|pending)\b
  | \b(?<!without\ )(?:a\ second|another|one\ more)\s+(?:look|trial|shift|conversation|chat|call|session|
        interview(?!\ elsewhere)|role-play|meeting|day|go|round)\b
  | \blet\s+(?:\w+\s+){1,2}?decide\b
  | \bto\ meet\s+(?:her|him|them|the\ candidate)\b
    )""",
    re.VERBOSE,  # matched against the lower-cased note: much faster than IGNORECASE
)
# Where a passage breaks into units: lines, and sentence ends followed by a new sentence.
_UNIT_BREAK = re.compile(r"\n+|(?<=[.!?])\s+(?=[\"'(\[A-Z0-9•\-*])")
# Where a unit breaks into clauses, so a plan item quotes the part that matters.
_CLAUSE_BREAK = re.compile(r"\s*(?:;|—|–|\s-\s|:(?=\s))\s*")
_LEADING_MARK = re.compile(r"^[\s\-*•·>]+|^\d+[.)]\s+")
_TRAILING_MARK = re.compile(r"[\s.,;:!]+$")

# A job title named in a note: "the Product Marketing Manager role", "our ops analyst opening".
_ROLE_WORDS = (r"manager|lead|engineer|analyst|coordinator|director|specialist|designer|officer|"
               r"consultant|associate|administrator|assistant|advisor|adviser|architect|scientist|"
               r"planner|supervisor|technician|developer|partner|head\ of\ [\w&]+(?:\ [\w&]+)?|"
               r"controller|accountant|nurse|teacher|editor|producer|researcher|strategist|executive|"
               r"owner|representative|rep|agent|buyer|recruiter|trainer|writer|marketer|operator")
_ROLE = re.compile(
    rf"""\b((?:[A-Z][\w&/+-]*\ |[a-z][\w&/+-]*\ ){{0,3}}(?:{_ROLE_WORDS}))\b(?:\ (?:role|position|opening|vacancy|post|job|track|req))?
       |\b(?:the|our|a|an|their)\ ((?:[\w&/+-]+\ ){{1,4}})(?:role|position|opening|vacancy|post|job|track|team|req)\b""",
    re.VERBOSE | re.IGNORECASE,
)
_ROLE_STOP = {"the", "a", "an", "our", "their", "this", "that", "his", "her", "for", "as", "of", "to", "in",
              "be", "is", "was", "would", "could", "make", "good", "great", "better", "strong", "natural",
              "current", "same", "other", "another", "different", "new", "and", "or", "on", "with", "at"}


def spans_of_units(text):
    """The note's lines and sentences as (start, end) spans, trimmed of bullets and spaces."""
    spans, position = [], 0
    for match in _UNIT_BREAK.finditer(text + "\n"):
        spans.append(_trim(text, position, match.start()))
        position = match.end()
    return [span for span in spans if span[1] > span[0]]


def _trim(text, start, end):
    piece = text[start:end]
    lead = _LEADING_MARK.match(piece)
    if lead:
        start += lead.end()
    piece = text[start:end]
    tail = _TRAILING_MARK.search(piece)
    if tail and tail.start() > 0:
        end = start + tail.start()
    return start, end


def _clause_around(text, start, end, position):
    """The clause of text[start:end] that holds the character at ``position``."""
    clause_start = start
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        if match.end() <= position:
            clause_start = match.end()
        elif match.start() > position:
            return _trim(text, clause_start, match.start())
    return _trim(text, clause_start, end)


# A header under which every bullet is something left open ("Open questions:").
_OPEN_HEADER = re.compile(r"^\s*(?:open\ questions?|questions?\ for\ (?:the\ )?next\ round|to\ probe|to\ cover|"
                          r"follow[- ]?ups?|next\ steps?|for\ (?:the\ )?next\ round|still\ to\ check)\s*:?\s*$",
                          re.IGNORECASE | re.VERBOSE)
_OPEN_HEADER_ANYWHERE = re.compile(r"(?im)^\s*(?:open questions?|questions? for|to probe|to cover|follow[- ]?ups?|"
                                   r"next steps?|for (?:the )?next round|still to check)")
_BULLET_LINE = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
SHORT_UNIT_WORDS = 12


def _units_under_open_header(text):
    """Spans of the bullet lines that follow an "Open questions:" header."""
    spans, open_section, position = [], False, 0
    for line in text.splitlines(keepends=True):
        start, end = position, position + len(line.rstrip("\r\n"))
        position += len(line)
        if _OPEN_HEADER.match(line):
            open_section = True
        elif open_section and _BULLET_LINE.match(line):
            spans.append(_trim(text, start, end))
        else:
            open_section = False
    return spans


def find_followups(text):
    """What the interviewer explicitly left open, as spans of the note.

    >>> text = "Strong on APIs. Didn't get to system design. Someone should probe her references."
    >>> [text[s:e] for s, e in find_followups(text)]
    ["Didn't get to system design", 'Someone should probe her references']
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        lowered = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    matches = [match.start() for match in _FOLLOWUP.finditer(lowered)]
    has_header = ":" in text and _OPEN_HEADER_ANYWHERE.search(text)
    if not matches and not has_header:
        return []
    found = _units_under_open_header(text) if has_header else []
    units = spans_of_units(text)
    unit_starts = [start for start, _ in units]
    seen = set(found)
    for position in matches:
        index = bisect_right(unit_starts, position) - 1
        if index < 0 or position >= units[index][1]:
            continue  # a match in the bullet or spacing between units
        start, end = units[index]
        if any(start >= s and end <= e for s, e in found) or _OPEN_HEADER.match(text[start:end]):
            continue
        short = len(text[start:end].split()) <= SHORT_UNIT_WORDS
        clause = (start, end) if short else _clause_around(text, start, end, position)
        if clause not in seen and clause[1] - clause[0] >= 3:
            seen.add(clause)
            found.append(clause)
    return sorted(found)


def role_named(passage):
    """The other role a passage names ("Product Marketing Manager"), or None.

    >>> role_named("She'd be a strong Product Marketing Manager, not a PM.")
    'Product Marketing Manager'
    """
    for match in _ROLE.finditer(passage):
        words = (match.group(1) or match.group(2) or "").split()
        while words and words[0].lower() in _ROLE_STOP:
            words.pop(0)
        if words:
            return " ".join(words)
    return None


def _source(text, start, end):
    return {"text": text[start:end], "start": start, "end": end}


def _evidence_spans(items):
    for item in items:
        if isinstance(item, dict):
            yield item["start"], item["end"]
        else:
            yield item.start, item.end


def plan_formats(descriptions):
    """Plan formats for a team's own categories, from the description given when training;
    a category without one gets ``GENERIC_FORMAT``.

    >>> plan_formats({"leadership_gap": "leading a team through change"})["leadership_gap"][0]
    'a focused conversation on leading a team through change'
    """
    return {label: (f"a focused conversation on {text.strip().rstrip('.')}", GENERIC_FORMAT[1])
            for label, text in (descriptions or {}).items() if label not in PLAN_FORMATS and text and text.strip()}


def plan_note(text, *, labels, evidence, passages=None, possible=None, formats=None):
    """The next-round plan for one note: an item per label raised, then each follow-up left
    open, then the labels the model found possible but below its threshold, marked as such.

    ``evidence`` maps a label to its evidence (``Evidence`` objects or ``{start, end}`` dicts);
    ``passages``, when the model gives them, are its best supporting spans per label, best
    first, and lead the item;
    ``possible`` maps a label below threshold to its spans; ``formats`` (see ``plan_formats``)
    gives a team's own categories their format. Each item quotes its specifics with offsets
    into ``text``.
    """
    passages = passages or {}
    items = [item for label in labels
             if (item := _concern_item(text, "concern", label, [*passages.get(label, []), *evidence.get(label, [])],
                                       formats))]
    covered = [item["source"] for item in items]
    for start, end in find_followups(text):
        if any(start >= s["start"] and end <= s["end"] for s in covered):
            continue  # already quoted inside a concern
        format_, who = FOLLOWUP_FORMAT
        items.append({"kind": "followup", "label": None, "cover": text[start:end], "format": format_,
                      "who": who, "source": _source(text, start, end), "details": [_source(text, start, end)]})
    items += [item for label, spans in (possible or {}).items()
              if label not in labels and (item := _concern_item(text, "possible", label, spans, formats))]
    return items


def plan_for_analysis(text, analysis, *, formats=None):
    """The plan for a note from the model's reading of it (a ``NoteAnalysis``): its labels and
    evidence, its best passages, and the labels it found possible but did not raise."""
    return plan_note(text, labels=analysis.labels, evidence=analysis.evidence, passages=analysis.passages,
                     possible={label: spans for label, spans in analysis.passages.items()
                               if label not in analysis.labels}, formats=formats)


def _concern_item(text, kind, label, spans, formats=None):
    unique = []
    for span in _evidence_spans(spans):
        trimmed = _trim(text, *span)
        if trimmed[1] > trimmed[0] and trimmed not in unique:
            unique.append(trimmed)
    unique = unique[:MAX_DETAILS]
    if not unique:
        return None
    format_, who = PLAN_FORMATS.get(label) or (formats or {}).get(label) or GENERIC_FORMAT
    if label == "alternate_role":
        role = next((name for start, end in unique if (name := role_named(text[start:end]))), None)
        if role:
            format_ = f"a conversation about the {role} role with its hiring manager"
            who = f"the hiring manager for {role}"
    if kind == "possible":
        format_ = f"worth a check, the model is unsure: {format_}"
    return {"kind": kind, "label": label, "cover": text[unique[0][0]:unique[0][1]], "format": format_, "who": who,
            "source": _source(text, *unique[0]), "details": [_source(text, start, end) for start, end in unique]}


# -- panels -------------------------------------------------------------------------------

def _who(note):
    return note.get("interviewer") or f"row {note['row']}"


def note_recommendation(note):
    """The recommendation a panel counts for a note: the stated one, else the one read from the text."""
    recommendation = note.get("recommendation") or {}
    if recommendation.get("stated"):
        return recommendation["stated"], "stated"
    if recommendation.get("inferred"):
        return recommendation["inferred"], "inferred"
    return None, None


def plan_panel(candidate, notes):
    """One candidate's panel: the recommendations and their spread, conflicting reports,
    the concerns merged across interviewers, and the next round's plan ordered by importance.

    ``notes`` are batch note records (dicts with ``row``, ``interviewer``, ``labels``,
    ``scores``, ``recommendation`` and ``next_round``); error records are counted but not read.
    """
    analysed = [note for note in notes if note.get("status") == "ok"]
    recommendations, spread = [], {name: 0 for name in (*RECOMMENDATION_VALUE, "none")}
    for note in analysed:
        value, source = note_recommendation(note)
        spread[value or "none"] += 1
        recommendations.append({"interviewer": _who(note), "recommendation": value, "source": source,
                                "row": note["row"]})
    yes_side = _unique(r["interviewer"] for r in recommendations if recommendation_direction(r["recommendation"]) > 0)
    no_side = _unique(r["interviewer"] for r in recommendations if recommendation_direction(r["recommendation"]) < 0)

    concerns = _merge_concerns(analysed)
    points = [f"{concern['label']}: {concern['mentions'][0]['text']} ({', '.join(concern['raised_by'])})"
              for concern in concerns if set(concern["raised_by"]) & set(no_side)] if yes_side and no_side else []
    if yes_side and no_side and not points:
        points = ["the recommendations differ, but no note names a concern: ask each interviewer why"]
    plan = _panel_plan(analysed, concerns, no_side)
    values = [RECOMMENDATION_VALUE[r["recommendation"]] for r in recommendations if r["recommendation"]]
    outcome = round(sum(values) / (2 * len(values)), 4) if values else None
    first = notes[0] if notes else {}
    return {
        "candidate": candidate,
        "requisition": next((n.get("requisition") for n in notes if n.get("requisition")), None),
        "role": next((n.get("role") for n in notes if n.get("role")), first.get("role")),
        "notes": len(notes),
        "errored": len(notes) - len(analysed),
        "recommendations": recommendations,
        "spread": spread,
        "conflicting_reports": {"conflict": bool(yes_side and no_side), "yes_side": yes_side,
                                "no_side": no_side, "points": points},
        "concerns": concerns,
        "next_round": plan,
        "decision": _decision(values, concerns, plan),
        "outcome_score": outcome,
    }


def _unique(values):
    return list(dict.fromkeys(values))


def _merge_concerns(notes):
    """Concerns grouped by label across the panel, strongest mention first, with who raised them."""
    by_label = defaultdict(list)
    for note in notes:
        for item in note.get("next_round", []):
            if item["kind"] == "concern":
                score = (note.get("scores") or {}).get(item["label"], 0.0)
                by_label[item["label"]].append((score, note, item))
    concerns = []
    for label, mentions in by_label.items():
        mentions.sort(key=lambda entry: (-entry[0], entry[1]["row"]))
        raised_by = _unique(_who(note) for _, note, _ in mentions)
        concerns.append({
            "label": label, "count": len(raised_by), "raised_by": raised_by,
            "mentions": [{"interviewer": _who(note), "row": note["row"], "text": item["cover"],
                          "start": item["source"]["start"], "end": item["source"]["end"]}
                         for _, note, item in mentions],
        })
    concerns.sort(key=lambda c: (-c["count"], -LABEL_WEIGHT.get(c["label"], 1), LABELS.index(c["label"])
                                 if c["label"] in LABELS else len(LABELS)))
    return concerns


def _panel_plan(notes, concerns, no_side):
    """Concerns first (more interviewers, a no vote behind them, a heavier label), then the
    follow-ups left open, then the concerns the model found possible but did not raise."""
    plan = []
    for concern in concerns:
        strongest = concern["mentions"][0]
        format_, who = _format_from_notes(notes, concern["label"], strongest["row"])
        plan.append({
            "kind": "concern", "label": concern["label"], "cover": strongest["text"],
            "also": _unique(m["text"] for m in concern["mentions"][1:])[:MAX_DETAILS - 1],
            "format": format_, "who": who, "raised_by": concern["raised_by"],
            "rows": _unique(m["row"] for m in concern["mentions"]),
            "_rank": (-concern["count"], -bool(set(concern["raised_by"]) & set(no_side)),
                      -LABEL_WEIGHT.get(concern["label"], 1)),
        })
    followups = {}
    for note in notes:
        for item in note.get("next_round", []):
            if item["kind"] == "followup":
                entry = followups.setdefault(item["cover"].lower(), {
                    "kind": "followup", "label": None, "cover": item["cover"], "also": [],
                    "format": item["format"], "who": item["who"], "raised_by": [], "rows": [],
                    "_rank": (0, 0, 0)})
                entry["raised_by"] = _unique([*entry["raised_by"], _who(note)])
                entry["rows"] = _unique([*entry["rows"], note["row"]])
    possible = {}
    raised = {concern["label"] for concern in concerns}
    for note in notes:
        for item in note.get("next_round", []):
            if item["kind"] == "possible" and item["label"] not in raised:
                entry = possible.setdefault(item["label"], {
                    "kind": "possible", "label": item["label"], "cover": item["cover"], "also": [],
                    "format": item["format"], "who": item["who"], "raised_by": [], "rows": [], "_rank": (0, 0, 0)})
                entry["raised_by"] = _unique([*entry["raised_by"], _who(note)])
                entry["rows"] = _unique([*entry["rows"], note["row"]])
    plan.sort(key=lambda item: item["_rank"])
    plan.extend(followups.values())
    plan.extend(possible.values())
    for priority, item in enumerate(plan, start=1):
        del item["_rank"]
        item["priority"] = priority
    return plan


def _format_from_notes(notes, label, row):
    """The format and attendee the note's own plan gave (it may name the other role)."""
    for note in notes:
        if note["row"] == row:
            for item in note.get("next_round", []):
                if item["label"] == label:
                    return item["format"], item["who"]
    return PLAN_FORMATS.get(label, GENERIC_FORMAT)


def _decision(values, concerns, plan):
    """What the panel points to: advance, call back (a round with a purpose), decline, or undecided."""
    if not values:
        return "call back" if plan else "undecided"
    positive = sum(1 for v in values if v > 0)
    if positive == len(values):
        return "call back" if concerns else "advance"
    if positive == 0:
        return "decline"
    return "call back"


# -- openings -----------------------------------------------------------------------------

def recheck_list(panel):
    """What a runner-up's callback must re-check: their panel's plan, one line per item."""
    return [f"{item['label'] or 'follow-up'}: {item['cover']}" for item in panel["next_round"]]


def rank_requisition(requisition, panels):
    """Rank an opening's candidates by their panels' outcome; the runner-up is "second in line".

    The runner-up's callback will weigh them as the preferred candidate rather than as a
    possibility, so their entry lists what that round must re-check: their panel's concerns.
    """
    ordered = sorted(panels, key=lambda p: (-(p["outcome_score"] if p["outcome_score"] is not None else -2),
                                            len(p["concerns"]), str(p["candidate"])))
    ranking = [{"rank": rank, "candidate": panel["candidate"], "outcome_score": panel["outcome_score"],
                "decision": panel["decision"], "status": None} for rank, panel in enumerate(ordered, start=1)]
    if len(ordered) > 1:
        ranking[0]["status"] = "preferred"
        # The runner-up is the next candidate the panels did not turn down.
        runner_up = next((i for i, panel in enumerate(ordered[1:], start=1) if panel["decision"] != "decline"), None)
        if runner_up is not None:
            ranking[runner_up]["status"] = "second in line"
            ranking[runner_up]["recheck"] = recheck_list(ordered[runner_up])
    role = next((p["role"] for p in panels if p.get("role")), None)
    return {"requisition": requisition, "role": role, "candidates": len(panels), "ranking": ranking}
