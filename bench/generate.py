"""Deterministic synthetic lab-notebook generator for benchmarks.

Usage as a script::

    python bench/generate.py OUT_DIR --notes 10000 [--seed 1] [--shipped]

Usage as a module::

    from bench.generate import generate_notebook, notes_paths, touch_one

The same ``(notes, seed)`` pair always produces byte-identical files. Only the standard library
is used. What a generated notebook contains:

* notes spread over 21 folders (up to depth 3) plus the root, sizes roughly 1-6 KB;
* ~80% of notes with YAML frontmatter (``title``, ``date``, ``tags``, ``status``, sometimes
  ``aliases``, ``author``, ``project`` and a ``protocol: "[[Some note]]"`` link);
* 5-10 body links per note in every common syntax (``[[Name]]``, ``[[Name|label]]``,
  ``[[Name#Heading]]``, ``[[Name#^blockid]]``, ``![[Name]]``, relative ``[x](../dir/Name.md)``),
  ~3% of them pointing at notes that do not exist; heading and block anchors always name a
  heading or block that really exists in the target;
* 2-5 distinct tags per note, in frontmatter and inline (some nested, e.g. ``#assay/qpcr``);
* 2-6 headings, some block ids (``^abc123``) at the ends of paragraphs;
* ~30% of notes with a fenced code block (containing look-alikes such as ``# comment``,
  ``#fixme`` or ``df[["od600"]]`` that are *not* tags or links);
* ~0.5% of notes sharing a file stem with a note in another folder;
* an empty ``.codex/config.yaml`` at the root so the directory is a notebook.

:func:`ship_notebook` (``--shipped``) adds what a notebook in use has, so that an index run
does all its work: a frontmatter schema (``.codex/schema.yaml``, :data:`SCHEMA`: four types,
``$ref``, ``enum``, ``format: date``, ``x-codex-link``, ``additionalProperties: false``; about
10% of the notes get a problem) and a git history (one commit of everything, then
:data:`HISTORY_COMMITS` commits changing 10 notes each, packed by ``git gc``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import posixpath
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias
from urllib.parse import quote

__all__ = ["SCHEMA", "generate_notebook", "notes_paths", "ship_notebook", "touch_one"]

CONFIG_DIR = ".codex"
CONFIG_NAME = "config.yaml"
TOUCH_MARKER = "Bench edit"

BROKEN_LINK_RATE = 0.03
FRONTMATTER_RATE = 0.80
ALIAS_RATE = 0.10  # of all notes; only notes with frontmatter carry aliases
PROTOCOL_LINK_RATE = 0.15
CODE_BLOCK_RATE = 0.30
DUPLICATE_STEM_RATE = 0.005
HISTORY_COMMITS = 100

SCHEMA = """\
# Schema of the notebooks made by bench/generate.py --shipped (and bench/bench_schema.py).
version: 1
properties:
  title: {type: string, description: "Shown instead of the file name"}
  tags: {type: array, items: {type: string}}
  aliases: {type: array, items: {type: string}}
  date: {type: string, format: date}
  author: {type: string}
$defs:
  status: {enum: [draft, active, done, blocked, archived]}
types:
  run:
    paths: ["projects/*/runs/**"]
    required: [date, status]
    additionalProperties: false
    properties:
      status: {enum: [draft, active, done, blocked], description: "archived runs move away"}
      project: {type: string}
      protocol: {type: string, x-codex-link: true}
  protocol:
    paths: ["protocols/**"]
    required: [status]
    properties:
      status: {$ref: "#/$defs/status"}
  daily:
    paths: ["daily/**"]
    required: [date]
  note:
    paths: ["**"]
    properties:
      status: {$ref: "#/$defs/status"}
      project: {type: string}
      protocol: {type: string, x-codex-link: true}
