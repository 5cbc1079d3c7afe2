"""The batch report: Markdown and a self-contained HTML page for a hiring team."""

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analyzer.labels import LABELS
from analyzer.report import LABEL_NAMES, render_html, render_markdown

CHROMIUM = Path("/usr/bin/chromium")

ROLES = {"REQ-7": "Data Analyst", "REQ-12": "Product Marketing Manager"}
REQUISITION_OF = {"c-101": "REQ-7", "c-104": "REQ-7", "c-110": "REQ-7", "c-201": "REQ-12", "c-205": "REQ-12"}
HTML_EVIDENCE = "dismissed the analysts' work as <script>alert(\"x\")</script> <b>trivial</b> | rating 2/4"


def _note(row, candidate, interviewer, text, evidence=None, stated=None, inferred=None, *, flags=(), error=None):
    """One note record as `callback-analyzer batch` produces it, evidence offsets taken from the text."""
    evidence = evidence or {}
    requisition = REQUISITION_OF[candidate]
    spans = {label: [{"text": phrase, "start": text.index(phrase), "end": text.index(phrase) + len(phrase)}
                     for phrase in phrases] for label, phrases in evidence.items()}
    return {
        "row": row, "id": f"n{row}", "status": "error" if error else "ok", "error": error,
        "candidate": candidate, "interviewer": interviewer, "role": ROLES[requisition], "requisition": requisition,
        "labels": list(evidence),
        "scores": None if error else {label: (0.88 if label in evidence else 0.07) for label in LABELS},
        "evidence": spans,
        "recommendation": {"stated": stated, "inferred": inferred,
                           "mismatch": bool(stated and inferred and stated != inferred)},
        "next_round": [{"label": label, "cover": items[0]["text"], "format": "follow-up interview",
                        "source": items[0]} for label, items in spans.items()],
        "flags": list(flags),
    }


NOTES = [
    _note(2, "c-101", "Priya S.", "Strong SQL, wrote the window function without hints. Clear communicator. "
          "Strong yes.", stated="strong_yes", inferred="strong_yes"),
    _note(3, "c-104", "Priya S.", "Pleasant and curious, but couldn't write the window function and struggled "
          "with joins across three tables. No for now.",
          {"skill_gap": ["couldn't write the window function"]}, "no", "no"),
    _note(4, "c-110", "Priya S.", "Said our reporting was 'amateur hour' and he'd rebuild everything in month one. "
          "Talked over Tom twice. No.", {"arrogance": ["he'd rebuild everything in month one"]}, "no", "no"),
    _note(5, "c-101", "Tom", "Walked through her dashboard project well; asked good questions about our data "
          "model. Yes.", stated="yes", inferred="yes"),
    _note(6, "c-104", "Ana", "Great with stakeholders, explained a churn analysis crisply. Yes.",
          stated="yes", inferred="yes"),
    _note(7, "c-110", "Tom", "Technically solid but blamed his last team for every missed deadline. Strong no.",
          {"arrogance": ["blamed his last team for every missed deadline"]}, "strong_no", "strong_no"),
    _note(8, "c-101", "Ana", "Good stakeholder stories; no concerns on Python. Hire.", inferred="yes"),
    _note(9, "c-104", "Tom", "Might be light on statistics, not sure the A/B testing knowledge is deep enough. "
          "Lean yes.", {"skill_gap": ["not sure the A/B testing knowledge is deep enough"]}, None, "yes"),
    _note(10, "c-110", "Ana", f"Pasted from the ATS form: <b>Concerns:</b> \"{HTML_EVIDENCE}\". Recommendation: yes",
          {"arrogance": [HTML_EVIDENCE]}, "yes", "no"),
    _note(11, "c-201", "Maya R.", "Brilliant on pricing research, but her heart is in analytics; she'd be a better "
          "fit for the Market Research Analyst opening. Yes, for that role.",
          {"alternate_role": ["she'd be a better fit for the Market Research Analyst opening"]}, "yes", "yes"),
    _note(12, "c-205", "Maya R.", "Ran three launches end to end, great messaging examples. Mentioned she has two "
          "young kids; irrelevant to the role. Strong yes.", stated="strong_yes", inferred="strong_yes",
          flags=["protected_characteristic"]),
    _note(13, "c-201", "Jon K.", "Hesitant in the group exercise and said she prefers working alone most days; not "
          "sure she'd thrive in our fast, collaborative launches. No.",
          {"fit_doubt": ["she prefers working alone most days"]}, "no", "no"),
    _note(14, "c-205", "Sam O.", "", error="row 14 (export.csv:15): the note is empty"),
    _note(15, "c-201", "Lee W.", "Solid positioning instincts; asked sharp questions about our ICP. Yes.",
          stated="yes", inferred="yes"),
    _note(16, "c-205", "Jon K.", "Light on B2B demand gen: couldn't say what pipeline her campaigns drove. Yes.",
          {"skill_gap": ["couldn't say what pipeline her campaigns drove"]}, "yes", "yes"),
    _note(17, "c-205", "Lee W.", "Portfolio (https://example.com/portfolio) shows strong launch briefs. Yes.",
          stated="yes", inferred="yes"),
]


