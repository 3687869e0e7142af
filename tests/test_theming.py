"""A site's own theme: chosen by name, a folder under themes/ beside the content that overrides
single files of the bundled default (templates, static files, labels key by key), never a path
and never inside content/ (a theme is code); a word for every label in every site language."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from cli_run import assert_located_error, run_cli
from conftest import DEMO, DEMO_NOW, ROOT, at

from generator.build import build, render
from generator.content.check import check
from generator.errors import ThemeError
from generator.resident.site import IncrementalSite
from generator.site import theme as theme_module
from generator.site.theme import bundled_labels, chosen_theme, load_theme

DEFAULT = ROOT / "themes" / "default"
BRAND = '<a class="brand" href="{{ url(\'index.html\') }}"><img src="{{ asset(\'logo.svg\') }}" alt=""> MyBank</a>\n'
# What the default theme shows where the brand is, and the stylesheet link a brand.css adds.
DEFAULT_BRAND = re.compile(r'<a class="brand" href="[^"]*">[^<]*(?:<span lang="\w+">[^<]*</span>)?</a>')
OWN_BRAND = re.compile(r'<a class="brand" href="[^"]*"><img src="[^"]*" alt=""> MyBank</a>')
BRAND_CSS = re.compile(r'<link rel="stylesheet" href="[^"]*assets/brand\.\w+\.css">\n')


def site_with(tmp_path: Path, files: dict[str, str], theme: str = "mybank") -> Path:
    """The demo content in tmp_path/site, with site.yaml naming `theme` and `files` written under
    themes/<theme>/; returns the content folder."""
    content = Path(shutil.copytree(DEMO, tmp_path / "site" / "content"))
    settings = content / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("theme: default", f"theme: {theme}"),
                        encoding="utf-8")
    for rel, text in files.items():
        path = tmp_path / "site" / "themes" / theme / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def test_a_theme_folder_overrides_the_brand_and_one_css_file_and_takes_everything_else_from_the_default(
        tmp_path: Path) -> None:
    content = site_with(tmp_path, {"templates/_brand.html": BRAND, "static/brand.css": ":root { --link: #005a3c; }\n",
                                   "static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n'})
    own = render(content, at(DEMO_NOW)).files
    default = render(DEMO, at(DEMO_NOW)).files
    added = {path for path in own if path not in default}
    assert {re.sub(r"\.\w{10}\.", ".", path) for path in added} == {"assets/brand.css", "assets/logo.svg"}
    assert set(default) <= set(own), "every file of the default site is still made"
    pages = [path for path in default if path.endswith(".html")]
    for path in default:
        if path not in pages:
            assert own[path] == default[path], path  # the default's stylesheet, feeds, API … unchanged
            continue
        mine, theirs = own[path].decode("utf-8"), default[path].decode("utf-8")
        if not path.endswith("widget.html"):
            assert len(OWN_BRAND.findall(mine)) == 1 and len(DEFAULT_BRAND.findall(theirs)) == 1, path
        assert len(BRAND_CSS.findall(mine)) == 1 and not BRAND_CSS.findall(theirs), path
        assert BRAND_CSS.sub("", OWN_BRAND.sub("", mine)) == DEFAULT_BRAND.sub("", theirs), path


def test_a_theme_folder_overrides_labels_key_by_key(tmp_path: Path) -> None:
    content = site_with(tmp_path, {"labels.yaml": "ko:\n  history: 장애 기록\nen:\n  history: Past incidents\n"})
    files = render(content, at(DEMO_NOW)).files
    korean, english = files["index.html"].decode("utf-8"), files["en/index.html"].decode("utf-8")
    assert ">장애 기록</a>" in korean and ">Past incidents</a>" in english
    assert "서비스별 상태" in korean and "Status by service" in english, "the other words are the default's"
    assert b"Recent incidents" in files["en/feeds/incidents.atom"], "the machine outputs keep the bundled words"


def test_a_changed_override_file_and_a_changed_bundled_file_both_make_the_next_build_rebuild(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = Path(shutil.copytree(ROOT / "themes", tmp_path / "bundled", ignore=shutil.ignore_patterns("__pycache__")))
    monkeypatch.setattr(theme_module, "bundled_themes", lambda: bundled)
    monkeypatch.setattr("generator.build.bundled_themes", lambda: bundled)
    content = site_with(tmp_path, {"templates/_brand.html": BRAND, "static/logo.svg": "<svg/>\n"})
    out = tmp_path / "public"
    build(content, out, at(DEMO_NOW))
    assert build(content, out, at(DEMO_NOW)).up_to_date
    brand = tmp_path / "site" / "themes" / "mybank" / "templates" / "_brand.html"
    brand.write_text(BRAND.replace("MyBank", "MyBank Korea"), encoding="utf-8")
    assert not build(content, out, at(DEMO_NOW)).up_to_date
    assert "MyBank Korea" in (out / "index.html").read_text(encoding="utf-8")
    footer = bundled / "default" / "templates" / "_footer.html"
    footer.write_text(footer.read_text(encoding="utf-8") + '<p class="bundled-note">note</p>\n', encoding="utf-8")
    assert not build(content, out, at(DEMO_NOW)).up_to_date
    assert 'class="bundled-note"' in (out / "history.html").read_text(encoding="utf-8")


def test_the_preview_rebuilds_everything_when_an_override_file_changes(tmp_path: Path) -> None:
    content = site_with(tmp_path, {"templates/_brand.html": BRAND, "static/logo.svg": "<svg/>\n"})
    site = IncrementalSite(content, at(DEMO_NOW))
    site.rebuild()
    brand = tmp_path / "site" / "themes" / "mybank" / "templates" / "_brand.html"
    brand.write_text(BRAND.replace("MyBank", "MyBank Korea"), encoding="utf-8")
    result = site.rebuild([brand])
    assert result.full
    assert "MyBank Korea" in (site.get("index.html") or b"").decode("utf-8")


@pytest.mark.parametrize("theme", ["../content/evil", "/tmp/evil", "themes/default", "..", "Default", "my theme"])
def test_check_refuses_a_theme_that_is_not_a_name_at_its_line(demo: Path, theme: str) -> None:
    settings = demo / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("theme: default", f'theme: "{theme}"'),
                        encoding="utf-8")
    line = next(n for n, text in enumerate(settings.read_text(encoding="utf-8").splitlines(), 1) if "theme:" in text)
    for command in ("check", "build"):
        result = run_cli(command, cwd=demo.parent)
        assert_located_error(result, f"content/site.yaml:{line}:", f"theme '{theme}' is not a theme name")
        assert "never by path" in result.stderr


EVIL = '{{ cycler.__init__.__globals__.os.popen("touch PWNED").read() }}'


def test_a_theme_inside_the_content_folder_never_runs(tmp_path: Path) -> None:
    """Issue 22's repro: a template that runs a command, put where content editors can write."""
    content = Path(shutil.copytree(DEMO, tmp_path / "content"))
    evil = content / "evil" / "templates" / "base.html"
    evil.parent.mkdir(parents=True)
    evil.write_text(EVIL + (DEFAULT / "templates" / "base.html").read_text(encoding="utf-8"), encoding="utf-8")
    settings = content / "site.yaml"
    original = settings.read_text(encoding="utf-8")
    settings.write_text(original.replace("theme: default", "theme: ../content/evil"), encoding="utf-8")
    for command in (["check"], ["build"]):
        assert run_cli(*command, cwd=tmp_path).returncode == 1
    settings.write_text(original, encoding="utf-8")
    result = run_cli("build", "--theme", "../content/evil", cwd=tmp_path)
    assert result.returncode == 1 and "--theme: error: theme '../content/evil' is not a theme name" in result.stderr
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "evil").symlink_to(content / "evil")
    settings.write_text(original.replace("theme: default", "theme: evil"), encoding="utf-8")
    for command in (["check"], ["build"]):
        result = run_cli(*command, cwd=tmp_path)
        assert_located_error(result, "content/site.yaml:", "theme 'evil' is inside the content folder")
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "public").exists()


