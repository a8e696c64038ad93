"""The datasheet of a release (its README.md), after "Datasheets for Datasets" (Gebru et al., 2021).

The prose is fixed; every number, name and hash in it comes from `ReleaseFacts`, so a change in
the data changes the datasheet and nothing in it can drift from the release it describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from crocus_claims.agreement import AgreementReport, Score
from crocus_claims.release.facts import (
    ANNOTATIONS_TERMS,
    CODE_LICENCE,
    LICENCE_EXPRESSION,
    TEXTS_TERMS,
    ReleaseFacts,
)
from crocus_claims.release.splits import describe_rule
from crocus_claims.schema import Schema

NOT_MEASURED = "not measured"
NOT_STATED = "not stated"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return NOT_STATED if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.3f}"


def motivation(facts: ReleaseFacts) -> str:
    schema = facts.schema
    return f"""## Motivation

{schema.description}

The dataset exists to study how news reporting attributes an attack: who is said to have done it
and on whose word, how casualty figures are stated and bounded, who warned whom beforehand, and
who denies what. The annotation records what the text commits to, never whether it is true.
It was created by the Crocus Claims contributors, with the toolkit in the project repository."""


def composition(facts: ReleaseFacts) -> str:
    counts, schema = facts.counts, facts.schema
    per_split = ", ".join(f"{n} {split}" for split, n in counts["documents_per_split"].items())
    documents = table(
        ["doc_id", "split", "characters", "spans", "relations", "publication date"],
        ((d.doc_id, d.split, d.characters, d.spans, d.relations, d.publication_date) for d in facts.documents),
    )
    labels = table(
        ["label", "kind", "spans", "definition"],
        ((label.name, label.kind, counts["spans_per_label"][label.name], label.definition) for label in schema.labels),
    )
    relations = table(
        ["relation", "relations", "definition"],
        ((r.name, counts["relations_per_type"][r.name], r.definition) for r in schema.relations),
    )
    not_released = (
        f"\n\nCorpus documents without gold annotations, not in this release: {', '.join(facts.not_released)}."
        if facts.not_released else ""
    )
    return f"""## Composition

Each instance is one English news article with its text, its metadata (null wherever the article
does not state it) and its gold annotations: typed spans over the text, with attributes, and
typed relations between spans. This release holds {counts['documents']} documents ({per_split}),
{counts['characters']} characters of text, {counts['spans']} spans and {counts['relations']} relations.{not_released}

{documents}

Spans per label (schema {schema.version}):

{labels}

Relations per type:

{relations}

Values of the closed attributes, per label, are counted in `manifest.json` (`counts.attribute_values`).

### Splits

{describe_rule()} The rule never moves a document when others are added. With so few
documents, the splits are for wiring training and evaluation code end to end, not for measuring
models: no figure computed on a dev or test split of this size is worth reporting. Articles that
report the same story may fall into different splits.

### Sensitive content

The articles report a terrorist attack, its victims and suspects, and accusations between states.
They name public officials and people accused of the attack, as published by the outlets."""


def collection(facts: ReleaseFacts) -> str:
    rows = ((d.doc_id, d.source_file, d.source_sha256, d.title, d.outlet, d.wire_source) for d in facts.documents)
    return f"""## Collection process

The articles are English news reports about the attack on Crocus City Hall, Krasnogorsk, on
22 March 2024, received as plain-text files. Each document's text is its source file with Unix
newlines and Unicode NFC, minus a " date YYYY-MM-DD " prefix that some files carry glued to
their start. Nothing else of the text is changed, so every offset points into what the outlet
published. Metadata is hand-checked and set only where the article itself states it.

- **Publication date**: the date of that glued prefix, the only source of a date; documents whose
  file has none have no date (null). It is the date received with the file, not checked against
  the outlet.
- **Wire source**: the news organisation that the article itself credits with the report it
  retells, as named in that credit ("X reports", "reports X", "according to X", "reported to X",
  "quoted by X", or "X:" opening the headline), applied by this one rule to every article; null
  when the article credits none. It need not be a wire agency, and the article need not be its
  copy: articles with the same wire source may retell the same report, so their statements are
  not independent.

{table(["doc_id", "source file", "SHA-256 of the source file", "title", "outlet", "wire source"], rows)}"""


def annotation_process(facts: ReleaseFacts) -> str:
    annotators = ", ".join(f"`{name}`" for name in facts.counts["annotators"])
    return f"""## Annotation process

Annotations follow schema {facts.schema.version} (`schema/` in this release, with the JSON Schema of
a record). Every record of this release is a gold record, one per document (annotator: {annotators}).
The release was built only after the project's validator accepted every gold record: labels,
attributes, offsets against the text, span texts, relations and the consistency of casualty
figures with their qualifiers.

