"""The CI files shipped for users (GitHub Actions in .github/, GitLab CI in the deployment
guide, docs/guide/deployment.md) parse and name only what exists: make targets, broadsheet
verbs and options, the folders to cache."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from broadsheet.cli import parser
from broadsheet.config import load_config

WORKFLOW = REPO / ".github" / "workflows" / "site.yml"


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([a-z][\w-]*):", text, re.M)}


def check_command(line: str) -> None:
    """A shell line of a CI job: `make TARGET` or `.venv/bin/broadsheet VERB [options]`,
    parsed by broadsheet's own argument parser (which exits on anything unknown)."""
    words = shlex.split(line)
    if words[0] == "make":
        assert set(words[1:]) <= make_targets(), line
    elif words[0].endswith("broadsheet"):
        args = parser().parse_args(words[1:])
        assert args.verb, line
    else:
        pytest.fail(f"unexpected command in a CI file: {line}")


def run_lines(steps: list[dict]) -> list[str]:
    return [ln for step in steps if "run" in step
            for ln in step["run"].splitlines() if ln.strip()]


def test_github_workflow_builds_caches_and_deploys():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    build = flow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in build]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert build[0]["with"]["fetch-depth"] == 0  # git dates need the history
    config = load_config(REPO / "site.yaml")
    cache = next(s for s in build if s.get("uses", "").startswith("actions/cache@"))
    cached = set(cache["with"]["path"].split())
    for folder in (config.state_dir, config.index_dir, config.site_dir):
        rel = folder.relative_to(REPO)
        assert any(rel == Path(c) or Path(c) in rel.parents for c in cached), rel
    lines = run_lines(build)
    assert lines[0] == "make site"
    for line in lines:
        check_command(line)
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages"))
    assert REPO / upload["with"]["path"] == config.site_dir
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_gitlab_snippet_in_the_deployment_guide():
    guide = (REPO / "docs" / "guide" / "deployment.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.gitlab-ci\.yml.*?)```", guide, re.S)
    assert block, "the deployment guide has the GitLab CI snippet"
    flow = yaml.safe_load(block.group(1))
    job = flow["pages"]
    config = load_config(REPO / "site.yaml")
    assert {str(p.relative_to(REPO)) for p in (config.state_dir.parent, config.site_dir)} \
        <= set(job["cache"]["paths"])
    for line in job["script"]:
        if line.startswith(("mv ", "cp ")):
            continue
        check_command(line)
    assert job["artifacts"]["paths"] == ["public"]