"""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (folder, weight). "" is the notebook root.
FOLDERS: tuple[tuple[str, int], ...] = (
    ("", 3),
    ("inbox", 4),
    ("daily", 1),
    ("daily/2023", 8),
    ("daily/2024", 8),
    ("projects", 2),
    ("projects/alpha", 6),
    ("projects/alpha/runs", 8),
    ("projects/alpha/analysis", 4),
    ("projects/beta", 6),
    ("projects/beta/runs", 6),
    ("projects/gamma", 4),
    ("protocols", 3),
    ("protocols/imaging", 3),
    ("protocols/molecular", 4),
    ("literature", 6),
    ("literature/reviews", 2),
    ("meetings", 5),
    ("people", 1),
    ("instruments", 2),
    ("archive/2022", 3),
    ("archive/2022/q4", 3),
)

NOUNS = _words(
    "sample buffer pellet supernatant lysate plate well culture strain plasmid primer gel band "
    "membrane antibody blot assay standard curve control replicate aliquot column fraction "
    "elution peak spectrum baseline signal background threshold gradient cell colony clone "
    "construct vector insert digest ligation transformation medium incubator centrifuge pipette "
    "cuvette reading absorbance fluorescence image stack channel objective exposure detector run "
    "batch protocol reagent stock dilution concentration yield protein enzyme substrate "
    "inhibitor ligand complex mutant sequence read library adapter coverage alignment script "
    "dataset table figure model fit parameter estimate error outlier drift calibration "
    "instrument sensor probe chamber slide coverslip stain dye marker tube rack freezer lot"
)
ADJECTIVES = _words(
    "cloudy clear faint strong weak noisy stable unstable consistent variable unexpected "
    "smeared sharp diffuse saturated linear low high marginal reproducible contaminated clean "
    "fresh old frozen thawed degraded intact viscous turbid pale bright dim uneven uniform"
)
VERBED = _words(
    "prepared diluted centrifuged incubated washed resuspended loaded imaged measured "
    "quantified normalised filtered aliquoted labelled transferred stained fixed harvested "
    "sonicated vortexed pelleted eluted digested ligated transformed plated picked sequenced "
    "aligned plotted fitted repeated discarded stored thawed recalibrated checked"
)
VERBS = _words(
    "prepare dilute repeat check rerun increase reduce extend shorten compare validate order "
    "replace recalibrate filter normalise quantify image measure sequence store label test"
)
VERBING = _words(
    "repeating diluting extending checking increasing reducing ordering replacing pooling "
    "splitting filtering blocking normalising titrating imaging sequencing"
)
FILLER = _words(
    "the the the a a of of and and to to in in with for on at after before then but so was "
    "were is it this that we I not still again also only about between under over per each"
)
REAGENTS = (
    "PBS",
    "Tris-HCl",
    "NaCl",
    "EDTA",
    "DTT",
    "BSA",
    "glycerol",
    "ethanol",
    "methanol",
    "DMSO",
    "agarose",
    "SDS",
    "Triton X-100",
    "Tween-20",
    "HEPES",
    "MgCl2",
    "KCl",
    "imidazole",
    "LB",
    "ampicillin",
    "kanamycin",
    "IPTG",
    "glucose",
    "trypsin",
    "DAPI",
    "Hoechst",
    "paraformaldehyde",
)
PEOPLE = _words(
    "Ana Ben Chen Dara Eli Femi Gita Hugo Ines Jon Kai Lena Mo Nia Omar Priya Quinn Rui Sara Tom"
)
SURNAMES = _words(
    "Okafor Lindqvist Tanaka Moreau Novak Haddad Costa Kowalski Brennan Iyer Schultz Duarte "
    "Nakamura Petrov Achebe Romero"
)
UNITS = ("µL", "mL", "mM", "µM", "nM", "ng/µL", "mg/mL", "%", "rpm", "×g", "°C", "nm", "µm")
DURATIONS = ("5 min", "10 min", "30 min", "45 min", "1 h", "2 h", "4 h", "overnight", "48 h")
CONDITIONS = (
    "reducing conditions",
    "low salt",
    "high salt",
    "37 °C",
    "room temperature",
    "4 °C",
    "the old settings",
    "the new lot",
    "gentle shaking",
)
EVENTS = ("run", "lab meeting", "imaging session", "prep", "order", "sequencing batch")
HEADINGS = (
    "Aim",
    "Background",
    "Materials",
    "Methods",
    "Protocol",
    "Setup",
    "Results",
    "Observations",
    "Analysis",
    "Discussion",
    "Next steps",
    "Open questions",
    "Notes",
    "Troubleshooting",
    "Raw data",
    "Summary",
    "References",
    "Log",
    "Plate layout",
    "Reagents",
    "Timeline",
    "Follow up",
    "Decisions",
    "Ideas",
    "Conclusion",
)
STATUSES = ("draft", "active", "active", "done", "done", "blocked", "archived")
TAGS: tuple[str, ...] = (
    "experiment",
    "protocol",
    "meeting",
    "idea",
    "todo",
    "review",
    "imaging",
    "cloning",
    "western",
    "qpcr",
    "elisa",
    "flow",
    "microscopy",
    "sequencing",
    "analysis",
    "python",
    "rstats",
    "literature",
    "failed",
    "success",
    "followup",
    "urgent",
    "method",
    "reagent",
    "calibration",
    "dataset",
    "figure",
    "paper",
    "project/alpha",
    "project/beta",
    "project/gamma",
    "assay/elisa",
    "assay/qpcr",
    "assay/western",
    "status/blocked",
    "status/done",
    "instrument/confocal",
    "instrument/plate-reader",
    "org/lab-meeting",
    "lit/to-read",
    "lit/read",
    "lab-safety",
)
TAG_WEIGHTS = tuple(1.0 / (rank + 1) ** 0.8 for rank in range(len(TAGS)))
BLOCK_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"

# Sentence templates; "$SLOT" tokens are filled in, any trailing punctuation is kept.
TEMPLATES = (
    "$VERBED the $NOUN with $MEASURE $REAGENT for $DURATION.",
    "The $NOUN looked $ADJ after $DURATION, so we $VERBED it again.",
    "$PERSON suggested $VERBING the $NOUN before the next $EVENT.",
    "Observed $ADJ $NOUN in $COUNT of 96 wells.",
    "Need to check whether the $NOUN affects the $NOUN under $CONDITION.",
    "$VERBED $COUNT $NOUN samples at $MEASURE and $VERBED them at $MEASURE.",
    "Signal was $ADJ compared to the previous $NOUN, probably because of the $NOUN.",
    "Next time $VERB the $NOUN first and keep the $NOUN at $MEASURE.",
    "Used $MEASURE $REAGENT in the $NOUN buffer instead of $MEASURE.",
    "The $ADJ $NOUN is still unexplained; $PERSON thinks it is the $NOUN.",
    "Tube #$COUNT had a $ADJ $NOUN and was $VERBED.",
    "Result: $NOUN $ADJ, $NOUN $ADJ, overall $ADJ.",
    "We $VERBED the $NOUN for $DURATION at $MEASURE.",
    "Remember to $VERB the $NOUN and order more $REAGENT.",
)

CODE_SNIPPETS: dict[str, tuple[str, ...]] = {
    "python": (
        "import pandas as pd",
        "df = pd.read_csv('runs/run_{n}.csv')",
        "# normalise to the {noun} control",
        "df['ratio'] = df['signal'] / df['{noun}']",
        "fit = np.polyfit(df['conc'], df['od600'], {k})",
        "print(df.describe())  #fixme: drop outliers",
        "mask = df['{noun}'] > {n}",
    ),
    "bash": (
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "# rerun the {noun} alignment #todo",
        "bwa mem -t {k} ref.fa reads_{n}.fq > run_{n}.sam",
        "samtools sort -o run_{n}.bam run_{n}.sam",
        "rsync -av data/{noun}/ backup/{noun}/",
    ),
    "r": (
        "library(ggplot2)",
        'x <- df[["od600"]]',
        "# plot the {noun} curve",
        "fit <- lm(signal ~ conc, data = df)",
        'ggplot(df, aes(conc, signal)) + geom_point() + ggtitle("{noun} #{n}")',
        "summary(fit)",
    ),
    "text": (
        "Well  {noun}  OD600",
        "A{k}    {n}    0.{n}",
        "B{k}    {n}    0.{k}{n}",
        "[[not a link]] copied from the instrument log",
    ),
}
CODE_LANGS = tuple(CODE_SNIPPETS)

Sentence: TypeAlias = list[str]
Paragraph: TypeAlias = list[Sentence]


@dataclass
class _Plan:
    """Everything other notes need to know about a note before any body is written."""

    index: int
    folder: str
    stem: str
    headings: list[tuple[int, str]]
    block_ids: list[str]
    has_frontmatter: bool
    target_size: int
    aliases: list[str] = field(default_factory=list)

    @property
    def rel_path(self) -> str:
        return f"{self.folder}/{self.stem}.md" if self.folder else f"{self.stem}.md"


def _measure(rng: random.Random) -> str:
    unit = rng.choice(UNITS)
    kind = rng.random()
    if kind < 0.4:
        value = str(rng.randint(1, 500))
    elif kind < 0.8:
        value = f"{rng.randint(0, 99)}.{rng.randint(0, 9)}"
    else:
        value = str(rng.choice((1000, 1500, 3000, 4000, 12000, 16000)))
    return f"{value} {unit}"


_SLOTS: dict[str, Callable[[random.Random], str]] = {
    "NOUN": lambda r: r.choice(NOUNS),
    "ADJ": lambda r: r.choice(ADJECTIVES),
    "VERBED": lambda r: r.choice(VERBED),
    "VERB": lambda r: r.choice(VERBS),
    "VERBING": lambda r: r.choice(VERBING),
    "REAGENT": lambda r: r.choice(REAGENTS),
    "PERSON": lambda r: r.choice(PEOPLE),
    "MEASURE": _measure,
    "DURATION": lambda r: r.choice(DURATIONS),
    "CONDITION": lambda r: r.choice(CONDITIONS),
    "EVENT": lambda r: r.choice(EVENTS),
    "COUNT": lambda r: str(r.randint(2, 96)),
}


def _parse_template(template: str) -> list[tuple[str, str, str]]:
    """Split a template into (prefix, slot name or "", suffix) triples, one per token."""
    parts: list[tuple[str, str, str]] = []
    for token in template.split(" "):
        dollar = token.find("$")
        if dollar < 0:
            parts.append((token, "", ""))
            continue
        end = dollar + 1
        while end < len(token) and token[end].isupper():
            end += 1
        parts.append((token[:dollar], token[dollar + 1 : end], token[end:]))
    return parts


_PARSED_TEMPLATES = [_parse_template(t) for t in TEMPLATES]
_WORD_POOL = FILLER * 3 + NOUNS + ADJECTIVES + VERBED + VERBS


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _sentence(rng: random.Random) -> Sentence:
    """One sentence as a list of tokens (a token may contain spaces, e.g. ``37 °C``)."""
    if rng.random() < 0.55:
        template = rng.choice(_PARSED_TEMPLATES)
        tokens = [
            prefix + (_SLOTS[slot](rng) if slot else "") + suffix
            for prefix, slot, suffix in template
        ]
    else:
        tokens = rng.choices(_WORD_POOL, k=rng.randint(6, 16))
        if rng.random() < 0.3:
            tokens.insert(rng.randint(1, len(tokens) - 1), _measure(rng))
        tokens[-1] += "." if rng.random() < 0.9 else "?"
    tokens[0] = _capitalise(tokens[0])
    return tokens


def _sentence_len(sentence: Sentence) -> int:
    return sum(len(t) for t in sentence) + len(sentence)


def _block_id(rng: random.Random) -> str:
    return "".join(rng.choices(BLOCK_ID_CHARS, k=6))


def _title_words(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(NOUNS if i else ADJECTIVES + NOUNS) for i in range(rng.randint(low, high))]
    return _capitalise(" ".join(words))


def _random_date(rng: random.Random, year: int | None = None) -> dt.date:
    if year is None:
        return dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(1000))
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _candidate_stem(rng: random.Random, folder: str) -> str:
    top = folder.split("/", 1)[0]
    if folder.startswith("daily/"):
        return f"{_random_date(rng, int(folder[6:]))} {rng.choice(NOUNS)}"
    if top == "daily":
        return f"{_random_date(rng)} {rng.choice(NOUNS)}"
    if top == "meetings":
        return f"Meeting {_random_date(rng)} {rng.choice(NOUNS)}"
    if top == "people":
        return f"{rng.choice(PEOPLE)} {rng.choice(SURNAMES)}"
    if top == "literature":
        return f"{rng.choice(SURNAMES)} {rng.randint(1998, 2024)} - {_title_words(rng, 2, 3)}"
    if top == "protocols":
        return f"{_capitalise(rng.choice(REAGENTS))} {rng.choice(NOUNS)} protocol"
    if folder.endswith("/runs"):
        return f"Run {rng.randint(1, 9999):04d} {rng.choice(NOUNS)} {rng.choice(NOUNS)}"
    if top == "instruments":
        return f"{_title_words(rng, 1, 2)} {rng.choice(('manual', 'log', 'settings'))}"
    return _title_words(rng, 2, 4)


def _unique_stem(rng: random.Random, folder: str, taken: dict[str, int]) -> str:
    """A stem not used anywhere yet, compared case-insensitively."""
    stem = _candidate_stem(rng, folder)
    attempt = 0
    while stem.lower() in taken:
        attempt += 1
        stem = _candidate_stem(rng, folder)
        if attempt >= 4:
            stem = f"{stem} {attempt}"
    taken[stem.lower()] = 1
    return stem


def _plan_notes(notes: int, seed: int) -> list[_Plan]:
    rng = random.Random(f"codex-bench-plan:{seed}")
    folders = [f for f, _ in FOLDERS]
    weights = [w for _, w in FOLDERS]
    chosen = rng.choices(folders, weights=weights, k=notes)
    taken: dict[str, int] = {}
    plans: list[_Plan] = []
    for index, folder in enumerate(chosen):
        stem = _unique_stem(rng, folder, taken)
        # Body size target; small notes get fewer headings so they stay near 1 KB.
        target = int(800 + 4300 * rng.random() ** 1.4)
        max_headings = max(2, min(6, 2 + (target - 800) // 800))
        has_fm = rng.random() < FRONTMATTER_RATE
        n_headings = rng.randint(2, max_headings)
        texts = rng.sample(HEADINGS, n_headings)
        headings = [(3 if i and rng.random() < 0.25 else 2, t) for i, t in enumerate(texts)]
        if not has_fm:
            headings[0] = (1, stem)  # notes without frontmatter open with an H1 title
        n_blocks = rng.choices((0, 1, 2, 3), weights=(40, 30, 20, 10))[0]
        block_ids: list[str] = []
        while len(block_ids) < n_blocks:
            bid = _block_id(rng)
            if bid not in block_ids:
                block_ids.append(bid)
        plan = _Plan(index, folder, stem, headings, block_ids, has_fm, target)
        if has_fm and rng.random() < ALIAS_RATE / FRONTMATTER_RATE:
            initials = "".join(w[0] for w in stem.split() if w[:1].isalnum()).upper()
            plan.aliases = [initials or stem[:3], f"{stem} (old)"][: rng.randint(1, 2)]
        plans.append(plan)

    # A few deliberate duplicate stems, always in a different folder than the original.
    n_dupes = round(notes * DUPLICATE_STEM_RATE)
    if n_dupes and notes >= 4:
        picked = rng.sample(range(notes), min(notes, 2 * n_dupes))
        sources, victims = picked[:n_dupes], picked[n_dupes:]
        used = {(p.folder, p.stem.lower()) for p in plans}
        for src, dst in zip(sources, victims, strict=False):
            original, victim = plans[src], plans[dst]
            key = (victim.folder, original.stem.lower())
            if victim.folder == original.folder or key in used:
                continue
            used.add(key)
            victim.stem = original.stem
            if not victim.has_frontmatter:
                victim.headings[0] = (1, victim.stem)
    return plans


class _NoteWriter:
    """Builds the text of one note from its plan and the plans of every other note."""

    def __init__(self, plans: list[_Plan], seed: int) -> None:
        self.plans = plans
        self.seed = seed
        n = len(plans)
        hub_rng = random.Random(f"codex-bench-hubs:{seed}")
        self.hubs = hub_rng.sample(range(n), max(1, n // 100)) if n else []
        self.protocol_notes = [p.index for p in plans if p.folder.startswith("protocols")]
        self.missing_taken = {p.stem.lower() for p in plans}
        self.missing_taken.update(a.lower() for p in plans for a in p.aliases)

    def _target(self, rng: random.Random, me: int) -> _Plan:
        n = len(self.plans)
        for _ in range(8):
            idx = rng.choice(self.hubs) if rng.random() < 0.25 else rng.randrange(n)
            if idx != me or n == 1:
                break
        return self.plans[idx]

    def _missing_name(self, rng: random.Random) -> str:
        while True:
            name = f"{_title_words(rng, 2, 3)} {rng.choice(('draft', 'notes', 'v2', 'plan'))}"
            if name.lower() not in self.missing_taken:
                return name

    def _link(self, rng: random.Random, me: _Plan) -> tuple[str, bool]:
        """Return (link text, is_embed)."""
        broken = rng.random() < BROKEN_LINK_RATE
        if broken:
            name = self._missing_name(rng)
            r = rng.random()
            if r < 0.6:
                return f"[[{name}]]", False
            if r < 0.85:
                return f"[[{name}|{rng.choice(NOUNS)} {rng.choice(NOUNS)}]]", False
            folder = rng.choice(FOLDERS)[0] or "."
            path = posixpath.relpath(f"{folder}/{name}.md", me.folder or ".")
            return f"[{rng.choice(NOUNS)}]({quote(path)})", False
        target = self._target(rng, me.index)
        r = rng.random()
        if r < 0.42:
            return f"[[{target.stem}]]", False
        if r < 0.58:
            return f"[[{target.stem}|{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}]]", False
        if r < 0.73:
            return f"[[{target.stem}#{rng.choice(target.headings)[1]}]]", False
        if r < 0.81 and target.block_ids:
            return f"[[{target.stem}#^{rng.choice(target.block_ids)}]]", False
        if r < 0.89:
            return f"![[{target.stem}]]", True
        path = posixpath.relpath(target.rel_path, me.folder or ".")
        return f"[{rng.choice(NOUNS)} {rng.choice(NOUNS)}]({quote(path)})", False

    def _frontmatter(self, rng: random.Random, plan: _Plan, tags: list[str]) -> str:
        top = plan.folder.split("/", 1)[0]
        if plan.folder.startswith("daily/") and plan.stem[:4].isdigit():
            date = plan.stem[:10]
        else:
            date = _random_date(rng).isoformat()
        lines = ["---", f'title: "{plan.stem}"', f"date: {date}"]
        if rng.random() < 0.5:
            lines.append(f"tags: [{', '.join(tags)}]")
        else:
            lines.append("tags:")
            lines.extend(f"  - {t}" for t in tags)
        if plan.aliases:
            lines.append("aliases:")
            lines.extend(f'  - "{a}"' for a in plan.aliases)
        lines.append(f"status: {rng.choice(STATUSES)}")
        if rng.random() < 0.3:
            lines.append(f"author: {rng.choice(PEOPLE)} {rng.choice(SURNAMES)}")
        if top == "projects" and "/" in plan.folder:
            lines.append(f"project: {plan.folder.split('/')[1]}")
        if self.protocol_notes and rng.random() < PROTOCOL_LINK_RATE:
            protocol = self.plans[rng.choice(self.protocol_notes)]
            lines.append(f'protocol: "[[{protocol.stem}]]"')
        lines.append("---")
        return "\n".join(lines) + "\n\n"

    def _code_block(self, rng: random.Random) -> str:
        lang = rng.choice(CODE_LANGS)
        pool = CODE_SNIPPETS[lang]
        n, k, noun = rng.randint(1, 999), rng.randint(1, 8), rng.choice(NOUNS)
        picked = sorted(rng.sample(range(len(pool)), rng.randint(3, len(pool))))
        lines = [pool[i].format(n=n, k=k, noun=noun) for i in picked]
        fence = "```" + ("" if lang == "text" else lang)
        return fence + "\n" + "\n".join(lines) + "\n```"

    def render(self, plan: _Plan) -> str:
        rng = random.Random(f"codex-bench-note:{self.seed}:{plan.index}")
        n_tags = rng.randint(2, 5)
        tags: list[str] = []
        while len(tags) < n_tags:
            tag = rng.choices(TAGS, weights=TAG_WEIGHTS)[0]
            if tag not in tags:
                tags.append(tag)
        if plan.has_frontmatter:
            n_fm = rng.randint(1, n_tags) if rng.random() < 0.6 else n_tags
            fm_tags, inline_tags = tags[:n_fm], tags[n_fm:]
        else:
            fm_tags, inline_tags = [], tags

        # Sections: one per heading, plus an untitled intro when there is frontmatter.
        sections: list[list[Paragraph | str]] = [[] for _ in range(len(plan.headings) + 1)]
        size = 0
        n_sections = len(sections)
        first = 0 if plan.has_frontmatter else 1  # H1 notes have no intro before the title
        for s in range(first, n_sections):
            quota = plan.target_size * (s + 1 - first) / (n_sections - first)
            while not sections[s] or size < quota:
                para: Paragraph = [_sentence(rng) for _ in range(rng.randint(1, 5))]
                size += sum(_sentence_len(x) for x in para) + 2
                sections[s].append(para)
                if s == 0:
                    break  # intro is a single paragraph
        paragraphs = [b for sec in sections for b in sec if isinstance(b, list)]

        # Inline items go into random sentences; embeds become their own paragraphs.
        inline_items = [f"#{t}" for t in inline_tags]
        embeds: list[str] = []
        for _ in range(rng.randint(5, 10)):
            text, is_embed = self._link(rng, plan)
            (embeds if is_embed else inline_items).append(text)
        for item in inline_items:
            sentence = rng.choice(rng.choice(paragraphs))
            sentence.insert(rng.randint(1, max(1, len(sentence) - 1)), item)
        for bid, para in zip(
            plan.block_ids, rng.sample(paragraphs, len(plan.block_ids)), strict=True
        ):
            para[-1].append(f"^{bid}")
        for embed in embeds:
            sec = sections[rng.randrange(first, n_sections)]
            sec.insert(rng.randint(1, len(sec)) if sec else 0, embed)
        if rng.random() < CODE_BLOCK_RATE:
            sec = sections[rng.randrange(max(1, first), n_sections)]
            sec.insert(rng.randint(0, len(sec)), self._code_block(rng))

        out: list[str] = []
        if plan.has_frontmatter:
            out.append(self._frontmatter(rng, plan, fm_tags))
        for s, section in enumerate(sections):
            if s:
                level, text = plan.headings[s - 1]
                out.append(f"{'#' * level} {text}\n\n")
            for block in section:
                if isinstance(block, str):
                    out.append(block + "\n\n")
                else:
                    out.append(" ".join(" ".join(sentence) for sentence in block) + "\n\n")
        return "".join(out).rstrip("\n") + "\n"


def generate_notebook(out_dir: Path, notes: int, seed: int = 1) -> Path:
    """Write a synthetic notebook of ``notes`` Markdown notes into ``out_dir``.

    The output is byte-identical for the same ``notes`` and ``seed``. Existing files with the
    same paths are overwritten; other files already in ``out_dir`` are left alone, so generate
    into an empty directory for reproducible benchmarks. Returns ``out_dir``.
    """
    if notes < 0:
        raise ValueError("notes must be >= 0")
    out_dir = Path(out_dir)
    config_dir = out_dir / CONFIG_DIR
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / CONFIG_NAME).write_bytes(b"")
    for folder, _ in FOLDERS:
        if folder:
            (out_dir / folder).mkdir(parents=True, exist_ok=True)
    plans = _plan_notes(notes, seed)
    writer = _NoteWriter(plans, seed)
    base = os.fspath(out_dir)
    for plan in plans:
        with open(os.path.join(base, plan.rel_path), "wb") as fh:
            fh.write(writer.render(plan).encode("utf-8"))
    return out_dir


def ship_notebook(out_dir: Path, seed: int = 1) -> None:
    """Give a generated notebook its schema and a git history (see the module docstring).

    The notes end as generated: each history commit appends a line that the next commit of
    the note removes, and the last commit restores every note changed. Replaces any history.
    """
    out_dir = Path(out_dir)
    (out_dir / CONFIG_DIR / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    (out_dir / CONFIG_DIR / ".gitignore").write_text("notebook.db*\n", encoding="utf-8")
    shutil.rmtree(out_dir / ".git", ignore_errors=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "gc.auto=0", *args], cwd=out_dir, env=env, check=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "Import")
    paths = [p.relative_to(out_dir).as_posix() for p in notes_paths(out_dir)]
    rng = random.Random(f"codex-bench-history:{seed}")
    originals: dict[str, bytes] = {}
    for number in range(HISTORY_COMMITS):
        changed = rng.sample(paths, min(10, len(paths)))
        for rel in changed:
            path = out_dir / rel
            originals.setdefault(rel, path.read_bytes())
            path.write_bytes(originals[rel] + f"\nHistory change {number}\n".encode())
        git("add", "--", *changed)
        git("commit", "-q", "-m", f"Change {number}")
    for rel, data in originals.items():
        (out_dir / rel).write_bytes(data)
    if originals:
        git("add", "--", *originals)
        git("commit", "-q", "-m", "Restore")
    git("gc", "-q")


def notes_paths(out_dir: Path) -> list[Path]:
    """All ``*.md`` files under ``out_dir`` (hidden files and directories skipped).

    Sorted by their POSIX path relative to ``out_dir`` so an index is stable across runs.
    """
    root = Path(out_dir)
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(".md") and not name.startswith("."):
                path = Path(dirpath, name)
                found.append((path.relative_to(root).as_posix(), path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def touch_one(out_dir: Path, index: int) -> Path:
    """Simulate an edit: append one line of prose to the ``index``-th note and return its path.

    ``index`` is taken modulo the number of notes (ordering as in :func:`notes_paths`). Each call
    appends a new numbered line, so the content (and size) changes on every call.
    """
    paths = notes_paths(out_dir)
    if not paths:
        raise FileNotFoundError(f"no notes under {out_dir}")
    path = paths[index % len(paths)]
    data = path.read_bytes()
    count = data.count(TOUCH_MARKER.encode("utf-8")) + 1
    rng = random.Random(f"codex-bench-touch:{index}:{count}")
    line = f"{TOUCH_MARKER} {count}: {' '.join(_sentence(rng))}\n"
    sep = b"" if not data or data.endswith(b"\n") else b"\n"
    with path.open("ab") as fh:
        fh.write(sep + b"\n" + line.encode("utf-8"))
    return path


def _disk_usage(root: Path) -> tuple[int, int]:
    """(apparent bytes of notes, number of notes)."""
    paths = notes_paths(root)
    return sum(p.stat().st_size for p in paths), len(paths)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Generate a synthetic codex notebook.")
    parser.add_argument("out_dir", type=Path, help="directory to write the notebook into")
    parser.add_argument("--notes", type=int, default=10_000, help="number of notes (10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--shipped", action="store_true", help="add the schema and a git history")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    generate_notebook(args.out_dir, args.notes, args.seed)
    if args.shipped:
        ship_notebook(args.out_dir, args.seed)
    elapsed = time.perf_counter() - start
    size, count = _disk_usage(args.out_dir)
    print(f"{count} notes, {size / 1e6:.1f} MB in {args.out_dir} ({elapsed:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
