"""core/sequences.py: named counters for human-facing numbers."""

from careloop.core.models import Sequence
from careloop.core.sequences import sequence_next


def test_sequence_next_starts_at_one_and_counts_up_by_one(db):
    # Given a counter that has never been used
    # When it is asked for three values
    values = [sequence_next(key="customer") for _ in range(3)]
    # Then they are 1, 2, 3 and the counter remembers the last one
    assert values == [1, 2, 3]
    assert Sequence.objects.get(key="customer").last_value == 3


def test_sequence_next_continues_from_the_stored_value(db):
    # Given a counter that already handed out 41 values
    Sequence.objects.create(key="complaint-20260213", last_value=41)
    # When it is asked for the next two
    values = [sequence_next(key="complaint-20260213") for _ in range(2)]
    # Then they follow on without a gap
    assert values == [42, 43]


def test_sequence_next_keeps_distinct_keys_independent(db):
    # Given two counters used in turn
    # When values are drawn from them alternately
    drawn = [
        ("a", sequence_next(key="a")),
        ("b", sequence_next(key="b")),
        ("a", sequence_next(key="a")),
        ("a", sequence_next(key="a")),
        ("b", sequence_next(key="b")),
    ]
    # Then each counts on its own
    assert drawn == [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2)]
    assert dict(Sequence.objects.values_list("key", "last_value")) == {"a": 3, "b": 2}


def test_a_block_of_values_is_reserved_in_one_step(db):
    from careloop.core.sequences import sequence_next

    assert sequence_next(key="block") == 1
    assert sequence_next(key="block", count=5) == 6
    assert sequence_next(key="block") == 7
