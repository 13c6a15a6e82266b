"""The preview server, over real HTTP on 127.0.0.1: types, validators, 304s, gzip,
cache headers and traversal refused.  feedparser's own conditional polling gets a 304."""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import feedparser
import pytest

from hnp_feeds.precompress import gzip_sibling, write_gzip_sibling
from hnp_feeds.serve import PreviewServer, accepts_gzip, make_server

ATOM = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>Tin mới</title>'
    "<id>tag:hnp.example.vn,2008:feeds/tin-moi</id><updated>2022-06-17T20:22:00+07:00</updated>"
    '<author><name>HNP</name></author><link rel="self" href="http://x/tin-moi/atom.xml"/>'
    "<entry><title>Bài một</title><id>tag:hnp.example.vn,2022-06-17:article/1</id>"
    "<updated>2022-06-17T20:22:00+07:00</updated>"
    '<link href="https://hnp.example.vn/a/1"/><summary>Tóm tắt</summary></entry></feed>\n'
).encode()
MTIME = 1_655_472_120  # 2022-06-17 13:22 UTC


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    (root / "tin-moi" / "archive").mkdir(parents=True)
    files = {
        "index.html": "<!doctype html><title>Tin</title><p>Xin chào</p>".encode(),
        "feeds.opml": b'<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>',
        "tin-moi/atom.xml": ATOM,
        "tin-moi/rss.xml": b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
        "tin-moi/feed.json": b'{"version": "https://jsonfeed.org/version/1.1"}',
        "tin-moi/archive/1.xml": ATOM,
        "tin-moi/.atom.xml.abc.tmp": b"half written",
    }
    for relpath, data in files.items():
        path = root / relpath
        path.write_bytes(data)
        os.utime(path, (MTIME, MTIME))
    (tmp_path / "secret.txt").write_text("outside the root")
    return root


