"""Free text from a tracker made to sit in a sentence: pure functions, used as template filters.

People type Topics Discussed, Personal Connection and Forgot To Mention any way: a phrase ("the
mobile roadmap"), a whole sentence ("We talked about the mobile roadmap."), a fragment without
a subject ("Led the Airflow migration"), a list split by commas, semicolons or new lines, or all
in capitals. These functions only normalise the seams (case at the start, closing punctuation,
list joining, shouting) and never drop or reorder the person's words; a template picks a frame
for a phrase and one for a sentence (``mention``), or a frame after a colon that holds both
(``clause``).

Capitals are lowered only where they cannot be a name: shouting (a whole item in capitals, or a
run of capitalised words inside one), keeping acronyms such as AWS or CI/CD; and a first word
that is a common English word ("The", "Mobile"), so names ("Kafka", "Dana") stay as typed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum

from syncer.model import quick_init


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BULLET = re.compile(r"^\s*(?:[-*•·]+|\d+[.)])\s+")
_ITEM_BREAK = re.compile(r"\s*(?:\r\n|\r|\n|;)+\s*")
_SPACES = re.compile(r"[ \t\u00a0]+")
_CLOSING = ".!?,;:…"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")

#: Kept in capitals when the text around them is lowered; a word with a digit, "/" or "&" is too.
ACRONYMS = _words(
    """AI API APIS APAC AR AWS BI CD CEO CFO CI CMO COO CPO CRM CSS CTO CV DEI EMEA ERP ESG ETL
    EU FAQ GCP GDPR GPU HQ HR HTML IPO IT JSON KPI KPIS LLM ML MBA MVP NASA NGO NHS NLP NYC OKR
    OKRS PM PR QA REST ROI SDK SEO SLA SLAS SLO SLOS SQL SRE SSO UI UK UN US USA UX VP VR"""
)

#: Words that start a sentence: a subject.
SUBJECTS = _words(
    """i we they he she you it there i'm i've i'd i'll we're we've we'd we'll they're they've
    they'd he's she's it's there's you're you've"""
)

#: A finite verb after a first word (a name or a noun) makes the item a sentence.
FINITE_VERBS = _words(
    """is are was were has have had will would can could should did does mentioned said says
    told asked talked explained described wants wanted needs needed thinks thought seemed seems
    loves loved liked enjoyed grew studied went spoke knows knew works worked lives lived go goes
    attend attended played"""
)

#: A first word that makes a fragment without a subject when a function word follows it.
FRAGMENT_VERBS = _words(
    """talked discussed covered mentioned chatted spoke went walked led built grew studied worked
    lived managed ran shipped designed delivered migrated reduced cut won wrote made took taught
    have has had am was were love loved like liked enjoy enjoyed know knew met moved played
    volunteered completed finished earned hold held speak"""
)

#: Words that may follow a fragment's verb besides function words ("Grew up in Hull").
_PARTICLES = _words("up out as together")

#: Words that start a phrase even when a verb follows ("how the team is structured").
_PHRASE_STARTS = _words(
    """how what why when where whether which who whom if that about on in at of for to with from
    by into over under after before during between through"""
)

#: Closed-class words: lowered at the start of a phrase, and they never start a name.
FUNCTION_WORDS = _words(
    """a an the my our their your his her its this that these those some any each every both all
    how what why when where whether which who whom if about on in at of for to with from by
    into over under after before during between through and or but so also more most much many
    several few other another one two three first next last same such not no"""
)

#: Common words a spreadsheet cell often starts with a capital; lowered at a phrase's start.
COMMON_WORDS = _words(
    """team teams product products roadmap plans plan data mobile remote hybrid role roles work
    culture hiring pay salary growth design code tests career office company customer customers
    user users project projects platform tools process budget launch new recent future current
    open shared mutual common local career interest interests love passion background experience
    time weekend weekends music books book travel family kids dogs dog cats football running
    cycling hiking climbing cooking coffee chess tennis golf rugby cricket sailing swimming
    pricing support sales marketing finance research engineering onboarding training quality
    security reliability performance scale scaling cost costs migration strategy vision
    leadership management mentoring mentorship feedback goals priorities challenges lessons
    ideas questions concerns expectations benefits equity options timeline timelines next
    upcoming latest big small early late long short high low full part daily weekly annual
    internal external global public private cloud machine deep real live test unit end retail
    healthcare health manufacturing software aviation hospitality sport sports education energy
    media fintech insurance banking consulting logistics gaming telecoms government charity
    nonprofit pharma biotech automotive construction legal property publishing fashion food
    tourism outdoor import export defence defense agriculture transport utilities toys games"""
)

