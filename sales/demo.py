"""Demo data for §13: placeholder replaced below."""


def seed(*, now):
    return {}
