"""Who may do what with the archive: named predicates that services raise on and views ask."""


def import_allowed(user) -> bool:
    """Imports (xlsx) are the archive keepers' work: 销售内勤, the manager, the administrator (§2)."""
    return user.is_active and (user.is_assistant or user.is_manager or user.is_administrator)


def export_allowed(user) -> bool:
    """Exports: the archive keepers and 总经办, never a salesperson (archives are 保密资料)."""
    return user.is_active and (user.is_assistant or user.is_manager or user.sees_all_departments)
