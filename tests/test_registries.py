"""``itsutsuboshi registries``: refresh the ABR tables from a (real, local) HTTP server or a folder, safely.

The fixtures in tests/fixtures/registries are real ABR rows (和歌山県, 和歌山市 and 海南市; CRLF, as
published): see that folder's README. Every update writes into a temporary folder; ``ITSUTSUBOSHI_DATA``
points at one too, so the user's ``~/.local/share`` is never read or written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters import local_governments, towns
from itsutsuboshi.linking import registries

from .conftest import ROOT, SHARED

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registries"
LAYOUT = {  # file → folder on the ABR download site
    "mt_pref_all.csv": "mt_pref",
    "mt_city_all.csv": "mt_city",
    "mt_town_pref30.csv": "mt_town/pref",
    "mt_town_pos_pref30.csv": "mt_town_pos/pref",
}
TABLES = ("local_governments.csv", "towns.csv.gz", "registries.json")


def _zip(dest: Path, members: dict[str, bytes]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 10, 19, 22, 0)), data,
                        compress_type=zipfile.ZIP_DEFLATED)


def _site(root: Path, **changed: bytes | None) -> Path:
    """An ABR download tree; ``changed`` replaces a CSV's bytes (None leaves its zip out)."""
    root.mkdir(parents=True)
    for name, folder in LAYOUT.items():
        data = changed.get(name, (FIXTURES / name).read_bytes())
        if data is not None:
            _zip(root / folder / (name + ".zip"), {name: data})
    return root