def _recommendations(*items):
    return [{"interviewer": who, "recommendation": call, "source": source, "row": row}
            for who, call, source, row in items]


def _spread(**counts):
    return {key: counts.get(key, 0) for key in ("strong_no", "no", "yes", "strong_yes", "none")}


NO_CONFLICT = {"conflict": False, "yes_side": [], "no_side": [], "points": []}

PANELS = [
    {"candidate": "c-101", "requisition": "REQ-7", "role": "Data Analyst", "notes": 3,
     "recommendations": _recommendations(("Priya S.", "strong_yes", "stated", 2), ("Tom", "yes", "stated", 5),
                                         ("Ana", "yes", "inferred", 8)),
     "spread": _spread(yes=2, strong_yes=1), "conflicting_reports": NO_CONFLICT, "concerns": [], "next_round": [],
     "decision": "advance", "outcome_score": 0.8},
    {"candidate": "c-104", "requisition": "REQ-7", "role": "Data Analyst", "notes": 3,
     "recommendations": _recommendations(("Priya S.", "no", "stated", 3), ("Ana", "yes", "stated", 6),
                                         ("Tom", "yes", "inferred", 9)),
     "spread": _spread(no=1, yes=2),
     "conflicting_reports": {"conflict": True, "yes_side": ["Ana", "Tom"], "no_side": ["Priya S."],
                             "points": ["skill_gap: couldn't write the window function (Priya S.)"]},
     "concerns": [{"label": "skill_gap", "count": 2, "raised_by": ["Priya S.", "Tom"],
                   "mentions": [{"interviewer": "Priya S.", "row": 3, "text": "couldn't write the window function"},
                                {"interviewer": "Tom", "row": 9,
                                 "text": "not sure the A/B testing knowledge is deep enough"}]}],
     "next_round": [{"priority": 1, "label": "skill_gap", "cover": "window functions and multi-table joins",
                     "format": "technical deep-dive with a hands-on exercise",
                     "who": "a senior analyst who can run a live SQL exercise", "raised_by": ["Priya S."], "rows": [3]},
                    {"priority": 2, "label": "skill_gap", "cover": "A/B testing and the statistics behind it",
                     "format": "case discussion of a past experiment", "who": "the analytics lead",
                     "raised_by": ["Tom"], "rows": [9]}],
     "decision": "call back", "outcome_score": 0.35},
    {"candidate": "c-110", "requisition": "REQ-7", "role": "Data Analyst", "notes": 3,
     "recommendations": _recommendations(("Priya S.", "no", "stated", 4), ("Tom", "strong_no", "stated", 7),
                                         ("Ana", "yes", "stated", 10)),
     "spread": _spread(strong_no=1, no=1, yes=1),
     "conflicting_reports": {"conflict": True, "yes_side": ["Ana"], "no_side": ["Priya S.", "Tom"],
                             "points": ["arrogance: he'd rebuild everything in month one (Priya S.)",
                                        "arrogance: blamed his last team for every missed deadline (Tom)"]},
     "concerns": [{"label": "arrogance", "count": 3, "raised_by": ["Priya S.", "Tom", "Ana"],
                   "mentions": [{"interviewer": "Priya S.", "row": 4, "text": "he'd rebuild everything in month one"},
                                {"interviewer": "Tom", "row": 7,
                                 "text": "blamed his last team for every missed deadline"},
                                {"interviewer": "Ana", "row": 10, "text": HTML_EVIDENCE}]}],
     "next_round": [{"priority": 1, "label": "arrogance",
                     "cover": "how he would learn the current reporting before changing it",
                     "format": "behavioural interview around a team scenario",
                     "who": "the analytics manager and a peer analyst", "raised_by": ["Priya S.", "Tom", "Ana"],
                     "rows": [4, 7, 10]}],
     "decision": "decline", "outcome_score": -0.6},
    {"candidate": "c-201", "requisition": "REQ-12", "role": "Product Marketing Manager", "notes": 3,
     "recommendations": _recommendations(("Maya R.", "yes", "stated", 11), ("Jon K.", "no", "stated", 13),
                                         ("Lee W.", "yes", "stated", 15)),
     "spread": _spread(no=1, yes=2),
     "conflicting_reports": {"conflict": True, "yes_side": ["Maya R.", "Lee W."], "no_side": ["Jon K."],
                             "points": ["fit_doubt: she prefers working alone most days (Jon K.)"]},
     "concerns": [{"label": "fit_doubt", "count": 1, "raised_by": ["Jon K."],
                   "mentions": [{"interviewer": "Jon K.", "row": 13, "text": "she prefers working alone most days"}]},
                  {"label": "alternate_role", "count": 1, "raised_by": ["Maya R."],
                   "mentions": [{"interviewer": "Maya R.", "row": 11,
                                 "text": "she'd be a better fit for the Market Research Analyst opening"}]}],
     "next_round": [{"priority": 1, "label": "fit_doubt", "cover": "collaboration in fast, cross-functional launches",
                     "format": "team conversation around a launch scenario", "who": "two launch teammates",
                     "raised_by": ["Jon K."], "rows": [13]},
                    {"priority": 2, "label": "alternate_role", "cover": "the Market Research Analyst opening",
                     "format": "exploratory conversation about the other role",
                     "who": "the Market Research hiring manager", "raised_by": ["Maya R."], "rows": [11]}],
     "decision": "call back", "outcome_score": 0.2},
    {"candidate": "c-205", "requisition": "REQ-12", "role": "Product Marketing Manager", "notes": 3,
     "recommendations": _recommendations(("Maya R.", "strong_yes", "stated", 12), ("Jon K.", "yes", "stated", 16),
                                         ("Lee W.", "yes", "stated", 17)),
     "spread": _spread(yes=2, strong_yes=1), "conflicting_reports": NO_CONFLICT,
     "concerns": [{"label": "skill_gap", "count": 1, "raised_by": ["Jon K."],
                   "mentions": [{"interviewer": "Jon K.", "row": 16,
                                 "text": "couldn't say what pipeline her campaigns drove"}]}],
     "next_round": [{"priority": 1, "label": "skill_gap", "cover": "pipeline impact of B2B demand-gen campaigns",
                     "format": "case study walkthrough with numbers", "who": "the demand-generation lead",
                     "raised_by": ["Jon K."], "rows": [16]}],
     "decision": "advance", "outcome_score": 0.7},
]

