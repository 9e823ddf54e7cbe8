"""Reading .bib files into CSL-JSON: glossbook.bibliography."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glossbook.bibliography import Bibliography, load_bibliography
from glossbook.errors import ContentError

FIXTURE = Path(__file__).parent / "fixtures" / "citations" / "refs.bib"


def load(tmp_path: Path, text: str, **kwargs: str) -> Bibliography:
    """Write ``text`` (dedented) as refs.bib and load it, shown as 'refs.bib'."""
    path = tmp_path / "refs.bib"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_bibliography(path, "refs.bib", **kwargs)


def field(tmp_path: Path, name: str, latex: str) -> str:
    """The CSL value of one field ``name = {latex}`` of a @book, as read."""
    path = tmp_path / "one.bib"
    path.write_text(f"@book{{a, {name} = {{{latex}}}, year = 2000}}\n", encoding="utf-8")
    return str(load_bibliography(path, "one.bib").entries["a"].csl[name])


def messages(bib: Bibliography) -> list[str]:
    return [str(p) for p in bib.problems]


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        load(tmp_path, text)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- the fixture


@pytest.fixture(scope="module")
def fixture() -> Bibliography:
    return load_bibliography(FIXTURE, "refs.bib")


def test_fixture_loads_without_problems(fixture: Bibliography) -> None:
    assert fixture.problems == []


def test_fixture_keys_in_file_order_with_lines(fixture: Bibliography) -> None:
    # Lines of each `@type{key,` in tests/fixtures/citations/refs.bib.
    assert {k: e.line for k, e in fixture.entries.items()} == {
        "halloran2012arch": 8,
        "halloran2012care": 17,
        "okafor2019handbook": 29,
        "aksin2019": 37,
        "moreau2015": 44,
        "nguyen2018": 55,
        "ruiz2016": 65,
        "park2020": 74,
        "cohort2021": 84,
        "who2018": 99,
        "whitfield_nd": 107,
        "vygotsky1934": 114,
        "yamada2005": 123,
    }
    assert all(e.csl["id"] == k for k, e in fixture.entries.items())


def test_fixture_article(fixture: Bibliography) -> None:
    # @string journal, month macro `aug`, `--` in pages, DOI, {DNA} protected while the
    # rest of the English title is sentence-cased (the CSL convention for stored titles).
    assert fixture.entries["halloran2012care"].csl == {
        "id": "halloran2012care",
        "type": "article-journal",
        "language": "en-US",
        "author": [{"family": "Halloran", "given": "Margaret E."}],
        # pandoc marks no case protection on an all-capital word: CSL case changes leave
        # it alone anyway. The page range keeps its hyphen: the style prints the en dash.
        "title": "Early care and the DNA of trust",
        "container-title": "Journal of Comparative Psychology",
        "volume": "126",
        "issue": "3",
        "page": "211-229",
        "issued": {"date-parts": [[2012, 8]]},
        "DOI": "10.1037/a0012345",
    }


def test_fixture_crossref_child_inherits_from_collection(fixture: Bibliography) -> None:
    # biblatex: @collection title -> @incollection booktitle; editor, publisher, location
    # and year inherited as they are. LaTeX `Aks{\i}n, {\"O}zge` decoded.
    assert fixture.entries["aksin2019"].csl == {
        "id": "aksin2019",
        "type": "chapter",
        "language": "en-US",
        "author": [{"family": "Aksın", "given": "Özge"}],
        "editor": [
            {"family": "Okafor", "given": "Chidi"},
            {"family": "Lindqvist", "given": "Maja"},
        ],
        "title": "Affect regulation in infancy",
        "container-title": "Handbook of developmental neuroscience",
        "page": "45-67",
        "publisher": "Oxford University Press",
        "publisher-place": "Oxford",
        "issued": {"date-parts": [[2019]]},
    }


def test_fixture_subtitle_and_biblatex_fields(fixture: Bibliography) -> None:
    ruiz = fixture.entries["ruiz2016"].csl
    assert ruiz["title"] == "Growing minds: Language and play in the first years"
    assert ruiz["title-short"] == "Growing minds"
    assert ruiz["publisher-place"] == "Cambridge, MA"  # biblatex `location`
    nguyen = fixture.entries["nguyen2018"].csl
    assert nguyen["container-title"] == "Developmental Review"  # biblatex `journaltitle`
    assert nguyen["issued"] == {"date-parts": [[2018]]}  # biblatex `date`
    # `2nd` as written (pandoc): a style prints a non-numeric edition as it is ("2nd ed.").
    assert fixture.entries["halloran2012arch"].csl["edition"] == "2nd"


def test_fixture_corporate_and_non_latin(fixture: Bibliography) -> None:
    assert fixture.entries["who2018"].csl["author"] == [{"literal": "World Health Organization"}]
    assert fixture.entries["who2018"].csl["type"] == "report"
    assert "issued" not in fixture.entries["whitfield_nd"].csl
    vygotsky = fixture.entries["vygotsky1934"].csl
    assert vygotsky["author"] == [{"family": "Выготский", "given": "Лев Семёнович"}]
    assert vygotsky["language"] == "ru-RU"
    assert vygotsky["title"] == "Мышление и речь"  # not an English title: case kept
    assert fixture.entries["yamada2005"].csl["author"] == [{"family": "山田", "given": "太郎"}]
    assert len(fixture.entries["cohort2021"].csl["author"]) == 21


# --------------------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller", "Müller"),
        (r"M\"uller", "Müller"),
        (r"Caf\'e", "Café"),
        (r"Caf\'{e}", "Café"),
        (r"Aks{\i}n", "Aksın"),
        (r"{\ss}", "ß"),
        (r"\v{S}koda", "Škoda"),
        (r"Ma\l{}gorzata {\O}rsted", "Małgorzata Ørsted"),
        (r"\c{C}a\u{g}la", "Çağla"),
        (r"\AA{}ngstr\"om", "Ångström"),
        ("12--34", "12–34"),
        ("before---after", "before—after"),
        (r"\& 50\% \$5 a\_b", "& 50% $5 a_b"),
        # An unescaped % starts a TeX comment, in pandoc's reading as when LaTeX typesets.
        ("R&D at 50% off", "R&D at 50"),
        ("``quoted''", "“quoted”"),
        ("Chapter~3", "Chapter\xa03"),
        ("two\n   lines", "two lines"),
        (r"$\alpha$-synuclein", "<i>α</i>-synuclein"),  # TeX sets a math letter in italic
        (r"\LaTeX{} and \TeX", "LaTeX and TeX"),
        (r"{\relax Th}omas", "Thomas"),
        ("Unicode ünchanged", "Unicode ünchanged"),
    ],
)
def test_latex_to_text(latex: str, text: str, tmp_path: Path) -> None:
    assert field(tmp_path, "note", latex) == text


@pytest.mark.parametrize(
    ("latex", "rich"),
    [
        ("{DNA} Repair", "DNA Repair"),  # a note is never case-changed: no protection needed
        (r"{\"O}zge's {\"{o}}", "Özge’s ö"),  # pandoc's typographic apostrophe
        (r"\emph{In Vivo}", "<i>In Vivo</i>"),
        (r"\textit{a} \textbf{b}", "<i>a</i> <b>b</b>"),
        (r"\textsc{Unesco}", '<span style="font-variant:small-caps;">Unesco</span>'),
        (r"H\textsubscript{2}O", "H<sub>2</sub>O"),
        (r"{The {iPhone} Era}", "The iPhone Era"),
        (r"\mkbibquote{Hi}", "“Hi”"),
    ],
)
def test_latex_to_rich_text(latex: str, rich: str, tmp_path: Path) -> None:
    assert field(tmp_path, "note", latex) == rich


@pytest.mark.parametrize(
    ("title", "sentence"),
    [
        ("The Architecture of Attachment", "The architecture of attachment"),
        ("Growing Minds: Language and Play", "Growing minds: Language and play"),
        ("Why Sleep? A Study", "Why sleep? A study"),
        (
            'The <span class="nocase">DNA</span> of Trust',
            'The <span class="nocase">DNA</span> of trust',
        ),
        ("Attachment in the USA and the iPhone Age", "Attachment in the USA and the iPhone age"),
        ("Self-Regulation in Mother-Infant Dyads", "Self-regulation in mother-infant dyads"),
        # BibTeX's own change.case$ lowercases an unbraced O'Brien or A too: brace them.
        ("O'Brien's Vitamin A Trial", "O’brien’s vitamin a trial"),
        ("{O'Brien's} Vitamin {A} Trial", '<span class="nocase">O’Brien’s</span> vitamin A trial'),
        ("{Bowlby} Revisited", "Bowlby revisited"),
        (r"A \emph{New} Look", "A <i>new</i> look"),
        (r"Weighted {A}${}^*$ Search", "Weighted A<sup>*</sup> search"),
    ],
)
def test_sentence_case(title: str, sentence: str, tmp_path: Path) -> None:
    assert field(tmp_path, "title", title) == sentence


def test_unknown_latex_command_is_a_warning(tmp_path: Path) -> None:
    bib = load(tmp_path, r"@book{a, title = {A \foo{Bar} and \mbox{LP}}, year = 2000}")
    # pandoc drops what it does not know; LaTeX would print the argument, and so do we.
    assert bib.entries["a"].csl["title"] == "A Bar and LP"
    assert messages(bib) == [
        "refs.bib:1: warning: entry 'a': LaTeX command \\foo, \\mbox unknown to pandoc; its "
        "argument is printed as text. Write the text in Unicode, or use a command BibTeX knows."
    ]


# --------------------------------------------------------------------------- macros


def test_string_and_month_macros(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @String{JCP = {J. Comp. Psych.}}
        @string{cs = {Computer Science}}
        @string(series = "Lecture Notes in " # cs)
        @article{a,
          journal = jcp,
          series  = series,
          year    = 1999,
          month   = jan,
          title   = {A},
        }
        @article{b, journal = {X}, year = 2001, month = {jun}, title = {B}}
        @article{c, journal = {X}, year = 2001, month = 11, title = {C}}
        """,
    )
    a = bib.entries["a"].csl
    assert a["container-title"] == "J. Comp. Psych."  # macros are case-insensitive
    # `#`, nested; sentence case, as pandoc gives every English title field.
    assert a["collection-title"] == "Lecture notes in computer science"
    assert a["issued"] == {"date-parts": [[1999, 1]]}
    assert bib.entries["b"].csl["issued"] == {"date-parts": [[2001, 6]]}
    assert bib.entries["c"].csl["issued"] == {"date-parts": [[2001, 11]]}
    assert bib.problems == []


