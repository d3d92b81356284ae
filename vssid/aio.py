"""The one way async code (actions, channels) runs a blocking call: in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def run_blocking(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run `function` off the event loop so Sanic keeps serving other requests meanwhile."""
    return await asyncio.to_thread(function, *args, **kwargs)
