"""The configured groups' projects as a stream: which project belongs to which group.

``GET /groups/:id/projects`` lists a group's projects with the same fields as the project
listing: its own and its subgroups' (``include_subgroups``), archived ones left out, and
the projects other namespaces share with it only with ``include_shared_projects``
(GitLab's ``with_shared``). One partition per group; read whole each run, by offset pages
(GitLab ignores keyset pagination here); a run stopped by ``max_pages`` or
``max_duration`` leaves the page and row to go on from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from observes_singer.tapkit.schemas import schema
from tap_gitlab.delivery_streams import Context, Record, WholeStream
from tap_gitlab.session import GROUP_HINTS


def _schema() -> dict[str, Any]:
    """The project schema, keyed by the group instead of the project."""
    found = schema("tap_gitlab", "projects")
    properties = found["properties"]
    properties.pop("project_path", None)
    properties["group_path"] = {"type": "string",
                                "description": "the configured group the project is listed in"}
    return found


class GroupProjectsStream(WholeStream):
    name = "group_projects"
    primary_keys = ("group_path", "id")
    hints = GROUP_HINTS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("schema", _schema())
        super().__init__(*args, **kwargs)

    @property
    def path(self) -> str:  # type: ignore[override]
        return "/groups/{group_path}/projects"

    @property
    def partitions(self) -> list[dict[str, Any]]:
        return [{"group_path": str(g)} for g in self.config.get("groups") or []]

    def get_records(self, context: Context | None) -> Iterable[Record]:
        if not context:  # no groups configured: nothing to list
            return
        yield from super().get_records(context)

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            shared = "true" if self.config.get("include_shared_projects") else "false"
            params.update({"include_subgroups": "true", "with_shared": shared,
                           "archived": "false", "order_by": "id", "sort": "asc"})
        return params

    def keep(self, row: Record, context: Context | None) -> Record | None:
        row.pop("project_path", None)
        row["group_path"] = (context or {}).get("group_path")
        return row
