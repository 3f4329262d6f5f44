#!/usr/bin/env python3
"""Copies the contract schemas the OpenAPI documents embed (docs/contract/*.schema.json) into their
components.schemas, as IngestOpenApiTest and ScorerOpenApiTest expect them: the schema under its component
name without $schema and $defs, each $def a component of its own, #/$defs/X refs as #/components/schemas/X.
Everything else in the documents is edited by hand. Run from anywhere: python3 docs/contract/sync-openapi.py"""
import collections
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = {
    "ingest/src/main/resources/io/weightcast/ingest/openapi.json": {"RunEvent": "runs"},
    "scorer/src/main/resources/io/weightcast/scorer/http/openapi.json": {"Score": "scores", "Alert": "alerts"},
}


def rewrite(node):
    if isinstance(node, dict):
        return collections.OrderedDict(
            (k, "#/components/schemas/" + v[len("#/$defs/"):]
             if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/") else rewrite(v))
            for k, v in node.items())
    if isinstance(node, list):
        return [rewrite(x) for x in node]
    return node


for path, embedded in DOCUMENTS.items():
    file = ROOT / path
    doc = json.loads(file.read_text(encoding="utf-8"), object_pairs_hook=collections.OrderedDict)
    schemas = doc["components"]["schemas"]
    for component, topic in embedded.items():
        schema = json.loads((ROOT / "docs/contract" / f"{topic}.schema.json").read_text(encoding="utf-8"),
                            object_pairs_hook=collections.OrderedDict)
        schema.pop("$schema", None)
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = rewrite(definition)
        schemas[component] = rewrite(schema)
    file.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("updated", path)
