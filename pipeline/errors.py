"""The one error type a stage raises for bad input: the CLI prints its message on one line."""

from __future__ import annotations


class PipelineError(Exception):
    """A problem the user can fix. The message names the problem and the fix, on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class KeepArtifacts(PipelineError):
    """A PipelineError after which what the run made so far is worth keeping (e.g. a rendered
    project the user builds elsewhere): deploy publishes its staging directory before reporting it."""
