"""The namespace module and the ontology file name the same terms; instance IRIs pass one check."""

from importlib import resources

import pytest
from rdflib import Graph, URIRef

from policykg.errors import UnsafeIRIError
from policykg.namespace import ID, PK, iri_problem, mint


def _ontology_terms() -> set[str]:
    g = Graph().parse(str(resources.files("policykg.ontology") / "policykg.ttl"))
    base = str(PK._NS)
    return {str(s)[len(base):] for s in g.subjects() if str(s).startswith(base) and str(s) != base}


def test_every_namespace_term_is_defined_in_the_ontology() -> None:
    declared = set(PK.__annotations__)
    assert declared == _ontology_terms()


def test_misspelt_term_fails_loudly() -> None:
    with pytest.raises(AttributeError):
        PK.fiscalYaer  # noqa: B018


# --- instance IRIs: one check (namespace.mint) ---------------------------------------------------

REFUSED = [" ", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\u00a0", "\u3000", "\u2028", "\u200b",
           "\u200e", "\u202e", "\ufeff", "\ue000", "\ufffd", "\ufdd0", "<", ">", '"', "{", "}", "|", "^", "`",
           "\\", "%", "?", "#", "[", "]"]


def test_refused_count() -> None:
    assert len(REFUSED) == 32


@pytest.mark.parametrize("ch", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_a_character_no_iri_may_hold_is_refused(ch: str) -> None:
    path = f"measure/a{ch}b"
    assert iri_problem(path) == f"{ch!r} (U+{ord(ch):04X}) at position 9"
    with pytest.raises(UnsafeIRIError) as info:
        mint(path)
    assert info.value.iri == str(ID) + path and info.value.exit_code == 3


@pytest.mark.parametrize("path", ["doc/", "doc//x", "doc/./x", "doc/x/..", ""])
def test_empty_and_dot_segments_are_refused(path: str) -> None:
    assert iri_problem(path) == "an empty, '.' or '..' path segment"


def test_text_not_in_nfc_is_refused() -> None:
    assert iri_problem("law/\u212b") == "'\u212b' (U+212B) at position 4: not in Unicode NFC"  # Å as ANGSTROM SIGN


@pytest.mark.parametrize("path", ["basis/radio-act/ad661fb0-art103の2-para4-item12", "agency/mic",
                                  "stmt/registry/measure/x/agency/agency/y/nisc-budget-fy2025:12-14/L12-14",
                                  "x/a-b.c_d~e!$&'()*+,;=:@", "x/\U00020000"])
def test_iri_characters_pass(path: str) -> None:
    assert iri_problem(path) == "" and str(mint(path)) == str(ID) + path


def test_every_instance_iri_of_the_bundled_build_passes(bundled_dataset) -> None:
    iris = {str(t) for quad in bundled_dataset.quads((None, None, None, None)) for t in quad
            if isinstance(t, URIRef) and str(t).startswith(str(ID))}
    assert len(iris) > 1500
    assert [i for i in iris if iri_problem(i.removeprefix(str(ID)))] == []