REQUISITIONS = [
    {"requisition": "REQ-7", "role": "Data Analyst",
     "ranking": [{"rank": 1, "candidate": "c-101", "outcome_score": 0.8, "status": "preferred"},
                 {"rank": 2, "candidate": "c-104", "outcome_score": 0.35, "status": "second in line",
                  "recheck": ["skill_gap: couldn't write the window function",
                              "skill_gap: not sure the A/B testing knowledge is deep enough"]},
                 {"rank": 3, "candidate": "c-110", "outcome_score": -0.6, "status": None}]},
    {"requisition": "REQ-12", "role": "Product Marketing Manager",
     "ranking": [{"rank": 1, "candidate": "c-205", "outcome_score": 0.7, "status": "preferred"},
                 {"rank": 2, "candidate": "c-201", "outcome_score": 0.2, "status": "second in line",
                  "recheck": ["fit_doubt: she prefers working alone most days",
                              "alternate_role: a better fit for the Market Research Analyst opening"]}]},
]

BATCH = {
    "notes": NOTES,
    "panels": PANELS,
    "requisitions": REQUISITIONS,
    "summary": {"rows": 16, "analysed": 15, "errored": 1, "source": "export.csv", "model": "models/default",
                "generated": "2026-11-26T01:00:00Z"},
}


