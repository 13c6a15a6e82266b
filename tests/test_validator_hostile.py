"""Hostile input: the validator parses untrusted bytes.  Entities, external DTDs, size and
depth are refused with a clear code and nothing is read from disk or the network."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.validator import DEFAULT_MAX_BYTES, Report, validate
from hnp_feeds.validator.xmlparse import parse_xml

ATOM_HEAD = '<feed xmlns="http://www.w3.org/2005/Atom"><title>'
ATOM_TAIL = "</title></feed>"


def codes(data: bytes, **kw: int) -> set[str]:
    return validate(data, **kw).codes()  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["/etc/passwd", "tmp"])
def test_xxe_reading_a_local_file_is_refused(tmp_path: Path, target: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42\n")
    path = str(secret) if target == "tmp" else target
    data = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE feed [\n  <!ENTITY leak SYSTEM "file://{path}">\n]>\n'
        f"{ATOM_HEAD}&leak;{ATOM_TAIL}"
    ).encode()
    report = validate(data)
    assert not report.ok
    refused = [m for m in report.messages if m.code == "ExternalEntity"]
    assert refused and refused[0].level == "error"
    assert refused[0].params["value"] == "leak" and refused[0].line == 3
    assert "ContainsSystemEntity" in report.codes()
    shown = repr([m.to_dict() for m in report.messages])
    assert "TOP-SECRET" not in shown and "root:" not in shown


def test_parameter_entity_xxe_is_refused() -> None:
    data = (
        b'<!DOCTYPE feed [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>'
        + (ATOM_HEAD + ATOM_TAIL).encode()
    )
    assert "ExternalEntity" in codes(data)


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        body = b'<!ENTITY stolen SYSTEM "file:///etc/passwd">'
        self.send_response(200)
        self.send_header("Content-Type", "application/xml-dtd")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_an_external_dtd_is_never_fetched(dtd_server: tuple[str, list[str]]) -> None:
    base, hits = dtd_server
    data = (f'<!DOCTYPE feed SYSTEM "{base}/evil.dtd">\n{ATOM_HEAD}&stolen;{ATOM_TAIL}').encode()
    report = validate(data)
    assert hits == []
    assert {"ExternalDTD", "UndefinedNamedEntity"} <= report.codes()
    assert not report.ok


def test_billion_laughs_is_refused() -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    data = f"<!DOCTYPE feed [{''.join(levels)}]>{ATOM_HEAD}&lol9;{ATOM_TAIL}".encode()
    report = validate(data)
    assert not report.ok
    assert report.codes() >= {"EntityDeclaration"}
    assert len([m for m in report.messages if m.code == "EntityDeclaration"]) == 10


def test_quadratic_blowup_is_refused() -> None:
    big = "x" * 100_000
    data = (f'<!DOCTYPE feed [<!ENTITY a "{big}">]>{ATOM_HEAD}{"&a;" * 10_000}{ATOM_TAIL}').encode()
    report = validate(data)
    assert [m.code for m in report.errors] == ["EntityDeclaration"]
    assert report.errors[0].params["value"] == "a"


def test_a_huge_internal_subset_is_refused_without_scanning_it_all() -> None:
    for filler in (b'"' * 5_000_000, b"<!ELEMENT r ANY>" * 100_000, b"<" * 5_000_000):
        report = validate(b"<!DOCTYPE r [" + filler + b"]><r/>")
        assert [m.code for m in report.errors] == ["ValidatorLimit"]
        assert "internal subset" in report.errors[0].params["reason"]


def test_entities_after_comments_in_the_prolog_are_found() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!-- <!DOCTYPE decoy> -->\n<?pi x?>\n'
        b'<!DOCTYPE rss [<!-- ] --><!ATTLIST rss a CDATA "]"><!ENTITY e "x">]>'
        b'<rss version="2.0"><channel>&e;</channel></rss>'
    )
    assert "EntityDeclaration" in codes(data)
    tricky = b'<!DOCTYPE r [<?pi don\'t ] stop?><!ENTITY e "x">]><r>&e;</r>'
    assert "EntityDeclaration" in codes(tricky)
    unterminated = b'<!DOCTYPE r [<!ATTLIST r a CDATA "x>]><r/>'
    report = validate(unterminated)
    assert not report.ok and "internal subset" in report.errors[0].params["reason"]


def test_oversize_documents_are_refused_before_parsing() -> None:
    data = (ATOM_HEAD + "x" * 5000 + ATOM_TAIL).encode()
    report = validate(data, max_bytes=1000)
    assert [m.code for m in report.messages] == ["ValidatorLimit"]
    assert "1000" in report.messages[0].params["reason"]
    huge = b"<rss>" + b" " * DEFAULT_MAX_BYTES + b"</rss>"
    assert codes(huge) == {"ValidatorLimit"}
    assert codes(b'{"items": [' + b" " * 2000 + b"]}", max_bytes=1000) == {"ValidatorLimit"}


def test_deep_nesting_is_refused() -> None:
    deep = b'<feed xmlns="http://www.w3.org/2005/Atom">' + b"<x>" * 10_000 + b"</x>" * 10_000
    report = validate(deep + b"</feed>")
    limit = [m for m in report.messages if m.code == "ValidatorLimit"]
    assert limit and "256" in limit[0].params["reason"]


def test_deeply_nested_json_is_refused() -> None:
    for profile in ("spec", "portal"):
        data = b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        assert "ValidatorLimit" in validate(data, profile=profile).codes()


def test_the_depth_cap_is_configurable() -> None:
    def nested(depth: int) -> bytes:
        return b"<rss>" + b"<x>" * (depth - 1) + b"</x>" * (depth - 1) + b"</rss>"

    assert "ValidatorLimit" in codes(nested(31), max_depth=30)
    assert "ValidatorLimit" not in codes(nested(30), max_depth=30)
    assert "ValidatorLimit" not in codes(nested(1000), max_depth=2000)
    assert "ValidatorLimit" in codes(nested(1001), max_depth=1000)


def test_undefined_named_entities_are_named() -> None:
    report = validate(f"{ATOM_HEAD}Một&nbsp;hai{ATOM_TAIL}".encode())
    [undefined] = [m for m in report.messages if m.code == "UndefinedNamedEntity"]
    assert undefined.params["value"] == "nbsp"
    assert undefined.line == 1 and undefined.column is not None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<?xml version="1.0" encoding="x-fake"?><rss/>', "UnknownEncoding"),
        (b'<?xml version="1.0" encoding="us-ascii"?><rss>\xa3</rss>', "UnicodeError"),
        (b'<?xml version="1.0" encoding="utf-8"?><rss>\xff\xfe</rss>', "UnicodeError"),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="us-ascii"?><rss/>', "UnicodeError"),
        (b'<?xml version="1.1"?><rss/>', "BadXmlVersion"),
        (b'<?xml version="2.0"?><rss/>', "BadXmlVersion"),
        (b"<rss><channel></rss>", "SAXError"),
        (b"<rss><dc:x/></rss>", "SAXError"),
        (b"<rss/>", "MissingEncoding"),
        (b'<?xml version="1.0" encoding="mac-cyrillic"?><rss/>', "ObscureEncoding"),
        (b'<?xml version="1.0" encoding="iso-8859-1"?><rss/>', "NonstdEncoding"),
    ],
)
def test_xml_faults_have_w3c_names(data: bytes, code: str) -> None:
    assert code in codes(data)


def test_legacy_vietnamese_encodings_are_read() -> None:
    # windows-1258 writes tones as combining marks: "Đà Nẵng" is Đ, à, ă + U+0303
    legacy = "\u0110\u00e0 N\u0103\u0303ng"
    for encoding, text in (("windows-1258", legacy), ("utf-16", "Hà Nội đón Tết")):
        data = f'<?xml version="1.0" encoding="{encoding}"?><rss><t>{text}</t></rss>'
        report = Report()
        tree = parse_xml(data.encode(encoding), report)
        assert tree is not None, report.messages
        # libxml2 (iconv) composes windows-1258's tone marks, Python's codec does not
        assert unicodedata.normalize("NFC", tree.findtext("t") or "") == (
            unicodedata.normalize("NFC", text)
        )
        assert not {"UnicodeError", "SAXError", "UnknownEncoding"} & report.codes()


def test_entities_in_utf16_without_a_bom_are_found() -> None:
    bomb = '<!DOCTYPE r [<!ENTITY a "xxxxxxxxxx">]><r>&a;&a;</r>'
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le"):
        assert "EntityDeclaration" in codes(bomb.encode(encoding)), encoding


def test_the_declared_encoding_stays_visible_to_the_rules() -> None:
    # the iTunes rules (NotUTF8) read docinfo.encoding
    for encoding in ("iso-8859-1", "windows-1252", "utf-8", "mac-cyrillic"):
        data = f'<?xml version="1.0" encoding="{encoding}"?><rss><t>Tết</t></rss>'
        tree = parse_xml(data.encode(encoding, errors="replace"), Report())
        assert tree is not None
        seen = (tree.docinfo.encoding or "").lower()
        # libxml2 decodes the common encodings itself; for the others, lxml gets UTF-8
        assert seen == (encoding if encoding != "mac-cyrillic" else "utf-8")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(junk: bytes) -> None:
    report = validate(b"<" + junk, profile="portal")
    assert report.format in ("unknown", "atom", "rss")
    assert validate(b"{" + junk, profile="portal").format == "json"


_SUBSET_ITEMS = st.sampled_from(
    ['<!ENTITY e "x">', "<!ENTITY e SYSTEM 'file:///etc/passwd'>", '<!ENTITY % p "x">',
     "<!-- ] -->", "<?pi ] ' ?>", '<!ATTLIST r a CDATA "]">', "<!ELEMENT r ANY>", " ", "\n",
     "<!-- <!ENTITY x 'y'> -->", "<!NOTATION n SYSTEM 'n'>", "%p;"]
)  # fmt: skip
_PROLOGS = st.sampled_from(
    ["", '<?xml version="1.0"?>\n', "\ufeff", "<!-- <!DOCTYPE x [ -->", "<?pi [?>\n  "]
)


@settings(max_examples=400, deadline=None)
@given(_PROLOGS, st.lists(_SUBSET_ITEMS, max_size=8))
def test_no_entity_reaches_the_parser_unreported(prolog: str, items: list[str]) -> None:
    """Whatever libxml2 takes for an entity declaration, the prolog scan refuses."""
    from lxml import etree

    data = f"{prolog}<!DOCTYPE r [{''.join(items)}]><r>&e;</r>".encode()
    report = validate(data)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        dtd = etree.fromstring(data, parser).getroottree().docinfo.internalDTD
    except etree.XMLSyntaxError:
        return
    if dtd is not None and list(dtd.iterentities()):  # type: ignore[union-attr]
        assert {"EntityDeclaration", "ExternalEntity"} & report.codes(), report.messages
