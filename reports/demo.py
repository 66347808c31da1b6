def seed(*, now):
    return None
