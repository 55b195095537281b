"""The LinkedIn importer on the real 2018 and 2021 exports in ../shared, a hand-made 2026 one, and hostile archives."""
from __future__ import annotations

import csv
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import pytest

from connectors.base import Post, SourceError
from connectors.linkedin import LinkedInExport, Limits, parse_datetime, parse_file, read_export
from tests.conftest import FIXTURES, shared_path

SAMPLES = ("linkedin-data-export-schema", "samples")
EXPORT_2026 = FIXTURES / "linkedin" / "export-2026-04"
OWNER = "Ada Learner"
NOW = datetime(2026, 4, 7, 12, 0, tzinfo=UTC)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
MEMBER_ID = "123456789"
# folder as given; zipped flat; zipped inside a sub-folder with member-id suffixed names, as 2026 archives are.
LAYOUTS = ("folder", "zip", "nested-zip")
FILES_READ_2021 = {"Comments.csv", "Company Follows.csv", "Connections.csv", "Hashtag_Follows.csv", "Learning.csv",
                   "Shares.csv", "Skills.csv"}


def zip_folder(folder: Path, target: Path, *, prefix: str = "", suffixed: bool = False) -> Path:
    """Zip `folder` at test time; `prefix` puts the files in a sub-folder, `suffixed` adds a member id to some names."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = file.name
            if suffixed and file.stem in {"Shares", "Comments", "Connections", "Reactions"}:
                name = f"{file.stem}_{MEMBER_ID}{file.suffix}"
            archive.write(file, prefix + file.parent.relative_to(folder).joinpath(name).as_posix())
    return target


def load(folder: Path, layout: str, work: Path) -> LinkedInExport:
    """Read the export in `folder` laid out as one of LAYOUTS, zipping it into `work` when asked."""
    if layout == "folder":
        return read_export(folder, owner=OWNER, now=NOW)
    if layout == "zip":
        return read_export(zip_folder(folder, work / "export.zip"), owner=OWNER, now=NOW)
    archive = zip_folder(folder, work / "nested.zip", prefix="Complete_LinkedInDataExport_04-07-2026/", suffixed=True)
    return read_export(archive, owner=OWNER, now=NOW)


def base_names(export: LinkedInExport) -> set[str]:
    """The files read, without the sub-folder and member id the nested layout adds."""
    return {re.sub(rf"_{MEMBER_ID}(?=\.csv$)", "", Path(f).name) for f in export.files}


def shares(export: LinkedInExport) -> list[Post]:
    return [p for p in export.posts if p.source_id.startswith("share:")]


def comments(export: LinkedInExport) -> list[Post]:
    return [p for p in export.posts if p.source_id.startswith("comment:")]


@pytest.fixture(scope="module", params=LAYOUTS)
def export_2021(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LinkedInExport:
    return load(shared_path(*SAMPLES, "export-2021-06"), request.param, tmp_path_factory.mktemp("2021"))


@pytest.fixture(scope="module", params=LAYOUTS)
def export_2018(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LinkedInExport:
    return load(shared_path(*SAMPLES, "export-2018-11"), request.param, tmp_path_factory.mktemp("2018"))


@pytest.fixture(scope="module", params=LAYOUTS)
def export_2026(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LinkedInExport:
    return load(EXPORT_2026, request.param, tmp_path_factory.mktemp("2026"))


# ---------------------------------------------------------------------------------------------- 2021 sample


def test_2021_reads_only_the_known_files_and_warns_about_nothing(export_2021: LinkedInExport) -> None:
    assert base_names(export_2021) == FILES_READ_2021  # not Reactions, not messages
    assert export_2021.warnings == ()


def test_2021_connections_skip_the_notes_preamble(export_2021: LinkedInExport) -> None:
    # 5,351 rows, of which 53 hold only a date (members hidden from exports): nothing to keep of those.
    assert len(export_2021.connections) == 5351 - 53
    first = export_2021.connections[0]
    assert (first.name, first.url, first.company, first.position, first.connected_on) == (
        "First_0dc3c1 Last_e71368", "", "KPMG UK", "Senior HR Business Partner", date(2021, 6, 17))
    days = [c.connected_on for c in export_2021.connections]
    assert None not in days and (min(days), max(days)) == (date(2014, 2, 5), date(2021, 6, 17))
    assert not any(c.name.startswith(("Notes", "First Name")) for c in export_2021.connections)


def test_2021_shares_collapse_repeated_rows_and_undo_line_quoting(export_2021: LinkedInExport) -> None:
    with shared_path(*SAMPLES, "export-2021-06", "Shares.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # LinkedIn writes a share once per attached image (one is repeated 81 times): 279 rows, 193 shares.
    assert len(rows) == 279
    posts = shares(export_2021)
    assert len(posts) == len({r["ShareLink"] for r in rows}) == 193
    assert {p.published_at for p in posts} >= {datetime(2014, 7, 6, 20, 7, 1, tzinfo=UTC),
                                                datetime(2021, 6, 16, 15, 0, 2, tzinfo=UTC)}
    assert min(p.published_at for p in posts) == datetime(2014, 7, 6, 20, 7, 1, tzinfo=UTC)
    covid = next(p for p in posts if p.text.startswith("So I did an exploratory analysis"))
    assert covid.url == "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A6810486256754036736"
    assert covid.source_id == f"share:{covid.url}"
    assert "Power BI.\n\nClearly Covid was kind to Africa, at least compared to the rest of the world.\n\nOnly" \
        in covid.text
    assert covid.text.endswith("https://lnkd.in/d-Tza-r\n\n#Mysql #dataanalytics #powerbi")
    assert '"' not in covid.text
    assert covid.title == ("So I did an exploratory analysis on Covid-19 Dataset from when the virus broke out to "
                           "early June…")
    assert (covid.community, covid.author, covid.metrics, covid.lang) == (f"linkedin:{OWNER}", OWNER, {}, None)
    assert covid.fetched_at == NOW


def test_2021_shares_without_words_keep_their_link(export_2021: LinkedInExport) -> None:
    posts = {p.url: p for p in shares(export_2021)}
    bare = posts["https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A6810944047256014848"]
    assert (bare.text, bare.title) == (bare.url, "")
    badge = posts["https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A6640923326833283072"]
    assert badge.text == "https://www.youracclaim.com/badges/276e86a5-2858-4980-9562-c9bfad892297/linked_in"
    assert all(p.text for p in export_2021.posts)


def test_2021_comments_glue_unquoted_line_breaks_back(export_2021: LinkedInExport) -> None:
    posts = comments(export_2021)
    # 233 CSV rows: 207 comments (three identical), 11 spilled-over message lines, 15 blank lines.
    assert len(posts) == 205
    by_time = {p.published_at: p for p in posts}
    spilled = by_time[datetime(2021, 4, 5, 21, 22, 41, tzinfo=UTC)]
    assert spilled.text == "You are too fond of free things. Lol\nI'm jumping on this one tho"
    numbered = next(p for p in posts if p.text.startswith("My take away."))
    assert numbered.text.endswith("quality.\n\n4. Don’t test depth of a river with 2 legs in")
    assert min(by_time).date() == date(2014, 3, 10)
    assert max(by_time) == datetime(2021, 6, 16, 3, 28, 40, tzinfo=UTC)
    assert by_time[max(by_time)].url == "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A6810652804911312896"


def test_2021_follows_skills_and_courses(export_2021: LinkedInExport) -> None:
    assert len(export_2021.company_follows) == 179
    assert export_2021.company_follows[:2] == ("DataTale", "FJR Group")
    assert "C&C Search | 02034753885 | [email]" in export_2021.company_follows
    # 12 rows; "datascience" and "DataScience" are one tag.
    assert len(export_2021.hashtag_follows) == 11
    assert export_2021.hashtag_follows[:3] == ("datascience", "TalentManagement", "humanresources")
    # The ",Name" header (an index column pandas added) still finds the names; one repeats.
    assert export_2021.skills[:3] == ("Strategic Human Resource Planning", "Data Analytics", "HR Policies")
    assert len(export_2021.skills) == len(set(s.casefold() for s in export_2021.skills)) == 46
    # 109 rows: 100 watched (19 of them completed) and 9 only saved, which are not courses taken.
    assert len(export_2021.courses) == 100
    assert sum(c.completed_at is not None for c in export_2021.courses) == 19
    first = export_2021.courses[0]
    assert (first.title, first.type, first.completed_at) == ("Ram Charan on Coaching High Potentials", "Course", None)
    path = next(c for c in export_2021.courses if c.title == "Become a Corporate Recruiter")
    assert (path.type, path.completed_at) == ("Learning Path", datetime(2020, 4, 23, 16, 0, tzinfo=UTC))
    assert export_2021.positions == () and export_2021.member_follows == ()


def test_2021_holds_no_email_address(export_2021: LinkedInExport) -> None:
    # The sample has addresses inside positions, a company name and shares, not only in the e-mail column.
    assert EMAIL.findall(repr(export_2021)) == []
    recruiter = next(c for c in export_2021.connections if c.company == "Thomas Lee Recruitment")
    assert recruiter.position == "Recruiter | Director | [email]"


# ---------------------------------------------------------------------------------------------- 2018 sample


def test_2018_reads_the_utf16_tab_separated_shares(export_2018: LinkedInExport) -> None:
    assert base_names(export_2018) == {"Connections.csv", "Positions.csv", "Shares.csv", "Skills.csv"}
    assert export_2018.warnings == ()
    posts = shares(export_2018)
    assert [p.published_at for p in posts] == [
        datetime(2017, 6, 8, 8, 15, 44, tzinfo=UTC), datetime(2016, 8, 25, 17, 41, 57, tzinfo=UTC),
        datetime(2016, 8, 20, 12, 16, 21, tzinfo=UTC), datetime(2016, 8, 14, 15, 58, 41, tzinfo=UTC),
        datetime(2015, 10, 4, 16, 0, 15, tzinfo=UTC)]
    assert [p.text for p in posts[1:4]] == ["Iif", "content", "hjyftf"]
    first_url = "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A6278494528462786560"
    assert posts[0].text == posts[0].url == first_url
    # A link share with no words of its own: its preview's title and description stand in.
    assert (posts[4].title, posts[4].text) == ("ICC WORLD CUP", "ICC WORLD CUP\nDUMMY SITE FOR WEB SKILLS")


def test_2018_connections_positions_and_skills(export_2018: LinkedInExport) -> None:
    assert len(export_2018.connections) == 41
    first = export_2018.connections[0]
    assert (first.name, first.company, first.position, first.connected_on) == (
        "First_e43aa5 Last_ea2171", "ApproveIT", "Owner", date(2018, 1, 8))
    assert export_2018.connections[2].connected_on == date(2017, 11, 17)  # "11/17/17, 9:40 PM"
    assert [(p.title, p.company, p.started, p.finished) for p in export_2018.positions] == [
        ("Onsite Python Developer", "Tache Technologies", date(2018, 6, 1), date(2018, 8, 1)),
        ("Backend Developer for My College ERP", "Krishna Engineering College - India",
         date(2018, 5, 1), date(2018, 8, 1))]
    assert export_2018.skills[:3] == ("HTML", "HTML5", "HTML Scripting") and len(export_2018.skills) == 38
    assert EMAIL.findall(repr(export_2018)) == []


# ---------------------------------------------------------------------------------------------- 2026 fixture


def test_2026_export_with_member_id_suffixes(export_2026: LinkedInExport) -> None:
    assert base_names(export_2026) == {"Comments.csv", "Company Follows.csv", "Connections.csv", "Learning.csv",
                                      "Member_Follows.csv", "Positions.csv", "Shares.csv", "Skills.csv"}
    assert any(f.endswith(f"Shares_{MEMBER_ID}.csv") for f in export_2026.files)
    assert export_2026.warnings == ()
    assert [(c.name, c.url, c.company, c.position, c.connected_on) for c in export_2026.connections] == [
        ("Rhea Okafor", "https://www.linkedin.com/in/rhea-okafor-example", "Example Data Labs",
         "Staff Engineer, Query Engines", date(2026, 3, 27)),
        ("Tomas Varga", "https://www.linkedin.com/in/tomas-varga-example", "Sample Analytics Ltd",
         "Data Lead | reach me: [email]", date(2025, 1, 2)),
        ("Mina Sato", "https://www.linkedin.com/in/mina-sato-example", "Example Space Agency",
         "Research Mathematician", date(2019, 7, 15))]
    assert export_2026.member_follows[1].name == "Lena Brandt, PhD"
    assert [f.name for f in export_2026.member_follows] == ["Rhea Okafor", "Lena Brandt, PhD", "Yusuf Demir 🧩"]
    assert export_2026.company_follows == ("DuckDB Labs", "Example Analytics")
    assert export_2026.skills == ("SQL", "Python", "Data Engineering")  # BOM read, "sql" folded into "SQL"
    assert [(p.title, p.company, p.started, p.finished) for p in export_2026.positions] == [
        ("Data Engineer", "Example Analytics", date(2023, 3, 1), None),
        ("Junior Analyst", "Sample Bank", date(2020, 9, 1), date(2023, 2, 1))]


def test_2026_posts_are_plain_text(export_2026: LinkedInExport) -> None:
    by_url = {p.url: p for p in shares(export_2026)}
    duckdb = by_url["https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7000000000000000001"]
    assert duckdb.text == ("Three things I learned moving our reporting to DuckDB.\n\n"
                           "First: columnar scans beat row stores for analytics & reporting.\n\n"
                           'A colleague said "measure before you migrate." She was right.')
    assert duckdb.title == "Three things I learned moving our reporting to DuckDB."
    assert duckdb.published_at == datetime(2026, 4, 2, 22, 25, 49, tzinfo=UTC)
    link_only = by_url["https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7000000000000000002"]
    assert (link_only.text, link_only.title) == ("https://example.org/articles/vector-search-primer", "")
    said = [p.text for p in comments(export_2026)]
    assert said == ['I heard someone call this a "pitch slap" and I think it\'s accurate.',
                    "Agreed, and I'd add:\n\nprofile the query before you tune it.", "Great primer on embeddings"]
    # Two comments on the same post are two posts.
    assert len({p.source_id for p in comments(export_2026)}) == 3


def test_2026_courses_watched_or_completed(export_2026: LinkedInExport) -> None:
    assert [(c.title, c.type, c.completed_at) for c in export_2026.courses] == [
        ("Learning DuckDB", "Course", datetime(2026, 3, 20, 8, 0, tzinfo=UTC)),
        ("SQL Essential Training", "Course", None)]
    assert export_2026.courses[0].description == "Query files in place & fast.\nCovers Parquet and CSV, with examples."


def test_2026_private_files_stay_out(export_2026: LinkedInExport) -> None:
    text = repr(export_2026)
    assert EMAIL.findall(text) == []
    assert "PRIVATE-MESSAGE-TEXT" not in text and "No conversations found" not in text


def record_opens(monkeypatch: pytest.MonkeyPatch, under: Path | None = None) -> list[str]:
    """The files read from here on: members of a ZIP, and files on disk (only those below `under` when given)."""
    opened: list[str] = []
    real_open, real_read_bytes = zipfile.ZipFile.open, Path.read_bytes

    def recording_open(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, *args: Any, **kwargs: Any) -> IO[bytes]:
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_open(self, name, *args, **kwargs)

    def recording_read_bytes(self: Path) -> bytes:
        if under is None or self.is_relative_to(under):
            opened.append(self.name)
        return real_read_bytes(self)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    monkeypatch.setattr(Path, "read_bytes", recording_read_bytes)
    return opened


def test_private_files_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = zip_folder(EXPORT_2026, tmp_path / "export.zip", prefix="export/")
    opened = record_opens(monkeypatch)
    read_export(archive, owner=OWNER, now=NOW)
    read_export(EXPORT_2026, owner=OWNER, now=NOW)
    names = {Path(name).name for name in opened}
    assert names and not names & {"messages.csv", "Email Addresses.csv", "LearningCoachMessages.csv"}
    assert len(opened) == 2 * 8


def test_people_from_connections_and_follows(export_2026: LinkedInExport) -> None:
    people = {p.key: p for p in export_2026.people()}
    rhea = people["https://www.linkedin.com/in/rhea-okafor-example"]
    assert (rhea.source, rhea.name, rhea.description) == ("linkedin", "Rhea Okafor",
                                                         "Staff Engineer, Query Engines at Example Data Labs")
    assert people["Lena Brandt, PhD"].url == ""
    # Rhea is both connected and followed: one person, known by her profile URL.
    assert len(people) == 3 + 2 and "Rhea Okafor" not in people


# ---------------------------------------------------------------------------------------------- bad input


def test_malformed_rows_become_warnings_and_the_rest_imports(tmp_path: Path) -> None:
    (tmp_path / "Shares.csv").write_text(
        "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
        "2026-01-01 10:00:00,https://www.linkedin.com/feed/update/1,First post,,,MEMBER_NETWORK\n"
        "2026-01-02 10:00:00,https://www.linkedin.com/feed/update/2,Too,many,fields,here,MEMBER_NETWORK\n"
        "31/31/2026,https://www.linkedin.com/feed/update/3,Bad date,,,MEMBER_NETWORK\n"
        "2026-01-04 10:00:00,https://www.linkedin.com/feed/update/4\n"
        "2026-01-05 10:00:00,https://www.linkedin.com/feed/update/5,Last post,,,MEMBER_NETWORK\n", encoding="utf-8")
    (tmp_path / "Connections.csv").write_text(
        "First Name,Last Name,Email Address,Company,Position,Connected On\n"
        "Ana,Lima,ana@example.com,Acme,Engineer,someday\n"
        ",,,Acme,Ghost,05 Feb 2014\n", encoding="utf-8")
    (tmp_path / "Learning.csv").write_text("no header here\n", encoding="utf-8")
    (tmp_path / "Skills.csv").write_bytes("Name\nCaf\xe9 management\n".encode("cp1252"))

    export = read_export(tmp_path, owner=OWNER, now=NOW)

    assert [(p.text, p.published_at) for p in export.posts] == [
        ("First post", datetime(2026, 1, 1, 10, tzinfo=UTC)), ("Bad date", None),
        ("Last post", datetime(2026, 1, 5, 10, tzinfo=UTC))]
    assert [(c.name, c.company, c.connected_on) for c in export.connections] == [("Ana Lima", "Acme", None)]
    assert export.skills == ("Café management",)
    assert export.warnings == (
        "Connections.csv: line 2: Connected On: not a date in a known format: 'someday'",
        "Connections.csv: line 3: skipped, a connection with no name",
        "Learning.csv: skipped: no header with the columns Content Title in its first 10 lines",
        "Shares.csv: line 3: skipped, 7 fields where the header has 6",
        "Shares.csv: line 4: Date: not a date in a known format: '31/31/2026'",
        "Shares.csv: line 5: skipped, 2 fields where the header has 6",
        "Skills.csv: not UTF-8; read as Windows-1252",
    )
    assert "ana@example.com" not in repr(export)


def test_a_corrupt_member_is_a_warning(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Skills.csv", "Name\nSQL\n")
        zf.writestr("Company Follows.csv", "Organization,Followed On\nDuckDB Labs,Wed Apr 01 10:00:00 UTC 2026\n")
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"Name\nSQL", b"Name\nSQX", 1))  # the CRC no longer matches

    export = read_export(archive, owner=OWNER, now=NOW)

    assert export.company_follows == ("DuckDB Labs",)
    assert export.skills == ()
    assert len(export.warnings) == 1 and export.warnings[0].startswith("Skills.csv: could not be read from the archive")


@pytest.mark.parametrize("member", ["../../outside/Shares.csv", "/etc/Shares.csv", "export/../../Shares.csv",
                                    "C:/Users/x/Shares.csv"])
def test_path_traversal_members_are_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Skills.csv", "Name\nSQL\n")
        zf.writestr(zipfile.ZipInfo(member), "Date,ShareLink,ShareCommentary\n")
    with pytest.raises(SourceError, match="path traversal") as caught:
        read_export(archive, owner=OWNER, now=NOW)
    assert member in str(caught.value) and caught.value.target == str(archive)


@pytest.mark.parametrize("member", ["Shares.csv", "messages.csv"])
def test_zip_bomb_is_refused_before_decompressing(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Skills.csv", "Name\nSQL\n")
        zf.writestr(member, b"Date,ShareLink,ShareCommentary\n" + b"2026-01-01 00:00:00,x,aaaa\n" * 700_000)
    with pytest.raises(SourceError, match=rf"member '{member}' expands \d+:1 .*zip bomb"):
        read_export(archive, owner=OWNER, now=NOW)


def test_archive_limits(tmp_path: Path) -> None:
    archive = zip_folder(EXPORT_2026, tmp_path / "export.zip")
    with pytest.raises(SourceError, match="members, more than the 5 allowed"):
        read_export(archive, owner=OWNER, now=NOW, limits=Limits(max_members=5))
    with pytest.raises(SourceError, match="bytes, more than the 1000 allowed"):
        read_export(archive, owner=OWNER, now=NOW, limits=Limits(max_total_bytes=1000))


def test_folder_reading_has_a_size_budget_and_one_copy_per_file(tmp_path: Path) -> None:
    (tmp_path / "Skills.csv").write_text("Name\nSQL\n", encoding="utf-8")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "Skills.csv").write_text("Name\nCOBOL\n", encoding="utf-8")
    (tmp_path / "Connections.csv").write_text("First Name,Last Name\n" + "Ana,Lima\n" * 100, encoding="utf-8")
    export = read_export(tmp_path, owner=OWNER, now=NOW, limits=Limits(max_total_bytes=500))
    assert export.skills == ("SQL",) and export.connections == ()
    assert export.warnings == ("Skills.csv: found 2 copies, read Skills.csv only",
                               "Connections.csv: skipped, 921 bytes is more than the 500 bytes read per export")


def test_not_an_export(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(SourceError, match="not a LinkedIn data export: neither a ZIP archive nor a folder"):
        read_export(text, owner=OWNER, now=NOW)
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(SourceError, match="not a LinkedIn data export: none of the known files"):
        read_export(empty, owner=OWNER, now=NOW)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "messages.csv").write_text("FROM,TO,CONTENT\n", encoding="utf-8")
    (folder / "Reactions.csv").write_text("Date,Type,Link\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not a LinkedIn data export: none of the known files") as caught:
        read_export(folder, owner=OWNER, now=NOW)
    assert caught.value.target == str(folder)
    with pytest.raises(SourceError, match="no such file or folder"):
        read_export(tmp_path / "missing.zip", owner=OWNER, now=NOW)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        read_export(EXPORT_2026, owner=OWNER, now=datetime(2026, 4, 7))
    with pytest.raises(ValueError, match="owner"):
        read_export(EXPORT_2026, owner=" ", now=NOW)
    with pytest.raises(ValueError, match="messages.csv: not one of the LinkedIn export files"):
        parse_file("messages.csv", b"", owner=OWNER, now=NOW)


# ---------------------------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(("value", "expected"), [
    ("1/8/18, 6:14 PM", datetime(2018, 1, 8, 18, 14, tzinfo=UTC)),
    ("05 Feb 2014", datetime(2014, 2, 5, tzinfo=UTC)),
    ("2021-06-16 10:42:29", datetime(2021, 6, 16, 10, 42, 29, tzinfo=UTC)),
    ("2017/06/08 08:15:44 UTC", datetime(2017, 6, 8, 8, 15, 44, tzinfo=UTC)),
    ("Wed Jun 16 06:56:05 UTC 2021", datetime(2021, 6, 16, 6, 56, 5, tzinfo=UTC)),
    ("1/14/2020 12:13", datetime(2020, 1, 14, 12, 13, tzinfo=UTC)),
    ("2020-12-29 14:24 UTC", datetime(2020, 12, 29, 14, 24, tzinfo=UTC)),
    ("Mar 2023", datetime(2023, 3, 1, tzinfo=UTC)),
    ("2015", datetime(2015, 1, 1, tzinfo=UTC)),
    ("N/A", None),
    ("", None),
])
def test_parse_datetime(value: str, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


def test_parse_datetime_refuses_unknown_formats() -> None:
    with pytest.raises(ValueError, match="not a date in a known format: 'yesterday'"):
        parse_datetime("yesterday")


def test_a_share_ending_in_a_backslash_does_not_swallow_the_rows_after_it() -> None:
    # Seen in a 20 Newsgroups signature turned share: only 2026 Comments escape quotes with a backslash.
    data = (b'Date,ShareLink,ShareCommentary\n'
            b'2026-03-01 10:00:00,https://www.linkedin.com/feed/update/1,"Paths on DOS look like C:\\"\n'
            b'2026-03-02 10:00:00,https://www.linkedin.com/feed/update/2,"A second share, quoted ""twice"""\n')
    part = parse_file("Shares.csv", data, owner=OWNER, now=NOW)
    assert part.warnings == ()
    assert [p.text for p in part.posts] == ["Paths on DOS look like C:\\", 'A second share, quoted "twice"']


def test_parse_file_is_pure_and_per_file() -> None:
    # The entry point a benchmark times: bytes in, one file's records out, nothing read from disk.
    data = (EXPORT_2026 / "Shares_123456789.csv").read_bytes()
    part = parse_file("Some Folder/Shares_123456789.csv", data, owner=OWNER, now=NOW)
    assert part.files == ("Some Folder/Shares_123456789.csv",)
    assert len(part.posts) == 3 and part.connections == () and part.warnings == ()
    # Old Mac line ends (a lone CR) and a tab-separated file without a BOM.
    assert parse_file("Skills.csv", b"Name\rSQL\rPython\r", owner=OWNER, now=NOW).skills == ("SQL", "Python")
    tabbed = parse_file("Positions.csv", b"Company Name\tTitle\tStarted On\nAcme\tAnalyst\tMar 2023\n",
                        owner=OWNER, now=NOW)
    assert tabbed.positions[0].started == date(2023, 3, 1)
