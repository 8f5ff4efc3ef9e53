"""The messages of `course grade`: a job for a worker, its result, and the worker's settings.

They cross between processes as one JSON line each (``to_json`` / ``from_json``) and are kept on
disk as ``results/<assignment>/<student>.json``; everything that reads or writes a result (the
worker, the pool, the gradebook merge, the CSV, the summary, the self-check, the demo) uses these
classes, never a dict built by hand.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from .sandbox import Limits, Sandbox

FORMAT = 3                      # bump when a stored result changes meaning

GRADED = "graded"
NEEDS_MANUAL = "needs manual grading"
FAILED = "failed"
STATUSES = (GRADED, NEEDS_MANUAL, FAILED)


class _Json:
    """to/from JSON for a flat dataclass; subclasses convert their nested fields in ``_load``."""

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict):
        known = {f.name for f in fields(cls)}
        return cls(**cls._load({k: v for k, v in data.items() if k in known}))

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(json.loads(text))

    @classmethod
    def _load(cls, data: dict) -> dict:
        return data


@dataclass
class WorkerSettings(_Json):
    """What a worker needs before its first job: enough to start a kernel ahead of time."""
    sandbox: Sandbox
    limits: Limits
    mpl_cache: str = ""          # matplotlib font cache copied into each kernel's home
    kernels: str = ""            # folder for the kernels' scratch, home and kernelspec

    @classmethod
    def _load(cls, data: dict) -> dict:
        return {**data, "sandbox": Sandbox(**data["sandbox"]), "limits": Limits(**data["limits"])}


@dataclass
class GradeJob(_Json):
    """One submission to grade."""
    assignment: str
    student: str
    files: dict[str, str]        # path in the submission -> file to read it from
    notebook: str | None         # which of ``files`` is the notebook (None: there is none)
    fingerprint: str
    template: str                # the assignment's nbgrader course (source, release, fresh gradebook)
    workdir: str                 # the worker's throwaway folder for this job
    settings: WorkerSettings
    problem: str = ""            # why it cannot be graded, found while collecting
    timestamp: str | None = None
    notes: list[str] = field(default_factory=list)
    run_experiments: bool = False

    @classmethod
    def _load(cls, data: dict) -> dict:
        return {**data, "settings": WorkerSettings.from_dict(data["settings"])}


@dataclass
class CellResult(_Json):
    """One graded cell of one submission."""
    grade_id: str
    kind: str                    # "tests" (autograded) or "manual" (a written answer)
    auto_score: float | None
    max_score: float
    needs_manual_grade: bool = False
    message: str = ""            # what the test cell said (error and printed text), hidden lines removed
    auto_comment: str | None = None

    @property
    def passed(self) -> bool:
        return self.auto_score is not None and self.auto_score >= self.max_score


@dataclass
class GradeResult(_Json):
    """What grading one submission gave; ``status`` is one of STATUSES."""
    assignment: str
    student: str
    status: str = FAILED
    reason: str = ""             # why it failed to grade (empty otherwise)
    fingerprint: str = ""
    timestamp: str | None = None
    cells: list[CellResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    autograded: str | None = None   # folder of the autograded notebook (worker: absolute; stored: relative)
    feedback: str | None = None     # the feedback page (worker: absolute; stored: relative)
    late_penalty: float = 0.0
    disagreements: list[str] = field(default_factory=list)   # test cells the kernel and the trusted run judged differently
    sandbox: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    format: int = FORMAT

    @classmethod
    def _load(cls, data: dict) -> dict:
        return {**data, "cells": [CellResult.from_dict(c) for c in data.get("cells", [])]}

    @classmethod
    def failure(cls, job: GradeJob, reason: str) -> GradeResult:
        return cls(job.assignment, job.student, FAILED, reason, job.fingerprint, job.timestamp,
                   notes=list(job.notes), sandbox=job.settings.sandbox.mode)

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    @property
    def score(self) -> float | None:
        """Autograded points (None when it failed to grade)."""
        if self.failed:
            return None
        return sum(c.auto_score or 0.0 for c in self.cells)

    def cell(self, grade_id: str) -> CellResult | None:
        return next((c for c in self.cells if c.grade_id == grade_id), None)

    def failed_tests(self) -> list[CellResult]:
        return [c for c in self.cells if c.kind == "tests" and not c.passed]


# --------------------------------------------------------------------------------------------------
# grading on a Dask cluster (autograder.cluster): the job and its answer carry the files themselves,
# since the cluster's machines need not share a filesystem with the main process

@dataclass
class ClusterJob(_Json):
    """A job for a Dask worker: the submission's files as data (base64), and where to put them."""
    job: GradeJob                # its paths (files, template, workdir) are the main process's
    files: dict[str, str]        # path in the submission -> content, base64
    template: str                # name of the assignment template (sent once per worker, as a tar)
    run: str                     # the run's id: names its folder on each worker
    deadline: float              # seconds before a silent worker is killed (as in the local pool)

    @classmethod
    def _load(cls, data: dict) -> dict:
        return {**data, "job": GradeJob.from_dict(data["job"])}


@dataclass
class ClusterAnswer(_Json):
    """What a Dask worker sends back: the result and the files it refers to, as data (base64)."""
    result: GradeResult          # ``autograded`` and ``feedback`` are None here: the files travel below
    autograded: dict[str, str] = field(default_factory=dict)   # path in the autograded folder -> base64
    feedback: str | None = None  # the feedback page, base64
    worker: str = ""             # host and process that graded it, for the log

    @classmethod
    def _load(cls, data: dict) -> dict:
        return {**data, "result": GradeResult.from_dict(data["result"])}
