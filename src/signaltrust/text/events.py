"""Corporate and macro events in text, by rules: what happened, and which way it cuts.

Types (``EVENT_TYPES``) and their direction (+1 good for the stock, -1 bad, 0 unsigned):

==================  ===================================================================
earnings            results against expectations: beat / tops / above estimates (+1),
                    miss / below / short of (-1), a results release without a comparison
                    or an 8-K Item 2.02 (0)
guidance            outlook raised (+1), cut / lowered / withdrawn / a profit warning (-1),
                    reaffirmed (0)
mna                 mergers and acquisitions: acquire, merger, takeover, buyout, tender
                    offer, 8-K Item 2.01 (0: good for a target, often not for a buyer)
litigation          litigation and regulation: lawsuit, probe, antitrust, fine, recall,
                    regulator rejection (-1); regulatory approval (+1); settlement (0)
product_launch      launches, unveils, introduces, rolls out (+1)
management_change   CEO/CFO/chair resigns, steps down, retires, is named or replaced;
                    8-K Item 5.02 (0; ousted or abrupt departures -1)
rating_change       analyst upgrade / price target raised (+1), downgrade / target cut (-1),
                    coverage initiated (0)
macro_release       CPI, payrolls, GDP, PMI, retail sales, jobless claims, PCE, a central
                    bank decision (0: the sign belongs to the market, not one stock)
==================  ===================================================================

Rules are regular expressions over the lower-cased text, written for headlines and first
paragraphs; they miss paraphrases a language model would catch (an LLM extractor can replace
:func:`detect_events` when the agents layer provides one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

EVENT_TYPES = ("earnings", "guidance", "mna", "litigation", "product_launch",
               "management_change", "rating_change", "macro_release")


@dataclass(frozen=True)
class Event:
    """One event found in a text: its type, direction (-1, 0, +1) and the words that fired."""

    type: str
    direction: int
    trigger: str

    def __plain__(self) -> dict[str, Any]:
        return {"type": self.type, "direction": self.direction, "trigger": self.trigger}


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_EXPECT = r"(?:estimates?|expectations?|forecasts?|consensus|views?|projections?)"
_RESULTS = (r"(?:earnings|results|profits?|eps|revenues?|sales|quarter(?:ly)?|q[1-4]|"
            r"income|per-share)")
_OUTLOOK = r"(?:guidance|outlook|forecasts?|projections?)"
_NEG = r"(?:not|no|didn't|failed to|fails to|unable to)\s+"

#: (type, direction, pattern): the first pattern of a type that matches sets its direction
RULES: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("earnings", -1, _r(rf"{_NEG}(?:beat|top|exceed|meet)\w*\s+(?:\w+\s+){{0,3}}{_EXPECT}")),
    ("earnings", +1, _r(rf"\b(?:beats?|beating|tops|topped|exceed(?:s|ed)?|surpass(?:es|ed)?)\b"
                        rf"|\b(?:above|ahead of)\s+(?:\w+\s+){{0,2}}{_EXPECT}"
                        rf"|\b(?:better|stronger)[- ]than[- ]expected")),
    ("earnings", -1, _r(rf"\b(?:miss(?:es|ed)?|falls? short|fell short)\b"
                        rf"|\b(?:below|short of|under)\s+(?:\w+\s+){{0,2}}{_EXPECT}"
                        rf"|\b(?:worse|weaker)[- ]than[- ]expected|\bdisappointing\s+(?:\w+\s+)"
                        rf"{{0,2}}{_RESULTS}")),
    ("earnings", 0, _r(rf"\b(?:reports?|reported|posts?|posted|announces?)\b(?:\s+\S+){{0,4}}\s+"
                       rf"{_RESULTS}\b|\bitem 2\.02\b|\bearnings (?:call|release|report)\b")),
    ("guidance", 0, _r(rf"\b(?:reaffirm|reiterat|maintain|confirm)\w*\s+(?:\S+\s+){{0,3}}"
                       rf"{_OUTLOOK}")),
    ("guidance", +1, _r(rf"\b(?:rais|lift|boost|hik|increas|upgrad)\w*\s+(?:\S+\s+){{0,4}}"
                        rf"{_OUTLOOK}|{_OUTLOOK}\s+(?:raised|lifted|boosted)")),
    ("guidance", -1, _r(rf"\b(?:cut|cuts|lower|slash|trim|reduc|withdr[ae]w|suspend|pull)\w*\s+"
                        rf"(?:\S+\s+){{0,4}}{_OUTLOOK}|{_OUTLOOK}\s+(?:cut|lowered|slashed)|"
                        rf"profit warning|warns? (?:on|of) (?:profit|sales|revenue|earnings)")),
    ("mna", 0, _r(r"\b(?:acquir\w*|acquisition|merg\w+|takeover|buyout|tender offer|"
                  r"(?:agreed|deal|offer|plans?|bid|move|talks) to (?:buy|acquire)\b|bid for|"
                  r"spin[- ]?off|divest\w*|"
                  r"item 2\.01)")),
    ("litigation", +1, _r(r"\b(?:fda|regulators?|ec|european commission|ftc|doj)\b[^.]{0,40}"
                          r"\b(?:approv\w+|clears?|cleared)\b|\b(?:wins?|won|gets?|receiv\w+)"
                          r"\s+(?:\w+\s+){0,2}approval")),
    ("litigation", 0, _r(r"\bsettle(?:s|d|ment)\b")),
    ("litigation", -1, _r(r"\b(?:lawsuit|sues|sued|class action|antitrust|probe|investigat\w+|"
                          r"subpoena\w*|fined|penalt\w+|indict\w*|charged by|sec charges|recall\w*|"
                          r"complete response letter|rejects?|rejected|ban(?:s|ned)?|"
                          r"sanction\w*|violat\w+)\b")),
    ("product_launch", +1, _r(r"\b(?:launch\w*|unveil\w*|introduc\w+|rolls? out|rolled out|"
                              r"debut\w*|releases? (?:its |a |the )?new|new product|"
                              r"ships? (?:its |the )?(?:first|new))\b")),
    ("management_change", -1, _r(r"\b(?:ousted|fired|abrupt\w*|terminated)\b[^.]{0,60}\b(?:ceo|"
                                 r"cfo|chief|chair\w*|president)|\b(?:ceo|cfo|chief executive|"
                                 r"chair\w*)\b[^.]{0,40}\b(?:ousted|fired|abruptly)")),
    ("management_change", 0, _r(r"\b(?:ceo|cfo|coo|chief executive|chief financial|chair(?:man|"
                                r"woman)?|president)\b[^.]{0,60}\b(?:resign\w*|steps? down|"
                                r"stepping down|retir\w+|appoint\w*|named|names|hires?|hired|"
                                r"replac\w+|successor|depart\w*|leaves|to leave)\b|\b(?:names?|"
                                r"named|appoints?|appointed|hires?)\b[^.]{0,40}\b(?:ceo|cfo|"
                                r"chief executive|chief financial|chair\w*)\b|\bitem 5\.02\b")),
    ("rating_change", +1, _r(r"\bupgrad\w*|\b(?:rais|lift|boost)\w*\s+(?:\w+\s+){0,3}price "
                             r"target|\bto (?:buy|outperform|overweight) from\b")),
    ("rating_change", -1, _r(r"\bdowngrad\w*|\b(?:cut|cuts|lower\w*|slash\w*|trim\w*)\s+(?:\w+\s+)"
                             r"{0,3}price target|\bto (?:sell|underperform|underweight|neutral|"
                             r"hold) from\b")),
    ("rating_change", 0, _r(r"\binitiat\w+ (?:coverage|at)\b|\bprice target\b")),
    ("macro_release", 0, _r(r"\b(?:cpi|consumer price\w*|inflation (?:data|rate|report|"
                            r"reading)|nonfarm|payrolls?|jobs report|unemployment rate|gdp|"
                            r"gross domestic product|pmi|ism (?:manufacturing|services)|"
                            r"retail sales|jobless claims|pce|fomc|federal reserve|the fed\b|"
                            r"fed (?:raises|cuts|holds|hikes|keeps)|ecb|rate decision|"
                            r"interest[- ]rate decision)")),
)


def detect_events(text: str) -> list[Event]:
    """The events of ``text``: at most one per type, the first matching rule's direction."""
    low = " ".join(text.lower().replace("\u2019", "'").split())
    found: dict[str, Event] = {}
    for kind, direction, pattern in RULES:
        if kind in found:
            continue
        match = pattern.search(low)
        if match is None:
            continue
        if kind == "earnings" and direction == +1 and not _about_results(low):
            continue
        if kind == "earnings" and direction == -1 and not _about_results(low):
            continue
        found[kind] = Event(kind, direction, match.group(0).strip())
    return [found[k] for k in EVENT_TYPES if k in found]


_RESULTS_WORDS = re.compile(rf"\b{_RESULTS}\b|{_EXPECT}")


def _about_results(text: str) -> bool:
    # "beat" and "miss" are earnings words only near results or expectations
    return _RESULTS_WORDS.search(text) is not None


__all__ = ["EVENT_TYPES", "Event", "RULES", "detect_events"]