def _render(renderer, notes=None):
    return renderer(iter(NOTES) if notes is None else notes, PANELS, REQUISITIONS, BATCH["summary"])


@pytest.fixture(scope="module")
def page():
    return _render(render_html)


@pytest.fixture(scope="module")
def markdown():
    return _render(render_markdown)


class _NotesTable(HTMLParser):
    """Collects each body row of the notes table as the text of its cells."""

    def __init__(self):
        super().__init__()
        self.rows, self._depth, self._in_body, self._cell = [], 0, False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "notes-table") in attrs:
            self._depth = 1
        elif self._depth and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append({"cells": [], "attrs": dict(attrs)})
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if self._in_body and tag == "td":
            self.rows[-1]["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._depth = 0

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _table_rows(page):
    parser = _NotesTable()
    parser.feed(page)
    return parser.rows


def test_report_label_names_cover_every_label():
    assert set(LABEL_NAMES) == set(LABELS)
    assert LABEL_NAMES["arrogance"] == "Confidence or cockiness"


def test_report_html_has_no_external_references(page):
    assert not re.search(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page


def test_report_html_escapes_note_text(page):
    assert '<script>alert("x")</script>' not in page
    assert "<b>trivial</b>" not in page and "<b>Concerns:</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;trivial&lt;/b&gt;" in page
    assert "analysts&#x27; work" in page
    assert len(re.findall(r"<script\b", page)) == 1


@pytest.mark.parametrize("as_generator", [False, True])
def test_report_html_lists_every_note(as_generator):
    notes = (note for note in NOTES) if as_generator else NOTES
    rows = _table_rows(_render(render_html, notes))
    assert [row["cells"][1] for row in rows] == [note["id"] for note in NOTES]
    errored = [row for row in rows if "error" in row["attrs"]["data-tags"].split()]
    assert len(errored) == 1 and "row 14 (export.csv:15): the note is empty" in errored[0]["cells"][-1]


def test_report_html_marks_mismatch_and_flags(page):
    rows = {row["cells"][1]: row for row in _table_rows(page)}
    assert "Mismatch" in rows["n10"]["cells"][5]
    assert "Mentions a protected characteristic" in rows["n12"]["cells"][7]


def test_report_html_shows_conflicts_and_second_in_line(page):
    assert page.count("⚠ Conflicting reports") == 3
    assert "Priya S., Tom" in page and "Maya R., Lee W." in page
    assert "Skill gap: couldn&#x27;t write the window function (Priya S.)" in page
    assert page.count('<tr class="second">') == 2
    assert "Second in line for REQ-7" in page and "Second in line for REQ-12" in page
    assert "Better fit for another role: a better fit for the Market Research Analyst opening" in page
    assert "a senior analyst who can run a live SQL exercise" in page


def test_report_html_tolerates_empty_values():
    note = {key: None for key in NOTES[0]}
    panel = {key: None for key in PANELS[0]}
    page = render_html([note], [panel], [{"requisition": None, "role": None, "ranking": None}], {})
    assert len(_table_rows(page)) == 1
    assert render_markdown([note], [panel], [{"requisition": None, "role": None, "ranking": None}], {})


def test_report_html_scales_to_thousands_of_notes():
    notes = ({**NOTES[i % len(NOTES)], "row": i, "id": f"n{i}"} for i in range(5000))
    panels = [{**PANELS[i % len(PANELS)], "candidate": f"c-{i}"} for i in range(300)]
    page = render_html(notes, panels, REQUISITIONS, BATCH["summary"])
    assert len(_table_rows(page)) == 5000
    assert len(re.findall(r'<article class="card', page)) == 300


def test_report_markdown_escapes_pipes(markdown):
    line = next(line for line in markdown.splitlines() if line.startswith("| 10 |"))
    assert "work as &lt;script&gt;" in line and "\\| rating 2/4" in line
    assert len(re.findall(r"(?<!\\)\|", line)) == 9


def test_report_markdown_lists_every_note(markdown):
    rows = [line for line in markdown.split("## Notes", 1)[1].splitlines() if re.match(r"\| \d+ \|", line)]
    assert [line.split(" | ")[1] for line in rows] == [note["id"] for note in NOTES]
    assert "error: row 14 (export.csv:15): the note is empty" in markdown


def test_report_markdown_shows_panels_and_rankings(markdown):
    assert markdown.count("**Conflicting reports.**") == 3
    assert "**Conflicting reports.** Yes: Ana, Tom · No: Priya S." in markdown
    assert "| 2 | c-104 | +0.35 | **second in line** |" in markdown
    assert "1. Skill gap: cover “window functions and multi-table joins”." in markdown


def test_report_imports_no_heavy_libraries():
    code = ("import sys, analyzer.report; "
            "print([m for m in ('spacy', 'sklearn', 'numpy') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "[]"


def _chromium(*arguments, tmp_path):
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("headless Chromium is not installed: apt-get install -y chromium")
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp_path / 'profile'}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_report_html_renders_in_chromium(page, tmp_path):
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    screenshot = tmp_path / "report.png"
    result = _chromium("--window-size=1280,2400", f"--screenshot={screenshot}",
                       (tmp_path / "report.html").as_uri(), tmp_path=tmp_path)
    assert screenshot.exists(), result.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    assert "Uncaught" not in result.stderr


def test_report_html_table_sorts_and_filters_in_chromium(page, tmp_path):
    # The page's policy admits only its own script, so this copy drops it to run the probe.
    probe = """<script>
      var table = document.getElementById("notes-table"), buttons = table.querySelectorAll("thead button");
      function ids() { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[1].textContent; }); }
      buttons[0].click(); buttons[0].click();
      var rowDescending = ids()[0];
      buttons[1].click();
      var idAscending = ids().slice(0, 3).join(",");
      var select = document.getElementById("notes-show");
      select.value = "error"; select.dispatchEvent(new Event("change"));
      document.body.setAttribute("data-probe", [rowDescending, idAscending,
        table.querySelectorAll("tbody tr:not([hidden])").length, document.getElementById("notes-count").textContent,
        buttons[1].parentNode.getAttribute("aria-sort")].join("|"));
    </script></body>"""
    testable = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page).replace("</body>", probe)
    (tmp_path / "probe.html").write_text(testable, encoding="utf-8")
    result = _chromium("--dump-dom", (tmp_path / "probe.html").as_uri(), tmp_path=tmp_path)
    found = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    assert found.group(1).split("|") == ["n17", "n2,n3,n4", "1", "Showing 1 of 16 notes", "ascending"]
    assert "Uncaught" not in result.stderr


def test_report_html_lets_a_teams_own_category_be_filtered():
    note = {**NOTES[0], "labels": ["teamwork"], "scores": {"teamwork": 0.8}}
    page = render_html([note], [], [], BATCH["summary"])
    assert '<option value="teamwork">Teamwork</option>' in page
    assert 'data-tags="' in page and "teamwork" in re.search(r'<tr[^>]*data-tags="([^"]*)"', page).group(1)
