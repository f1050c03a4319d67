"""The namespace module and the ontology file name the same terms."""

from importlib import resources

import pytest
from rdflib import Graph

from policykg.namespace import PK


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