class _Handler(SimpleHTTPRequestHandler):
    """Static files, plus ``/short/…``: the ``good`` file announced with its length but cut in half."""

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        pass

    def do_GET(self):  # noqa: N802 - http.server naming
        self.server.user_agents.append(self.headers.get("User-Agent", ""))
        if self.path.startswith("/short/"):
            data = (Path(self.directory) / "good" / self.path[len("/short/"):]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A real HTTP server on 127.0.0.1 serving good and broken copies of the ABR download tree."""
    root = tmp_path_factory.mktemp("abr-site")
    town = (FIXTURES / "mt_town_pref30.csv").read_bytes()
    city = (FIXTURES / "mt_city_all.csv").read_bytes()
    good = _site(root / "good")
    _site(root / "truncated")
    archive = root / "truncated" / "mt_town" / "pref" / "mt_town_pref30.csv.zip"
    archive.write_bytes((good / "mt_town" / "pref" / "mt_town_pref30.csv.zip").read_bytes()[:-200])
    _site(root / "badheader", **{"mt_town_pref30.csv": town.replace(b",machiaza_id,", b",machiaza,", 1)})
    _site(root / "badcheck", **{"mt_city_all.csv": city.replace(b"\r\n302015,", b"\r\n302016,")})
    _site(root / "missing", **{"mt_town_pref30.csv": None})
    _site(root / "twofiles")
    _zip(root / "twofiles" / "mt_pref" / "mt_pref_all.csv.zip",
         {"mt_pref_all.csv": (FIXTURES / "mt_pref_all.csv").read_bytes(), "readme.txt": b"x"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.user_agents = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/", "root": root, "server": server}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Keep every lookup and default away from the real data folder; no proxy for 127.0.0.1."""
    data = tmp_path / "user-data"
    monkeypatch.setenv("ITSUTSUBOSHI_DATA", str(data))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    registries.clear_caches()
    yield data
    registries.clear_caches()


@pytest.fixture(scope="module")
def previous(site, tmp_path_factory):
    """Tables written by an earlier, good update: the failures below must leave them byte-identical."""
    folder = tmp_path_factory.mktemp("previous") / "tables"
    registries.update(site["url"] + "good/", ["30"], folder, check_counts=False)
    registries.clear_caches()
    return folder


def _invoke(*args: str):
    return CliRunner().invoke(main, ["registries", *args])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_update_over_http_writes_tables_the_loaders_then_use(site, tmp_path, monkeypatch):
    out = tmp_path / "tables"
    result = _invoke("update", "--from", site["url"] + "good", "--prefecture", "30", "--to", str(out),
                     "--allow-smaller")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)  # no staging folder left behind
    assert "mt_town_pref30.csv" in result.stderr and "8 行 / rows" in result.stderr  # a line per file
    assert "市区町村 / municipalities:       2" in result.stdout
    assert "町字 / towns (machiaza):         8 (代表点あり / with points: 5)" in result.stdout
    assert str(out.resolve()) in result.stdout
    assert any(ua.startswith("itsutsuboshi/") for ua in site["server"].user_agents)

    record = json.loads((out / "registries.json").read_text(encoding="utf-8"))
    assert record["source"] == site["url"] + "good"
    assert record["prefectures"] == ["30"]
    files = {f["name"]: f for f in record["files"]}
    assert set(files) == set(LAYOUT)
    for name, f in files.items():
        data = (FIXTURES / name).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
        assert f["rows"] == data.count(b"\r\n") - 1
        assert f["from"] == f"{site['url']}good/{LAYOUT[name]}/{name}.zip"
        assert f["date"] == "2026-03-10"
    assert record["tables"]["towns.csv.gz"] == {**record["tables"]["towns.csv.gz"], "rows": 8, "with_points": 5}
    assert record["tables"]["towns.csv.gz"]["sha256"] == hashlib.sha256((out / "towns.csv.gz").read_bytes()).hexdigest()
    assert "アドレス・ベース・レジストリ" in record["attribution"]

    monkeypatch.setenv("ITSUTSUBOSHI_DATA", str(out))
    registries.clear_caches()
    assert towns.prefectures() == frozenset({"30"})
    assert [t.name for t in towns.towns_of("302015")][:3] == ["葵町", "秋月", "秋葉町"]
    aoi = towns.get("302015", "0001000")
    assert aoi is not None and (aoi.lat, aoi.lon) == (34.21348, 135.163085)
    assert towns.get("302023", "0002000").lat is None  # no representative point published for 且来
    assert towns.towns_of("131016") == []
    assert local_governments.by_code("302015").city == "和歌山市"
    assert local_governments.find("海南市").code == "302023"
    assert local_governments.by_code("131016") is None  # the shipped table is no longer used
    assert len(local_governments.all_local_governments()) == 3
    text = (out / "local_governments.csv").read_text(encoding="utf-8")
    assert text.startswith("# Derived from アドレス・ベース・レジストリ (デジタル庁) mt_pref_all.csv 2026-03-10")
    assert "「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成" in text.splitlines()[0]


def test_an_implausibly_small_update_is_refused(site, tmp_path):
    out = tmp_path / "tables"  # nothing there yet: the shipped tables (1,965 codes, 3,544 町字 in 30) are replaced
    result = _invoke("update", "--from", site["url"] + "good/", "--prefecture", "30", "--to", str(out))
    assert result.exit_code == 1
    assert "mt_city_all.csv" in result.stderr and "implausibly few rows" in result.stderr
    assert "表は変更していません / The tables were not changed" in result.stderr
    assert not out.exists()  # the folder it had to create is removed again


def test_a_second_update_defaults_to_the_prefectures_of_the_table_it_replaces(site, previous, tmp_path):
    folder = tmp_path / "tables"
    shutil.copytree(previous, folder)
    before = _snapshot(folder)
    result = _invoke("update", "--from", site["url"] + "good/", "--to", str(folder))  # no --allow-smaller
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "registries.json").read_text("utf-8"))["prefectures"] == ["30"]
    assert (folder / "towns.csv.gz").read_bytes() == before["towns.csv.gz"]  # same input, same table


