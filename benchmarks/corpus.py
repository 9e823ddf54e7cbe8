"""A generated book of N entries, for benchmarks: titles, aliases, cross-references,
citations, sections, a table and footnotes in realistic proportions."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = [
    "affect",
    "attune",
    "bond",
    "care",
    "dyad",
    "empathy",
    "gaze",
    "hold",
    "infant",
    "joint",
    "kin",
    "limbic",
    "mirror",
    "neural",
    "oxytocin",
    "pair",
    "quiet",
    "repair",
    "rupture",
    "secure",
    "tone",
    "vagal",
    "warmth",
    "yield",
    "zone",
    "signal",
    "cue",
    "rhythm",
    "safety",
    "trust",
    "bid",
    "turn",
    "match",
    "resonance",
    "presence",
]
ACCENTED = ["Élan", "Ökologie", "Æther", "Über", "Ça", "Ñandú", "Żubr"]


def title_for(n: int, rng: random.Random) -> str:
    first = rng.choice(ACCENTED) if n % 17 == 0 else rng.choice(WORDS).capitalize()
    return f"{first} {rng.choice(WORDS)} {n}"


def bib_entries(count: int) -> str:
    out = []
    for n in range(count):
        out.append(
            f"@book{{work{n},\n  author = {{Author{n % 97}, Given and Other{n % 13}, Ann}},\n"
            f"  title = {{A Study of Things, Part {n}}},\n  publisher = {{Press}},\n"
            f"  address = {{New York}},\n  year = {{{1950 + n % 70}}}\n}}\n"
        )
    return "\n".join(out)


def write_corpus(root: Path, entries: int, works: int = 200, seed: int = 7) -> Path:
    """Write a book project of ``entries`` entries into ``root`` and return it."""
    rng = random.Random(seed)
    (root / "manuscript").mkdir(parents=True, exist_ok=True)
    titles = [title_for(n, rng) for n in range(entries)]
    (root / "glossbook.toml").write_text(
        f'[book]\ntitle = "Benchmark Book {entries}"\nauthors = ["Bench Mark"]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    (root / "bibliography.bib").write_text(bib_entries(works), encoding="utf-8")
    for n, title in enumerate(titles):
        others = rng.sample(range(entries), k=min(3, entries - 1)) if entries > 1 else []
        others = [o for o in others if o != n]
        aliases = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} alias {n}-{k}" for k in range(3)]
        keys = [f"work{rng.randrange(works)}" for _ in range(2)]
        xrefs = " and ".join(f"[[{titles[o]}]]" for o in others)
        paragraphs = [
            f"{title} is a term of art in relational work; it relates to {xrefs} "
            f"[@{keys[0]}, p. {n % 300 + 1}]. As @{keys[1]} notes, it matters.[^1]",
        ]
        for section in range(3):
            paragraphs.append(f"## Section {section + 1}")
            paragraphs.append(
                " ".join(rng.choice(WORDS) for _ in range(120)).capitalize()
                + f" [@{keys[section % 2]}; @{keys[(section + 1) % 2]}]."
            )
        paragraphs.append("| Aspect | Note |\n|---|---|\n| one | two |\n| three | four |")
        paragraphs.append("[^1]: A note on the term.")
        front = [
            "---",
            f'title: "{title}"',
            "category: [Benchmark]",
            "other_names:",
            *[f"  - {a}" for a in aliases],
            f"sources: [{', '.join(keys)}]",
            f"related: [{', '.join(f'e{o:05d}' for o in others)}]",
            "infobox:",
            "  Key Features: [one, two, three]",
            "---",
        ]
        (root / "manuscript" / f"e{n:05d}.md").write_text(
            "\n".join(front) + "\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8"
        )
    return root
