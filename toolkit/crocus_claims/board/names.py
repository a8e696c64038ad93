"""Display names of registry ids (actors, outlets, incidents), from the schema's registries."""

from __future__ import annotations

from crocus_claims.loader.frames import ACTOR_REGISTRY, OUTLET_REGISTRY
from crocus_claims.schema import Schema

INCIDENT_REGISTRY = "incident"


class Names:
    """A registry id's name (the id itself when the registry does not list it; None for None)."""

    def __init__(self, schema: Schema):
        self.by_registry = {r.name: {entry.id: entry.name for entry in r.entries} for r in schema.registries}

    def registry(self, registry: str, entry_id: str | None) -> str | None:
        if entry_id is None:
            return None
        return self.by_registry.get(registry, {}).get(entry_id, entry_id)

    def actor(self, actor_id: str | None) -> str | None:
        return self.registry(ACTOR_REGISTRY, actor_id)

    def outlet(self, outlet_id: str | None) -> str | None:
        return self.registry(OUTLET_REGISTRY, outlet_id)

    def incident(self, incident_id: str) -> str:
        return self.registry(INCIDENT_REGISTRY, incident_id) or incident_id