@pytest.mark.parametrize(("tree", "file", "problem"), [
    ("truncated", "mt_town_pref30.csv.zip", "not a valid zip file"),
    ("short", "mt_pref_all.csv.zip", "cut short"),
    ("badheader", "mt_town_pref30.csv", "missing columns: machiaza_id"),
    ("badcheck", "mt_city_all.csv", "lg_code '302016' fails the 全国地方公共団体コード check digit"),
    ("missing", "mt_town_pref30.csv.zip", "HTTP 404"),
    ("twofiles", "mt_pref_all.csv.zip", "exactly one CSV"),
])
def test_a_bad_source_fails_and_leaves_the_tables_untouched(site, previous, tmp_path, tree, file, problem):
    folder = tmp_path / "tables"
    shutil.copytree(previous, folder)
    before = _snapshot(folder)
    result = _invoke("update", "--from", site["url"] + tree + "/", "--prefecture", "30", "--to", str(folder),
                     "--allow-smaller")
    assert result.exit_code == 1, result.output
    assert f"エラー / error: {file}: " in result.stderr
    assert problem in result.stderr
    assert "表は変更していません / The tables were not changed" in result.stderr
    assert _snapshot(folder) == before  # byte-identical, and no staging folder left


def test_update_from_a_folder_of_extracted_csvs(previous, tmp_path):
    out = tmp_path / "tables"
    result = _invoke("update", "--from", str(FIXTURES), "--prefecture", "30", "--to", str(out), "--allow-smaller")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "registries.json").read_text("utf-8"))
    assert record["source"] == str(FIXTURES)
    assert {f["from"] for f in record["files"]} == {str(FIXTURES / name) for name in LAYOUT}
    assert (out / "towns.csv.gz").read_bytes() == (previous / "towns.csv.gz").read_bytes()


def test_update_from_a_folder_of_zips_in_subfolders(site, previous, tmp_path):
    out = tmp_path / "tables"
    result = _invoke("update", "--from", str(site["root"] / "good"), "--prefecture", "30", "--to", str(out),
                     "--allow-smaller")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "registries.json").read_text("utf-8"))
    assert all(f["date"] == "2026-03-10" and f["archive_sha256"] for f in record["files"])
    body = (out / "local_governments.csv").read_bytes().split(b"\n", 1)
    assert body[0].startswith("# Derived from アドレス・ベース・レジストリ (デジタル庁) mt_pref_all.csv 2026-03-10".encode())
    assert body[1] == (previous / "local_governments.csv").read_bytes().split(b"\n", 1)[1]
    assert (out / "towns.csv.gz").read_bytes() == (previous / "towns.csv.gz").read_bytes()


def test_a_folder_without_position_files_gives_towns_without_points(tmp_path):
    source = tmp_path / "abr"
    source.mkdir()
    for name in ("mt_pref_all.csv", "mt_city_all.csv", "mt_town_pref30.csv"):
        shutil.copy(FIXTURES / name, source / name)
    out = tmp_path / "tables"
    result = _invoke("update", "--from", str(source), "--prefecture", "30", "--to", str(out), "--allow-smaller")
    assert result.exit_code == 0, result.output
    assert "no representative points for prefecture 30" in result.stderr
    record = json.loads((out / "registries.json").read_text("utf-8"))
    assert record["without_points"] == ["30"] and record["tables"]["towns.csv.gz"]["with_points"] == 0


def test_a_folder_without_a_master_fails(previous, tmp_path):
    source = tmp_path / "abr"
    source.mkdir()
    shutil.copy(FIXTURES / "mt_pref_all.csv", source / "mt_pref_all.csv")
    folder = tmp_path / "tables"
    shutil.copytree(previous, folder)
    before = _snapshot(folder)
    result = _invoke("update", "--from", str(source), "--prefecture", "30", "--to", str(folder), "--allow-smaller")
    assert result.exit_code == 1
    assert "mt_city_all.csv: " in result.stderr and "not found in" in result.stderr
    assert _snapshot(folder) == before
    result = _invoke("update", "--from", str(tmp_path / "nowhere"), "--to", str(folder))
    assert result.exit_code == 1 and "no such folder" in result.stderr


def test_prefecture_codes_are_checked():
    result = _invoke("update", "--prefecture", "48", "--to", "unused")
    assert result.exit_code == 2 and "01" in result.output
    assert registries.prefecture_code("1") == "01"