#: Endings of common English nouns and adjectives (a capitalised first word with one is lowered).
_COMMON_ENDINGS = (
    "tion",
    "sion",
    "ment",
    "ness",
    "ity",
    "ance",
    "ence",
    "ship",
    "ics",
    "ism",
    "ogy",
    "ies",
    "ing",
)
#: Names that have such an ending.
_NAMES_WITH_COMMON_ENDINGS = _words(
    "beijing boeing nanjing chongqing kunming sterling viking ealing woking epping reading"
)


class Kind(Enum):
    PHRASE = "phrase"  # "the mobile roadmap"
    SENTENCE = "sentence"  # "We talked about the mobile roadmap"
    FRAGMENT = "fragment"  # "Led the Airflow migration": a sentence without its subject


@quick_init
@dataclass(frozen=True, slots=True)
class Item:
    """One piece of what the person typed: trimmed, de-shouted, its closing mark apart."""

    text: str
    kind: Kind
    mark: str  # "!" or "?" when the person ended it so, else ""


#: Texts whose pieces are remembered: a template reads a cell two or three times (``mention``
#: asks for its pieces, then for its ``phrase``), and trackers repeat texts across rows.
ITEMS_CACHE_SIZE = 4096


def items(value: str | None) -> tuple[Item, ...]:
    """The pieces of a cell: split at new lines and semicolons, and at commas of a plain list."""
    if type(value) is str:
        return _items_of_text(value)
    return _items(value)


@functools.lru_cache(maxsize=ITEMS_CACHE_SIZE)
def _items_of_text(value: str) -> tuple[Item, ...]:
    return _items(value)


def _items(value: str | None) -> tuple[Item, ...]:
    pieces: list[Item] = []
    for raw in _ITEM_BREAK.split(_unshout_entry(value or "")):
        text = _SPACES.sub(" ", _BULLET.sub("", raw)).strip()
        mark = "!" if text.rstrip(" .").endswith("!") else "?" if text.endswith("?") else ""
        text = text.rstrip(_CLOSING + " ")
        if not text:
            continue
        text = _unshout_runs(text)
        kind = _kind(text)
        if kind is Kind.PHRASE:
            pieces += [Item(part, kind, mark) for part in _comma_list(text)]
        else:
            pieces.append(Item(text, kind, mark))
    return tuple(pieces)


