"""`ls migrate`: a project made with the old config, holding two annotators' work and a prediction,
upgraded in place on the real server (tests/labelstudio_server.py) to a made-up next version that
renames a label, a control, a choice value and a relation, removes a value and a label, and asks
for a decision (tests/schema_versions.py). A pull afterwards must give exactly the migrated records.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from crocus_claims.corpus import CorpusDocument, load_corpus, text_sha256
from crocus_claims.labelstudio import LabelStudioError, client
from crocus_claims.labelstudio.config import build_config
from crocus_claims.labelstudio.importer import convert_export
from crocus_claims.labelstudio.migrate import migrate_project, superset_config
from crocus_claims.labelstudio.server import Server
from crocus_claims.labelstudio.tasks import prediction_for, result_items
from crocus_claims.migration import Decision, Decisions, migrate_record, migration_path
from crocus_claims.schema import SchemaFolder, load_schema
from label_studio_sdk import LabelStudio
from schema_versions import made_up_folder
from test_ls_server import run

SECOND = "migrating.annotator@crocus-claims.test"
TEXT = ("Officials blamed the group for the attack. Envoys had warned of a threat to the venue. "
        "Agency X reported both claims.\n")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> SchemaFolder:
    return made_up_folder(tmp_path_factory.mktemp("schema"))


def document(doc_id: str) -> CorpusDocument:
    return CorpusDocument(doc_id=doc_id, title=None, outlet=None, publication_date=None, byline=None,
                          wire_source=None, source_file=f"{doc_id}.txt", stripped_prefix="",
                          text_sha256=text_sha256(TEXT), text=TEXT)


def span(span_id: str, label: str, quote: str, **attributes: Any) -> dict[str, Any]:
    start = TEXT.index(quote)
    return {"id": span_id, "label": label, "start": start, "end": start + len(quote), "text": quote,
            "attributes": attributes}


def v1_record(doc_id: str, annotator: str, *, role: str, with_outlet: bool) -> dict[str, Any]:
    """A 1.0.0 record touched by every kind of change the made-up migration makes."""
    spans = [
        span("claim", "PERPETRATOR_CLAIM", "blamed the group for the attack", incident="CROCUS_2024",
             claim_type="accusation", role=role, factuality="certain", author_stance="neutral"),
        span("officials", "ACTOR", "Officials", actor="RUSSIA_GOVERNMENT"),
        span("warning", "WARNING", "warned of a threat to the venue", incident="FUTURE_OR_HYPOTHETICAL",
             warning_type="threat", channel="not_stated", names_target=True, names_time=False,
             factuality="certain"),
        span("envoys", "ACTOR", "Envoys", actor="OTHER_ACTOR"),
    ]
    relations = [{"id": "r1", "type": "source", "head": "claim", "tail": "officials"},
                 {"id": "r2", "type": "agent", "head": "warning", "tail": "envoys"},
                 {"id": "r3", "type": "supports", "head": "warning", "tail": "claim"}]
    if with_outlet:
        spans.append(span("agency", "MEDIA_OUTLET", "Agency X", outlet="OTHER_OUTLET"))
        relations.append({"id": "r4", "type": "reported_by", "head": "claim", "tail": "agency"})
    return {"doc_id": doc_id, "schema_version": "1.0.0", "text_sha256": text_sha256(TEXT),
            "annotator": annotator, "spans": spans, "relations": relations}


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what Label Studio does not keep: relation ids, null attributes, the version."""
    spans = sorted(({**s, "attributes": {k: v for k, v in s["attributes"].items() if v is not None}}
                    for s in record["spans"]), key=lambda s: s["id"])
    return {"doc_id": record["doc_id"], "annotator": record["annotator"], "spans": spans,
            "relations": sorted((r["type"], r["head"], r["tail"]) for r in record["relations"])}


def decisions_for(annotators: list[str]) -> Decisions:
    """The second annotator's answer differs: decisions may name the annotator they are for;
    one without an annotator (here: for the prediction) answers for every record of the document."""
    answers = {annotators[0]: "CROCUS_2024", annotators[1]: "OTHER", None: "CROCUS_2024"}
    return Decisions([Decision(doc_id=DOC, span_id="warning", answer=answer, by="test",
                               why="the text names the venue of the attack", annotator=annotator)
                      for annotator, answer in answers.items()])