@pytest.fixture
def server(feeds: Path) -> Iterator[PreviewServer]:
    srv = make_server(feeds, port=0, max_age=300)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def request(
    server: PreviewServer, path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tin-moi/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/tin-moi/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/tin-moi/feed.json", "application/feed+json; charset=utf-8"),
        ("/tin-moi/archive/1.xml", "application/atom+xml; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_content_types_carry_charset(server: PreviewServer, path: str, expected: str) -> None:
    status, headers, _ = request(server, path)
    assert status == 200
    assert headers["content-type"] == expected


def test_body_etag_last_modified_and_cache_control(server: PreviewServer) -> None:
    status, headers, body = request(server, "/tin-moi/atom.xml")
    assert status == 200
    assert body == ATOM
    assert headers["etag"].startswith('"') and not headers["etag"].startswith("W/")
    assert headers["last-modified"] == formatdate(MTIME, usegmt=True)
    assert headers["cache-control"] == "public, max-age=300"
    assert headers["content-length"] == str(len(ATOM))


def test_archive_pages_are_cached_a_day_and_revalidated_never_immutable(
    server: PreviewServer, feeds: Path
) -> None:
    (feeds / "tin-moi" / "archive" / "2.xml").write_bytes(ATOM)
    for page in ("1.xml", "2.xml"):  # a correction or a retraction may change any page
        _, headers, _ = request(server, f"/tin-moi/archive/{page}")
        assert headers["cache-control"] == "public, max-age=86400"
        assert headers["etag"] and headers["last-modified"]


def test_etag_is_computed_from_the_bytes(server: PreviewServer, feeds: Path) -> None:
    _, first, _ = request(server, "/tin-moi/atom.xml")
    _, same_bytes_elsewhere, _ = request(server, "/tin-moi/archive/1.xml")
    assert first["etag"] == same_bytes_elsewhere["etag"]
    (feeds / "tin-moi" / "atom.xml").write_bytes(ATOM.replace("Bài một".encode(), b"Changed"))
    _, changed, _ = request(server, "/tin-moi/atom.xml")
    assert changed["etag"] != first["etag"]


def test_if_none_match_gives_304_without_body(server: PreviewServer) -> None:
    _, headers, _ = request(server, "/tin-moi/atom.xml")
    status, again, body = request(server, "/tin-moi/atom.xml", If_None_Match=headers["etag"])
    assert status == 304
    assert body == b""
    assert again["etag"] == headers["etag"]
    status, _, body = request(server, "/tin-moi/atom.xml", If_None_Match='"something-else"')
    assert status == 200 and body == ATOM


def test_if_modified_since_gives_304_until_the_file_changes(
    server: PreviewServer, feeds: Path
) -> None:
    _, headers, _ = request(server, "/tin-moi/rss.xml")
    since = headers["last-modified"]
    status, _, body = request(server, "/tin-moi/rss.xml", If_Modified_Since=since)
    assert (status, body) == (304, b"")
    os.utime(feeds / "tin-moi" / "rss.xml", (MTIME + 60, MTIME + 60))
    status, _, _ = request(server, "/tin-moi/rss.xml", If_Modified_Since=since)
    assert status == 200


def test_if_none_match_wins_over_if_modified_since(server: PreviewServer) -> None:
    _, headers, _ = request(server, "/tin-moi/rss.xml")
    status, _, _ = request(
        server,
        "/tin-moi/rss.xml",
        If_None_Match='"stale"',
        If_Modified_Since=headers["last-modified"],
    )
    assert status == 200


def test_feedparser_conditional_polling_gets_304(server: PreviewServer) -> None:
    url = server.url + "tin-moi/atom.xml"
    first = feedparser.parse(url)
    assert first.status == 200
    assert first.entries[0].title == "Bài một"
    by_etag = feedparser.parse(url, etag=first.etag)
    assert by_etag.status == 304
    assert by_etag.entries == []
    by_date = feedparser.parse(url, modified=first.modified)
    assert by_date.status == 304


def test_gzip_on_request_compressed_on_the_fly(server: PreviewServer) -> None:
    status, headers, body = request(server, "/tin-moi/atom.xml", Accept_Encoding="gzip")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept, Accept-Encoding"  # atom.xml: browsers get another type
    assert gzip.decompress(body) == ATOM
    _, plain, _ = request(server, "/tin-moi/atom.xml")
    assert "content-encoding" not in plain
    assert headers["etag"] != plain["etag"]  # a strong ETag differs per content coding
    status, _, _ = request(
        server, "/tin-moi/atom.xml", Accept_Encoding="gzip", If_None_Match=headers["etag"]
    )
    assert status == 304


def test_gzip_uses_the_sibling_that_holds_the_file_and_ignores_another(
    server: PreviewServer, feeds: Path
) -> None:
    """The sibling is sent as it is when it holds the file's bytes (whatever its mtime);
    one holding other bytes (a run killed between the two writes left it a version ahead,
    or the file was edited by hand) is ignored and the file compressed now."""
    path = feeds / "tin-moi" / "atom.xml"
    assert write_gzip_sibling(path, ATOM)
    assert not write_gzip_sibling(path, ATOM)  # unchanged: not rewritten
    sibling = gzip_sibling(path)
    marker = gzip.compress(ATOM, compresslevel=1, mtime=0)  # the same bytes, told apart
    sibling.write_bytes(marker)
    os.utime(sibling, (MTIME - 10, MTIME - 10))
    _, _, body = request(server, "/tin-moi/atom.xml", Accept_Encoding="gzip, deflate")
    assert body == marker
    os.utime(path, (MTIME + 1, MTIME + 1))  # a new version of the file: read again
    sibling.write_bytes(gzip.compress(ATOM.replace(b"Tin", b"Gz!"), mtime=0))
    _, _, body = request(server, "/tin-moi/atom.xml", Accept_Encoding="gzip")
    assert gzip.decompress(body) == ATOM


def test_accept_encoding_parsing() -> None:
    assert accepts_gzip("gzip, deflate, br")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("identity")
    assert not accepts_gzip(None)
    assert not accepts_gzip("*;q=0, br")


def test_head_has_headers_and_no_body(server: PreviewServer) -> None:
    status, headers, body = request(server, "/tin-moi/feed.json", method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["content-length"]) > 0
    assert "etag" in headers


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/tin-moi/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/tin-moi/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/tin-moi/..%5c..%5csecret.txt",
        "/tin-moi/.atom.xml.abc.tmp",
        "/nope.xml",
        "/%ff%fe",
    ],
)
def test_traversal_and_hidden_files_are_404(server: PreviewServer, path: str) -> None:
    status, headers, body = request(server, path)
    assert status == 404
    assert b"outside the root" not in body
    assert headers["content-type"].startswith("text/plain")


def test_symlink_out_of_the_root_is_404(server: PreviewServer, feeds: Path) -> None:
    (feeds / "escape.txt").symlink_to(feeds.parent / "secret.txt")
    status, _, body = request(server, "/escape.txt")
    assert status == 404
    assert b"outside" not in body


def test_directory_redirects_to_slash_then_serves_its_index(
    server: PreviewServer, feeds: Path
) -> None:
    (feeds / "tin-moi" / "index.html").write_text("<p>tin-moi</p>")
    status, headers, _ = request(server, "/tin-moi")
    assert status == 301
    assert headers["location"] == "/tin-moi/"
    status, _, body = request(server, "/tin-moi/")
    assert status == 200 and body == b"<p>tin-moi</p>"
    status, _, _ = request(server, "/tin-moi/archive/")
    assert status == 404  # no listings


def test_make_server_refuses_a_missing_root(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="hnp-feeds build"):
        make_server(tmp_path / "absent", port=0)


def test_cli_serve_refuses_a_missing_directory(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hnp_feeds.cli import app

    result = CliRunner().invoke(app, ["serve", "--dir", str(tmp_path / "absent"), "--port", "0"])
    assert result.exit_code == 1
    assert "hnp-feeds build" in result.output


def test_cli_serve_help_has_an_example() -> None:
    from typer.testing import CliRunner

    from hnp_feeds.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "hnp-feeds serve --port" in result.output


# What Chromium 156, Firefox and feedparser 6 send when they fetch a feed.
BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)
FEEDPARSER_ACCEPT = (
    "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
    "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"
)


