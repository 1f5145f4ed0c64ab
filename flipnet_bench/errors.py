"""The project's user-facing error type.

Every error a user can fix (bad input file, unknown params key, missing weight) is a ``BenchError``:
the CLI prints its message without a traceback and exits with status 2.
"""


class BenchError(Exception):
    """An error caused by input the user controls; the message names the culprit and the fix."""
