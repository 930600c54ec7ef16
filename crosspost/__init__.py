"""crosspost: turn a newsletter issue into an X thread, quote cards and Instagram posts."""

__version__ = "0.1.0"


def weighted_length(text: str) -> int:
    """X's weighted length of a post (twitter-text v3: URLs 23, CJK and emoji 2, NFC)."""
    from .platforms.x.textlen import weighted_length as _wl

    return _wl(text)


__all__ = ["weighted_length", "__version__"]
