"""The code lists are served like the vocabulary: a page per scheme with an anchor per concept, every RDF
format, and the concept IRIs dereference (303 to their scheme's document)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from itsutsuboshi.server import create_app
from itsutsuboshi.server.static_site import code_documents, htaccess, nginx_config
from itsutsuboshi.vocab import codes


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True, "MAP_TILES": ""}).test_client()


def test_the_index_lists_every_code_list(client):
    page = client.get("/def/code").get_data(as_text=True)
    for name in codes.names():
        assert f'href="/def/code/{name}"' in page
    assert "標榜診療科" in page and "itsu:medicalSubjectCode" in page


def test_a_scheme_page_has_an_anchor_per_concept(client):
    page = client.get("/def/code/medical_subject").get_data(as_text=True)
    assert 'id="01-b006"' in page and "循環器内科" in page and "医療法施行令" in page
    assert 'href="https://laws.e-gov.go.jp/law/323CO0000000326"' in page


@pytest.mark.parametrize(("path", "accept", "media_type"), [
    ("/def/code/care_service.ttl", None, "text/turtle"),
    ("/def/code/care_service", "application/ld+json", "application/ld+json"),
    ("/def/code/care_service.nt", None, "application/n-triples"),
    ("/def/code.ttl", None, "text/turtle"),
])
def test_schemes_are_served_in_every_format(client, path, accept, media_type):
    answer = client.get(path, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.mimetype == media_type
    assert answer.headers["Vary"] == "Accept"
    if media_type == "text/turtle":
        graph = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
        assert (URIRef(codes.concept_iri("care_service", "11")), SKOS.notation, None) in graph


def test_concept_iris_dereference_to_their_scheme(client):
    answer = client.get("/code/care_service/A3", headers={"Accept": "text/turtle"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/def/code/care_service#A3")
    assert client.get("/code/care_service").headers["Location"].endswith("/def/code/care_service")
    assert client.get("/code/care_service/ZZ").status_code == 404
    assert client.get("/def/code/nothing").status_code == 404


def test_the_vocabulary_page_links_the_code_lists(client):
    assert 'href="/def/code"' in client.get("/def/itsutsuboshi").get_data(as_text=True)


def test_the_static_export_writes_the_code_lists_and_redirects_their_iris():
    assert "def/code/medical_subject" in code_documents() and "def/code" in code_documents()
    nginx = nginx_config(Path("/srv/site"), public_base="https://data.example.lg.jp/")
    assert "location ~ ^/code/" in nginx and "return 303 /def/code/$itsu_list" in nginx
    assert "RewriteRule ^code/([a-z_]+)" in htaccess(public_base="https://data.example.lg.jp/")