DOC = "doc-migrate"


@pytest.fixture(scope="module")
def admin(label_studio: Server) -> LabelStudio:
    return client.connect(label_studio.url, label_studio.login.token)


def old_project(admin: LabelStudio, label_studio: Server, folder: SchemaFolder) -> tuple[str, list[str]]:
    """A 1.0.0 project with two annotators' annotations and a prediction; its title and annotators."""
    old = folder.load("1.0.0")
    title = f"migrate {uuid.uuid4().hex[:8]}"
    corpus = {DOC: document(DOC)}
    pushed = client.push(admin, schema=old, corpus=corpus, title=title)
    second = next((u for u in admin.users.list() if u.email == SECOND), None) or \
        admin.users.create(email=SECOND, username=SECOND)
    (task,) = list(admin.tasks.list(project=pushed.project_id, fields="all"))
    records = [v1_record(DOC, label_studio.login.email, role="assisted", with_outlet=True),
               v1_record(DOC, SECOND, role="carried_out", with_outlet=False)]
    users = {label_studio.login.email: admin.users.whoami().id, SECOND: second.id}
    for record in records:
        admin.annotations.create(id=task.id, result=result_items(record, old), ground_truth=False,
                                 completed_by=users[record["annotator"]])
    prediction = prediction_for(v1_record(DOC, "model", role="unspecified", with_outlet=False), old, "prelabel")
    admin.predictions.create(task=task.id, result=prediction["result"], model_version=prediction["model_version"])
    return title, [label_studio.login.email, SECOND]


pytestmark = pytest.mark.server


def test_the_superset_config_holds_both_versions_names(folder: SchemaFolder) -> None:
    config = ET.fromstring(superset_config(folder.load("1.1.0"), folder.load("2.0.0")))
    labels = {label.get("value") for label in config.find("Labels")}
    assert {"PERPETRATOR_CLAIM", "ATTRIBUTION", "MEDIA_OUTLET"} <= labels
    relations = {relation.get("value") for relation in config.find("Relations")}
    assert {"supports", "corroborates"} <= relations
    controls = {element.get("name") for element in config.iter() if element.get("name")}
    assert {"names_time", "names_date", "as_of", "verified"} <= controls
    choices = {choice.get("value") for choice in config.iter("Choice")}
    assert {"threat", "threat_of_action", "assisted", "deny_involvement", "reject_responsibility"} <= choices