@pytest.mark.parametrize("relpath", ["/tin-moi/atom.xml", "/tin-moi/rss.xml"])
def test_a_browser_gets_the_feed_as_xml_so_it_applies_the_stylesheet(
    server: PreviewServer, relpath: str
) -> None:
    status, page, body = request(server, relpath, Accept=BROWSER_ACCEPT)
    assert status == 200
    assert page["content-type"] == "application/xml; charset=utf-8"
    assert page["vary"] == "Accept, Accept-Encoding"
    _, reader, same = request(server, relpath, Accept=FEEDPARSER_ACCEPT)
    assert reader["content-type"].startswith(("application/atom+xml", "application/rss+xml"))
    assert same == body
    assert reader["etag"] != page["etag"]  # two representations, two validators
    status, _, _ = request(server, relpath, Accept=BROWSER_ACCEPT, If_None_Match=page["etag"])
    assert status == 304
    _, anyone, _ = request(server, relpath, Accept="*/*")
    assert anyone["content-type"] == reader["content-type"]


def test_archive_pages_and_the_stylesheet_keep_their_types(server: PreviewServer) -> None:
    _, archive, _ = request(server, "/tin-moi/archive/1.xml", Accept=BROWSER_ACCEPT)
    assert archive["content-type"] == "application/atom+xml; charset=utf-8"
    assert archive["vary"] == "Accept-Encoding"
    (server.root / "feed.xsl").write_bytes(b'<?xml version="1.0"?><x/>')
    _, xsl, _ = request(server, "/feed.xsl", Accept=BROWSER_ACCEPT)
    assert xsl["content-type"] == "text/xsl; charset=utf-8"


def test_if_modified_since_in_the_future_is_ignored(server: PreviewServer) -> None:
    """A date after now is not a valid validator (RFC 9110 §13.1.3): the file is sent."""
    future = formatdate(4_102_444_800, usegmt=True)  # 2100-01-01
    status, _, body = request(server, "/tin-moi/rss.xml", If_Modified_Since=future)
    assert status == 200 and body.startswith(b"<?xml")


@pytest.fixture
def strict_server(feeds: Path) -> Iterator[PreviewServer]:
    """A server with short timeouts, as a test can wait for them."""
    # Short, yet far above what answering one small file takes on a loaded machine.
    srv = make_server(feeds, port=0, max_age=300, idle_timeout=0.5, request_timeout=2.0)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed the connection (EOF or reset) before our own 10 s."""
    sock.settimeout(10)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_an_idle_connection_is_closed(strict_server: PreviewServer) -> None:
    host, port = strict_server.server_address[:2]
    with socket.create_connection((str(host), port)) as sock:
        assert _closed_by_server(sock)


def test_an_idle_keep_alive_connection_is_closed_after_its_answer(
    strict_server: PreviewServer,
) -> None:
    host, port = strict_server.server_address[:2]
    with socket.create_connection((str(host), port)) as sock:
        sock.sendall(b"HEAD /tin-moi/rss.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        assert _closed_by_server(sock)


def test_a_client_trickling_its_headers_is_cut_off(strict_server: PreviewServer) -> None:
    """A byte every 50 ms keeps each read under the idle timeout; the request's own
    deadline still ends it."""
    host, port = strict_server.server_address[:2]
    with socket.create_connection((str(host), port)) as sock:
        sock.sendall(b"GET /tin-moi/rss.xml HTTP/1.1\r\n")
        cut = False
        for _ in range(400):  # at most 20 s
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            time.sleep(0.05)
            sock.settimeout(0)
            try:
                if sock.recv(1) == b"":
                    cut = True
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                cut = True
                break
        assert cut, "the trickling request was never cut off"
    # The server still answers others.
    assert request(strict_server, "/tin-moi/rss.xml")[0] == 200


def test_the_cache_keeps_one_version_per_file_within_its_byte_cap(feeds: Path) -> None:
    """Every rewrite of a file (a new mtime) replaces its cached version, and past the
    byte cap the least recently served files leave the cache."""
    srv = make_server(feeds, port=0, max_age=300, cache_bytes=len(ATOM) * 2)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        path = feeds / "tin-moi" / "atom.xml"
        for n in range(20):
            os.utime(path, (MTIME + n, MTIME + n))
            status, headers, body = request(srv, "/tin-moi/atom.xml")
            assert status == 200 and body == ATOM
            assert headers["last-modified"] == formatdate(MTIME + n, usegmt=True)
        assert srv.cached == (1, len(ATOM))
        for relpath in ("tin-moi/archive/1.xml", "index.html", "feeds.opml", "tin-moi/rss.xml"):
            assert request(srv, "/" + relpath)[0] == 200
            files, size = srv.cached
            assert size <= len(ATOM) * 2 and files <= 4
        # What left the cache is read again from disk, unchanged.
        assert request(srv, "/tin-moi/atom.xml")[2] == ATOM
    finally:
        srv.shutdown()
        srv.server_close()
