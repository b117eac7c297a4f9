"""The OpenAPI document's groups: every tag an operation uses is listed, in the documented
order, whatever order the routers are matched in (the most requested first)."""

from __future__ import annotations

from signaltrust.api.app import DOCUMENTED_TAGS


def test_openapi_tags_when_read_then_every_used_tag_is_listed_in_the_documented_order(client):
    document = client.get("/openapi.json").json()
    listed = [t["name"] for t in document["tags"]]
    used = {tag for path in document["paths"].values() for op in path.values()
            for tag in op.get("tags", [])}
    assert listed == DOCUMENTED_TAGS
    assert used <= set(listed)