def test_a_project_with_two_annotators_is_migrated_in_place(admin: LabelStudio, label_studio: Server,
                                                          folder: SchemaFolder, tmp_path: Path) -> None:
    title, annotators = old_project(admin, label_studio, folder)
    corpus = {DOC: document(DOC)}
    before, users = client.pull(admin, title)
    old_records, report = convert_export(before, schema=folder.load("1.0.0"), corpus=corpus, users=users)
    assert report.problems == [] and len(old_records) == 2
    migrations = migration_path("1.0.0", "2.0.0", folder)
    expected = [migrate_record(record, migrations, decisions_for(annotators))[0] for record in old_records]

    with pytest.raises(LabelStudioError) as blocked:  # losses are refused unless allowed
        migrate_project(admin, title=title, to_version="2.0.0", folder=folder, corpus=corpus,
                        decisions=decisions_for(annotators))
    assert blocked.value.code == "migration-blocked"
    project = client.find_project(admin, title)
    assert admin.projects.get(id=project.id).label_config == build_config(folder.load("1.0.0"))

    backup = tmp_path / "backup.json"
    outcome = migrate_project(admin, title=title, to_version="2.0.0", folder=folder, corpus=corpus,
                              decisions=decisions_for(annotators), allow_loss=True, backup=backup)
    assert outcome.applied and outcome.differences == []
    assert backup.is_file() and "PERPETRATOR_CLAIM" in backup.read_text(encoding="utf-8")
    assert {i.kind for i in outcome.plan.impacts} >= {"changed", "decided", "lost"}

    new = folder.load("2.0.0")
    assert admin.projects.get(id=project.id).label_config == build_config(new)
    after, users = client.pull(admin, title)
    records, report = convert_export(after, schema=new, corpus=corpus, users=users)
    assert report.problems == []  # nothing orphaned
    assert sorted(map(comparable, records), key=lambda r: r["annotator"]) == \
        sorted(map(comparable, expected), key=lambda r: r["annotator"])
    (first,) = [r for r in records if r["annotator"] == annotators[0]]
    claim = next(s for s in first["spans"] if s["id"] == "claim")
    assert claim["label"] == "ATTRIBUTION" and claim["attributes"]["role"] is None  # `assisted` removed
    warning = next(s for s in first["spans"] if s["id"] == "warning")
    assert warning["attributes"]["warning_type"] == "threat_of_action"
    assert warning["attributes"]["names_date"] is False and warning["attributes"]["incident"] == "CROCUS_2024"
    assert "agency" not in {s["id"] for s in first["spans"]}
    (second,) = [r for r in records if r["annotator"] == annotators[1]]
    assert next(s for s in second["spans"] if s["id"] == "warning")["attributes"]["incident"] == "OTHER"
    prediction = next(p for p in admin.predictions.list(project=project.id))
    assert {item["value"]["labels"][0] for item in prediction.result if item.get("from_name") == "label"} \
        == {"ATTRIBUTION", "ACTOR", "WARNING"}

    again = migrate_project(admin, title=title, to_version="2.0.0", folder=folder, corpus=corpus)
    assert not again.applied and again.plan.impacts == []  # nothing left to do


def test_an_undecided_item_blocks_and_names_its_span(admin: LabelStudio, label_studio: Server,
                                                     folder: SchemaFolder) -> None:
    title, _ = old_project(admin, label_studio, folder)
    with pytest.raises(LabelStudioError) as blocked:
        migrate_project(admin, title=title, to_version="2.0.0", folder=folder, corpus={DOC: document(DOC)},
                        allow_loss=True)
    assert blocked.value.code == "migration-blocked"
    assert "migration-needs-decision" in str(blocked.value) and "warning" in str(blocked.value)


def test_push_refuses_to_replace_another_versions_config(admin: LabelStudio, label_studio: Server,
                                                         folder: SchemaFolder) -> None:
    title, _ = old_project(admin, label_studio, folder)
    with pytest.raises(LabelStudioError) as refused:
        client.push(admin, schema=folder.load("2.0.0"), corpus={DOC: document(DOC)}, title=title, folder=folder)
    assert refused.value.code == "project-needs-migration" and "ls migrate --to 2.0.0" in str(refused.value)
    project = client.find_project(admin, title)
    assert admin.projects.get(id=project.id).label_config == build_config(folder.load("1.0.0"))


def test_the_command_reports_and_exits_by_the_contract(admin: LabelStudio, label_studio: Server,
                                                       folder: SchemaFolder, tmp_path: Path) -> None:
    title = f"migrate cli {uuid.uuid4().hex[:8]}"
    client.push(admin, schema=load_schema(), corpus=load_corpus(), title=title)
    backup = tmp_path / "backup.json"
    same = run("ls", "migrate", "--title", title, "--to", load_schema().version, "--format", "json",
               "--backup", str(backup), url=label_studio.url, token=label_studio.login.token)
    assert same.returncode == 0, same.stderr
    document = json.loads(same.stdout)
    assert set(document) == {"valid", "summary", "findings"} and document["valid"] is True  # every check's shape
    assert document["summary"]["applied"] is False and "nothing to migrate" in same.stderr
    assert not backup.exists()  # no backup when nothing is sent
    unknown = run("ls", "migrate", "--title", title, "--to", "9.9.9", url=label_studio.url,
                  token=label_studio.login.token)
    assert unknown.returncode == 2 and "no schema 9.9.9" in unknown.stderr
    missing = run("ls", "migrate", "--title", "no such project", "--to", load_schema().version,
                  url=label_studio.url, token=label_studio.login.token)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: project-not-found:")