def test_undefined_macro_is_a_warning_at_its_field(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @book{a,
          title = {A},
          publisher = acm,
        }
        """,
    )
    assert bib.entries["a"].csl["publisher"] == "acm"
    assert messages(bib) == [
        "refs.bib:3: warning: @string 'acm' used in field 'publisher' is not defined; "
        "its name was used as text"
    ]


# --------------------------------------------------------------------------- crossref


def test_crossref_biblatex_inheritance(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @inbook{chap,
          author   = {Child, Carl},
          title    = {The Chapter},
          pages    = {1--9},
          year     = {2001},
          crossref = {Book},
        }
        @book{book,
          author    = {Parent, Paula},
          title     = {The Book},
          subtitle  = {A Subtitle},
          shorttitle = {Book},
          publisher = {Pub},
          year      = {1999},
          keywords  = {not inherited},
        }
        @inproceedings{paper, author = {P, Q}, title = {Paper}, crossref = {proc}}
        @proceedings{proc, editor = {E, F}, title = {Proceedings of {IEEE} Things},
                     year = 2010, organization = {IEEE}, eventtitle = {Things 2010}}
        @incollection{lost, author = {L, M}, title = {Lost}, crossref = {nowhere}}
        """,
    )
    chap = bib.entries["chap"].csl
    assert chap["container-title"] == "The book: A subtitle"  # title -> booktitle
    assert chap["container-author"] == [{"family": "Parent", "given": "Paula"}]  # bookauthor
    assert chap["author"] == [{"family": "Child", "given": "Carl"}]  # child wins
    assert chap["issued"] == {"date-parts": [[2001]]}  # child wins
    assert chap["publisher"] == "Pub"
    assert chap["title"] == "The chapter"
    assert "title-short" not in chap  # shorttitle is not inherited
    paper = bib.entries["paper"].csl
    assert paper["container-title"] == "Proceedings of IEEE things"
    assert paper["editor"] == [{"family": "E", "given": "F"}]
    assert paper["publisher"] == "IEEE"
    assert paper["event"] == "Things 2010"  # pandoc's name (CSL 1.0.1) for event-title
    assert messages(bib) == [
        "refs.bib:20: warning: entry 'lost': crossref 'nowhere' is not in this file; "
        "nothing inherited. Add the parent entry or remove the crossref field."
    ]


