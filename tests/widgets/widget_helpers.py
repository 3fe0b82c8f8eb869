"""Helpers of the widget tests."""

PROBE = "Widget Probe"


def custom_messages(widget) -> list:
    """The custom messages a widget sent through its (dummy) comm, oldest first."""
    out = []
    for _args, kw in widget.comm.messages:
        data = kw.get("data") or {}
        if data.get("method") == "custom":
            out.append(data["content"])
    return out


def flat(messages) -> list:
    """Messages with batches expanded."""
    out = []
    for m in messages:
        out.extend(m["messages"] if m["type"] == "batch" else [m])
    return out
