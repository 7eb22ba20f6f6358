"""The process counts of ``ledgerbus bench drain``: read plainly, refused with a clear reason."""

from __future__ import annotations

import pytest

from deploy.bench.drain.options import MAX_PROCESSES, process_counts


def test_counts_are_read_in_order() -> None:
    assert process_counts("1, 2,3") == [1, 2, 3]


@pytest.mark.parametrize("text", ["", "x", "1,two", "0,2", f"{MAX_PROCESSES + 1}", "-1", "1.5"])
def test_anything_else_is_refused_naming_the_flag(text: str) -> None:
    with pytest.raises(ValueError, match=r"--processes wants counts of 1\.\.8"):
        process_counts(text)