# --------------------------------------------------------------------------- names


def test_name_parts(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        r"""
        @book{a,
          author = {van der Berg, Jr., Pieter and Beethoven, Ludwig van
                    and Ludwig van Beethoven and {\'E}mile Zola
                    and {{World Health Organization}} and {Barnes and Noble}
                    and Doe, J.~R. and others},
          editor = {de la Fontaine, Jean},
          title  = {A},
        }
        """,
    )
    csl = bib.entries["a"].csl
    # pandoc follows biblatex: "von Last, First" without useprefix=true cites as "Last".
    assert csl["author"] == [
        {"family": "Berg", "given": "Pieter", "dropping-particle": "van der", "suffix": "Jr."},
        # citeproc itself takes the trailing lower-case "van" for a dropping particle.
        {"family": "Beethoven", "given": "Ludwig van"},
        {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
        {"family": "Zola", "given": "Émile"},
        {"literal": "World Health Organization"},
        {"literal": "Barnes and Noble"},
        {"family": "Doe", "given": "J. R."},
        {"literal": "others"},  # pandoc's citeproc renders it as "et al."
    ]
    assert csl["editor"] == [{"family": "Fontaine", "given": "Jean", "dropping-particle": "de la"}]


# --------------------------------------------------------------------------- errors


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    assert errors(
        tmp_path,
        """\
        @book{smith2000,
          title = {One},
        }

        @article{smith2000,
          title = {Two},
        }
        """,
    ) == [
        "refs.bib:5: error: duplicate key 'smith2000': it is already used by a different "
        "entry at refs.bib:1. Rename one of the two entries, or delete the copy, and update "
        "citations."
    ]


def test_identical_duplicate_is_a_warning_naming_both_lines(tmp_path: Path) -> None:
    # BibTeX, biber and pandoc go on; so do we, with the first entry.
    bib = load(
        tmp_path,
        """\
        @book{smith2000, title = {One}, year = 2000}

        @book{smith2000, title = {One},   year = 2000}
        """,
    )
    assert bib.entries["smith2000"].line == 1
    assert messages(bib) == [
        "refs.bib:3: warning: entry 'smith2000' is written twice, the same both times (lines 1 "
        "and 3); the first is used. Delete the copy."
    ]


def test_malformed_entries_all_reported_with_lines(tmp_path: Path) -> None:
    found = errors(
        tmp_path,
        """\
        @book{ok1, title = {Fine}}

        @article{broken,
          title = {Unclosed brace,
          year = 2001,

        @book{ok2, title = {Fine}}
        @book{nocomma title = {X}}
        @book{names, author = {Smith, John, Jr, Extra}, title = {X}}
        """,
    )
    hint = (
        "Check that every field is 'name = {value},' and that braces and quotes are "
        "balanced up to the entry's closing brace."
    )
    assert found == [
        "refs.bib:3: error: malformed @article entry 'broken': the braces in the value of "
        "'title' are not balanced (line 6). " + hint,
        "refs.bib:8: error: malformed @book entry 'nocomma': expected ',' after the key. " + hint,
        "refs.bib:9: error: entry 'names': the name 'Smith, John, Jr, Extra' has more than "
        "two commas. Separate names with ' and ', write each as 'Last, First' or "
        "'Last, Jr., First' and put a corporate name in braces.",
    ]


def test_not_utf8_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@book{a,\n  author = {M\xfcller, Hans},\n}\n")
    with pytest.raises(ContentError) as info:
        load_bibliography(path, "refs.bib")
    assert str(info.value).startswith("refs.bib:2: error: this file is not UTF-8 text.")


def test_crlf_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(b"% x\r\n\r\n@book{a,\r\n title = {A},\r\n}\r\n@book{b, title={B}}\r\n")
    bib = load_bibliography(path, "refs.bib")
    assert [e.line for e in bib.entries.values()] == [3, 6]


# --------------------------------------------------------------------------- warnings


def test_unknown_entry_type_and_field_warnings(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @artcle{a,
          title = {A},
          yaer  = {2001},
        }
        @misc{b, title = {B}, howpublished = {Lecture notes}}
        """,
    )
    # Read as @misc, which pandoc gives no CSL type (styles format it generically).
    assert bib.entries["a"].csl["type"] == ""
    assert bib.entries["b"].csl["type"] == ""
    assert bib.entries["b"].csl["publisher"] == "Lecture notes"
    assert messages(bib) == [
        "refs.bib:1: warning: entry 'a': @artcle is not a BibTeX or biblatex entry type; it "
        "is read as @misc. Did you mean 'article', 'patent'?",
        "refs.bib:3: warning: entry 'a': field 'yaer' is not a BibTeX or biblatex field and "
        "was ignored. Did you mean 'year', 'chapter', 'type'?",
    ]


def test_repeated_field_and_year_suffix_warnings(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @book{a,
          title = {A},
          year  = {1986a},
          Title = {Again},
        }
        """,
    )
    assert bib.entries["a"].csl["title"] == "A"
    assert bib.entries["a"].csl["issued"] == {"date-parts": [[1986]]}
    assert messages(bib) == [
        "refs.bib:3: warning: entry 'a': year '1986a': the letter is dropped; the style adds "
        "1986a/1986b itself when needed.",
        "refs.bib:4: warning: field 'title' is repeated in entry 'a'; the first one is used",
    ]


def test_key_pandoc_cannot_cite_is_a_warning(tmp_path: Path) -> None:
    bib = load(tmp_path, "@book{o'brien!, title = {A}}\n")
    assert messages(bib) == [
        "refs.bib:1: warning: key 'o'brien!' has characters pandoc's @key syntax does not "
        "allow; cite it as @{o'brien!} or rename it."
    ]


# --------------------------------------------------------------------------- tools


def test_jabref_entries(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        % Encoding: UTF-8

        @Article{Smith2019,
          author       = {Smith, John and Doe, Jane},
          journaltitle = {Journal of Testing},
          title        = {Testing Things},
          year         = {2019},
          doi          = {https://doi.org/10.1000/test\\_1},
          file         = {:Smith2019.pdf:PDF},
          groups       = {Reading},
          owner        = {editor},
          timestamp    = {2019-05-01},
          creationdate = {2021-03-04T10:11:12},
          keywords     = {attachment, infancy},
          ranking      = {rank3},
          readstatus   = {read},
        }

        @Comment{jabref-meta: databaseType:biblatex;}

        @Comment{jabref-meta: grouping:
        0 AllEntriesGroup:;
        1 StaticGroup:Reading\\;0\\;1\\;\\;\\;\\;;
        }
        """,
    )
    assert bib.problems == []
    csl = bib.entries["Smith2019"].csl
    assert csl["DOI"] == "10.1000/test_1"
    assert csl["container-title"] == "Journal of Testing"
    assert bib.entries["Smith2019"].line == 3


def test_zotero_better_bibtex_entries(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @article{lee2020MemoryConsolidationSleep,
          title = {Memory Consolidation during Sleep},
          author = {Lee, Minjun and Ortiz, Carla},
          date = {2020-03-15},
          journaltitle = {Sleep Medicine Reviews},
          shortjournal = {Sleep Med Rev},
          volume = {50},
          pages = {101--115},
          issn = {1087-0792},
          doi = {10.1016/j.smrv.2020.101115},
          url = {https://www.example.org/article/S1087_5?a=1&b=2},
          urldate = {2021-01-12},
          langid = {english},
          keywords = {memory,sleep},
          abstract = {We review {{sleep}}.},
          file = {/home/x/Zotero/storage/ABCD1234/Lee - 2020.pdf}
        }

        @online{who2021Web,
          title = {Physical Activity},
          author = {{World Health Organization}},
          date = {2021},
          url = {https://www.who.int/news-room/fact-sheets/detail/physical-activity},
          urldate = {2021-11-26},
          organization = {WHO},
          langid = {english}
        }
        """,
    )
    assert bib.problems == []
    lee = bib.entries["lee2020MemoryConsolidationSleep"].csl
    assert lee["issued"] == {"date-parts": [[2020, 3, 15]]}
    assert lee["accessed"] == {"date-parts": [[2021, 1, 12]]}
    assert lee["container-title-short"] == "Sleep Med Rev"
    assert lee["URL"] == "https://www.example.org/article/S1087_5?a=1&b=2"
    assert lee["language"] == "en-US"
    assert lee["abstract"] == "We review sleep."  # read; passed to citeproc only if printed
    web = bib.entries["who2021Web"].csl
    assert web["type"] == "webpage"
    assert web["publisher"] == "WHO"


def test_bibdesk_entries(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        %% This BibTeX bibliography file was created using BibDesk.
        %% https://bibdesk.sourceforge.io/

        %% Saved with string encoding Unicode (UTF-8)

        @string{jgr = {Journal of Geophysical Research}}

        @article{Chen:2015ab,
        \tauthor = {Chen, Wei and M{\\"u}ller, Hans},
        \tdate-added = {2020-05-01 10:00:00 +0200},
        \tdate-modified = {2020-05-02 11:00:00 +0200},
        \tdoi = {10.1002/2015JD023456},
        \tjournal = jgr,
        \tmonth = {jun},
        \tnumber = {12},
        \tpages = {6001-6015},
        \ttitle = {Cloud Feedbacks in a Warming World},
        \tvolume = {120},
        \tyear = {2015},
        \tbdsk-url-1 = {https://doi.org/10.1002/2015JD023456},
        \tbdsk-file-1 = {YnBsaXN0MDDSAQIDBFxyZWxhdGl2ZVBhdGhZYWxpYXNEYXRh}}
        """,
    )
    assert bib.problems == []
    chen = bib.entries["Chen:2015ab"]
    assert chen.line == 8
    assert chen.csl["author"][1] == {"family": "Müller", "given": "Hans"}
    assert chen.csl["container-title"] == "Journal of Geophysical Research"
    assert chen.csl["issued"] == {"date-parts": [[2015, 6]]}
    assert chen.csl["page"] == "6001-6015"


def test_preamble_comments_and_parenthesised_entries(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @preamble{ "\\newcommand{\\noopsort}[1]{}" }
        Free text between entries is a comment @ home.
        @comment{ignored, entirely}
        @book(paren,
          title = "{\\noopsort{a}}Quoted (Title)",
          year = 2000
        )
        """,
    )
    assert bib.problems == []
    assert bib.entries["paren"].line == 4
    assert bib.entries["paren"].csl["title"] == "Quoted (title)"


def test_dates(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @book{range, title = {A}, date = {2003-05/2004}}
        @book{month, title = {A}, date = {2003-05}}
        @book{circa, title = {A}, date = {1850~}}
        @book{years, title = {A}, year = {1999--2001}}
        @book{press, title = {A}, year = {forthcoming}}
        @book{orig, title = {A}, year = 2005, origdate = {1899}}
        @book{pubstate, title = {A}, pubstate = {inpress}}
        """,
    )
    csl = {k: e.csl for k, e in bib.entries.items()}
    assert csl["range"]["issued"] == {"date-parts": [[2003, 5], [2004]]}
    assert csl["month"]["issued"] == {"date-parts": [[2003, 5]]}
    assert csl["circa"]["issued"] == {"date-parts": [[1850]], "circa": True}
    assert csl["years"]["issued"] == {"date-parts": [[1999], [2001]]}
    assert "issued" not in csl["press"] and csl["press"]["status"] == "forthcoming"
    assert csl["orig"]["original-date"] == {"date-parts": [[1899]]}
    assert csl["pubstate"]["status"] == "in press"
    assert bib.problems == []


def test_types_genres_and_numbers(tmp_path: Path) -> None:
    bib = load(
        tmp_path,
        """\
        @phdthesis{t, author = {A, B}, title = {T}, school = {MIT}, year = 2000}
        @thesis{m, author = {A, B}, title = {T}, institution = {MIT}, type = {mathesis}}
        @techreport{r, author = {A, B}, title = {T}, institution = {NBER}, number = {w123}}
        @book{s, title = {T}, series = {Studies}, number = {7}, volume = {2}}
        @article{e, title = {T}, journal = {J}, eprint = {2101.00001}, eprinttype = {arxiv}}
        @unpublished{u, title = {T}, note = {Manuscript in preparation}}
        """,
    )
    csl = {k: e.csl for k, e in bib.entries.items()}
    assert (csl["t"]["type"], csl["t"]["genre"], csl["t"]["publisher"]) == (
        "thesis",
        "PhD thesis",
        "MIT",
    )
    assert csl["m"]["genre"] == "Master’s thesis"
    assert (csl["r"]["type"], csl["r"]["number"], csl["r"]["genre"]) == (
        "report",
        "w123",
        "Technical report",
    )
    assert csl["r"]["genre"] == "Technical report"  # biblatex's default type of @techreport
    assert (csl["s"]["collection-title"], csl["s"]["collection-number"]) == ("Studies", "7")
    assert csl["e"]["URL"] == "https://arxiv.org/abs/2101.00001"
    assert (csl["u"]["type"], csl["u"]["note"]) == ("manuscript", "Manuscript in preparation")


def test_language_decides_sentence_case(tmp_path: Path) -> None:
    text = """\
        @book{en, title = {The Hidden Life}, langid = {english}}
        @book{de, title = {Die Entdeckung der Langsamkeit}, langid = {ngerman}}
        @book{none, title = {The Hidden Life}}
        """
    bib = load(tmp_path, text)
    assert bib.entries["en"].csl["title"] == "The hidden life"
    assert (bib.entries["de"].csl["title"], bib.entries["de"].csl["language"]) == (
        "Die Entdeckung der Langsamkeit",
        "de-DE",
    )
    assert bib.entries["none"].csl["title"] == "The hidden life"
    german_book = load(tmp_path, text, lang="de-DE")
    assert german_book.entries["none"].csl["title"] == "The Hidden Life"
    assert german_book.entries["none"].csl["language"] == "de-DE"


# --------------------------------------------------------------------------- the cache


def test_an_unchanged_file_is_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild with the same .bib costs no scan and no pandoc run, and gives the same
    entries, lines and warnings; a changed byte is read again."""
    import glossbook.bibliography as bibliography

    cache = tmp_path / "cache"
    path = tmp_path / "refs.bib"
    path.write_bytes(FIXTURE.read_bytes() + b"\n@book{extra, title = {\\mbox{X}}, year = 2001}\n")
    first = load_bibliography(path, "refs.bib", cache_dir=cache)
    assert any("\\mbox" in m for m in messages(first))  # a warning to keep

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("read again although the file did not change")

    monkeypatch.setattr(bibliography, "_load", not_again)
    again = load_bibliography(path, "refs.bib", cache_dir=cache)
    assert again == first
    path.write_bytes(path.read_bytes().replace(b"2001", b"2002"))
    with pytest.raises(AssertionError, match="read again"):
        load_bibliography(path, "refs.bib", cache_dir=cache)
