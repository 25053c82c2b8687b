"""The examples in examples/python run."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


@pytest.mark.parametrize(
    "script,expected",
    [("quickstart.py", "as expected: email_taken"), ("async_quickstart.py", "as expected: invalid_credentials")],
)
def test_example_runs(script: str, expected: str) -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], check=True, capture_output=True, text=True, timeout=120
    )
    assert expected in out.stdout