{agreement_section(facts.agreement, facts.agreement_method)}{adjudication_section(facts)}"""


def adjudication_section(facts: ReleaseFacts) -> str:
    """The decision files shipped in agreement/adjudication/, with how many items each decided."""
    decisions = {name: path for name, path in facts.agreement_material.items() if name.endswith("decisions.yaml")}
    if not decisions:
        return ""
    rows = []
    for name, path in sorted(decisions.items()):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = data.get("items") or []
        rows.append([name, ", ".join(data.get("passes") or []), data.get("into"), len(items),
                     sum(1 for item in items if item.get("decision") not in (None, ""))])
    return "\n\n### Adjudication\n\nEvery disagreement between passes was decided in a file shipped with this " \
        "release, with who decided and why (`crocus-claims adjudicate`); the agreement report before " \
        "adjudication is beside each.\n\n" + table(["file", "passes", "into", "items", "decided"], rows)


def score_row(name: str, score: Score) -> list[Any]:
    return [name, score.count_a, score.count_b, score.matched, ratio(score.precision), ratio(score.recall),
            ratio(score.f1)]


def agreement_section(report: AgreementReport | None, method: str | None = None) -> str:
    if report is None:
        return f"### Agreement\n\nInter-annotator agreement: {NOT_MEASURED} for this release."
    header = ["", "spans A", "spans B", "matched", "precision", "recall", "F1"]
    spans = "\n\n".join(
        f"Spans, {matching} match:\n\n" + table(
            header,
            [*(score_row(label, s) for label, s in scores.per_label.items()),
             score_row("core labels", scores.core), score_row("all labels", scores.all)],
        )
        for matching, scores in report.spans.items()
    )
    relations = "\n\n".join(
        f"Relations, {matching} match:\n\n" + table(
            header, [*(score_row(t, s) for t, s in scores.per_type.items()), score_row("all", scores.all)]
        )
        for matching, scores in report.relations.items()
    )
    attributes = table(
        ["label", "attribute", "pairs", "agreed", "observed", "Cohen's kappa"],
        ((a.label, a.attribute, a.pairs, a.agreed, ratio(a.observed), ratio(a.kappa)) for a in report.attributes),
    )
    method_text = f"\n{method}\n" if method else ""
    return f"""### Agreement

Annotators {', '.join(report.annotators_a)} (A) against {', '.join(report.annotators_b)} (B), on
{len(report.documents.shared)} shared documents (schema {report.schema_version}); a ratio with a zero
denominator is {NOT_MEASURED}.
{method_text}
{spans}

{relations}

Attributes, on overlap-matched span pairs:

{attributes}"""


def uses(schema: Schema) -> str:
    return f"""## Uses

Suited to: studying attribution, hedging and denial in reporting on an attack; testing span and
relation extraction code on {', '.join(schema.core_labels)}; teaching annotation of contested claims.
Not suited to: deciding who carried out the attack or how many people died (the annotation records
what sources say, not what is true); training or evaluating models for any reported score (far
too few documents); profiling the people named in the articles."""


def licence(facts: ReleaseFacts) -> str:
    return f"""## Distribution and licence

{ANNOTATIONS_TERMS} {TEXTS_TERMS} Their provenance is the table of source files and SHA-256
hashes above. The toolkit that built this release is under the {CODE_LICENCE} licence. As one
SPDX expression: `{LICENCE_EXPRESSION}`; NOTICE.md in the toolkit's repository has the details.

## Maintenance

Versions: release {facts.release_version}, schema {facts.schema.version}, toolkit {facts.toolkit_version}.
Corrections of annotations come as new releases; `manifest.json` lists every file of this release
with its SHA-256 and the hashes of the inputs it was built from. Check a copy with
`crocus-claims release verify <folder>`."""


def title(facts: ReleaseFacts) -> str:
    built = f" Built {facts.created.isoformat()}." if facts.created else ""
    return f"""# Crocus Claims {facts.release_version}: datasheet

Release {facts.release_version} of the Crocus Claims dataset, annotated with schema {facts.schema.version}.{built}
Files: `documents.jsonl` (one document per line), `schema/`, `manifest.json`, `croissant.json`,
this datasheet, and the claims board: [`board/index.html`](board/index.html), a static site (no
network, no JavaScript) that puts the articles' statements side by side (casualty figures as
intervals, perpetrator claims, warnings, denials) and shows every document with its annotations."""


def changes_since_previous(facts: ReleaseFacts) -> str:
    """What changed since the previous release, computed by `release diff` against the copy of
    that release kept in annotations/releases/<version>/."""
    from crocus_claims.release.diff import render_markdown

    text = render_markdown(facts.changes).rstrip("\n")
    carried = ", ".join(facts.schema_versions)
    migrations = ", ".join(f"`schema/migrations/{name}.yaml`" for name in facts.migrations)
    return (f"{text}\n\nThis release carries every schema version its records passed through since then "
            f"({carried}, in `schema/`)" + (f" and the migrations between them ({migrations})" if migrations else "")
            + ", so that records of the previous release can be read and migrated with it "
            "(`crocus-claims annotations migrate`).")


def render_datasheet(facts: ReleaseFacts) -> str:
    sections = [
        title(facts),
        motivation(facts),
        composition(facts),
        *([changes_since_previous(facts)] if facts.changes is not None else []),
        collection(facts),
        annotation_process(facts),
        uses(facts.schema),
        licence(facts),
    ]
    return "\n\n".join(sections) + "\n"
