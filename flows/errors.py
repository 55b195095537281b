"""The one error type the CLI shows as a single line: bad input named, with what is wrong."""


class UsageError(Exception):
    """Input a person gave that pln cannot use (unknown learner, bad email, bad date...)."""