def test_an_unknown_theme_is_named_at_its_line_with_the_themes_there_are(demo: Path) -> None:
    settings = demo / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("theme: default", "theme: mybank"),
                        encoding="utf-8")
    result = run_cli("check", cwd=demo.parent)
    assert_located_error(result, "content/site.yaml:", "theme 'mybank' not found")
    assert "make themes/mybank/" in result.stderr and "default" in result.stderr


def test_a_label_missing_in_one_language_is_refused_naming_the_key_and_the_file(tmp_path: Path) -> None:
    content = site_with(tmp_path, {"labels.yaml": "ko:\n  footer_note: 예금자보호법에 따라 보호됩니다\n"})
    result = run_cli("check", cwd=content.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "themes/mybank/labels.yaml: error: no 'en' word for the label 'footer_note'" in result.stderr
    assert run_cli("build", cwd=content.parent).returncode == 1 and not (content.parent / "public").exists()


def test_a_site_language_the_theme_has_no_words_for_is_refused_naming_the_language(tree) -> None:
    tree.replace("site.yaml", "languages: [ko, en]", "languages: [ko, en, ja]")
    checked = check(tree.root)
    assert checked.files.site is not None
    with pytest.raises(ThemeError) as refused:
        load_theme(chosen_theme(tree.root, checked.files.site), checked.content.site.languages)
    [problem] = refused.value.problems
    assert problem.location.file.endswith("themes/default/labels.yaml")
    assert "no 'ja' word for the labels" in problem.message and "'home'" in problem.message
    assert "themes/default/labels.yaml beside the content folder" in problem.hint


def test_a_template_asking_for_a_label_no_labels_yaml_has_is_an_error_not_a_key_on_the_page(tmp_path: Path) -> None:
    content = site_with(tmp_path, {"templates/_footer.html": "<p>{{ _('footer_note') }}</p>\n"})
    with pytest.raises(ThemeError) as refused:
        render(content, at(DEMO_NOW))
    assert "a template asks for the label 'footer_note'" in refused.value.problems[0].message


def test_the_bundled_labels_have_every_key_in_every_language() -> None:
    labels = bundled_labels()
    assert set(labels.by_language) == {"ko", "en"}
    assert labels.of("ko").keys() == labels.of("en").keys() and len(labels.of("en")) > 50


def test_two_builds_with_a_theme_folder_are_byte_identical(tmp_path: Path) -> None:
    content = site_with(tmp_path, {"templates/_brand.html": BRAND, "static/logo.svg": "<svg/>\n"})
    digests = []
    for name in ("a", "b"):
        build(content, tmp_path / name, at(DEMO_NOW), use_cache=False)
        digests.append({p.relative_to(tmp_path / name).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})
    assert digests[0] == digests[1]


def test_a_theme_with_other_words_for_a_listed_incident_shows_them_after_another_theme_in_one_process(
        tmp_path: Path) -> None:
    """A listed incident's span is made once per theme and language, so another theme (the
    preview loads one again when its files change) must never show the first one's words."""
    page = "services/id-card-check.html"
    before = render(DEMO, at(DEMO_NOW)).files[page].decode("utf-8")
    assert '<span class="meta-inline">진행 중</span>' in before
    content = site_with(tmp_path, {"labels.yaml": "ko:\n  ongoing: 복구 중\nen:\n  ongoing: Being restored\n"})
    after = render(content, at(DEMO_NOW)).files[page].decode("utf-8")
    assert '<span class="meta-inline">복구 중</span>' in after and '<span class="meta-inline">진행 중</span>' not in after