def test_prefectures_can_be_given_comma_separated(tmp_path):
    out = tmp_path / "tables"
    result = _invoke("update", "--from", str(FIXTURES), "--prefecture", "30,", "--prefecture", "30", "--to", str(out),
                     "--allow-smaller")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "registries.json").read_text("utf-8"))["prefectures"] == ["30"]


def test_show_reports_the_tables_in_use_and_their_source(site, isolated):
    result = _invoke("show", "--json")
    assert result.exit_code == 0, result.output
    shipped = json.loads(result.stdout)
    assert {t["in_use"] for t in shipped["tables"].values()} == {"shipped"}
    assert shipped["tables"]["local_governments.csv"]["municipalities"] > 1700
    assert "30" in shipped["tables"]["towns.csv.gz"]["prefectures"] and shipped["update"] is None
    assert "同梱 / shipped" in _invoke("show").stdout

    result = _invoke("update", "--from", site["url"] + "good/", "--prefecture", "30", "--allow-smaller")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in isolated.iterdir()) == sorted(TABLES)  # default --to: $ITSUTSUBOSHI_DATA
    result = _invoke("show")
    assert result.exit_code == 0, result.output
    assert "更新版 / updated" in result.stdout
    assert f"取得元 / source: {site['url']}good/" in result.stdout
    assert "mt_town_pref30.csv" in result.stdout
    info = json.loads(_invoke("show", "--json").stdout)
    assert info["tables"]["towns.csv.gz"]["rows"] == 8 and info["update"]["prefectures"] == ["30"]


def test_progress_bar_when_interactive(site, tmp_path, capsys):
    registries.update(site["url"] + "good/", ["30"], tmp_path / "t", check_counts=False,
                      progress=registries.Progress(interactive=True))
    assert "mt_town_pref30.csv.zip" in capsys.readouterr().err


def test_registries_subcommands_and_options_are_documented():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    group = main.commands["registries"]
    for name, command in group.commands.items():
        assert f"`itsutsuboshi registries {name}`" in text
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert f"`{opt}`" in text, (name, opt)


def test_local_governments_build_reproduces_the_shipped_table(tmp_path):
    source = SHARED / "registries" / "abr-2024-city"
    if not source.is_dir():
        pytest.skip("../shared/registries is absent")
    target = tmp_path / "local_governments.csv"
    local_governments.build(source / "mt_pref_all.csv", source / "mt_city_all.csv", target,
                            source="mt_pref_all.csv 2024-01-10, mt_city_all.csv 2024-03-12")
    shipped = registries.shipped_table("local_governments.csv").read_bytes()
    assert target.read_bytes() == shipped


def test_update_from_the_original_abr_files_reproduces_the_shipped_rows(tmp_path):
    """``--from`` the maintainers' folder (subfolders, CSVs only): Tokyo and Wakayama, with points, as shipped."""
    source = SHARED / "registries"
    if not (source / "abr-town-sample").is_dir():
        pytest.skip("../shared/registries is absent")
    out = tmp_path / "tables"
    result = _invoke("update", "--from", str(source), "--prefecture", "13", "--prefecture", "30", "--to", str(out))
    assert result.exit_code == 0, result.output  # the row-count check passes: same rows as the shipped table
    assert "no longer covered: 11, 12, 22, 27, 35, 37, 38, 42, 47" in result.stdout

    def rows(data: bytes, prefixes: tuple[str, ...]) -> list[str]:
        return [line for line in gzip.decompress(data).decode("utf-8").splitlines() if line.startswith(prefixes)]

    shipped = registries.shipped_table("towns.csv.gz").read_bytes()
    assert rows((out / "towns.csv.gz").read_bytes(), ("lg_code", "13", "30")) == rows(shipped, ("lg_code", "13", "30"))
    new_lg = (out / "local_governments.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    assert new_lg == registries.shipped_table("local_governments.csv").read_text(encoding="utf-8").split("\n", 1)[1]
