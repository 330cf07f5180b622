"""The common ways APIs page a listing, as replies a fake API's routes return.

Each helper takes the request and the whole listing (already filtered and sorted) and
answers one page of it:

- :func:`offset_page`: ``page``/``per_page``, ``Link: rel="next"`` and the ``X-Page``,
  ``X-Per-Page``, ``X-Total``, ``X-Total-Pages``, ``X-Next-Page`` headers (GitLab);
- :func:`keyset_page`: records after a key (``id_after``), ``Link: rel="next"`` only
  (GitLab's keyset pagination);
- :func:`cursor_page`: an opaque cursor in the body (``nextId``), sent back as a
  parameter (Checkly);
- :func:`numbered_page`: ``page``/``page_size`` with a flag saying whether more pages
  follow (``more_records`` in Zoho CRM's ``info``, ``has_more`` elsewhere);
- :func:`skip_page`: ``page`` is how many records to skip, and the answer carries the
  next page's token in a paging object (``{"data": [...], "paging": {"next": "200"}}``,
  Time Doctor), none on the last page; :func:`skipped` is its window, for answers
  shaped otherwise.

A page size is clamped to ``1..max_size``, as APIs do.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from observes_singer.tapkit.fake_api.server import Reply, Request

Item = Mapping[str, Any]


def page_size(request: Request, name: str, default: int, max_size: int) -> int:
    try:
        wanted = int(request.query.get(name, default))
    except ValueError:
        wanted = default
    return max(1, min(max_size, wanted))


def next_link(request: Request, changes: Mapping[str, Any], origin: str | None = None) -> str:
    """The request's own URL (on ``origin``, by default the server's) with ``changes`` to
    its query; the other parameters, repeated ones too, are kept."""
    kept = [(k, v) for k, values in request.params.items() if k not in changes
            for v in values]
    query = urlencode([*kept, *((k, str(v)) for k, v in changes.items())])
    return f"{origin or request.origin}{request.path}?{query}"


def offset_page(request: Request, items: Sequence[Item], *, default_size: int = 20,
                max_size: int = 100, page_param: str = "page", size_param: str = "per_page",
                link_origin: str | None = None) -> Reply:
    size = page_size(request, size_param, default_size, max_size)
    try:
        page = max(1, int(request.query.get(page_param, 1)))
    except ValueError:
        page = 1
    total = len(items)
    pages = max(1, -(-total // size))
    headers = {"X-Page": str(page), "X-Per-Page": str(size), "X-Total": str(total),
               "X-Total-Pages": str(pages),
               "X-Next-Page": str(page + 1) if page < pages else ""}
    if page < pages:
        link = next_link(request, {page_param: page + 1, size_param: size}, link_origin)
        headers["Link"] = f'<{link}>; rel="next"'
    return Reply(200, list(items[(page - 1) * size: page * size]), headers)


def keyset_page(request: Request, items: Sequence[Item], *, key: str = "id",
                after_param: str = "id_after", default_size: int = 20, max_size: int = 100,
                size_param: str = "per_page", link_origin: str | None = None) -> Reply:
    """Records whose ``key`` is above ``after_param``, in ascending order of ``key``."""
    size = page_size(request, size_param, default_size, max_size)
    ordered = sorted(items, key=lambda item: item[key])
    after = request.query.get(after_param)
    if after is not None:
        ordered = [i for i in ordered if _beyond(i[key], after)]
    chunk = ordered[:size]
    headers: dict[str, str] = {}
    if len(ordered) > size:
        link = next_link(request, {after_param: chunk[-1][key], size_param: size},
                         link_origin)
        headers["Link"] = f'<{link}>; rel="next"'
    return Reply(200, chunk, headers)


def _beyond(value: Any, after: str) -> bool:
    if isinstance(value, int) and after.lstrip("-").isdigit():
        return value > int(after)
    return str(value) > after


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"position:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text.removeprefix("position:")) if text.startswith("position:") else None
    except ValueError:
        return None


def cursor_page(request: Request, items: Sequence[Item], *, items_key: str = "entries",
                cursor_key: str = "nextId", cursor_param: str = "nextId",
                size_param: str = "limit", default_size: int = 10,
                max_size: int = 100) -> Reply:
    """``{"entries": [...], "length": n, "nextId": "..."}``, ``nextId`` null on the last
    page; an unknown cursor is a 400, as real APIs answer a stale one."""
    size = page_size(request, size_param, default_size, max_size)
    start = 0
    if request.query.get(cursor_param):
        position = decode_cursor(request.query[cursor_param])
        if position is None:
            return Reply(400, {"message": f"invalid {cursor_param}"})
        start = position
    chunk = list(items[start:start + size])
    following = encode_cursor(start + size) if start + size < len(items) else None
    return Reply(200, {items_key: chunk, "length": len(chunk), cursor_key: following})


def numbered_page(request: Request, items: Sequence[Item], *, items_key: str = "data",
                  flag: str = "has_more", info_key: str | None = None,
                  page_param: str = "page", size_param: str = "page_size",
                  default_size: int = 20, max_size: int = 200, first_page: int = 1) -> Reply:
    """``{"data": [...], "page": 1, "page_size": 20, "count": n, "has_more": true}``; with
    ``info_key`` ("info", Zoho CRM) the paging fields go in that object instead."""
    size = page_size(request, size_param, default_size, max_size)
    try:
        page = max(first_page, int(request.query.get(page_param, first_page)))
    except ValueError:
        page = first_page
    start = (page - first_page) * size
    chunk = list(items[start:start + size])
    info = {page_param: page, size_param: size, "count": len(chunk),
            flag: start + size < len(items)}
    body: dict[str, Any] = {items_key: chunk}
    if info_key:
        body[info_key] = info
    else:
        body.update(info)
    return Reply(200, body)


def skipped(request: Request, items: Sequence[Item], *, page_param: str = "page",
            size_param: str = "limit", default_size: int = 100,
            max_size: int = 1000) -> tuple[list[Item], str | None]:
    """The records after the ``page_param`` first (a count of records to skip), and the
    token of the page that follows them (None on the last page)."""
    size = page_size(request, size_param, default_size, max_size)
    try:
        skip = max(0, int(request.query.get(page_param, 0)))
    except ValueError:
        skip = 0
    following = str(skip + size) if skip + size < len(items) else None
    return list(items[skip:skip + size]), following


def skip_page(request: Request, items: Sequence[Item], *, items_key: str = "data",
              paging_key: str = "paging", page_param: str = "page",
              size_param: str = "limit", default_size: int = 100,
              max_size: int = 1000) -> Reply:
    """``{"data": [...], "paging": {"next": "200"}}``; ``paging`` is empty on the last
    page."""
    chunk, following = skipped(request, items, page_param=page_param,
                               size_param=size_param, default_size=default_size,
                               max_size=max_size)
    paging = {} if following is None else {"next": following}
    return Reply(200, {items_key: chunk, paging_key: paging})