def join_list(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'; items holding a comma are set apart with semicolons."""
    if len(parts) <= 1:
        return "".join(parts)
    separator = "; " if any("," in part for part in parts) else ", "
    return f"{separator.join(parts[:-1])} and {parts[-1]}"


def phrase(value: str | None) -> str:
    """The text ready to sit inside a sentence ("about {}"): a list joined, no closing mark."""
    pieces = items(value)
    if any(item.kind is not Kind.PHRASE for item in pieces):
        return clause(value)
    return _lower_first(join_list([item.text for item in pieces]))


def clause(value: str | None, subject: str = "") -> str:
    """The text ready to follow a colon: a phrase, or sentences starting in lower case.

    ``subject`` ("I", "we") is put before a fragment that has none ("Led the migration").
    """
    pieces = items(value)
    if all(item.kind is Kind.PHRASE for item in pieces):
        return _lower_first(join_list([item.text for item in pieces]))
    texts = [_lower_first(_with_subject(item, subject)) for item in pieces]
    return "; ".join(texts)


def sentences(value: str | None, subject: str = "") -> str:
    """The text as whole sentences of its own: capitalised, each with its closing mark."""
    pieces = items(value)
    if all(item.kind is Kind.PHRASE for item in pieces):
        mark = pieces[-1].mark if pieces else ""
        return _capitalise(join_list([item.text for item in pieces])) + (mark or ".")
    return " ".join(
        _capitalise(_with_subject(item, subject)) + (item.mark or ".") for item in pieces
    )


def mention(
    value: str | None, frame: str, sentence_frame: str | None = None, subject: str = ""
) -> str:
    """A phrase in ``frame`` ("I enjoyed our talk about {}."), or a sentence in
    ``sentence_frame`` (a colon frame: "One thing stayed with me: {}."), or on its own."""
    pieces = items(value)
    if all(item.kind is Kind.PHRASE for item in pieces):
        return _start(frame, phrase(value))
    if sentence_frame is None:
        return sentences(value, subject)
    return _start(sentence_frame, clause(value, subject))


def _start(frame: str, text: str) -> str:
    filled = frame.replace("{}", text)
    return _capitalise(filled) if frame.startswith("{}") else filled


def _with_subject(item: Item, subject: str) -> str:
    if item.kind is not Kind.FRAGMENT or not subject:
        return item.text
    first, _, rest = item.text.partition(" ")
    words = subject.split()
    if words and words[-1].lower() == first.lower():  # "we both" + "Both studied ..."
        words = words[:-1]
    return " ".join([*words, first.lower(), rest]).strip()


def _kind(text: str) -> Kind:
    words = [word.lower().strip(",:") for word in text.split()]
    first = words[0].replace("’", "'")
    if first in SUBJECTS and not text.startswith("IT "):
        return Kind.SENTENCE
    second = words[1] if len(words) > 1 else ""
    if first in FRAGMENT_VERBS and (
        second in FUNCTION_WORDS or second in SUBJECTS or second in _PARTICLES
    ):
        return Kind.FRAGMENT
    if first == "both" and (second in FRAGMENT_VERBS or second in FINITE_VERBS):
        return Kind.FRAGMENT
    if first not in _PHRASE_STARTS and any(word in FINITE_VERBS for word in words[1:4]):
        return Kind.SENTENCE
    return Kind.PHRASE


_LIST_BREAKERS = _words(
    """and or but so which who whom where when that especially including like such e.g. i.e.
    particularly notably mainly mostly plus though although because as"""
)


def _comma_list(text: str) -> list[str]:
    """A phrase like "pricing, onboarding, the EMEA launch" as its items; anything else whole.

    Only a plain list is split: a comma before "which", "especially", "and" ... or inside a
    number (10,000) leaves the text as typed.
    """
    parts = [part.strip() for part in re.split(r"(?<!\d),|,(?!\d)", text)]
    if len(parts) < 2 or not all(parts):
        return [text]
    for part in parts:
        words = part.lower().split()
        if words[0] in _LIST_BREAKERS or any(word in ("and", "or") for word in words):
            return [text]
    named = [_starts_with_a_name(part) for part in parts]
    if any(named) and not all(named):  # "a mutual friend, Priya from Monzo": one thing, not two
        return [text]
    return parts


def _starts_with_a_name(text: str) -> bool:
    word = text.split()[0]
    return word[:1].isupper() and not _is_common(word)


_NOT_A_LETTER = re.compile(r"[^A-Za-z]")
_VOWEL = re.compile(r"[AEIOUY]")


def _is_acronym(word: str) -> bool:
    letters = _NOT_A_LETTER.sub("", word)
    return (
        letters.upper() in ACRONYMS
        or any(ch.isdigit() or ch in "/&" for ch in word)
        or (1 < len(letters) <= 3 and not _VOWEL.search(letters.upper()))
    )


def _is_capitals(word: str) -> bool:
    if word.isascii() and word.isalpha():  # the common case: a plain word
        return len(word) >= 2 and word.isupper()
    letters = _NOT_A_LETTER.sub("", word)
    return len(letters) >= 2 and letters.isupper()


def _lower_word(word: str) -> str:
    if _is_acronym(word):
        return word
    lowered = word.lower()
    if re.fullmatch(r"i(['’][a-z]+)?[^a-z]*", lowered):  # I, I'm, I've
        return "I" + lowered[1:]
    return lowered


def _unshout_entry(text: str) -> str:
    """Lower a cell typed wholly in capitals (two words or more, not all acronyms)."""
    words = text.split()
    shouted = [word for word in words if _is_capitals(word) and not _is_acronym(word)]
    if len(words) < 2 or not shouted or any(ch.islower() for ch in text):
        return text
    return re.sub(r"\S+", lambda match: _lower_word(match.group()), text)


def _unshout_runs(text: str) -> str:
    """Lower a run of two or more long capitalised words inside mixed text."""
    words = text.split(" ")
    out = list(words)
    run: list[int] = []
    for index, word in enumerate([*words, ""]):
        if word and _is_capitals(word):
            run.append(index)
            continue
        long_ones = [i for i in run if len(words[i]) >= 4 and not _is_acronym(words[i])]
        if len(run) >= 2 and len(long_ones) >= 2:
            for i in run:
                out[i] = _lower_word(words[i])
        run = []
    return " ".join(out)


def _is_common(word: str) -> bool:
    lowered = word.lower()
    if lowered in FUNCTION_WORDS or lowered in COMMON_WORDS:
        return True
    return (
        len(lowered) >= 5
        and lowered.endswith(_COMMON_ENDINGS)
        and lowered not in _NAMES_WITH_COMMON_ENDINGS
    )


def _lower_first(text: str) -> str:
    """Lower the first word when it is a capitalised common word ("The", "Mobile"), not a name."""
    match = _WORD.match(text)
    if match is None:
        return text
    word = match.group()
    if word[0].isupper() and word[1:].islower() and word != "I" and _is_common(word):
        return word.lower() + text[match.end() :]
    lowered = word.lower().replace("’", "'")
    if word[1:].islower() and lowered in SUBJECTS and not lowered.startswith("i'"):
        return lowered + text[match.end() :]
    return text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
